"""Signal receivers of the courses app: cache invalidation only, never business logic.

Every write to a course's content (the course, its modules, lessons and resources) renews the
course's content version, and every write to what pages show about a user (their account,
enrollments, lesson progress, course-team memberships) renews the user's viewer version; the
cached pages and fragments built from the old versions are never served again
(``courses.cache_versions``). Receivers, rather than calls in each writer, because the writers
are many (admin forms, inlines and actions, bundle import, services, the auth framework's own
``last_login`` update) and forgetting one would serve stale pages silently.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.cache_versions import course_content_changed, viewer_changed
from courses.models import Course, CourseStaff, Enrollment, Module, Resource
from lessons.models import Lesson, LessonProgress

WRITES = [post_save, post_delete]


@receiver(WRITES, sender=Course, dispatch_uid="course-content-course")
def _course_written(sender: type[Course], instance: Course, **kwargs: Any) -> None:
    course_content_changed(course_id=instance.pk)


@receiver(WRITES, sender=Module, dispatch_uid="course-content-module")
@receiver(WRITES, sender=Resource, dispatch_uid="course-content-resource")
def _course_part_written(sender: type[Module | Resource], instance: Module | Resource, **kwargs: Any) -> None:
    course_content_changed(course_id=instance.course_id)


@receiver(WRITES, sender=Lesson, dispatch_uid="course-content-lesson")
def _lesson_written(sender: type[Lesson], instance: Lesson, **kwargs: Any) -> None:
    # The module's course, without loading the module when it is already at hand; a lesson
    # deleted with its module (cascade) finds no module and its course is renewed by the
    # module's own receiver.
    module = Lesson._meta.get_field("module").get_cached_value(instance, default=None)
    if module is not None:
        course_id = module.course_id
    else:
        course_id = Module.objects.filter(pk=instance.module_id).values_list("course_id", flat=True).first()
    if course_id is not None:
        course_content_changed(course_id=course_id)


@receiver(WRITES, sender=Enrollment, dispatch_uid="viewer-enrollment")
@receiver(WRITES, sender=CourseStaff, dispatch_uid="viewer-course-staff")
@receiver(WRITES, sender=LessonProgress, dispatch_uid="viewer-lesson-progress")
def _viewer_state_written(
    sender: type[Enrollment | CourseStaff | LessonProgress],
    instance: Enrollment | CourseStaff | LessonProgress,
    **kwargs: Any,
) -> None:
    viewer_changed(user_id=instance.user_id)


@receiver(WRITES, sender=get_user_model(), dispatch_uid="viewer-account")
def _account_written(sender: type, instance: Any, **kwargs: Any) -> None:
    viewer_changed(user_id=instance.pk)
