from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
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
from core.exceptions import ApplicationError
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
from exams.services import task_fingerprint, task_publish, task_request_reference_check, task_unpublish

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


def _refusal(task: PracticalTask) -> str:
    """Why ``task`` cannot be published, from its last reference check."""
    if task.reference_check == PracticalTask.ReferenceCheck.FAILED:
        return gettext("its reference solution fails its tests (see the reference check log)")
    if task.reference_check_log:
        return gettext("its reference solution could not be run (see the reference check log)")
    return gettext("its reference check has not run since the last change (it needs a sandbox worker)")


def _each_permitted(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PracticalTask]
) -> tuple[list[PracticalTask], list[PracticalTask]]:
    permitted, refused = [], []
    for task in queryset:
        (permitted if modeladmin.has_change_permission(request, task) else refused).append(task)
    return permitted, refused


def _report_forbidden(
    modeladmin: admin.ModelAdmin, request: HttpRequest, forbidden: list[PracticalTask]
) -> None:
    if forbidden:
        modeladmin.message_user(
            request,
            gettext("Left unchanged (not permitted): %(tasks)s") % {"tasks": ", ".join(map(str, forbidden))},
            messages.WARNING,
        )


@admin.action(
    description=_("Publish selected practical tasks (their reference solution must pass)"),
    permissions=["change"],
)
def publish_tasks(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PracticalTask]
) -> None:
    """Through ``task_publish``: a task whose reference solution has not passed stays a draft,
    and the message says why."""
    permitted, forbidden = _each_permitted(modeladmin, request, queryset)
    published, refused = 0, []
    for task in permitted:
        try:
            published += task_publish(task=task).status != task.status
        except ApplicationError:
            refused.append(f"“{task}”: {_refusal(task)}")
    modeladmin.message_user(
        request,
        ngettext("%(count)d practical task published.", "%(count)d practical tasks published.", published)
        % {"count": published},
        messages.SUCCESS,
    )
    if refused:
        modeladmin.message_user(
            request,
            gettext("Not published: %(tasks)s.") % {"tasks": "; ".join(refused)},
            messages.ERROR,
        )
    _report_forbidden(modeladmin, request, forbidden)


@admin.action(description=_("Unpublish selected practical tasks"), permissions=["change"])
def unpublish_tasks(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PracticalTask]
) -> None:
    permitted, forbidden = _each_permitted(modeladmin, request, queryset)
    changed = sum(task_unpublish(task=task).status != task.status for task in permitted)
    modeladmin.message_user(
        request,
        ngettext("%(count)d practical task unpublished.", "%(count)d practical tasks unpublished.", changed)
        % {"count": changed},
        messages.SUCCESS,
    )
    _report_forbidden(modeladmin, request, forbidden)


@admin.action(
    description=_("Run the reference check of selected practical tasks again"), permissions=["change"]
)
def check_tasks(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PracticalTask]
) -> None:
    permitted, forbidden = _each_permitted(modeladmin, request, queryset)
    for task in permitted:
        task_request_reference_check(task=task)
    modeladmin.message_user(
        request,
        ngettext(
            "Reference check queued for %(count)d practical task.",
            "Reference check queued for %(count)d practical tasks.",
            len(permitted),
        )
        % {"count": len(permitted)},
        messages.SUCCESS,
    )
    _report_forbidden(modeladmin, request, forbidden)


@admin.register(PracticalTask)
class PracticalTaskAdmin(CourseScopedAdmin):
    """Status moves only through the actions, which call the services: a task is published
    only when its reference solution passed all its tests (``task_publish``). Saving a change
    to what the check depends on (tests, files, runtime, limits) queues a new check."""

    list_display = ("title", "course", "key", "runtime", "status", "reference_check")
    list_filter = (related_only("course"), "status", "runtime", "reference_check")
    list_select_related = ("course",)
    search_fields = ("title", "key")
    ordering = ("course__title", "key")
    prepopulated_fields = {"key": ("title",)}
    # Written by the services: status by the actions, the check by the sandbox.
    readonly_fields = ("status", "publication", "reference_check", "reference_check_output")
    fieldsets = (
        (None, {"fields": ("course", "key", "title", "statement_md")}),
        (_("Tests"), {"fields": ("public_tests", "hidden_tests", "test_weights")}),
        (_("Limits"), {"fields": ("runtime", "time_limit_seconds", "memory_limit_mb")}),
        (
            _("Publication"),
            {"fields": ("status", "publication", "reference_check", "reference_check_output")},
        ),
        (_("Source"), {"fields": ("source", "corrections")}),
    )
    inlines = (TaskFileInline,)
    actions = (publish_tasks, unpublish_tasks, check_tasks)

    @admin.display(description=_("can it be published?"))
    def publication(self, task: PracticalTask) -> str:
        if task.pk is None:
            return gettext("Save the task first: saving queues its reference check.")
        if task.reference_check == PracticalTask.ReferenceCheck.PASSED:
            return gettext(
                "Yes: the reference solution passes all the tests. Publish it with the action in the list."
            )
        if task.status == PracticalTask.Status.PUBLISHED:
            return gettext(
                "Published, but this version has not passed a reference check: %(reason)s. Unpublish "
                "it with the action in the list if students must not use this version."
            ) % {"reason": _refusal(task)}
        return gettext("No: %(reason)s.") % {"reason": _refusal(task)}

    @admin.display(description=_("reference check log"))
    def reference_check_output(self, task: PracticalTask) -> SafeString | str:
        if not task.reference_check_log:
            return "—"
        return format_html('<pre class="reference-check-log">{}</pre>', task.reference_check_log)

    def save_model(
        self, request: HttpRequest, obj: PracticalTask, form: forms.ModelForm, change: bool
    ) -> None:
        # What the check depended on before this save (the inline files are saved later).
        stored = PracticalTask.objects.filter(pk=obj.pk).first() if change else None
        obj._fingerprint_before = task_fingerprint(stored) if stored is not None else None  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        task = form.instance
        before = getattr(task, "_fingerprint_before", None)
        if before is not None and before == task_fingerprint(task):
            return
        task = task_request_reference_check(task=task)
        message = gettext("The reference check of “%(task)s” was queued: it runs in the sandbox.") % {
            "task": task
        }
        if task.status == PracticalTask.Status.PUBLISHED:
            message += " " + gettext(
                "The task stays published meanwhile; unpublish it if students must not use the new "
                "version before the check passes."
            )
        self.message_user(request, message, messages.INFO)


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
