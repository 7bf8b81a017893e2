import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import User
from accounts.services import DEMO_INSTRUCTOR, DEMO_STAFF, DEMO_STUDENT, demo_accounts_ensure
from core.exceptions import ApplicationError
from courses.models import Course, CourseStaff
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory

pytestmark = pytest.mark.django_db


def test_creates_the_three_accounts_with_the_documented_passwords():
    # given: an empty database

    # when
    accounts = demo_accounts_ensure()

    # then
    assert [(a.role, a.username, a.created, a.password_set) for a in accounts] == [
        ("student", "student", True, True),
        ("instructor", "instructor", True, True),
        ("staff", "staff", True, True),
    ]
    for username, password in (DEMO_STUDENT, DEMO_INSTRUCTOR, DEMO_STAFF):
        assert authenticate(username=username, password=password) is not None


def test_demo_passwords_pass_the_password_validators():
    # given
    accounts = demo_accounts_ensure()

    # when / then: raises ValidationError if a validator refuses one
    for account in accounts:
        validate_password(account.password, user=User.objects.get(username=account.username))


def test_instructor_becomes_lead_of_published_courses_without_a_lead():
    # given
    without_lead = CourseFactory(slug="without-lead")
    with_lead = CourseFactory(slug="with-lead")
    CourseStaffFactory(course=with_lead, role=CourseStaff.Role.LEAD)
    CourseFactory(slug="draft", status=Course.Status.DRAFT)

    # when
    accounts = demo_accounts_ensure()

    # then
    instructor = User.objects.get(username="instructor")
    assert list(CourseStaff.objects.filter(user=instructor).values_list("course__slug", "role")) == [
        ("without-lead", "lead")
    ]
    assert accounts[1].lead_of == [without_lead.slug]


def test_instructor_becomes_lead_of_the_given_courses_only():
    # given
    CourseFactory(slug="chosen")
    CourseFactory(slug="other")

    # when
    accounts = demo_accounts_ensure(course_slugs=["chosen"])

    # then
    assert accounts[1].lead_of == ["chosen"]


def test_existing_instructor_membership_is_promoted_to_lead():
    # given: the seed bundle made `instructor` a plain instructor of the course
    course = CourseFactory(slug="seeded")
    instructor = UserFactory(username="instructor")
    CourseStaffFactory(course=course, user=instructor, role=CourseStaff.Role.INSTRUCTOR)

    # when
    demo_accounts_ensure(course_slugs=["seeded"])

    # then
    assert CourseStaff.objects.get(course=course, user=instructor).role == CourseStaff.Role.LEAD


def test_unknown_course_slug_is_refused_before_anything_is_created():
    # given
    CourseFactory(slug="known")

    # when / then
    with pytest.raises(ApplicationError, match="missing"):
        demo_accounts_ensure(course_slugs=["known", "missing"])
    assert not User.objects.filter(username__in=["student", "instructor", "staff"]).exists()


def test_user_without_usable_password_gets_the_demo_password():
    # given: as left by the seed bundle import
    instructor = User.objects.create(username="instructor", display_name="Анна Смирнова")
    instructor.set_unusable_password()
    instructor.save()

    # when
    accounts = demo_accounts_ensure()

    # then
    assert accounts[1].created is False and accounts[1].password_set is True
    assert authenticate(username="instructor", password=DEMO_INSTRUCTOR[1]) is not None
    assert User.objects.get(username="instructor").display_name == "Анна Смирнова"


def test_running_twice_keeps_a_changed_password():
    # given
    demo_accounts_ensure()
    student = User.objects.get(username="student")
    student.set_password("my-own-secret-42")
    student.save()

    # when
    accounts = demo_accounts_ensure()

    # then
    assert [(a.created, a.password_set, a.password_is_demo) for a in accounts] == [
        (False, False, False),
        (False, False, True),
        (False, False, True),
    ]
    assert authenticate(username="student", password="my-own-secret-42") is not None
    assert User.objects.filter(username__in=["student", "instructor", "staff"]).count() == 3


def test_staff_gets_view_permissions_of_the_report_apps_only():
    # given / when
    demo_accounts_ensure()

    # then
    staff = User.objects.get(username="staff")
    assert staff.is_staff and not staff.is_superuser
    for permission in (
        "courses.view_course",
        "lessons.view_lesson",
        "quizzes.view_attempt",
        "exams.view_submission",
        "reviews.view_lecturefeedback",
        "reviews.view_feedbackresponse",
    ):
        assert staff.has_perm(permission), permission
    assert not staff.has_perm("reviews.change_lecturefeedback")
    assert not staff.has_perm("accounts.view_user")


def test_existing_staff_account_is_made_staff():
    # given
    UserFactory(username="staff", is_staff=False)

    # when
    demo_accounts_ensure()

    # then
    assert User.objects.get(username="staff").is_staff


@override_settings(DEBUG=False)
def test_command_refuses_to_run_with_debug_off():
    # when / then
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("create_demo_accounts")
    assert not User.objects.filter(username="student").exists()


@override_settings(DEBUG=False)
def test_command_runs_with_debug_off_when_forced(capsys):
    # given
    CourseFactory(slug="ml")

    # when
    call_command("create_demo_accounts", "--force")

    # then
    output = capsys.readouterr().out
    assert "login: student     password: student-demo-pass" in output
    assert "instructor-demo-pass" in output and "staff-demo-pass" in output
    assert "lead of: ml" in output


@override_settings(DEBUG=True)
def test_command_run_twice_still_prints_the_demo_passwords(capsys):
    # given
    call_command("create_demo_accounts")
    capsys.readouterr()

    # when
    call_command("create_demo_accounts")

    # then
    output = capsys.readouterr().out
    assert output.count("[exists]") == 3
    assert "student-demo-pass" in output and "staff-demo-pass" in output


@override_settings(DEBUG=True)
def test_command_does_not_print_a_password_the_user_changed(capsys):
    # given
    call_command("create_demo_accounts")
    student = User.objects.get(username="student")
    student.set_password("my-own-secret-42")
    student.save()
    capsys.readouterr()

    # when
    call_command("create_demo_accounts")

    # then
    output = capsys.readouterr().out
    assert "student-demo-pass" not in output
    assert "(changed since; not reset)" in output


@override_settings(DEBUG=True)
def test_command_turns_an_unknown_slug_into_a_command_error():
    # when / then
    with pytest.raises(CommandError, match="No course with the slug: nope"):
        call_command("create_demo_accounts", "--course", "nope")
