"""GET /api/v1/lessons/<id>/ and POST /api/v1/lessons/<id>/complete/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lessons.models import Lesson, LessonProgress
from tests.courses.factories import EnrollmentFactory, ModuleFactory
from tests.courses.test_catalog import build_large_course
from tests.lessons.factories import LessonFactory
from tests.lessons.matrix import ROLES, build_world

pytestmark = pytest.mark.django_db

DETAIL = {
    "anonymous": 403,
    "student": 403,
    "enrolled": 200,
    "other_instructor": 403,
    "instructor": 200,
    "staff": 200,
}
COMPLETE = {
    "anonymous": 403,
    "student": 403,
    "enrolled": 200,
    "other_instructor": 403,
    "instructor": 403,
    "staff": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_lesson_detail_permission_matrix(client, role):
    world = build_world()
    world.login(client, role)

    response = client.get(f"/api/v1/lessons/{world.lesson.pk}/")

    assert response.status_code == DETAIL[role]
    if response.status_code != 200:
        assert response.json()["detail"]


@pytest.mark.parametrize("role", ROLES)
def test_lesson_complete_permission_matrix(client, role):
    world = build_world()
    world.login(client, role)

    response = client.post(f"/api/v1/lessons/{world.lesson.pk}/complete/")

    assert response.status_code == COMPLETE[role]
    if response.status_code != 200:
        assert response.json()["detail"]
    assert LessonProgress.objects.filter(status="done").count() == (1 if role == "enrolled" else 0)


def test_lesson_detail_has_html_contents_neighbours_and_state(client, student, course):
    module = ModuleFactory(course=course)
    lesson = LessonFactory(module=module, position=1, body_md="# T\n\n## Alpha\n\n### Beta\n\nText.\n")
    following = LessonFactory(module=module, position=2)
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    data = client.get(f"/api/v1/lessons/{lesson.pk}/").json()

    assert data["id"] == lesson.pk
    assert '<h2 id="alpha">Alpha</h2>' in data["body_html"]
    assert data["toc"] == [
        {"anchor": "alpha", "text": "Alpha", "children": [{"anchor": "beta", "text": "Beta"}]}
    ]
    assert data["previous"] is None
    assert data["next"] == {"id": following.pk, "title": following.title}
    assert data["state"] == "not_started"
    assert data["course"] == {"slug": course.slug, "title": course.title}
    assert data["mind_map"] is None
    assert not LessonProgress.objects.exists()  # reading through the API records nothing


def test_a_locked_lesson_is_403_with_the_reason(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=2)))
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    detail = client.get(f"/api/v1/lessons/{lesson.pk}/")
    complete = client.post(f"/api/v1/lessons/{lesson.pk}/complete/")

    assert detail.status_code == complete.status_code == 403
    assert "opens on" in detail.json()["detail"]
    assert "opens on" in complete.json()["detail"]


def test_an_unpublished_lesson_is_404_for_students(client, student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course), is_published=False)
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    assert client.get(f"/api/v1/lessons/{lesson.pk}/").status_code == 404
    assert client.post(f"/api/v1/lessons/{lesson.pk}/complete/").status_code == 404


def test_complete_returns_the_course_progress_and_is_idempotent(client, student, course):
    module = ModuleFactory(course=course)
    lesson, _other = LessonFactory.create_batch(2, module=module)
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    first = client.post(f"/api/v1/lessons/{lesson.pk}/complete/").json()
    second = client.post(f"/api/v1/lessons/{lesson.pk}/complete/").json()

    assert first["state"] == "done" and first["course_progress_percent"] == 50
    assert second == first


def test_mind_map_lesson_carries_its_tree(client, student, course):
    lesson = LessonFactory(
        module=ModuleFactory(course=course), kind=Lesson.Kind.MIND_MAP, body_md="- A\n  - B\n"
    )
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    data = client.get(f"/api/v1/lessons/{lesson.pk}/").json()

    assert data["mind_map"] == {"title": "A", "children": [{"title": "B", "children": []}]}


@pytest.mark.parametrize(
    "path", ["/api/v1/lessons/abc/", "/api/v1/lessons/-1/", "/api/v1/lessons/99999999999999999999/"]
)
def test_bad_lesson_ids_are_404_never_500(client, student, path):
    client.force_login(student)

    response = client.get(path)

    assert response.status_code == 404


def test_lesson_detail_query_count_on_a_large_course(client, student, django_assert_max_num_queries):
    course = build_large_course()
    lesson = Lesson.objects.filter(module__course=course).order_by("-module__position").first()
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    with django_assert_max_num_queries(10):
        response = client.get(f"/api/v1/lessons/{lesson.pk}/")

    assert response.status_code == 200
