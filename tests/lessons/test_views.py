"""Lesson pages: who may open them, locks on the server, what the page shows, "mark as done"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrollment, Resource
from lessons.models import Lesson, LessonProgress
from tests.courses.factories import CourseFactory, EnrollmentFactory, ModuleFactory, ResourceFactory
from tests.courses.test_catalog import build_large_course
from tests.lessons.factories import LessonFactory, LessonProgressFactory
from tests.lessons.matrix import ROLES, build_world

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(lesson: Lesson) -> str:
    return reverse("lessons:lesson-detail", args=[lesson.pk])


def _complete_url(lesson: Lesson) -> str:
    return reverse("lessons:lesson-complete", args=[lesson.pk])


# ---------------------------------------------------------------------------------------------
# Permission matrix


LESSON_PAGE = {
    "anonymous": 302,
    "student": 403,
    "enrolled": 200,
    "other_instructor": 403,
    "instructor": 200,
    "staff": 200,
}
MARK_DONE = {
    "anonymous": 302,
    "student": 403,
    "enrolled": 200,
    "other_instructor": 403,
    "instructor": 403,
    "staff": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_lesson_page_permission_matrix(client, role):
    world = build_world()
    world.login(client, role)

    response = client.get(_url(world.lesson))

    assert response.status_code == LESSON_PAGE[role]


@pytest.mark.parametrize("role", ROLES)
def test_mark_done_permission_matrix(client, role):
    world = build_world()
    user = world.login(client, role)

    response = client.post(_complete_url(world.lesson), **HTMX)

    assert response.status_code == MARK_DONE[role]
    recorded = LessonProgress.objects.filter(lesson=world.lesson, status=LessonProgress.Status.DONE)
    assert list(recorded.values_list("user", flat=True)) == ([user.pk] if role == "enrolled" else [])


def test_a_student_not_enrolled_is_told_to_enroll(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course))
    client.force_login(student)

    response = client.get(_url(lesson))

    assert response.status_code == 403
    content = response.content.decode()
    assert "Enroll in the course" in content
    assert reverse("courses:course-enroll", args=[course.slug]) in content


# ---------------------------------------------------------------------------------------------
# Locks on the server


def test_a_lesson_of_a_module_not_released_yet_is_403_with_the_date(client, student, course):
    module = ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=5))
    lesson = LessonFactory(module=module, body_md="Secret body text.")
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    response = client.get(_url(lesson))

    content = response.content.decode()
    assert response.status_code == 403
    assert "This module opens on" in content
    assert "Secret body text." not in content


def test_a_lesson_behind_an_unfinished_prerequisite_is_403_naming_it(client, student, course):
    first = ModuleFactory(course=course, title="Foundations")
    gate = LessonFactory(module=first)
    lesson = LessonFactory(module=ModuleFactory(course=course, prerequisite=first))
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    locked = client.get(_url(lesson))
    LessonProgressFactory(user=student, lesson=gate, status=LessonProgress.Status.DONE)
    opened = client.get(_url(lesson))

    assert locked.status_code == 403
    assert "Foundations" in locked.content.decode()
    assert opened.status_code == 200


def test_marking_a_locked_lesson_done_is_403_with_the_reason_for_htmx(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=1)))
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    response = client.post(_complete_url(lesson), **HTMX)

    assert response.status_code == 403
    assert 'id="lesson-complete"' in response.content.decode()
    assert "opens on" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_the_team_previews_locked_and_unpublished_lessons(client, instructor, course):
    module = ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=1))
    lesson = LessonFactory(module=module, is_published=False)
    client.force_login(instructor)

    response = client.get(_url(lesson))

    content = response.content.decode()
    assert response.status_code == 200
    assert "This lesson is not published." in content
    assert "Students see it locked" in content
    assert 'hx-post="' not in content  # nothing to mark: the team's reading is not recorded


def test_an_unpublished_lesson_is_not_found_for_students(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course), is_published=False)
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    assert client.get(_url(lesson)).status_code == 404


def test_lessons_of_a_draft_course_are_not_found_for_students(client, student):
    lesson = LessonFactory(module=ModuleFactory(course=CourseFactory(status="draft")))
    client.force_login(student)

    assert client.get(_url(lesson)).status_code == 404


def test_an_unknown_lesson_is_not_found(client, student):
    client.force_login(student)

    assert client.get(reverse("lessons:lesson-detail", args=[999999])).status_code == 404
    assert client.post(reverse("lessons:lesson-complete", args=[999999])).status_code == 404


# ---------------------------------------------------------------------------------------------
# What the page shows


def test_opening_a_lesson_records_progress_and_where_to_continue(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course))
    enrollment = EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    client.get(_url(lesson))

    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == lesson.pk
    assert LessonProgress.objects.get(user=student, lesson=lesson).status == LessonProgress.Status.IN_PROGRESS


def test_the_team_reading_a_lesson_leaves_no_trace(client, instructor, course):
    lesson = LessonFactory(module=ModuleFactory(course=course))
    client.force_login(instructor)

    assert client.get(_url(lesson)).status_code == 200

    assert not LessonProgress.objects.exists()
    assert not Enrollment.objects.exists()


def test_lecture_page_has_contents_code_navigation_time_and_reading_list(client, student, course):
    # given
    module = ModuleFactory(course=course, title="Basics", position=1)
    previous = LessonFactory(module=module, position=1, title="Before")
    lesson = LessonFactory(
        module=module,
        position=2,
        title="Main",
        estimated_minutes=25,
        body_md="# Main\n\n## Part one\n\n### Detail\n\n```python\nprint(1)\n```\n\n## Part two\n\nText.\n",
    )
    following = LessonFactory(module=ModuleFactory(course=course, position=99), position=1, title="After")
    ResourceFactory(
        course=course,
        title="Designing ML Systems",
        collection=Resource.Collection.LITERATURE,
        url="https://example.com/book",
        useful_for="Architecture",
    )
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    # when
    response = client.get(_url(lesson))

    # then
    content = response.content.decode()
    page = response.context["page"]
    assert [(e.anchor, e.text, [c.text for c in e.children]) for e in page.toc] == [
        ("part-one", "Part one", ["Detail"]),
        ("part-two", "Part two", []),
    ]
    assert 'href="#part-one"' in content
    assert '<div class="highlight">' in content  # stored, highlighted code
    assert "js/lesson.js" in content  # copy buttons and walkthroughs, progressive enhancement
    assert f'href="{_url(previous)}"' in content and f'href="{_url(following)}"' in content
    assert "about 25 minutes" in content
    assert "Designing ML Systems" in content and "Architecture" in content
    assert f'hx-post="{_complete_url(lesson)}"' in content
    assert content.count("<h1") == 1  # the body's own title, not repeated


def test_mind_map_page_draws_the_stored_tree_beside_its_outline(client, student, course):
    lesson = LessonFactory(
        module=ModuleFactory(course=course),
        kind=Lesson.Kind.MIND_MAP,
        title="The map",
        body_md="- ML Engineer\n  - Maths\n    - Algebra\n  - Code\n",
    )
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    response = client.get(_url(lesson))

    content = response.content.decode()
    assert '<script id="mind-map-data" type="application/json">' in content
    assert '"title": "ML Engineer"' in content
    assert "vendor/markmap/d3.min.js" in content and "vendor/markmap/markmap-view.js" in content
    assert "js/mind_map.js" in content
    assert 'id="mind-map-figure" hidden' in content  # shown only when the script runs
    assert "<li>Algebra</li>" in content  # the accessible outline


def test_mind_map_titles_cannot_inject_markup(client, student, course):
    lesson = LessonFactory(
        module=ModuleFactory(course=course),
        kind=Lesson.Kind.MIND_MAP,
        body_md="- Root </script><script>alert(1)</script>\n  - Child\n",
    )
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    content = client.get(_url(lesson)).content.decode()

    assert "<script>alert(1)" not in content


# ---------------------------------------------------------------------------------------------
# Mark as done


def test_mark_done_with_htmx_returns_the_done_state_and_the_new_progress(client, student, course):
    module = ModuleFactory(course=course)
    lesson, _other = LessonFactory.create_batch(2, module=module)
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    response = client.post(_complete_url(lesson), **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="lesson-complete"' in content and "Done" in content
    assert 'id="course-progress" hx-swap-oob="true"' in content
    assert 'value="50"' in content


def test_mark_done_without_javascript_goes_back_to_the_lesson(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course))
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    response = client.post(_complete_url(lesson))

    assert response.status_code == 302
    assert response.url == _url(lesson)
    page = client.get(response.url)
    assert "Marked as done." in page.content.decode()
    assert page.context["page"].is_done


def test_mark_done_twice_is_harmless(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course))
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    first = client.post(_complete_url(lesson), **HTMX)
    second = client.post(_complete_url(lesson), **HTMX)

    assert first.status_code == second.status_code == 200
    assert LessonProgress.objects.filter(user=student, lesson=lesson).count() == 1


def test_mark_done_only_accepts_post(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course))
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    assert client.get(_complete_url(lesson)).status_code == 405


# ---------------------------------------------------------------------------------------------
# Query budget


def test_lesson_page_query_count_on_a_large_course(client, student, django_assert_max_num_queries):
    # given: 30 modules × 20 lessons, a prerequisite on the lesson's module, a reading list
    course = build_large_course()
    modules = list(course.modules.order_by("position"))
    modules[15].prerequisite = modules[14]
    modules[15].save(update_fields=["prerequisite"])
    for lesson in modules[14].lessons.all():
        LessonProgressFactory(user=student, lesson=lesson, status=LessonProgress.Status.DONE)
    ResourceFactory.create_batch(20, course=course)
    lesson = modules[15].lessons.order_by("position")[3]
    EnrollmentFactory(user=student, course=course, last_lesson=lesson)
    LessonProgressFactory(user=student, lesson=lesson)
    client.force_login(student)

    # when / then: session, user, lesson, enrollment, team, prerequisite, progress, neighbours,
    # reading list — and no writes when nothing changed
    with django_assert_max_num_queries(9):
        response = client.get(_url(lesson))
    assert response.status_code == 200
    assert response.context["page"].position == 15 * 20 + 4


def test_first_visit_costs_only_the_writes_it_needs(client, student, django_assert_max_num_queries):
    course = build_large_course(modules=5, lessons_per_module=5)
    lesson = Lesson.objects.filter(module__course=course).first()
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    with django_assert_max_num_queries(14):
        response = client.get(_url(lesson))

    assert response.status_code == 200
