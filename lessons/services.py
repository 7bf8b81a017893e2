"""Every write to lessons' progress: each function is one state change, named ``<entity>_<verb>``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import services as course_services
from courses.access import LEARNING_STATUSES
from courses.exceptions import ContentLocked, NotEnrolled, ReadOnlyViewer
from courses.models import Enrollment
from lessons.models import Lesson, LessonProgress
from lessons.selectors import lesson_get_for_viewer

if TYPE_CHECKING:
    from accounts.models import User


def lesson_open(
    *, lesson: Lesson, user: User, enrollment: Enrollment, progress: LessonProgress | None
) -> LessonProgress | None:
    """Record that the student opened the lesson: its progress becomes "in progress" (never
    downgrading "done") and the enrollment remembers it for "continue where I left off".

    The caller has checked that the student may open the lesson (``lesson_get_for_viewer``)
    and passes the progress row it loaded (or None). Does nothing for anybody but the
    enrollment's student in a course they learn. Writes only what changed, and opens no
    transaction when nothing changed: this runs on every lesson page view. The two writes
    are independent single-row writes (each consistent on its own).
    """
    if (
        enrollment.user_id != user.pk
        or enrollment.course_id != lesson.module.course_id
        or enrollment.status not in LEARNING_STATUSES
    ):
        return progress
    if progress is None:
        progress = LessonProgress(user=user, lesson=lesson, status=LessonProgress.Status.IN_PROGRESS)
        try:
            with transaction.atomic():
                progress.save()
        except IntegrityError:  # opened in two tabs at once: the other request recorded it
            progress = LessonProgress.objects.get(user=user, lesson=lesson)
    course_services.enrollment_lesson_opened(enrollment=enrollment, lesson=lesson)
    return progress


@transaction.atomic
def lesson_complete(*, lesson: Lesson, user: User) -> tuple[LessonProgress, Enrollment]:
    """Mark the lesson done for an enrolled student and recompute the course progress stored
    on the enrollment. Idempotent: completing a done lesson changes nothing.

    Raises Lesson.DoesNotExist if the user may not see the lesson, NotEnrolled if they do not
    learn the course, ReadOnlyViewer for the course's team and staff (nothing is recorded for
    them), ContentLocked if the module is not released or its prerequisite is not finished.
    """
    access = lesson_get_for_viewer(user=user, lesson_id=lesson.pk)
    viewer = access.viewer
    if viewer.is_learner and access.refusal is not None:
        raise ContentLocked(access.refusal)
    if not viewer.is_learner:
        if viewer.is_reviewer:
            raise ReadOnlyViewer(_("You are viewing this course as its team: progress is not recorded."))
        raise NotEnrolled(access.refusal or _("Enroll in the course to open its lessons."))
    lesson = access.lesson
    enrollment = Enrollment.objects.select_for_update().get(pk=viewer.enrollment.pk)
    progress = LessonProgress.objects.select_for_update().filter(user=user, lesson=lesson).first()
    if progress is not None and progress.status == LessonProgress.Status.DONE:
        return progress, enrollment
    now = timezone.now()
    if progress is None:
        progress = LessonProgress(
            user=user, lesson=lesson, status=LessonProgress.Status.DONE, completed_at=now
        )
        progress.full_clean(validate_constraints=False)  # uniqueness is the database's job
        try:
            with transaction.atomic():
                progress.save()
        except IntegrityError:  # opened in another tab at this moment: update that row
            progress = LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)
    if progress.status != LessonProgress.Status.DONE:
        progress.status = LessonProgress.Status.DONE
        progress.completed_at = now
        progress.full_clean(validate_constraints=False)
        progress.save(update_fields=["status", "completed_at", "updated_at"])
    course_services.enrollment_lesson_opened(enrollment=enrollment, lesson=lesson)
    enrollment = course_services.enrollment_progress_recompute(enrollment=enrollment)
    return progress, enrollment
