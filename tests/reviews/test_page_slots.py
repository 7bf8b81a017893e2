"""The feedback loop on other apps' pages: the course page loads its reviews and its "you said,
we did" board; quiz questions, case pages and exam tickets carry a "wrong or unclear?" report.
Each page links its slot; what the slot then shows depends on who asks."""

import pytest
from django.urls import reverse

from exams import sitting_services
from quizzes import services as quiz_services
from quizzes.models import Quiz
from reviews import services
from reviews.models import Review
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory
from tests.exams.exam_builders import exam_with_tickets, student_of
from tests.lessons.matrix import ROLES, build_world
from tests.quizzes import builders
from tests.reviews.factories import ReviewFactory
from tests.reviews.feedback_builders import english  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HTMX = {"HTTP_HX_REQUEST": "true"}
REPORT_FORM = "Send the report"


def _report_url(kind: str, item_id: int) -> str:
    return reverse("reviews:item-report", args=[kind, item_id])


# ---- the course page: reviews and the board


@pytest.mark.parametrize("role", ROLES)
def test_the_course_page_loads_its_reviews_and_board_for_every_role(client, role):
    # given
    world = build_world()
    world.login(client, role)

    # when
    html = client.get(reverse("courses:course-detail", args=[world.course.slug])).content.decode()

    # then
    assert f'hx-get="{reverse("reviews:course-reviews", args=[world.course.slug])}"' in html
    assert f'hx-get="{reverse("reviews:board", args=[world.course.slug])}"' in html
    assert html.count("css/feedback.css") == 1


def test_a_draft_course_preview_has_no_reviews_or_board(client):
    # given: reviews and the board of a draft are nobody's business yet (they answer 404)
    course = CourseFactory(status="draft")
    instructor = UserFactory()
    CourseStaffFactory(course=course, user=instructor)
    client.force_login(instructor)

    # when
    html = client.get(reverse("courses:course-detail", args=[course.slug])).content.decode()

    # then
    assert reverse("reviews:course-reviews", args=[course.slug]) not in html
    assert reverse("reviews:board", args=[course.slug]) not in html


@pytest.mark.parametrize("role", ROLES)
def test_the_reviews_slot_shows_published_reviews_and_offers_reviewing_to_enrolled_students(client, role):
    # given
    world = build_world()
    ReviewFactory(course=world.course, pros="Published praise", status=Review.Status.PUBLISHED)
    ReviewFactory(course=world.course, pros="Awaiting moderation", status=Review.Status.PENDING)
    world.login(client, role)

    # when
    html = client.get(reverse("reviews:course-reviews", args=[world.course.slug]), **HTMX).content.decode()

    # then
    assert "Published praise" in html
    assert "Awaiting moderation" not in html
    assert "1 published review" in html
    assert (reverse("reviews:review-form", args=[world.course.slug]) in html) is (role == "enrolled")


@pytest.mark.parametrize("role", ROLES)
def test_the_board_slot_shows_drafts_to_the_team_and_staff_only(client, role):
    # given
    world = build_world()
    lead = world.users["instructor"]
    published = services.board_entry_create(
        course=world.course, user=lead, title="Published entry", you_said="Y", we_did="W"
    )
    services.board_entry_publish(entry=published, user=lead)
    services.board_entry_create(course=world.course, user=lead, title="Draft entry", you_said="Y", we_did="W")
    world.login(client, role)

    # when
    html = client.get(reverse("reviews:board", args=[world.course.slug]), **HTMX).content.decode()

    # then
    assert "Published entry" in html
    assert ("Draft entry" in html) is (role in ("instructor", "staff"))


def test_the_reviews_slot_query_count_does_not_grow_for_an_enrolled_student(
    client, django_assert_max_num_queries
):
    # given
    world = build_world()
    for _ in range(40):
        review = ReviewFactory(course=world.course, user=UserFactory(), status=Review.Status.PUBLISHED)
        review.points.create(kind="complaint", title="Slow", text="Too slow.", position=0)
    world.login(client, "enrolled")

    # when / then
    with django_assert_max_num_queries(7):
        response = client.get(reverse("reviews:course-reviews", args=[world.course.slug]), **HTMX)
    html = response.content.decode()
    assert html.count('class="review card"') == 5  # the newest; the rest behind "All 40 reviews"
    assert "All 40 reviews" in html
    assert reverse("reviews:review-form", args=[world.course.slug]) in html


# ---- quiz questions


@pytest.fixture
def attempt():
    course = CourseFactory()
    quiz, _questions = builders.every_kind_quiz(course, layout=Quiz.Layout.ALL_ON_ONE)
    student = UserFactory()
    builders.enroll(student, course)
    attempt, _created = quiz_services.attempt_start(quiz=quiz, user=student)
    return attempt


def test_every_question_of_an_attempt_has_a_report_slot(client, attempt):
    # given
    client.force_login(attempt.user)
    question_ids = list(attempt.responses.values_list("question_id", flat=True))

    # when
    html = client.get(reverse("quizzes:attempt-take", args=[attempt.pk])).content.decode()

    # then
    assert len(question_ids) > 1
    for question_id in question_ids:
        assert f'hx-get="{_report_url("question", question_id)}"' in html
    assert html.count("js/feedback.js") == 1  # once, in the head, however many questions


@pytest.mark.parametrize(("who", "sees_the_form"), [("the student", True), ("another student", False)])
def test_the_question_report_form_is_for_the_course_students(client, attempt, who, sees_the_form):
    # given
    question_id = attempt.responses.values_list("question_id", flat=True)[0]
    client.force_login(attempt.user if who == "the student" else UserFactory())

    # when
    response = client.get(_report_url("question", question_id), **HTMX)

    # then
    assert response.status_code == 200
    assert (REPORT_FORM in response.content.decode()) is sees_the_form


def test_an_anonymous_visitor_is_sent_to_log_in_before_reporting(client, attempt):
    question_id = attempt.responses.values_list("question_id", flat=True)[0]

    response = client.get(_report_url("question", question_id))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# ---- case pages


@pytest.mark.parametrize("role", ["enrolled", "instructor", "staff"])
def test_the_case_page_has_a_report_slot(client, role):
    # given
    world = build_world()
    world.login(client, role)

    # when
    html = client.get(reverse("exams:case-detail", args=[world.case.pk])).content.decode()

    # then
    assert f'hx-get="{_report_url("case", world.case.pk)}"' in html


@pytest.mark.parametrize("role", ROLES)
def test_only_enrolled_students_report_a_problem_with_a_case(client, role):
    # given
    world = build_world()
    world.login(client, role)

    # when
    response = client.get(_report_url("case", world.case.pk), **HTMX)

    # then
    if role == "anonymous":
        assert response.status_code == 302
        return
    html = response.content.decode()
    assert response.status_code == 200
    assert (REPORT_FORM in html) is (role == "enrolled")
    # the course's team and staff are pointed at the inbox instead
    assert (reverse("reviews:inbox") in html) is (role in ("instructor", "staff"))


# ---- exam tickets


def test_the_sitting_page_has_a_ticket_report_slot_outside_the_sitting_form(client):
    # given
    exam = exam_with_tickets(tickets=1, questions=1)
    sitting, _created = sitting_services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    client.force_login(sitting.user)
    slot = f'hx-get="{_report_url("ticket", sitting.ticket_id)}"'

    # when
    html = client.get(reverse("exams:sitting-detail", args=[sitting.pk])).content.decode()
    report = client.get(_report_url("ticket", sitting.ticket_id), **HTMX).content.decode()

    # then
    assert slot in html
    assert html.index("</header>") < html.index(slot)  # not in the sticky header: it unfolds
    assert html.index(slot) < html.index('id="sitting-form"')  # its own form, not nested in the exam's
    assert REPORT_FORM in report
