from django.contrib import admin
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.admin import (
    CourseScopedAdmin,
    CourseScopedTabularInline,
    ViewOnlyForTeamAdmin,
    publish_actions,
    related_only,
)
from courses.models import Course, CourseOutcome, CourseStaff, Enrollment, Module, Resource
from courses.services import course_publish, course_unpublish
from lessons.models import Lesson


def _publish(course: Course, user: AbstractBaseUser) -> bool:
    return course_publish(course=course, user=user).status != course.status


def _unpublish(course: Course, user: AbstractBaseUser) -> bool:
    return course_unpublish(course=course, user=user).status != course.status


class CourseOutcomeInline(CourseScopedTabularInline):
    model = CourseOutcome
    fields = ("kind", "position", "text")
    ordering = ("kind", "position", "id")
    extra = 0


class CourseStaffInline(CourseScopedTabularInline):
    """The team decides who may author the course, so only model permissions change it: a
    member cannot add people to their course."""

    model = CourseStaff
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    team_may_edit = False
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[CourseStaff]:
        return super().get_queryset(request).select_related("user")


@admin.register(Course)
class CourseAdmin(CourseScopedAdmin):
    """Courses are created by staff (and bundle imports); their team edits them. Status moves
    only through the publish/unpublish actions, which stamp ``published_at``."""

    course_path = ""
    instructor_actions = frozenset({"view", "change"})
    list_display = ("title", "slug", "status", "language", "level", "module_count", "published_at")
    list_filter = ("status", "language", "level")
    search_fields = ("title", "slug", "summary")
    ordering = ("title",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("status", "published_at", "module_links")
    fieldsets = (
        (None, {"fields": ("slug", "title", "summary", "description_md", "format_md")}),
        (_("Settings"), {"fields": ("language", "level", "feedback_sla_hours", "announced_with")}),
        (_("Publication"), {"fields": ("status", "published_at")}),
        (_("Modules"), {"fields": ("module_links",)}),
    )
    inlines = (CourseOutcomeInline, CourseStaffInline)
    actions = publish_actions(publish=_publish, unpublish=_unpublish)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        return super().get_queryset(request).annotate(module_total=Count("modules"))

    @admin.display(description=_("modules"), ordering="module_total")
    def module_count(self, course: Course) -> SafeString:
        url = reverse("admin:courses_module_changelist")
        return format_html('<a href="{}?course__id__exact={}">{}</a>', url, course.pk, course.module_total)

    @admin.display(description=_("modules"))
    def module_links(self, course: Course) -> SafeString | str:
        if course.pk is None:
            return ""
        links = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            (
                (reverse("admin:courses_module_change", args=[module.pk]), module.title)
                for module in course.modules.order_by("position", "id").only("pk", "title")
            ),
        )
        add_url = reverse("admin:courses_module_add")
        return format_html(
            '<ol>{}</ol><a class="addlink" href="{}?course={}">{}</a>',
            links,
            add_url,
            course.pk,
            _("Add module"),
        )


class LessonInline(CourseScopedTabularInline):
    """The module's outline of lessons; bodies are edited on the lesson's own page."""

    model = Lesson
    fields = ("position", "key", "title", "kind", "author", "estimated_minutes", "is_published")
    ordering = ("position", "id")
    team_member_fields = ("author",)
    show_change_link = True
    extra = 0


@admin.register(Module)
class ModuleAdmin(CourseScopedAdmin):
    list_display = ("title", "course", "key", "position", "release_at", "prerequisite")
    list_filter = (related_only("course"),)
    list_select_related = ("course", "prerequisite")
    search_fields = ("title", "key")
    ordering = ("course__title", "position", "id")
    prepopulated_fields = {"key": ("title",)}
    fields = ("course", "key", "title", "position", "summary_md", "release_at", "prerequisite")
    same_course_fields = ("prerequisite",)
    inlines = (LessonInline,)


@admin.register(Enrollment)
class EnrollmentAdmin(ViewOnlyForTeamAdmin):
    list_display = ("user", "course", "status", "progress_percent", "created_at", "completed_at")
    list_filter = (related_only("course"), "status")
    list_select_related = ("user", "course")
    search_fields = ("user__username", "user__email", "user__display_name")
    ordering = ("-created_at",)
    autocomplete_fields = ("user", "last_lesson")


@admin.register(Resource)
class ResourceAdmin(CourseScopedAdmin):
    list_display = ("title", "course", "collection", "kind", "position")
    list_filter = (related_only("course"), "collection", "kind")
    list_select_related = ("course",)
    search_fields = ("title", "authors", "description")
    ordering = ("course__title", "collection", "position", "id")
    prepopulated_fields = {"key": ("title",)}
