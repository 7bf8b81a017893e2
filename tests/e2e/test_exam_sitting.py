"""An exam in the browser, end to end: a student finds the exam in the course outline, draws a
ticket, answers the theory questions, solves the practical task until its checks pass (a wrong
solution first: the per-test table shows the failing test; the editor's code is autosaved and
comes back after a reload), submits, sees the sitting grading and then the practical task graded
automatically; the instructor grades the theory answers on the grading desk (points + comment),
which publishes the grade; the student sees the final grade and the reference answers.

The exam is built here (one ticket: two open questions and a task on the ``python-basic``
runtime), not taken from the seed course, whose tickets need the heavy python-ml runtime. The
practical code runs in the real sandbox, on a real Celery worker consuming the ``sandbox`` queue
(and ``default``, for the notifications): the test needs Chromium, REDIS_URL with a PostgreSQL
DATABASE_URL, and the sandbox with its python-basic runtime, and is skipped with the reason
otherwise (failed instead, for the sandbox, with SANDBOX_TESTS_REQUIRED=1).
"""

import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing, integration_skip_reason
from tests.exams.sandbox_support import require_sandbox

pytestmark = pytest.mark.e2e

PASSWORD = "pass-word-123"  # UserFactory's
COURSE_SLUG = "e2e-exam-course"
EXAM_TITLE = "Final exam: Python basics"
QUESTIONS = (
    ("What is overfitting?", "REFERENCE-1: the model learns the noise of the training set."),
    ("Why split the data into train and test sets?", "REFERENCE-2: to estimate the error on new data."),
)
ANSWERS = (
    "The model fits the training data too closely and does worse on new data.",
    "To measure how well the model generalizes.",
)
STARTER = "def add(a, b):\n    raise NotImplementedError\n"
# Typed into the editor line by line: the editor indents the body of the function.
WRONG = "def add(a, b):\n    return a - b"
RIGHT = "def add(a, b):\n    return a + b"
PUBLIC_TESTS = "from solution import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
# The first hidden test takes a moment on purpose: longer than the result page's polling
# interval (2 s), so the student's page shows the sitting grading before the result arrives.
HIDDEN_TESTS = (
    "import time\n\nfrom solution import add\n\n\n"
    "def test_add_negative():\n    time.sleep(4)\n    assert add(-1, 1) == 0\n\n\n"
    "def test_add_large():\n    assert add(10**6, 1) == 1000001\n"
)
GRADES = (("8", "Right, but name the bias-variance trade-off."), ("9", "Good: generalization is the point."))
GRADING_TIMEOUT_MS = 120_000  # a queued sandbox run on a busy two-core machine


@dataclass
class ExamWorld:
    student: tuple[str, str]
    instructor: tuple[str, str]
    exam_id: int


@pytest.fixture
def grading_services():
    """Skip (with the reason) unless the sandbox, Redis and PostgreSQL are here."""
    reason = integration_skip_reason()
    if reason:
        pytest.skip(f"the exam is graded on a real Celery worker: {reason}")
    require_sandbox("python-basic")


@pytest.fixture
def sandbox_worker(grading_services, celery_worker):
    """A real worker on the sandbox queue (and the default one, for notifications)."""
    return celery_worker.start(queues="sandbox,default")


@pytest.fixture
def exam_world(transactional_db) -> ExamWorld:
    from django.utils import timezone

    from courses.models import CourseStaff
    from exams.models import PracticalTask, TicketQuestion
    from tests.accounts.factories import UserFactory
    from tests.courses.factories import CourseFactory, CourseStaffFactory, EnrollmentFactory, ModuleFactory
    from tests.exams.exam_builders import practical_task
    from tests.exams.factories import ExamFactory, ExamTicketFactory
    from tests.quizzes.factories import OpenQuestionFactory, QuestionCategoryFactory

    now = timezone.now()
    course = CourseFactory(slug=COURSE_SLUG, title="Python for data work")
    module = ModuleFactory(course=course, title="Final assessment")
    student = UserFactory(username="e2e-exam-student", first_name="Ada", last_name="Student")
    instructor = UserFactory(username="e2e-exam-instructor", first_name="Ivan", last_name="Teacher")
    EnrollmentFactory(user=student, course=course)
    CourseStaffFactory(course=course, user=instructor, role=CourseStaff.Role.LEAD)
    exam = ExamFactory(
        course=course,
        module=module,
        title=EXAM_TITLE,
        duration_minutes=30,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    task = practical_task(
        course=course,
        title="Add two numbers",
        runtime=PracticalTask.Runtime.PYTHON_BASIC,
        time_limit_seconds=10,
        memory_limit_mb=256,
        public_tests=PUBLIC_TESTS,
        hidden_tests=HIDDEN_TESTS,
    )
    ticket = ExamTicketFactory(exam=exam, number=1, task=task)
    category = QuestionCategoryFactory(course=course)
    for position, (text, reference) in enumerate(QUESTIONS):
        question = OpenQuestionFactory(category=category, course=course, text_md=text, answer_md=reference)
        TicketQuestion.objects.create(ticket=ticket, question=question, position=position)
    return ExamWorld(
        student=(student.username, PASSWORD),
        instructor=(instructor.username, PASSWORD),
        exam_id=exam.pk,
    )


def _type_code(page: Page, code: str) -> None:
    """Replace the code in the editor (CodeMirror) with the keyboard, as a student would:
    select all, delete, type line by line (the editor indents the body of the ``def`` itself)."""
    page.locator(".code-autosave .CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for number, line in enumerate(code.split("\n")):
        if number:
            page.keyboard.press("Enter")
        page.keyboard.type(line.strip())
    # editor.js copies the editor into its textarea: what forms and HTMX send
    expect(page.locator("textarea[name=content]")).to_have_value(code)


def _run_checks(page: Page) -> None:
    page.get_by_role("button", name="Run checks").click()


@pytest.mark.sandbox
def test_student_sits_the_exam_and_the_instructor_grades_it(
    browsing: Browsing, exam_world: ExamWorld, sandbox_worker
):
    # --- The student finds the exam in the course outline and draws a ticket.
    student = browsing.log_in(exam_world.student)
    student.goto(f"/courses/{COURSE_SLUG}/outline/")
    student.get_by_role("link", name=EXAM_TITLE, exact=True).click()
    student.wait_for_url(f"**/practice/exams/{exam_world.exam_id}/")
    expect(student.get_by_role("heading", level=1)).to_have_text(EXAM_TITLE)
    expect(student.locator(".exam-facts")).to_contain_text("30 minutes")
    browsing.screenshot(student, "exam-page")
    student.get_by_role("button", name="Draw a ticket and start").click()
    student.wait_for_url(re.compile(r"/practice/sittings/\d+/$"))
    sitting_url = student.url
    expect(student.get_by_role("heading", level=1)).to_have_text("Ticket 1")
    expect(student.get_by_role("timer")).to_have_text(re.compile(r"^(29|30):\d\d$"))

    # --- Theory: each answer autosaves.
    questions = student.locator("section.question")
    expect(questions).to_have_count(len(QUESTIONS))
    for index, answer in enumerate(ANSWERS):
        question = questions.nth(index)
        expect(question.locator(".question-text")).to_contain_text(QUESTIONS[index][0])
        question.get_by_label("Your answer").fill(answer)
        expect(question.locator(".save-state")).to_contain_text("Saved at")
    expect(student.locator(".question .reference")).to_have_count(0)  # no reference before the grade
    # The work page's header (the countdown) sticks to the top: viewport screenshots, not full-page.
    browsing.screenshot(student, "theory-answered", full_page=False)

    # --- The practical task: a wrong solution first; the code autosaves.
    expect(student.locator(".code-autosave .CodeMirror")).to_be_visible()
    expect(student.locator("textarea[name=content]")).to_have_value(STARTER)
    expect(student.locator("#code-state")).to_have_text("Not saved yet")
    _type_code(student, WRONG)
    expect(student.locator("#code-state")).to_contain_text("Saved at")

    # A reload (a lost tab, a crash) brings the saved code and answers back.
    student.reload()
    expect(student.locator("textarea[name=content]")).to_have_value(WRONG)
    expect(student.locator(".code-autosave .CodeMirror")).to_contain_text("return a - b")
    expect(student.locator("#code-state")).to_contain_text("Saved at")
    expect(questions.nth(0).get_by_label("Your answer")).to_have_value(ANSWERS[0])
    student.locator(".code-autosave").scroll_into_view_if_needed()
    browsing.screenshot(student, "code-restored-after-reload", full_page=False)

    # "Run checks": the public test fails, row by row in the results table.
    _run_checks(student)
    run = student.locator("#sitting-run")
    failing = run.locator("table.results tr.result", has_text="test_add")
    expect(failing).to_contain_text("Wrong answer", timeout=GRADING_TIMEOUT_MS)
    expect(run.locator(".status-line")).to_contain_text("0 of 1 tests passed")
    expect(run.locator(".result-message")).to_contain_text("assert")
    run.scroll_into_view_if_needed()
    browsing.screenshot(student, "checks-failing", full_page=False)

    # The fix: the checks pass.
    _type_code(student, RIGHT)
    _run_checks(student)
    expect(run.locator(".status-line")).to_contain_text("1 of 1 tests passed", timeout=GRADING_TIMEOUT_MS)
    expect(run.locator("table.results tr.result", has_text="test_add")).to_contain_text("Passed")
    expect(student.locator("#code-state")).to_contain_text("Saved at")
    run.scroll_into_view_if_needed()
    browsing.screenshot(student, "checks-passing", full_page=False)

    # --- Submit (after the confirmation): the sitting is graded, then the page updates itself.
    student.once("dialog", lambda dialog: dialog.accept())
    student.get_by_role("button", name="Submit the exam").click()
    student.wait_for_url(sitting_url)
    expect(student.locator("ul.messages")).to_contain_text("Your exam is submitted.")
    status = student.locator("#sitting-status")
    expect(status.locator(".status-pending")).to_be_visible()
    expect(status).to_contain_text(re.compile(r"(Submitted|Grading)…"))
    expect(status).to_contain_text("Your practical task is being graded")
    browsing.screenshot(student, "submitted")
    expect(status).to_contain_text("Grading…")  # the worker has taken it: the code is running
    browsing.screenshot(student, "grading")
    expect(status).to_contain_text("Awaiting grading", timeout=GRADING_TIMEOUT_MS)
    practical = student.locator("section.practice")
    expect(practical.locator(".points")).to_have_text("10 of 10 points")
    hidden_results = practical.locator("table.results tr.result")
    expect(hidden_results).to_have_count(2)
    expect(hidden_results.filter(has_text="test_add_negative")).to_contain_text("Passed")
    expect(student.get_by_text("REFERENCE-1")).to_have_count(0)  # not before the final grade
    expect(status.locator(".score")).to_have_count(0)  # no final grade yet
    browsing.screenshot(student, "practical-graded-awaiting-desk")

    # --- The instructor: the exam page → the grading desk → both theory answers.
    instructor = browsing.log_in(exam_world.instructor)
    instructor.goto(f"/courses/{COURSE_SLUG}/outline/")
    instructor.get_by_role("link", name=EXAM_TITLE, exact=True).click()
    instructor.wait_for_url(f"**/practice/exams/{exam_world.exam_id}/")
    sitting_row = instructor.locator(".exam-sittings tbody tr", has_text=exam_world.student[0])
    expect(sitting_row).to_contain_text("Awaiting grading")
    browsing.screenshot(instructor, "instructor-exam-page")
    instructor.get_by_role("link", name="Grade the answers on the grading desk").click()
    instructor.wait_for_url(re.compile(r"/desk/courses/.+/\?source=exam"))
    queue = instructor.locator("table.desk-queue tbody tr")
    expect(queue).to_have_count(len(QUESTIONS))
    expect(queue.first).to_contain_text("to grade")
    browsing.screenshot(instructor, "desk-queue")
    queue.first.locator("a[data-desk-link]").click()
    for number, (points, comment) in enumerate(GRADES, start=1):
        instructor.wait_for_url(re.compile(r"/desk/items/exam_answer/\d+/"))
        expect(instructor.locator(".student-work")).to_contain_text(ANSWERS[number - 1])
        expect(instructor.locator(".desk-pane").nth(1)).to_contain_text(QUESTIONS[number - 1][1])
        instructor.get_by_label("1. Points").fill(points)
        instructor.get_by_label("Comment to the student").fill(comment)
        browsing.screenshot(instructor, f"desk-grading-answer-{number}")
        instructor.get_by_role("button", name=re.compile("Save grade")).click()
        expect(instructor.get_by_text("Grade saved.")).to_be_visible()
    # The last grade leads back to the (now empty) queue of the exam.
    instructor.wait_for_url(re.compile(r"/desk/courses/.+/"))
    expect(instructor.get_by_text("Nothing is waiting here.")).to_be_visible()
    browsing.screenshot(instructor, "desk-queue-done")

    # --- The student: the final grade, the comments and the reference answers.
    student.goto(sitting_url)
    expect(status.locator(".status-line")).to_have_text("Graded")
    expect(status.locator(".score")).to_have_text("Final grade: 27 of 30 points")
    theory = student.locator(".review-item")
    for index, (points, comment) in enumerate(GRADES):
        item = theory.nth(index)
        expect(item.locator(".points")).to_have_text(f"{points} of 10 points")
        expect(item.locator(".feedback")).to_contain_text(comment)
        expect(item.locator(".reference")).to_contain_text(QUESTIONS[index][1])
    expect(practical.locator(".points")).to_have_text("10 of 10 points")
    browsing.screenshot(student, "final-grade-with-reference-answers")


def test_work_typed_just_before_the_submit_goes_with_it_and_no_autosave_follows(
    browsing: Browsing, exam_world: ExamWorld
):
    """Regression: code typed less than the autosave's delay before "Submit" was autosaved after
    the submit; refused ("This exam was already submitted"), its warning replaced the submit's
    message and its redirect raced the submit's page. The form's post carries all the work, so
    autosaves stop once it is sent. (No code runs here: grading is only queued.)"""
    from exams.models import Sitting, SittingAnswer, Submission

    student = browsing.log_in(exam_world.student)
    student.goto(f"/practice/exams/{exam_world.exam_id}/")
    student.get_by_role("button", name="Draw a ticket and start").click()
    student.wait_for_url(re.compile(r"/practice/sittings/\d+/$"))
    expect(student.locator(".code-autosave .CodeMirror")).to_be_visible()

    # The submit's response is held back (a busy server) longer than the autosave's delay, so
    # an autosave left waiting would fire while the page is still there.
    def slow_submit(route) -> None:
        response = route.fetch(max_redirects=0)
        time.sleep(2.5)
        route.fulfill(response=response)

    student.route(re.compile(r"/practice/sittings/\d+/submit/$"), slow_submit)
    submitted = {"at": False}
    late_autosaves: list[str] = []
    autosave_url = re.compile(r"/practice/sittings/\d+/(code|answers/\d+)/$")
    student.on(
        "request",
        lambda request: (
            late_autosaves.append(request.url)
            if submitted["at"] and request.method == "POST" and autosave_url.search(request.url)
            else None
        ),
    )

    # when: an answer and the code typed, and "Submit" at once
    student.locator("section.question").nth(0).get_by_label("Your answer").fill(ANSWERS[0])
    _type_code(student, RIGHT)
    student.once("dialog", lambda dialog: dialog.accept())
    submitted["at"] = True
    with student.expect_navigation():
        student.get_by_role("button", name="Submit the exam").click()

    # then: the submit's page and message; nothing was autosaved after the submit
    expect(student.locator("ul.messages")).to_have_text("Your exam is submitted.")
    expect(student.locator("#sitting-status .status-pending")).to_be_visible()
    browsing.screenshot(student, "submitted-right-after-typing")
    assert late_autosaves == []
    sitting = Sitting.objects.get(user__username=exam_world.student[0])
    assert sitting.status != Sitting.Status.IN_PROGRESS
    assert SittingAnswer.objects.filter(sitting=sitting, text=ANSWERS[0]).exists()
    assert Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": RIGHT
    }
