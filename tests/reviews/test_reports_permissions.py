"""Who may read which feedback report: role × course × (HTML page, API, CSV)."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, ModuleFactory
from tests.reviews.report_data import feedback, lesson_in

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:feedback-report")
API = reverse("reports-api:feedback-report")
CSV = reverse("reports:feedback-report-csv", args=["questions"])


@pytest.fixture
def other_instructor(db):
    """On the team of another course only."""
    user = UserFactory(username="other-instructor")
    CourseStaffFactory(course=CourseFactory(slug="other-course"), user=user)
    return user


@pytest.fixture
def users(student, instructor, other_instructor, staff_user, superuser):
    return {
        "anonymous": None,
        "student": student,
        "other_instructor": other_instructor,
        "instructor": instructor,
        "staff": staff_user,
        "superuser": superuser,
    }


def _get(client, user, url, **params):
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


@pytest.mark.parametrize(
    ("role", "page", "api", "csv"),
    [
        ("anonymous", 302, 403, 302),
        ("student", 403, 403, 403),
        ("other_instructor", 403, 403, 403),
        ("instructor", 200, 200, 200),
        ("staff", 200, 200, 200),
        ("superuser", 200, 200, 200),
    ],
)
def test_course_report_by_role(client, users, course, role, page, api, csv):
    # given a course with some feedback
    feedback(lesson_in(course))
    user = users[role]
    # when / then
    assert _get(client, user, PAGE, course=course.slug).status_code == page
    assert _get(client, user, API, course=course.slug).status_code == api
    assert _get(client, user, CSV, course=course.slug).status_code == csv


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("role", "status"),
    [("student", 403), ("other_instructor", 200), ("instructor", 200), ("staff", 200), ("superuser", 200)],
)
def test_report_without_a_course_covers_the_readers_courses(client, users, course, role, status):
    response = _get(client, users[role], API)
    assert response.status_code == status


def test_instructor_without_a_course_filter_gets_only_their_courses(client, instructor, course):
    # given feedback in the instructor's course and in somebody else's
    feedback(lesson_in(course))
    other = CourseFactory()
    feedback(lesson_in(other))
    client.force_login(instructor)
    # when
    data = client.get(API).json()
    # then
    assert data["filter"]["course_ids"] == [course.pk]
    assert [row["course_id"] for row in data["courses"]] == [course.pk]
    assert data["responses"] == 1


def test_staff_without_a_course_filter_get_every_course(client, staff_user, course):
    feedback(lesson_in(course))
    feedback(lesson_in(CourseFactory()))
    client.force_login(staff_user)
    data = client.get(API).json()
    assert data["filter"]["course_ids"] is None
    assert data["responses"] == 2


def test_instructor_cannot_reach_another_course_through_a_module_or_lesson(client, instructor, course):
    other = CourseFactory()
    module = ModuleFactory(course=other)
    lesson = lesson_in(other, module=module)
    client.force_login(instructor)
    for params in ({"module": module.pk}, {"lesson": lesson.pk}, {"course": [course.slug, other.slug]}):
        assert client.get(API, params).status_code == 403
        assert client.get(PAGE, params).status_code == 403
        assert client.get(CSV, params).status_code == 403


def test_inactive_staff_read_nothing(client, staff_user):
    staff_user.is_active = False
    staff_user.save(update_fields=["is_active"])
    client.force_login(staff_user)
    assert client.get(API).status_code == 403


def test_team_members_of_every_role_read_their_course(client, course):
    for role in ("lead", "instructor", "assistant"):
        member = UserFactory()
        CourseStaffFactory(course=course, user=member, role=role)
        client.force_login(member)
        assert client.get(API, {"course": course.slug}).status_code == 200
