"""The gradebook: the weighting rule, each category's grade, the course table and its CSV, the
student's own grades, who may see them, and the query budget on a large course."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from courses.models import Enrollment
from exams.gradebook import effective_weights, gradebook_csv, gradebook_for_course, gradebook_for_student
from exams.models import (
    CaseSubmission,
    ExamTicket,
    PracticalTask,
    Sitting,
    Submission,
    TicketCase,
)
from quizzes.models import Attempt, Quiz
from quizzes.selectors import quiz_grade_for
from tests.courses.factories import CourseFactory, EnrollmentFactory
from tests.exams.desk_builders import ROLES, build_world, case_with_problems, enrolled
from tests.exams.exam_builders import practical_task
from tests.exams.factories import CaseStudyFactory, ExamFactory, ExamTicketFactory
from tests.quizzes.factories import QuizFactory

pytestmark = pytest.mark.django_db
D = Decimal


# ---------------------------------------------------------------------------------------------
# The weighting rule (pure)


def test_empty_weights_mean_equal_weights():
    weights = effective_weights(setting={}, present=["quizzes", "exams"])

    assert weights == {"quizzes": D("0.5"), "exams": D("0.5")}


def test_categories_without_items_drop_out_and_the_rest_renormalize():
    weights = effective_weights(
        setting={"quizzes": 30, "practicals": 30, "exams": 30, "cases": 10}, present=["quizzes", "cases"]
    )

    assert weights == {"quizzes": D("0.75"), "cases": D("0.25")}


@pytest.mark.parametrize("bad", ["x", -5, None, True, "nan", [1]])
def test_a_weight_that_is_not_a_non_negative_number_counts_zero(bad):
    weights = effective_weights(setting={"quizzes": bad, "exams": 1}, present=["quizzes", "exams"])

    assert weights == {"quizzes": D(0), "exams": D(1)}


def test_all_zero_weights_fall_back_to_equal():
    weights = effective_weights(setting={"quizzes": 0, "cases": 0}, present=["quizzes", "cases"])

    assert weights == {"quizzes": D("0.5"), "cases": D("0.5")}


def test_a_category_missing_from_the_setting_weighs_zero():
    weights = effective_weights(setting={"quizzes": 1}, present=["quizzes", "exams"])

    assert weights == {"quizzes": D(1), "exams": D(0)}


def test_no_items_no_weights():
    assert effective_weights(setting={"quizzes": 1}, present=[]) == {}


# ---------------------------------------------------------------------------------------------
# Grades


def _attempt(quiz, user, number, percent, status=Attempt.Status.GRADED):
    return Attempt.objects.create(
        quiz=quiz, user=user, number=number, status=status,
        score=None if percent is None else D(percent), max_score=D(100),
    )  # fmt: skip


def _sitting(exam, user, score, max_score="20", status=Sitting.Status.GRADED):
    ticket = ExamTicket.objects.filter(exam=exam).first() or ExamTicketFactory(exam=exam)
    return Sitting.objects.create(
        exam=exam, user=user, ticket=ticket, draw_seed=1, status=status,
        deadline_at=timezone.now() + timedelta(hours=1), score=D(score), max_score=D(max_score),
    )  # fmt: skip


def test_each_category_and_the_weighted_total():
    # given
    world = build_world(grade_weights={"quizzes": 40, "practicals": 20, "exams": 20, "cases": 20})
    student = world.student
    quiz = QuizFactory(course=world.course, grading_method=Quiz.GradingMethod.HIGHEST)
    QuizFactory(course=world.course)  # not attempted: counts 0
    QuizFactory(course=world.course, status=Quiz.Status.DRAFT)  # not an item
    _attempt(quiz, student, 1, "60")
    _attempt(quiz, student, 2, "80")
    task = practical_task(course=world.course)
    Submission.objects.create(task=task, user=student, kind="submit", status="done", score=D("70"))
    Submission.objects.create(task=task, user=student, kind="submit", status="done", score=D("90"))
    Submission.objects.create(task=task, user=student, kind="check", status="done", score=D("100"))
    exam = ExamFactory(course=world.course)
    Submission.objects.create(
        task=task,
        user=student,
        kind="submit",
        status="done",
        score=D("100"),
        sitting=_sitting(exam, student, "15"),
    )  # inside an exam: not a practical grade
    case = case_with_problems(world.course)
    CaseSubmission.objects.create(
        case=case, user=student, status=CaseSubmission.Status.GRADED, score=D("9"), max_score=D("10")
    )
    # when
    book = gradebook_for_course(course=world.course)
    # then
    [row] = book.rows
    cells = {(item.category, item.pk): cell for item, cell in zip(book.items, row.cells, strict=True)}
    assert cells[("quizzes", quiz.pk)] == D("80.00") == quiz_grade_for(user=student, quiz=quiz).percent
    assert cells[("practicals", task.pk)] == D("90.00")
    assert cells[("exams", exam.pk)] == D("75.00")
    assert cells[("cases", case.pk)] == D("90.00")
    by_category = {c.category: c.percent for c in row.categories}
    assert by_category == {
        "quizzes": D("40.00"),
        "practicals": D("90.00"),
        "exams": D("75.00"),
        "cases": D("90.00"),
    }
    # 0.4 × 40 + 0.2 × 90 + 0.2 × 75 + 0.2 × 90
    assert row.total == D("67.00")


def test_a_pending_quiz_grade_or_ungraded_work_counts_zero_and_shows_empty():
    world = build_world()
    quiz = QuizFactory(course=world.course, grading_method=Quiz.GradingMethod.LAST)
    _attempt(quiz, world.student, 1, "90")
    _attempt(quiz, world.student, 2, None, status=Attempt.Status.AWAITING_MANUAL)
    exam = ExamFactory(course=world.course)
    _sitting(exam, world.student, "20", status=Sitting.Status.AWAITING_MANUAL)

    [row] = gradebook_for_course(course=world.course).rows

    assert row.cells == [None, None]
    assert row.total == D("0.00")


def test_exam_only_tasks_and_cases_are_not_practice_items():
    world = build_world()
    exam = ExamFactory(course=world.course)
    exam_task = practical_task(course=world.course)
    ticket = ExamTicketFactory(exam=exam, task=exam_task)
    exam_case = CaseStudyFactory(course=world.course)
    TicketCase.objects.create(ticket=ticket, case=exam_case)
    practice_task = practical_task(course=world.course)
    practical_task(course=world.course, status=PracticalTask.Status.DRAFT)
    CaseStudyFactory(course=world.course, is_published=False)

    book = gradebook_for_course(course=world.course)

    assert [(i.category, i.pk) for i in book.items] == [("practicals", practice_task.pk), ("exams", exam.pk)]
    assert set(book.weights) == {"practicals", "exams"}


def test_dropped_students_are_not_in_the_table():
    world = build_world()
    QuizFactory(course=world.course)
    gone = enrolled(world.course, 1)[0]
    Enrollment.objects.filter(user=gone).update(status=Enrollment.Status.DROPPED)

    book = gradebook_for_course(course=world.course)

    assert [row.user for row in book.rows] == [world.student]


def test_a_course_without_items_has_no_total():
    world = build_world()

    [row] = gradebook_for_course(course=world.course).rows

    assert row.total is None and row.categories == []


def test_my_grades_cover_each_of_my_courses_and_only_me():
    world = build_world()
    quiz = QuizFactory(course=world.course)
    _attempt(quiz, world.student, 1, "50")
    other = enrolled(world.course, 1)[0]
    _attempt(quiz, other, 1, "100")
    second = QuizFactory(course=world.other_course)
    EnrollmentFactory(user=world.student, course=world.other_course)
    _attempt(second, world.student, 1, "20")

    books = gradebook_for_student(user=world.student)

    assert [(b.course.slug, [r.user for r in b.rows], b.rows[0].total) for b in books] == [
        ("desk-course", [world.student], D("50.00")),
        ("other-course", [world.student], D("20.00")),
    ]


def test_csv_has_a_row_per_student_and_never_runs_formulas():
    world = build_world()
    quiz = QuizFactory(course=world.course, title="=HYPERLINK(1)")
    _attempt(quiz, world.student, 1, "75")
    User.objects.filter(pk=world.student.pk).update(first_name="@evil", last_name="")
    world.student.refresh_from_db()

    rows = list(csv.reader(io.StringIO(gradebook_csv(gradebook_for_course(course=world.course)))))

    assert rows[0][:3] == ["Username", "Name", "E-mail"]
    assert rows[0][3] == "Quizzes: =HYPERLINK(1)"  # starts with a letter: not a formula
    assert rows[1][0] == "d-student" and rows[1][1] == "'@evil"
    assert rows[1][3] == "75.00" and rows[1][-1] == "75.00"


# ---------------------------------------------------------------------------------------------
# Pages and API

COURSE_PAGE = {
    "anonymous": 302,
    "student": 403,
    "other_student": 403,
    "other_instructor": 403,
    "instructor": 200,
    "staff": 200,
    "superuser": 200,
}
COURSE_API = {**COURSE_PAGE, "anonymous": 403}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["desk:gradebook", "desk:gradebook-export"])
def test_course_gradebook_permission_matrix(client, role, name):
    world = build_world()
    QuizFactory(course=world.course)
    world.login(client, role)

    response = client.get(reverse(name, kwargs={"slug": world.course.slug}))

    assert response.status_code == COURSE_PAGE[role]


@pytest.mark.parametrize("role", ROLES)
def test_course_gradebook_api_permission_matrix(client, role):
    world = build_world()
    QuizFactory(course=world.course)
    world.login(client, role)

    response = client.get(reverse("grading-api:gradebook-course", kwargs={"slug": world.course.slug}))

    assert response.status_code == COURSE_API[role]
    if response.status_code == 200:
        assert [row["student"]["username"] for row in response.json()["rows"]] == ["d-student"]


def test_the_gradebook_page_and_csv_download(client):
    world = build_world()
    quiz = QuizFactory(course=world.course, title="Quiz one")
    _attempt(quiz, world.student, 1, "75")
    client.force_login(world.instructor)

    page = client.get(reverse("desk:gradebook", kwargs={"slug": world.course.slug})).content.decode()
    export = client.get(reverse("desk:gradebook-export", kwargs={"slug": world.course.slug}))

    assert "Quiz one" in page and "Alice Anders" in page and "75" in page
    assert export["Content-Type"].startswith("text/csv")
    assert 'filename="gradebook-desk-course.csv"' in export["Content-Disposition"]
    assert "d-student" in export.content.decode()


@pytest.mark.parametrize("role", ["student", "other_student", "instructor"])
def test_my_grades_show_only_my_own(client, role):
    world = build_world()
    quiz = QuizFactory(course=world.course, title="Quiz one")
    _attempt(quiz, world.student, 1, "64")
    world.login(client, role)

    page = client.get(reverse("exams:grades-mine"))
    api = client.get(reverse("grading-api:gradebook-mine")).json()

    assert page.status_code == 200
    shown = "64.00" in page.content.decode() or "64,00" in page.content.decode()
    assert shown is (role == "student")
    assert [row["student"]["username"] for book in api for row in book["rows"]] == (
        ["d-student"] if role == "student" else (["d-other-student"] if role == "other_student" else [])
    )


def test_anonymous_users_have_no_grades(client):
    assert client.get(reverse("exams:grades-mine")).status_code == 302
    assert client.get(reverse("grading-api:gradebook-mine")).status_code == 403


def test_an_unknown_course_is_404(client):
    world = build_world()
    client.force_login(world.instructor)

    assert client.get(reverse("desk:gradebook", kwargs={"slug": "nope"})).status_code == 404
    assert client.get(reverse("grading-api:gradebook-course", kwargs={"slug": "nope"})).status_code == 404


# ---------------------------------------------------------------------------------------------
# Query budget: 200 students × 20 items


def _large_course(world, students: int = 200, per_category: int = 5):
    users = [world.student, *enrolled(world.course, students - 1)]
    now = timezone.now()
    quizzes = [QuizFactory(course=world.course) for _ in range(per_category)]
    Attempt.objects.bulk_create(
        Attempt(quiz=q, user=u, number=1, status=Attempt.Status.GRADED, score=D(50), max_score=D(100))
        for q in quizzes
        for u in users
    )
    tasks = [practical_task(course=world.course) for _ in range(per_category)]
    Submission.objects.bulk_create(
        Submission(task=t, user=u, kind="submit", status="done", score=D(80)) for t in tasks for u in users
    )
    exams = [ExamFactory(course=world.course) for _ in range(per_category)]
    tickets = {e.pk: ExamTicketFactory(exam=e) for e in exams}
    Sitting.objects.bulk_create(
        Sitting(exam=e, user=u, ticket=tickets[e.pk], draw_seed=1, status=Sitting.Status.GRADED,
                deadline_at=now, score=D(7), max_score=D(10))
        for e in exams
        for u in users
    )  # fmt: skip
    cases = [CaseStudyFactory(course=world.course) for _ in range(per_category)]
    CaseSubmission.objects.bulk_create(
        CaseSubmission(case=c, user=u, status=CaseSubmission.Status.GRADED, score=D(6), max_score=D(10))
        for c in cases
        for u in users
    )
    return users


def test_gradebook_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    world = build_world()
    _large_course(world)
    client.force_login(world.instructor)

    with django_assert_max_num_queries(16):
        response = client.get(reverse("desk:gradebook", kwargs={"slug": world.course.slug}))

    assert response.status_code == 200
    book = gradebook_for_course(course=world.course)
    assert len(book.rows) == 200 and len(book.items) == 20
    # equal weights: (50 + 80 + 70 + 60) / 4
    assert {row.total for row in book.rows} == {D("65.00")}


def test_gradebook_api_and_csv_query_count_does_not_grow(client, django_assert_max_num_queries):
    world = build_world()
    _large_course(world)
    client.force_login(world.instructor)

    with django_assert_max_num_queries(14):
        api = client.get(reverse("grading-api:gradebook-course", kwargs={"slug": world.course.slug}))
    with django_assert_max_num_queries(14):
        export = client.get(reverse("desk:gradebook-export", kwargs={"slug": world.course.slug}))

    assert len(api.json()["rows"]) == 200
    assert export.content.decode().count("\n") == 201


def test_my_grades_query_count_does_not_grow_with_courses(client, django_assert_max_num_queries):
    world = build_world()
    _large_course(world, students=3)
    for index in range(10):
        course = CourseFactory(slug=f"extra-{index}", title=f"Extra {index}")
        EnrollmentFactory(user=world.student, course=course)
        QuizFactory(course=course)
    client.force_login(world.student)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("exams:grades-mine"))

    assert response.status_code == 200
    assert response.content.decode().count("grades-course") == 11
