"""Catalog search and the course page (description, outcomes, team, reviews, enroll button)."""

import pytest
from django.db import connection
from django.urls import reverse

from courses.models import Course, CourseOutcome, Enrollment
from courses.selectors import course_list_for_catalog
from reviews.models import Review
from tests.accounts.factories import StaffUserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, EnrollmentFactory, ModuleFactory
from tests.courses.test_catalog import build_large_course
from tests.lessons.factories import LessonFactory
from tests.reviews.factories import ReviewFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")


# ---------------------------------------------------------------------------------------------
# Search


def _slugs(query: str) -> list[str]:
    return [course.slug for course in course_list_for_catalog(query=query)]


def test_search_finds_words_in_title_summary_and_description():
    CourseFactory(slug="by-title", title="Машинное обучение", summary="", description_md="")
    CourseFactory(slug="by-summary", title="Курс", summary="Основы машинного обучения", description_md="")
    CourseFactory(
        slug="by-description", title="Другой", summary="", description_md="Про **машинное** зрение."
    )
    CourseFactory(slug="unrelated", title="История", summary="Про прошлое", description_md="Даты.")

    found = _slugs("машинное")

    assert "by-title" in found and "by-description" in found
    assert "unrelated" not in found


def test_search_ignores_letter_case_in_russian():
    CourseFactory(slug="ml", title="Машинное обучение", summary="", description_md="")

    assert _slugs("МАШИННОЕ") == ["ml"]
    assert _slugs("машинное") == ["ml"]


def test_search_never_shows_drafts_and_keeps_upcoming_courses_marked(client):
    CourseFactory(title="Python draft", status=Course.Status.DRAFT)
    CourseFactory(title="Python soon", status=Course.Status.ANNOUNCED)
    CourseFactory(title="Python live", status=Course.Status.PUBLISHED)

    response = client.get(reverse("courses:catalog"), {"q": "Python"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Python live" in content and "Python soon" in content
    assert "Python draft" not in content
    assert [c.title for c in response.context["announced"]] == ["Python soon"]
    assert content.index("Python live") < content.index("Coming soon") < content.index("Python soon")


def test_search_without_matches_says_so(client):
    CourseFactory(title="Statistics")

    response = client.get(reverse("courses:catalog"), {"q": "квантовая"})

    assert response.status_code == 200
    assert response.context["result_count"] == 0
    assert "Statistics" not in response.content.decode()


def test_search_accepts_any_input_without_error(client):
    CourseFactory(title="SQL basics")

    for query in ["' OR 1=1 --", "a & b | !c", '"unterminated', "x" * 5000, "%_%", "<script>"]:
        response = client.get(reverse("courses:catalog"), {"q": query})
        assert response.status_code == 200, query


@on_postgresql
def test_full_text_search_matches_other_forms_of_a_russian_word():
    CourseFactory(slug="models", title="Модели машинного обучения", summary="", description_md="")

    assert _slugs("модель") == ["models"]


@on_postgresql
def test_full_text_search_ranks_title_matches_first():
    CourseFactory(
        slug="in-description", title="Курс А", summary="", description_md="Немного про трансформеры."
    )
    CourseFactory(slug="in-title", title="Трансформеры", summary="", description_md="")

    assert _slugs("трансформеры") == ["in-title", "in-description"]


def test_search_query_count_does_not_grow_with_courses(client, django_assert_max_num_queries):
    for course in CourseFactory.create_batch(40, title="Data course"):
        ModuleFactory.create_batch(2, course=course)

    with django_assert_max_num_queries(3):
        response = client.get(reverse("courses:catalog"), {"q": "Data"})

    assert response.status_code == 200
    assert response.context["result_count"] == 40


def test_api_catalog_searches_with_q(client):
    CourseFactory(slug="ml", title="Machine learning")
    CourseFactory(slug="history", title="History")

    response = client.get("/api/v1/courses/", {"q": "machine"})

    assert response.status_code == 200
    assert [c["slug"] for c in response.json()] == ["ml"]


def test_api_catalog_marks_upcoming_courses(client):
    CourseFactory(slug="soon", status=Course.Status.ANNOUNCED)

    data = client.get("/api/v1/courses/").json()

    assert data[0]["is_upcoming"] is True


def test_api_catalog_refuses_an_overlong_query_with_400(client):
    response = client.get("/api/v1/courses/", {"q": "x" * 201})

    assert response.status_code == 400
    assert response.json()["detail"].startswith("q:")


# ---------------------------------------------------------------------------------------------
# Course page


def test_course_page_shows_description_outcomes_in_order_and_team(client, course, instructor):
    CourseOutcome.objects.create(course=course, kind=CourseOutcome.Kind.KNOWLEDGE, text="Knows drift")
    CourseOutcome.objects.create(course=course, kind=CourseOutcome.Kind.TOPIC, text="Covers MLOps")

    response = client.get(reverse("courses:course-detail", args=[course.slug]))

    content = response.content.decode()
    assert "<strong>things</strong>" in content  # the stored description HTML
    assert content.index("Covers MLOps") < content.index("Knows drift")  # topics first
    assert str(instructor) in content


def test_course_page_summarizes_published_reviews_only_and_loads_them_into_its_slot(client, course):
    ReviewFactory(course=course, rating=5, status=Review.Status.PUBLISHED)
    ReviewFactory(course=course, rating=4, status=Review.Status.PUBLISHED)
    ReviewFactory(course=course, rating=1, status=Review.Status.PENDING)
    ReviewFactory(
        course=course,
        user=None,
        rating=None,
        status=Review.Status.PUBLISHED,
        source=Review.Source.EXTERNAL,
        source_name="Telegram, t.me/channel",
        source_url="https://t.me/channel/1",
        about_course="Another course, 2020",
    )

    response = client.get(reverse("courses:course-detail", args=[course.slug]))
    slot_url = reverse("reviews:course-reviews", args=[course.slug])
    content = client.get(slot_url, HTTP_HX_REQUEST="true").content.decode()  # what the slot loads

    summary = response.context["reviews"]
    assert (summary.count, summary.rated_count, str(summary.average)) == (3, 2, "4.5")
    assert f'hx-get="{slot_url}"' in response.content.decode()
    assert "Imported review" in content
    assert 'href="https://t.me/channel/1"' in content and "Telegram, t.me/channel" in content
    assert "Another course, 2020" in content


def test_course_page_offers_enrolling_to_a_student(client, student, course):
    client.force_login(student)

    content = client.get(reverse("courses:course-detail", args=[course.slug])).content.decode()

    assert reverse("courses:course-enroll", args=[course.slug]) in content


def test_course_page_asks_anonymous_visitors_to_log_in_to_enroll(client, course):
    content = client.get(reverse("courses:course-detail", args=[course.slug])).content.decode()

    assert reverse("courses:course-enroll", args=[course.slug]) not in content
    assert reverse("accounts:login") in content


def test_course_page_shows_progress_and_continue_to_an_enrolled_student(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course), title="Where I stopped")
    EnrollmentFactory(user=student, course=course, progress_percent=40, last_lesson=lesson)
    client.force_login(student)

    response = client.get(reverse("courses:course-detail", args=[course.slug]))

    content = response.content.decode()
    assert 'value="40"' in content
    assert reverse("lessons:lesson-detail", args=[lesson.pk]) in content
    assert reverse("courses:course-enroll", args=[course.slug]) not in content


def test_upcoming_course_page_is_marked_and_has_no_enroll_button(client, student):
    course = CourseFactory(status=Course.Status.ANNOUNCED)
    client.force_login(student)

    content = client.get(reverse("courses:course-detail", args=[course.slug])).content.decode()

    assert "Coming soon" in content
    assert reverse("courses:course-enroll", args=[course.slug]) not in content


def test_syllabus_links_items_only_for_those_who_may_open_them(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course))
    url = reverse("lessons:lesson-detail", args=[lesson.pk])
    client.force_login(student)

    before = client.get(reverse("courses:course-detail", args=[course.slug])).content.decode()
    EnrollmentFactory(user=student, course=course)
    after = client.get(reverse("courses:course-detail", args=[course.slug])).content.decode()

    assert url not in before
    assert url in after


@pytest.mark.parametrize("role", ["team", "staff"])
def test_a_draft_course_page_is_a_preview_for_its_team_and_staff(client, role, instructor):
    course = CourseFactory(status=Course.Status.DRAFT)
    user = StaffUserFactory() if role == "staff" else instructor
    if role == "team":
        CourseStaffFactory(course=course, user=instructor)
    client.force_login(user)

    response = client.get(reverse("courses:course-detail", args=[course.slug]))

    assert response.status_code == 200
    assert "Draft" in response.content.decode()


def test_a_draft_course_page_is_not_found_for_students(client, student):
    course = CourseFactory(status=Course.Status.DRAFT)
    client.force_login(student)

    assert client.get(reverse("courses:course-detail", args=[course.slug])).status_code == 404


def test_course_page_query_count_for_an_enrolled_student_on_a_large_course(
    client, student, django_assert_max_num_queries
):
    # given: 30 modules × 20 lessons and more, plus reviews
    course = build_large_course()
    EnrollmentFactory(user=student, course=course, status=Enrollment.Status.ACTIVE)
    ReviewFactory.create_batch(10, course=course, status=Review.Status.PUBLISHED)
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(12):
        response = client.get(reverse("courses:course-detail", args=[course.slug]))
    assert response.status_code == 200
    assert response.content.decode().count("syllabus-lesson") == 600


def test_api_course_detail_has_reviews_and_viewer_for_anonymous(client, course):
    ReviewFactory(course=course, rating=3, status=Review.Status.PUBLISHED)

    data = client.get(f"/api/v1/courses/{course.slug}/").json()

    assert data["reviews"] == {"count": 1, "rated_count": 1, "average": "3.0"}
    assert data["viewer"]["is_authenticated"] is False
    assert data["viewer"]["can_enroll"] is True
    assert data["enrollment"] is None
