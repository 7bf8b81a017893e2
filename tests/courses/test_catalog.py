import pytest
from django.urls import reverse

from courses.models import Course
from tests.courses.factories import CourseFactory, CourseStaffFactory, ModuleFactory
from tests.exams.factories import CaseStudyFactory, ExamFactory, ExamTicketFactory, RolePlayFactory
from tests.lessons.factories import LessonFactory
from tests.quizzes.factories import QuestionCategoryFactory, QuizFactory, QuizQuestionFactory

pytestmark = pytest.mark.django_db


def build_large_course(*, modules: int = 30, lessons_per_module: int = 20) -> Course:
    course = CourseFactory(slug="big", title="Big course")
    CourseStaffFactory(course=course)
    for m in range(modules):
        module = ModuleFactory(course=course, position=m)
        for position in range(lessons_per_module):
            LessonFactory(module=module, position=position)
        quiz = QuizFactory(course=course, module=module, position=lessons_per_module + 1)
        QuizQuestionFactory.create_batch(3, quiz=quiz)
        CaseStudyFactory(course=course, module=module, position=lessons_per_module + 2)
        RolePlayFactory(course=course, module=module, position=lessons_per_module + 3)
        exam = ExamFactory(course=course, module=module, position=lessons_per_module + 4)
        ExamTicketFactory.create_batch(2, exam=exam)
        QuestionCategoryFactory(course=course, module=module, is_flashcard_deck=True, position=lessons_per_module + 5)
    return course


def test_catalog_lists_published_and_announced_but_not_drafts(client):
    # given
    CourseFactory(title="Live course", status=Course.Status.PUBLISHED)
    CourseFactory(title="Upcoming course", status=Course.Status.ANNOUNCED)
    CourseFactory(title="Secret draft", status=Course.Status.DRAFT)

    # when
    response = client.get(reverse("courses:catalog"))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "Live course" in content
    assert "Upcoming course" in content
    assert "Secret draft" not in content


def test_catalog_query_count_does_not_grow_with_courses(client, django_assert_max_num_queries):
    # given
    for course in CourseFactory.create_batch(60):
        ModuleFactory.create_batch(3, course=course)

    # when / then
    with django_assert_max_num_queries(3):
        response = client.get(reverse("courses:catalog"))
    assert response.status_code == 200


def test_draft_course_page_is_not_found(client):
    course = CourseFactory(status=Course.Status.DRAFT)

    response = client.get(reverse("courses:course-detail", args=[course.slug]))

    assert response.status_code == 404


def test_course_page_shows_the_syllabus_in_outline_order(client):
    # given
    course = CourseFactory()
    module = ModuleFactory(course=course, title="Введение")
    LessonFactory(module=module, title="Second lesson", position=2)
    LessonFactory(module=module, title="First lesson", position=1)
    QuizFactory(course=course, module=module, title="Closing quiz", position=3)

    # when
    response = client.get(reverse("courses:course-detail", args=[course.slug]))

    # then
    content = response.content.decode()
    assert content.index("First lesson") < content.index("Second lesson") < content.index("Closing quiz")


def test_unpublished_items_are_left_out_of_the_syllabus(client):
    course = CourseFactory()
    module = ModuleFactory(course=course)
    LessonFactory(module=module, title="Hidden lesson", is_published=False)
    QuizFactory(course=course, module=module, title="Draft quiz", status="draft")

    content = client.get(reverse("courses:course-detail", args=[course.slug])).content.decode()

    assert "Hidden lesson" not in content
    assert "Draft quiz" not in content


def test_course_page_query_count_is_constant_on_a_large_course(client, django_assert_max_num_queries):
    # given: 30 modules × 20 lessons plus a quiz, case, role play, exam and deck in each
    course = build_large_course()

    # when / then
    with django_assert_max_num_queries(10):
        response = client.get(reverse("courses:course-detail", args=[course.slug]))
    assert response.status_code == 200
    assert response.content.decode().count("syllabus-lesson") == 600


def test_api_catalog_lists_catalog_courses(client):
    CourseFactory(slug="live", status=Course.Status.PUBLISHED)
    CourseFactory(slug="draft", status=Course.Status.DRAFT)

    response = client.get("/api/v1/courses/")

    assert response.status_code == 200
    assert [c["slug"] for c in response.json()] == ["live"]


def test_api_course_detail_has_outline_and_query_budget(client, django_assert_max_num_queries):
    course = build_large_course(modules=10, lessons_per_module=10)

    with django_assert_max_num_queries(10):
        response = client.get(f"/api/v1/courses/{course.slug}/")

    assert response.status_code == 200
    data = response.json()
    assert len(data["outline"]) == 10
    assert [item["kind"] for item in data["outline"][0]["items"]][-5:] == [
        "quiz", "case", "roleplay", "exam", "flashcards"
    ]


def test_api_course_detail_of_a_draft_is_404_with_a_message(client):
    course = CourseFactory(status=Course.Status.DRAFT)

    response = client.get(f"/api/v1/courses/{course.slug}/")

    assert response.status_code == 404
    assert "detail" in response.json()
