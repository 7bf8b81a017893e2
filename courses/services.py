"""Every write to courses: each function is one state change, named ``<entity>_<verb>``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import PermissionDeniedError
from courses.access import LEARNING_STATUSES
from courses.exceptions import AlreadyEnrolled, EnrollmentClosed, TeamCannotEnroll
from courses.models import Course, Enrollment
from courses.permissions import authored_course_ids, user_can_author_course

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from lessons.models import Lesson


def _ensure_may_publish(*, course: Course, user: AbstractBaseUser) -> None:
    # The course's team and superusers, or staff granted the course-wide change permission.
    if not (user_can_author_course(user, course) or user.has_perm("courses.change_course")):
        raise PermissionDeniedError(_("You may not publish or unpublish this course."))


@transaction.atomic
def course_publish(*, course: Course, user: AbstractBaseUser) -> Course:
    """Publish the course: status "published", ``published_at`` stamped now.

    Idempotent: an already published course is returned unchanged (its date kept).
    Raises PermissionDeniedError if the user may not author the course, ValidationError if
    the course is not valid.
    """
    _ensure_may_publish(course=course, user=user)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status == Course.Status.PUBLISHED:
        return course
    course.status = Course.Status.PUBLISHED
    course.published_at = timezone.now()
    course.full_clean()
    course.save(update_fields=["status", "published_at", "updated_at"])
    return course


@transaction.atomic
def course_unpublish(*, course: Course, user: AbstractBaseUser) -> Course:
    """Take a published course back to draft and clear ``published_at``.

    Idempotent: a course that is not published is returned unchanged (announced and archived
    courses keep their status). Raises PermissionDeniedError if the user may not author the
    course, ValidationError if the course is not valid.
    """
    _ensure_may_publish(course=course, user=user)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != Course.Status.PUBLISHED:
        return course
    course.status = Course.Status.DRAFT
    course.published_at = None
    course.full_clean()
    course.save(update_fields=["status", "published_at", "updated_at"])
    return course


# ---------------------------------------------------------------------------------------------
# Enrollment


@transaction.atomic
def enrollment_create(*, course: Course, user: AbstractBaseUser) -> tuple[Enrollment, bool]:
    """Enroll ``user`` in ``course``; returns the enrollment and whether it is new.

    Only published courses take enrollments. A dropped enrollment is reactivated (progress
    kept and recomputed), so enrolling again after leaving is safe. Raises EnrollmentClosed if
    the course is not published, AlreadyEnrolled if the user is enrolled (active or
    completed), TeamCannotEnroll for the course's own team (they read it without enrolling).
    """
    course = Course.objects.get(pk=course.pk)  # the status as of now, not as the caller saw it
    if course.status != Course.Status.PUBLISHED:
        raise EnrollmentClosed(_("This course is not open for enrollment."))
    if course.pk in authored_course_ids(user):
        raise TeamCannotEnroll(_("You are on this course's team: you can read it without enrolling."))
    enrollment = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    if enrollment is not None:
        if enrollment.status in LEARNING_STATUSES:
            raise AlreadyEnrolled(_("You are already enrolled in this course."))
        enrollment.status = Enrollment.Status.ACTIVE
        enrollment.full_clean()
        enrollment.save(update_fields=["status", "updated_at"])
        return enrollment_progress_recompute(enrollment=enrollment), False
    enrollment = Enrollment(user=user, course=course, status=Enrollment.Status.ACTIVE)
    enrollment.full_clean(validate_constraints=False)  # the unique constraint is the database's job
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:  # a concurrent request enrolled first
        raise AlreadyEnrolled(_("You are already enrolled in this course.")) from None
    return enrollment, True


@transaction.atomic
def enrollment_progress_recompute(*, enrollment: Enrollment) -> Enrollment:
    """Store the share (0–100, rounded down) of the course's published lessons that the
    student has done. Idempotent; writes only when the value changed."""
    from lessons.selectors import lesson_counts_for

    done, total = lesson_counts_for(user=enrollment.user_id, course=enrollment.course_id)
    percent = done * 100 // total if total else 0
    if percent != enrollment.progress_percent:
        enrollment.progress_percent = percent
        enrollment.save(update_fields=["progress_percent", "updated_at"])
    return enrollment


def enrollment_lesson_opened(*, enrollment: Enrollment, lesson: Lesson) -> Enrollment:
    """Remember ``lesson`` as where the student left off ("continue"). Writes only when it
    changed, so reading the same lesson again costs no write."""
    if enrollment.last_lesson_id != lesson.pk:
        enrollment.last_lesson = lesson
        enrollment.save(update_fields=["last_lesson", "updated_at"])
    return enrollment
