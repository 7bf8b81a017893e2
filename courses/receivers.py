"""Signal receivers of the courses app: cache invalidation only, never business logic.

Every write to a course's content (the course, its modules, lessons and resources, from the
admin, a bundle import or a service) renews the course's content version, which retires the
cached fragments built from it (``courses.content_version``). Receivers, rather than calls in
each writer, because the writers are many (admin forms and inlines, admin actions, bundle
import, services) and forgetting one would serve stale pages silently.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.content_version import course_content_changed
from courses.models import Course, Module, Resource
from lessons.models import Lesson


@receiver([post_save, post_delete], sender=Course, dispatch_uid="course-content-course")
def _course_written(sender: type[Course], instance: Course, **kwargs: Any) -> None:
    course_content_changed(course_id=instance.pk)


@receiver([post_save, post_delete], sender=Module, dispatch_uid="course-content-module")
@receiver([post_save, post_delete], sender=Resource, dispatch_uid="course-content-resource")
def _course_part_written(sender: type[Module | Resource], instance: Module | Resource, **kwargs: Any) -> None:
    course_content_changed(course_id=instance.course_id)


@receiver([post_save, post_delete], sender=Lesson, dispatch_uid="course-content-lesson")
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
