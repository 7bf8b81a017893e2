"""The student's dashboard: courses with progress and "continue", what is due soon, and the
flashcards slot another feature fills."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Enrollment
from courses.selectors import Dashboard
from quizzes.models import Attempt, Quiz
from tests.courses.factories import CourseFactory, EnrollmentFactory, ModuleFactory
from tests.lessons.factories import LessonFactory
from tests.lessons.matrix import ROLES, build_world
from tests.quizzes.factories import AttemptFactory, QuizFactory

pytestmark = pytest.mark.django_db


def test_dashboard_lists_the_students_courses_with_progress_and_continue(client, student):
    # given
    lesson = LessonFactory(module=ModuleFactory(course=CourseFactory(title="Going")), title="Half way")
    EnrollmentFactory(user=student, course=lesson.module.course, progress_percent=50, last_lesson=lesson)
    EnrollmentFactory(user=student, course=CourseFactory(title="Left"), status=Enrollment.Status.DROPPED)
    EnrollmentFactory(user=student, course=CourseFactory(title="Hidden", status=Course.Status.DRAFT))
    EnrollmentFactory(course=CourseFactory(title="Somebody else's"))
    client.force_login(student)

    # when
    response = client.get(reverse("courses:dashboard"))

    # then
    content = response.content.decode()
    assert [e.course.title for e in response.context["dashboard"].enrollments] == ["Going"]
    assert 'value="50"' in content
    assert reverse("lessons:lesson-detail", args=[lesson.pk]) in content


def test_due_soon_lists_open_quizzes_closing_soon_that_are_not_passed(client, student, course):
    # given
    now = timezone.now()
    EnrollmentFactory(user=student, course=course)
    QuizFactory(course=course, title="Closes tomorrow", closes_at=now + timedelta(days=1))
    QuizFactory(course=course, title="Closes in a week", closes_at=now + timedelta(days=7))
    passed = QuizFactory(course=course, title="Already passed", closes_at=now + timedelta(days=1))
    AttemptFactory(quiz=passed, user=student, status=Attempt.Status.GRADED, passed=True)
    QuizFactory(course=course, title="Far away", closes_at=now + timedelta(days=60))
    QuizFactory(
        course=course, title="Closed", opens_at=now - timedelta(days=3), closes_at=now - timedelta(days=1)
    )
    QuizFactory(course=course, title="Draft", status=Quiz.Status.DRAFT, closes_at=now + timedelta(days=1))
    QuizFactory(course=CourseFactory(), title="Not my course", closes_at=now + timedelta(days=1))
    client.force_login(student)

    # when
    response = client.get(reverse("courses:dashboard"))

    # then
    due = response.context["dashboard"].due
    assert [item.title for item in due] == ["Closes tomorrow", "Closes in a week"]
    assert reverse("quizzes:quiz-detail", args=[due[0].pk]) in response.content.decode()


def test_flashcards_slot_says_nothing_is_due_for_a_student_without_cards(client, student):
    client.force_login(student)

    content = client.get(reverse("courses:dashboard")).content.decode()

    assert "Flashcards due today" in content
    assert "Nothing to repeat today." in content


def test_flashcards_slot_renders_the_decks_it_is_given(student):
    request = RequestFactory().get("/dashboard/")
    request.user = student
    context = {
        "dashboard": Dashboard(enrollments=[], due=[]),
        "flashcards_due": [{"title": "Theory", "due_count": 12, "url": "/flashcards/theory/"}],
    }

    content = render_to_string("courses/dashboard.html", context, request=request)

    assert "Flashcards due today" in content
    assert 'href="/flashcards/theory/"' in content and "12" in content


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_permission_matrix(client, role):
    world = build_world()
    world.login(client, role)

    response = client.get(reverse("courses:dashboard"))

    assert response.status_code == (302 if role == "anonymous" else 200)


def test_dashboard_query_count_does_not_grow_with_enrollments(client, student, django_assert_max_num_queries):
    # given: 50 courses, each with a last lesson and a quiz closing soon
    for course in CourseFactory.create_batch(50):
        lesson = LessonFactory(module=ModuleFactory(course=course))
        EnrollmentFactory(user=student, course=course, last_lesson=lesson, progress_percent=10)
        QuizFactory(course=course, closes_at=timezone.now() + timedelta(days=2))
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(5):
        response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 200
    assert len(response.context["dashboard"].enrollments) == 50


def test_api_dashboard_returns_courses_and_due_items(client, student, course):
    EnrollmentFactory(user=student, course=course, progress_percent=20)
    quiz = QuizFactory(course=course, closes_at=timezone.now() + timedelta(days=1))
    client.force_login(student)

    data = client.get("/api/v1/dashboard/").json()

    assert data["courses"] == [
        {
            "slug": course.slug,
            "title": course.title,
            "status": "active",
            "progress_percent": 20,
            "last_lesson_id": None,
            "last_lesson_title": None,
        }
    ]
    assert [item["id"] for item in data["due"]] == [quiz.pk]
    assert data["due"][0]["url"] == reverse("quizzes:quiz-detail", args=[quiz.pk])


@pytest.mark.parametrize("role", ROLES)
def test_api_dashboard_permission_matrix(client, role):
    world = build_world()
    world.login(client, role)

    response = client.get("/api/v1/dashboard/")

    assert response.status_code == (403 if role == "anonymous" else 200)
    assert ("detail" in response.json()) is (role == "anonymous")


def test_api_dashboard_query_count_does_not_grow_with_enrollments(
    client, student, django_assert_max_num_queries
):
    for course in CourseFactory.create_batch(50):
        EnrollmentFactory(
            user=student, course=course, last_lesson=LessonFactory(module=ModuleFactory(course=course))
        )
    client.force_login(student)

    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/dashboard/")

    assert len(response.json()["courses"]) == 50
