from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import (
    CourseScopedAdmin,
    CourseScopedStackedInline,
    CourseScopedTabularInline,
    ReadOnlyTabularInline,
    ViewOnlyForTeamAdmin,
    field_transition,
    publish_actions,
    related_only,
)
from exams.models import (
    CaseProblem,
    CaseStudy,
    Exam,
    ExamTicket,
    PracticalTask,
    RolePlay,
    RolePlayRole,
    RolePlayStage,
    Sitting,
    Submission,
    TaskFile,
    TestResult,
    TicketCase,
    TicketQuestion,
)

_is_published_actions = publish_actions(
    publish=field_transition("is_published", True), unpublish=field_transition("is_published", False)
)
_status_actions = publish_actions(
    publish=field_transition("status", Exam.Status.PUBLISHED),
    unpublish=field_transition("status", Exam.Status.DRAFT),
)


class TaskFileInline(CourseScopedStackedInline):
    model = TaskFile
    fields = (("path", "kind", "position"), "starter", "reference", "content")
    ordering = ("kind", "position", "id")
    extra = 0


@admin.register(PracticalTask)
class PracticalTaskAdmin(CourseScopedAdmin):
    list_display = ("title", "course", "key", "runtime", "status", "reference_check")
    list_filter = (related_only("course"), "status", "runtime", "reference_check")
    list_select_related = ("course",)
    search_fields = ("title", "key")
    ordering = ("course__title", "key")
    prepopulated_fields = {"key": ("title",)}
    # Written by the sandbox when it runs the reference solution against the tests.
    readonly_fields = ("reference_check", "reference_check_log")
    fieldsets = (
        (None, {"fields": ("course", "key", "title", "statement_md", "status")}),
        (_("Tests"), {"fields": ("public_tests", "hidden_tests", "test_weights")}),
        (_("Limits"), {"fields": ("runtime", "time_limit_seconds", "memory_limit_mb")}),
        (_("Reference check"), {"fields": ("reference_check", "reference_check_log")}),
        (_("Source"), {"fields": ("source", "corrections")}),
    )
    inlines = (TaskFileInline,)


class CaseProblemInline(CourseScopedStackedInline):
    model = CaseProblem
    fields = (("position", "title"), "symptom", "cause", "solution")
    ordering = ("position", "id")
    extra = 0


@admin.register(CaseStudy)
class CaseStudyAdmin(CourseScopedAdmin):
    list_display = ("title", "course", "module", "key", "position", "is_published")
    list_filter = (related_only("course"), "is_published")
    list_select_related = ("course", "module")
    search_fields = ("title", "key")
    ordering = ("course__title", "position", "id")
    prepopulated_fields = {"key": ("title",)}
    fieldsets = (
        (None, {"fields": ("course", "module", "key", "title", "position", "is_published")}),
        (_("Case"), {"fields": ("situation_md", "available_data", "observations_md", "task_md")}),
        (_("Reference analysis"), {"fields": ("conclusions", "discussion_questions")}),
    )
    same_course_fields = ("module",)
    inlines = (CaseProblemInline,)
    actions = _is_published_actions


class RolePlayRoleInline(CourseScopedTabularInline):
    model = RolePlayRole
    fields = ("position", "name", "responsibilities")
    ordering = ("position", "id")
    extra = 0


class RolePlayStageInline(CourseScopedStackedInline):
    model = RolePlayStage
    fields = (
        ("position", "title"),
        "brief_md",
        "inputs",
        "questions",
        "decisions",
        "complications",
        "deliverables",
    )
    ordering = ("position", "id")
    extra = 0


@admin.register(RolePlay)
class RolePlayAdmin(CourseScopedAdmin):
    list_display = ("title", "course", "module", "key", "position", "is_published")
    list_filter = (related_only("course"), "is_published")
    list_select_related = ("course", "module")
    search_fields = ("title", "key")
    ordering = ("course__title", "position", "id")
    prepopulated_fields = {"key": ("title",)}
    fieldsets = (
        (None, {"fields": ("course", "module", "key", "title", "position", "is_published")}),
        (_("Game"), {"fields": ("goal_md", "format_md", "setting_md")}),
        (
            _("Teams and timing"),
            {
                "fields": (
                    ("team_size_min", "team_size_max"),
                    ("teams_min", "teams_max"),
                    ("duration_min_minutes", "duration_max_minutes"),
                )
            },
        ),
        (
            _("Outcomes"),
            {"fields": ("learning_effects", "challenges", "reflection_intro", "reflection_questions")},
        ),
    )
    same_course_fields = ("module",)
    inlines = (RolePlayRoleInline, RolePlayStageInline)
    actions = _is_published_actions


class ExamTicketInline(CourseScopedTabularInline):
    """The exam's ticket pool; questions and cases are put on the ticket's own page."""

    model = ExamTicket
    fields = ("number", "title", "task")
    ordering = ("number",)
    same_course_fields = ("task",)
    show_change_link = True
    extra = 0


@admin.register(Exam)
class ExamAdmin(CourseScopedAdmin):
    list_display = (
        "title",
        "course",
        "module",
        "status",
        "ticket_count",
        "duration_minutes",
        "opens_at",
        "closes_at",
    )
    list_filter = (related_only("course"), "status")
    list_select_related = ("course", "module")
    search_fields = ("title", "key")
    ordering = ("course__title", "position", "id")
    prepopulated_fields = {"key": ("title",)}
    fields = (
        "course",
        "module",
        "key",
        "title",
        "description_md",
        "status",
        "duration_minutes",
        "opens_at",
        "closes_at",
        "position",
    )
    same_course_fields = ("module",)
    inlines = (ExamTicketInline,)
    actions = _status_actions

    def get_queryset(self, request: HttpRequest) -> QuerySet[Exam]:
        return super().get_queryset(request).annotate(ticket_total=Count("tickets"))

    @admin.display(description=_("tickets"), ordering="ticket_total")
    def ticket_count(self, exam: Exam) -> int:
        return exam.ticket_total


class TicketQuestionInline(CourseScopedTabularInline):
    model = TicketQuestion
    fields = ("position", "question")
    ordering = ("position", "id")
    autocomplete_fields = ("question",)
    same_course_fields = ("question",)
    extra = 0


class TicketCaseInline(CourseScopedTabularInline):
    model = TicketCase
    fields = ("position", "case")
    ordering = ("position", "id")
    same_course_fields = ("case",)
    extra = 0


@admin.register(ExamTicket)
class ExamTicketAdmin(CourseScopedAdmin):
    course_path = "exam__course"
    list_display = ("number", "title", "exam", "course", "task")
    list_filter = (related_only("exam__course"), related_only("exam"))
    list_select_related = ("exam__course", "task")
    search_fields = ("title", "exam__title")
    ordering = ("exam__course__title", "exam__position", "number")
    fields = ("exam", "number", "title", "task")
    same_course_fields = ("exam", "task")
    inlines = (TicketQuestionInline, TicketCaseInline)

    @admin.display(description=_("course"), ordering="exam__course__title")
    def course(self, ticket: ExamTicket) -> str:
        return str(ticket.exam.course)


@admin.register(Sitting)
class SittingAdmin(ViewOnlyForTeamAdmin):
    course_path = "exam__course"
    list_display = ("user", "exam", "ticket", "status", "score", "max_score", "deadline_at", "submitted_at")
    list_filter = (related_only("exam__course"), related_only("exam"), "status")
    list_select_related = ("user", "exam", "ticket__exam")
    search_fields = ("user__username", "user__email", "exam__title")
    ordering = ("-created_at",)
    autocomplete_fields = ("user", "ticket")


class TestResultInline(ReadOnlyTabularInline):
    model = TestResult
    fields = ("name", "visibility", "outcome", "weight", "duration_ms", "memory_kb", "message")
    ordering = ("id",)


@admin.register(Submission)
class SubmissionAdmin(ViewOnlyForTeamAdmin):
    course_path = "task__course"
    list_display = ("user", "task", "kind", "status", "score", "created_at", "finished_at")
    list_filter = (related_only("task__course"), "kind", "status")
    list_select_related = ("user", "task")
    search_fields = ("user__username", "user__email", "task__title")
    ordering = ("-created_at",)
    autocomplete_fields = ("user", "sitting")
    inlines = (TestResultInline,)
