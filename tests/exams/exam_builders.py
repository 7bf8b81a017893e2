"""Builders for the practice and exam-sitting tests: a published lesson exercise, an exam with a
pool of tickets, an enrolled student, a finished run with results."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from courses.models import Course, Enrollment
from exams.models import (
    CaseStudy,
    Exam,
    ExamTicket,
    PracticalTask,
    RubricCriterion,
    Submission,
    TaskFile,
    TestResult,
    TicketCase,
    TicketQuestion,
)
from lessons.models import Lesson
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, EnrollmentFactory, ModuleFactory
from tests.exams.factories import CaseStudyFactory, ExamFactory, ExamTicketFactory, PracticalTaskFactory
from tests.lessons.factories import LessonFactory
from tests.quizzes.factories import OpenQuestionFactory, QuestionCategoryFactory

SOLUTION = "def add(a, b):\n    return a + b\n"
STARTER = "def add(a, b):\n    raise NotImplementedError\n"
WRONG = "def add(a, b):\n    return a - b\n"
HIDDEN_TESTS = (
    "from solution import add\n\n\n"
    "def test_add_negative():\n    assert add(-1, 1) == 0, 'SECRET-HIDDEN-HINT'\n\n\n"
    "def test_add_large():\n    assert add(10**6, 1) == 1000001\n"
)
PUBLIC_TESTS = "from solution import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
REFERENCE_MARK = "REFERENCE-SOLUTION-MARK"


def enroll(user, course: Course, status: str = Enrollment.Status.ACTIVE) -> Enrollment:
    return EnrollmentFactory(user=user, course=course, status=status)


def student_of(course: Course, **kwargs):
    user = UserFactory(**kwargs)
    enroll(user, course)
    return user


def instructor_of(course: Course, **kwargs):
    user = UserFactory(**kwargs)
    CourseStaffFactory(course=course, user=user)
    return user


def practical_task(
    *,
    course: Course | None = None,
    lesson: Lesson | None = None,
    status: str = PracticalTask.Status.PUBLISHED,
    extra_files: dict[str, str] | None = None,
    data_files: dict[str, str] | None = None,
    **fields,
) -> PracticalTask:
    """A published task with ``solution.py`` (and any ``extra_files``) editable."""
    course = course or (lesson.module.course if lesson is not None else CourseFactory())
    task = PracticalTaskFactory(
        course=course,
        lesson=lesson,
        status=status,
        public_tests=fields.pop("public_tests", PUBLIC_TESTS),
        hidden_tests=fields.pop("hidden_tests", HIDDEN_TESTS),
        reference_check=PracticalTask.ReferenceCheck.PASSED,
        **fields,
    )
    TaskFile.objects.create(
        task=task,
        path="solution.py",
        kind=TaskFile.Kind.EDITABLE,
        starter=STARTER,
        reference=f"# {REFERENCE_MARK}\n{SOLUTION}",
        position=0,
    )
    for position, (path, starter) in enumerate((extra_files or {}).items(), start=1):
        TaskFile.objects.create(
            task=task, path=path, kind=TaskFile.Kind.EDITABLE, starter=starter, reference=REFERENCE_MARK,
            position=position,
        )  # fmt: skip
    for path, content in (data_files or {}).items():
        TaskFile.objects.create(task=task, path=path, kind=TaskFile.Kind.DATA, content=content)
    return task


def lesson_exercise(**fields) -> tuple[Lesson, PracticalTask]:
    course = fields.pop("course", None) or CourseFactory()
    lesson = LessonFactory(module=ModuleFactory(course=course))
    return lesson, practical_task(course=course, lesson=lesson, **fields)


def finished_run(
    *, task: PracticalTask, user, kind: str = Submission.Kind.CHECK, files: dict | None = None, sitting=None,
    passed: bool = True, score: Decimal | None = None, created_at=None,
) -> Submission:  # fmt: skip
    """A run as the worker leaves it: done, with a result per test of its kind."""
    submission = Submission.objects.create(
        task=task,
        user=user,
        sitting=sitting,
        kind=kind,
        files=files or {"solution.py": SOLUTION},
        status=Submission.Status.DONE,
        score=score,
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    if created_at is not None:
        Submission.objects.filter(pk=submission.pk).update(created_at=created_at)
        submission.refresh_from_db()
    hidden = kind == Submission.Kind.SUBMIT
    outcome = TestResult.Outcome.PASSED if passed else TestResult.Outcome.WRONG_ANSWER
    TestResult.objects.create(
        submission=submission,
        name="test_add_negative" if hidden else "test_add",
        visibility=TestResult.Visibility.HIDDEN if hidden else TestResult.Visibility.PUBLIC,
        outcome=outcome,
        message=""
        if passed
        else "AssertionError: SECRET-HIDDEN-HINT\nassert add(-1, 1) == 0, 'SECRET-HIDDEN-HINT'",
        stdout="HIDDEN-STDOUT" if hidden else "public stdout",
        stderr="",
        duration_ms=12,
        memory_kb=20480,
    )
    return submission


def exam_with_tickets(
    *,
    course: Course | None = None,
    tickets: int = 3,
    questions: int = 2,
    with_task: bool = True,
    cases: int = 0,
    duration_minutes: int = 60,
    opens_at=None,
    closes_at=None,
    status: str = Exam.Status.PUBLISHED,
) -> Exam:
    """A published exam with ``tickets`` tickets, each with ``questions`` open questions (with
    reference answers), a practical task and ``cases`` case studies."""
    course = course or CourseFactory()
    now = timezone.now()
    exam = ExamFactory(
        course=course,
        status=status,
        duration_minutes=duration_minutes,
        opens_at=opens_at if opens_at is not None else now - timedelta(hours=1),
        closes_at=closes_at if closes_at is not None else now + timedelta(days=1),
    )
    category = QuestionCategoryFactory(course=course)
    for number in range(1, tickets + 1):
        task = practical_task(course=course) if with_task else None
        ticket = ExamTicketFactory(exam=exam, number=number, task=task)
        for position in range(questions):
            question = OpenQuestionFactory(
                category=category, course=course, answer_md=f"REFERENCE-ANSWER-{number}-{position}"
            )
            TicketQuestion.objects.create(ticket=ticket, question=question, position=position)
        for position in range(cases):
            case = CaseStudyFactory(course=course)
            RubricCriterion.objects.create(case=case, title="Diagnosis", max_points=Decimal("5"))
            RubricCriterion.objects.create(case=case, title="Fix", max_points=Decimal("5"))
            TicketCase.objects.create(ticket=ticket, case=case, position=position)
    return exam


def tickets_of(exam: Exam) -> list[ExamTicket]:
    return list(ExamTicket.objects.filter(exam=exam).order_by("number"))


def case_of(ticket: ExamTicket) -> CaseStudy:
    return CaseStudy.objects.filter(ticket_slots__ticket=ticket).first()
