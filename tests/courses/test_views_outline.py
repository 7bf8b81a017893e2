"""The learning path: per-item states, module locks honoured on the server, "continue", the
stored progress; the outline page and its API equivalent (course detail with states)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrollment
from courses.selectors import ItemState, course_learning_path, course_viewer
from lessons.models import LessonProgress
from quizzes.models import Attempt
from tests.courses.factories import CourseFactory, EnrollmentFactory, ModuleFactory
from tests.courses.test_catalog import build_large_course
from tests.lessons.factories import LessonFactory, LessonProgressFactory
from tests.lessons.matrix import ROLES, build_world
from tests.quizzes.factories import AttemptFactory, QuizFactory

pytestmark = pytest.mark.django_db


def _path(course, user):
    return course_learning_path(course=course, viewer=course_viewer(user=user, course=course))


def _states(path) -> dict[str, str]:
    return {item.title: item.state for module in path.modules for item in module.items}


def test_items_carry_the_students_state(student, course):
    # given
    module = ModuleFactory(course=course)
    done = LessonFactory(module=module, title="Done lesson", position=1)
    started = LessonFactory(module=module, title="Started lesson", position=2)
    LessonFactory(module=module, title="New lesson", position=3)
    passed = QuizFactory(course=course, module=module, title="Passed quiz", position=4)
    failed = QuizFactory(course=course, module=module, title="Failed quiz", position=5)
    QuizFactory(course=course, module=module, title="Untouched quiz", position=6)
    LessonProgressFactory(user=student, lesson=done, status=LessonProgress.Status.DONE)
    LessonProgressFactory(user=student, lesson=started, status=LessonProgress.Status.IN_PROGRESS)
    AttemptFactory(quiz=passed, user=student, number=1, status=Attempt.Status.GRADED, passed=False)
    AttemptFactory(quiz=passed, user=student, number=2, status=Attempt.Status.GRADED, passed=True)
    AttemptFactory(quiz=failed, user=student, number=1, status=Attempt.Status.GRADED, passed=False)
    EnrollmentFactory(user=student, course=course)

    # when
    states = _states(_path(course, student))

    # then
    assert states == {
        "Done lesson": ItemState.DONE,
        "Started lesson": ItemState.IN_PROGRESS,
        "New lesson": ItemState.NOT_STARTED,
        "Passed quiz": ItemState.DONE,
        "Failed quiz": ItemState.IN_PROGRESS,
        "Untouched quiz": ItemState.NOT_STARTED,
    }


def test_a_module_released_later_is_locked_with_its_date(student, course):
    module = ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=3))
    LessonFactory(module=module, title="Future lesson")
    EnrollmentFactory(user=student, course=course)

    path = _path(course, student)

    item = path.modules[0].items[0]
    assert item.state == ItemState.LOCKED
    assert "opens on" in item.lock_reason
    assert not item.is_link


def test_a_module_opens_once_its_prerequisite_is_done(student, course):
    # given
    first = ModuleFactory(course=course, title="First", position=1)
    second = ModuleFactory(course=course, title="Second", position=2, prerequisite=first)
    gate = LessonFactory(module=first, title="Gate")
    LessonFactory(module=second, title="Behind the gate")
    EnrollmentFactory(user=student, course=course)

    # when / then: locked, naming the prerequisite
    locked = _path(course, student).modules[1]
    assert locked.items[0].state == ItemState.LOCKED
    assert "First" in locked.lock_reason

    LessonProgressFactory(user=student, lesson=gate, status=LessonProgress.Status.DONE)
    assert _path(course, student).modules[1].items[0].state == ItemState.NOT_STARTED


def test_the_team_sees_locks_as_information_but_is_never_locked_out(instructor, course):
    module = ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=3))
    LessonFactory(module=module)

    path = _path(course, instructor)

    assert path.modules[0].lock_reason
    assert path.modules[0].items[0].state == ""
    assert path.modules[0].items[0].is_link


def test_continue_goes_to_the_last_lesson_opened_unless_it_is_done(student, course):
    module = ModuleFactory(course=course)
    first, second, third = (LessonFactory(module=module, title=t, position=i) for i, t in enumerate("ABC"))
    enrollment = EnrollmentFactory(user=student, course=course, last_lesson=second)

    assert _path(course, student).continue_item.pk == second.pk

    LessonProgressFactory(user=student, lesson=second, status=LessonProgress.Status.DONE)
    assert _path(course, student).continue_item.pk == third.pk

    LessonProgressFactory(user=student, lesson=third, status=LessonProgress.Status.DONE)
    assert _path(course, student).continue_item.pk == first.pk

    LessonProgressFactory(user=student, lesson=first, status=LessonProgress.Status.DONE)
    enrollment.refresh_from_db()
    assert _path(course, student).continue_item is None


def test_continue_starts_at_the_first_lesson_for_a_new_student(student, course):
    module = ModuleFactory(course=course)
    first = LessonFactory(module=module, position=1)
    LessonFactory(module=module, position=2)
    EnrollmentFactory(user=student, course=course)

    assert _path(course, student).continue_item.pk == first.pk


def test_outline_page_shows_states_progress_and_continue(client, student, course):
    module = ModuleFactory(course=course)
    lesson = LessonFactory(module=module, title="Next up")
    EnrollmentFactory(user=student, course=course, progress_percent=25)
    client.force_login(student)

    response = client.get(reverse("courses:course-outline", args=[course.slug]))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'value="25"' in content
    assert "state-not_started" in content
    assert f'href="{reverse("lessons:lesson-detail", args=[lesson.pk])}"' in content


def test_the_outline_links_to_the_exams_of_its_modules(client, student, course):
    # given: a published exam in a module (its page is where a student draws a ticket)
    from tests.exams.factories import ExamFactory

    exam = ExamFactory(course=course, module=ModuleFactory(course=course), title="Final exam")
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    # when
    content = client.get(reverse("courses:course-outline", args=[course.slug])).content.decode()

    # then
    assert f'<a href="{reverse("exams:exam-detail", args=[exam.pk])}">Final exam</a>' in content


def test_outline_page_names_the_lock_reason(client, student, course):
    ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=1))
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    content = client.get(reverse("courses:course-outline", args=[course.slug])).content.decode()

    assert "This module opens on" in content


def test_a_dropped_student_is_refused_the_outline_with_a_way_back(client, student, course):
    EnrollmentFactory(user=student, course=course, status=Enrollment.Status.DROPPED)
    client.force_login(student)

    response = client.get(reverse("courses:course-outline", args=[course.slug]))

    assert response.status_code == 403
    assert "Enroll again" in response.content.decode()
    assert reverse("courses:course-enroll", args=[course.slug]) in response.content.decode()


OUTLINE_EXPECTED = {
    "anonymous": 302,
    "student": 403,
    "enrolled": 200,
    "other_instructor": 403,
    "instructor": 200,
    "staff": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_outline_page_permission_matrix(client, role):
    world = build_world()
    world.login(client, role)

    response = client.get(reverse("courses:course-outline", args=[world.course.slug]))

    assert response.status_code == OUTLINE_EXPECTED[role]


@pytest.mark.parametrize("role", ROLES)
def test_course_page_is_public_for_every_role(client, role):
    world = build_world()
    world.login(client, role)

    response = client.get(reverse("courses:course-detail", args=[world.course.slug]))

    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_api_course_detail_states_only_for_the_enrolled_student(client, role):
    world = build_world()
    world.login(client, role)

    data = client.get(f"/api/v1/courses/{world.course.slug}/").json()

    states = {item["state"] for module in data["outline"] for item in module["items"]}
    if role == "enrolled":
        assert data["viewer"]["is_enrolled"] is True
        assert data["enrollment"]["status"] == "active"
        assert data["continue_lesson_id"] == world.lesson.pk
        assert states == {"not_started", "available"}
    else:
        assert data["enrollment"] is None
        assert states == {""}
    assert data["viewer"]["is_read_only"] is (role in ("instructor", "staff"))


def test_outline_page_query_count_on_a_large_course(client, student, django_assert_max_num_queries):
    # given: 30 modules × 20 lessons, half of them done, a prerequisite chain
    course = build_large_course()
    modules = list(course.modules.order_by("position"))
    for previous, module in zip(modules, modules[1:], strict=False):
        module.prerequisite = previous
        module.save(update_fields=["prerequisite"])
    lessons = [lesson for module in modules for lesson in module.lessons.all()]
    LessonProgress.objects.bulk_create(
        LessonProgress(user=student, lesson=lesson, status=LessonProgress.Status.DONE)
        for lesson in lessons[:300]
    )
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(12):
        response = client.get(reverse("courses:course-outline", args=[course.slug]))
    assert response.status_code == 200
    path = response.context["path"]
    assert path.lessons_done == 300
    assert [bool(m.lock_reason) for m in path.modules] == [False] * 16 + [True] * 14


def test_api_course_detail_query_count_for_a_student_on_a_large_course(
    client, student, django_assert_max_num_queries
):
    course = build_large_course()
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    with django_assert_max_num_queries(13):
        response = client.get(f"/api/v1/courses/{course.slug}/")

    assert response.status_code == 200
    assert sum(len(m["items"]) for m in response.json()["outline"]) == 30 * 25


def test_outline_of_an_unknown_course_is_404(client, student):
    client.force_login(student)

    assert client.get(reverse("courses:course-outline", args=["nope"])).status_code == 404


def test_outline_of_a_course_without_modules_is_empty(client, student):
    course = CourseFactory()
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    response = client.get(reverse("courses:course-outline", args=[course.slug]))

    assert response.status_code == 200
    assert response.context["path"].modules == []
