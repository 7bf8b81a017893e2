"""The site header by role: students see their own pages only; a course's team and staff also
the grading desk, the feedback inbox and report, and authoring; every link shown opens, and the
header costs the same few queries whatever the number of courses."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.context_processors import Navigation, navigation_for
from tests.accounts.factories import StaffUserFactory, UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "student", "instructor", "staff")
TEAM_LINKS = {
    "grading_desk": "desk:index",
    "feedback_inbox": "reviews:inbox",
    "feedback_report": "reports:feedback-report",
    "authoring": "admin:index",
}
SHOWN = {
    "anonymous": set(),
    "student": set(),
    "instructor": set(TEAM_LINKS),
    "staff": set(TEAM_LINKS),
}


def _login(client, role: str, course):
    if role == "anonymous":
        return None
    if role == "staff":
        user = StaffUserFactory()
    else:
        user = UserFactory()
    if role == "student":
        EnrollmentFactory(user=user, course=course)
    if role == "instructor":
        CourseStaffFactory(course=course, user=user)
    client.force_login(user)
    return user


def _header(client) -> str:
    html = client.get(reverse("courses:catalog")).content.decode()
    return re.search(r'<nav class="container nav".*?</nav>', html, re.DOTALL).group(0)


@pytest.mark.parametrize("role", ROLES)
def test_the_header_shows_each_role_its_links(client, role):
    # given
    course = CourseFactory()
    _login(client, role, course)

    # when
    header = _header(client)

    # then
    shown = {name for name, url_name in TEAM_LINKS.items() if f'href="{reverse(url_name)}"' in header}
    assert shown == SHOWN[role]
    assert (f'href="{reverse("courses:dashboard")}"' in header) is (role != "anonymous")
    assert (f'href="{reverse("accounts:login")}"' in header) is (role == "anonymous")


@pytest.mark.parametrize("role", ROLES)
def test_every_team_link_in_the_header_opens_and_hidden_ones_do_not(client, role):
    # given
    course = CourseFactory()
    _login(client, role, course)

    # when
    statuses = {name: client.get(reverse(url_name)).status_code for name, url_name in TEAM_LINKS.items()}

    # then
    assert {name for name, status in statuses.items() if status == 200} == SHOWN[role]


def test_students_are_not_offered_authoring():
    # given
    student = UserFactory()
    EnrollmentFactory(user=student)

    # when
    nav = navigation_for(student)

    # then
    assert nav == Navigation()


def test_an_inactive_team_member_is_offered_nothing():
    # given
    user = UserFactory(is_active=False)
    CourseStaffFactory(user=user)

    # when / then
    assert navigation_for(user) == Navigation()


def test_the_header_query_count_does_not_grow_with_the_team_courses(client, django_assert_num_queries):
    # given: the same page for an instructor on one course, then on thirty
    instructor = UserFactory()
    CourseStaffFactory(user=instructor)
    client.force_login(instructor)
    client.get(reverse("accounts:profile"))  # the signed-in user is cached from here on
    with CaptureQueriesContext(connection) as one_course:
        client.get(reverse("accounts:profile"))
    CourseStaffFactory.create_batch(29, user=instructor)

    # when / then
    with django_assert_num_queries(len(one_course.captured_queries)):
        response = client.get(reverse("accounts:profile"))
    assert f'href="{reverse("reviews:inbox")}"' in response.content.decode()


def test_the_header_asks_about_course_teams_once_per_page(client):
    # given
    student = UserFactory()
    client.force_login(student)

    # when
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("accounts:profile"))

    # then
    team_queries = [q["sql"] for q in queries.captured_queries if "courses_coursestaff" in q["sql"]]
    assert len(team_queries) == 1


def test_htmx_fragments_do_not_pay_for_the_header(client):
    # given: the unread-count badge, polled by every open page
    client.force_login(UserFactory())

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:notification-count"), HTTP_HX_REQUEST="true")

    # then
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "courses_coursestaff" in q["sql"]]
