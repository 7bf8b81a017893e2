from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import (
    CourseScopedAdmin,
    ViewOnlyForTeamAdmin,
    field_transition,
    publish_actions,
    related_only,
)
from courses.models import Course
from lessons.models import Lesson, LessonProgress


@admin.register(Lesson)
class LessonAdmin(CourseScopedAdmin):
    course_path = "module__course"
    list_display = (
        "title",
        "module",
        "course",
        "kind",
        "author",
        "position",
        "estimated_minutes",
        "is_published",
    )
    list_filter = (related_only("module__course"), "kind", "is_published")
    list_select_related = ("module__course", "author")
    search_fields = ("title", "key", "summary")
    ordering = ("module__course__title", "module__position", "position", "id")
    prepopulated_fields = {"key": ("title",)}
    fields = (
        "module",
        "key",
        "title",
        "kind",
        "summary",
        "body_md",
        "author",
        "estimated_minutes",
        "position",
        "is_published",
    )
    team_member_fields = ("author",)
    actions = publish_actions(
        publish=field_transition("is_published", True), unpublish=field_transition("is_published", False)
    )

    @admin.display(description=_("course"), ordering="module__course__title")
    def course(self, lesson: Lesson) -> Course:
        return lesson.module.course


@admin.register(LessonProgress)
class LessonProgressAdmin(ViewOnlyForTeamAdmin):
    course_path = "lesson__module__course"
    list_display = ("user", "lesson", "status", "completed_at", "updated_at")
    list_filter = (related_only("lesson__module__course"), "status")
    list_select_related = ("user", "lesson")
    search_fields = ("user__username", "user__email", "lesson__title")
    ordering = ("-updated_at",)
    autocomplete_fields = ("user", "lesson")
