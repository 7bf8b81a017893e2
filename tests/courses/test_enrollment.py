"""Enrollment: the service, the enroll button and the enroll endpoint."""

import pytest
from django.urls import reverse

from courses.exceptions import AlreadyEnrolled, EnrollmentClosed, TeamCannotEnroll
from courses.models import Course, Enrollment
from courses.services import enrollment_create, enrollment_progress_recompute
from lessons.models import LessonProgress
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, EnrollmentFactory, ModuleFactory
from tests.lessons.factories import LessonFactory, LessonProgressFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# enrollment_create


def test_student_enrolls_in_a_published_course(student, course):
    enrollment, created = enrollment_create(course=course, user=student)

    assert created is True
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert Enrollment.objects.filter(user=student, course=course).count() == 1


@pytest.mark.parametrize("status", [Course.Status.ANNOUNCED, Course.Status.ARCHIVED, Course.Status.DRAFT])
def test_only_published_courses_take_enrollments(student, status):
    course = CourseFactory(status=status)

    with pytest.raises(EnrollmentClosed):
        enrollment_create(course=course, user=student)

    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("status", [Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED])
def test_enrolling_twice_is_refused_with_a_message(student, course, status):
    EnrollmentFactory(user=student, course=course, status=status)

    with pytest.raises(AlreadyEnrolled, match="already enrolled"):
        enrollment_create(course=course, user=student)

    assert Enrollment.objects.filter(user=student, course=course).count() == 1


def test_a_dropped_enrollment_is_reactivated_with_its_progress_recomputed(student, course):
    # given: two of four lessons done before the student left
    module = ModuleFactory(course=course)
    lessons = LessonFactory.create_batch(4, module=module)
    for lesson in lessons[:2]:
        LessonProgressFactory(user=student, lesson=lesson, status=LessonProgress.Status.DONE)
    dropped = EnrollmentFactory(
        user=student, course=course, status=Enrollment.Status.DROPPED, progress_percent=0
    )

    # when
    enrollment, created = enrollment_create(course=course, user=student)

    # then
    assert created is False
    assert enrollment.pk == dropped.pk
    dropped.refresh_from_db()
    assert dropped.status == Enrollment.Status.ACTIVE
    assert dropped.progress_percent == 50


def test_the_course_team_cannot_enroll_in_its_own_course(instructor, course):
    with pytest.raises(TeamCannotEnroll):
        enrollment_create(course=course, user=instructor)


def test_an_instructor_of_another_course_enrolls_like_any_student(course):
    other_instructor = UserFactory()
    CourseStaffFactory(course=CourseFactory(), user=other_instructor)

    _enrollment, created = enrollment_create(course=course, user=other_instructor)

    assert created is True


# ---------------------------------------------------------------------------------------------
# enrollment_progress_recompute


def test_progress_is_the_share_of_published_lessons_done_rounded_down(student, course):
    # given: 1 of 3 published lessons done; the unpublished one does not count
    module = ModuleFactory(course=course)
    done, *_rest = LessonFactory.create_batch(3, module=module)
    hidden = LessonFactory(module=module, is_published=False)
    LessonProgressFactory(user=student, lesson=done, status=LessonProgress.Status.DONE)
    LessonProgressFactory(user=student, lesson=hidden, status=LessonProgress.Status.DONE)
    enrollment = EnrollmentFactory(user=student, course=course)

    # when
    enrollment_progress_recompute(enrollment=enrollment)

    # then
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33


def test_other_students_progress_does_not_count(student, course):
    lesson = LessonFactory(module=ModuleFactory(course=course))
    LessonProgressFactory(user=UserFactory(), lesson=lesson, status=LessonProgress.Status.DONE)
    enrollment = EnrollmentFactory(user=student, course=course)

    enrollment_progress_recompute(enrollment=enrollment)

    assert enrollment.progress_percent == 0


def test_a_course_without_lessons_has_zero_progress(student, course):
    enrollment = EnrollmentFactory(user=student, course=course, progress_percent=0)

    enrollment_progress_recompute(enrollment=enrollment)

    assert enrollment.progress_percent == 0


# ---------------------------------------------------------------------------------------------
# The enroll button (POST /courses/<slug>/enroll/)


def test_enroll_button_enrolls_and_leads_to_the_outline(client, student, course):
    client.force_login(student)

    response = client.post(reverse("courses:course-enroll", args=[course.slug]))

    assert response.status_code == 302
    assert response.url == reverse("courses:course-outline", args=[course.slug])
    assert Enrollment.objects.filter(user=student, course=course, status=Enrollment.Status.ACTIVE).exists()


def test_enroll_button_sends_anonymous_visitors_to_log_in(client, course):
    response = client.post(reverse("courses:course-enroll", args=[course.slug]))

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url
    assert not Enrollment.objects.exists()


def test_enrolling_again_answers_409_with_the_message(client, student, course):
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    response = client.post(reverse("courses:course-enroll", args=[course.slug]))

    assert response.status_code == 409
    assert "already enrolled" in response.content.decode()


def test_enroll_button_refuses_the_course_team_with_403(client, instructor, course):
    client.force_login(instructor)

    response = client.post(reverse("courses:course-enroll", args=[course.slug]))

    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_an_announced_course_answers_409_to_enroll(client, student):
    course = CourseFactory(status=Course.Status.ANNOUNCED)
    client.force_login(student)

    response = client.post(reverse("courses:course-enroll", args=[course.slug]))

    assert response.status_code == 409
    assert not Enrollment.objects.exists()


def test_a_draft_course_is_not_found_for_enroll(client, student):
    course = CourseFactory(status=Course.Status.DRAFT)
    client.force_login(student)

    response = client.post(reverse("courses:course-enroll", args=[course.slug]))

    assert response.status_code == 404


def test_enroll_only_accepts_post(client, student, course):
    client.force_login(student)

    response = client.get(reverse("courses:course-enroll", args=[course.slug]))

    assert response.status_code == 405
    assert not Enrollment.objects.exists()


# ---------------------------------------------------------------------------------------------
# POST /api/v1/courses/<slug>/enroll/


def test_api_enroll_creates_an_enrollment(client, student, course):
    client.force_login(student)

    response = client.post(f"/api/v1/courses/{course.slug}/enroll/")

    assert response.status_code == 201
    assert response.json()["status"] == "active"
    assert response.json()["progress_percent"] == 0


def test_api_enroll_reactivates_a_dropped_enrollment_with_200(client, student, course):
    EnrollmentFactory(user=student, course=course, status=Enrollment.Status.DROPPED)
    client.force_login(student)

    response = client.post(f"/api/v1/courses/{course.slug}/enroll/")

    assert response.status_code == 200
    assert response.json()["status"] == "active"


def test_api_enroll_twice_is_409_with_detail(client, student, course):
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    response = client.post(f"/api/v1/courses/{course.slug}/enroll/")

    assert response.status_code == 409
    assert "already enrolled" in response.json()["detail"]


def test_api_enroll_in_an_announced_course_is_409(client, student):
    course = CourseFactory(status=Course.Status.ANNOUNCED)
    client.force_login(student)

    response = client.post(f"/api/v1/courses/{course.slug}/enroll/")

    assert response.status_code == 409
    assert response.json()["detail"]


def test_api_enroll_refuses_the_team_with_403(client, instructor, course):
    client.force_login(instructor)

    response = client.post(f"/api/v1/courses/{course.slug}/enroll/")

    assert response.status_code == 403
    assert response.json()["detail"]


def test_api_enroll_needs_a_user(client, course):
    response = client.post(f"/api/v1/courses/{course.slug}/enroll/")

    assert response.status_code == 403
    assert "detail" in response.json()


@pytest.mark.parametrize("slug", ["no-such-course", "draft-course"])
def test_api_enroll_in_a_missing_or_draft_course_is_404(client, student, slug):
    CourseFactory(slug="draft-course", status=Course.Status.DRAFT)
    client.force_login(student)

    response = client.post(f"/api/v1/courses/{slug}/enroll/")

    assert response.status_code == 404
    assert "detail" in response.json()
