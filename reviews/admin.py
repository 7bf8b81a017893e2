"""Feedback and reviews. Students write them; the course team reads them here, answers through
the feedback inbox (whose services notify the student and keep the SLA clock), and keeps
internal notes. Anonymous feedback never shows its author to anyone but a superuser."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import (
    CourseScopedAdmin,
    CourseScopedTabularInline,
    ViewOnlyForTeamAdmin,
    related_only,
    transition_action,
)
from reviews import services
from reviews.board_models import BoardEntry
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review, ReviewPoint

FEEDBACK_TARGETS = ("lesson", "question", "case", "ticket")


def _target(feedback: LectureFeedback) -> str:
    return str(feedback.lesson or feedback.question or feedback.case or feedback.ticket)


@admin.register(FeedbackTag)
class FeedbackTagAdmin(CourseScopedAdmin):
    list_display = ("label", "course", "key", "position")
    list_filter = (related_only("course"),)
    list_select_related = ("course",)
    search_fields = ("label", "key")
    ordering = ("course__title", "position", "id")
    prepopulated_fields = {"key": ("label",)}


class ReviewPointInline(CourseScopedTabularInline):
    model = ReviewPoint
    fields = ("position", "kind", "title", "text")
    ordering = ("position", "id")
    extra = 0


@admin.register(Review)
class ReviewAdmin(CourseScopedAdmin):
    """The team records imported reviews (with their complaints and praise as points); a
    student's own review is theirs, so the team only reads it. Staff moderate the status."""

    list_display = ("course", "author", "source", "rating", "would_recommend", "status", "created_at")
    list_filter = (related_only("course"), "source", "status")
    list_select_related = ("course", "user")
    search_fields = ("source_name", "about_course", "text_md", "user__username")
    ordering = ("-created_at",)
    fields = (
        "course",
        "key",
        "source",
        "user",
        "source_name",
        "source_url",
        "about_course",
        "rating",
        "would_recommend",
        "text_md",
        "pros",
        "cons",
        "status",
    )
    autocomplete_fields = ("user",)
    inlines = (ReviewPointInline,)

    def has_course_access(self, request: HttpRequest, obj: Model | None, action: str) -> bool:
        if action in ("change", "delete") and obj is not None and obj.source == Review.Source.INTERNAL:
            return False
        return super().has_course_access(request, obj, action)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[Any]:
        fields = super().get_readonly_fields(request, obj)
        if self.chooses_from_all_courses(request):
            return fields
        return [*fields, "source", "user", "status"]

    def save_model(self, request: HttpRequest, obj: Review, form: ModelForm, change: bool) -> None:
        if not change and not self.chooses_from_all_courses(request):
            obj.source = Review.Source.EXTERNAL
        super().save_model(request, obj, form, change)

    @admin.display(description=_("author"))
    def author(self, review: Review) -> str:
        return review.source_name or str(review.user or "")


@admin.register(LectureFeedback)
class LectureFeedbackAdmin(ViewOnlyForTeamAdmin):
    list_display = (
        "target",
        "course",
        "student",
        "clarity",
        "pace",
        "practice",
        "is_anonymous",
        "created_at",
    )
    list_filter = (related_only("course"), "is_anonymous")
    list_select_related = ("course", "user", "lesson", "question", "case", "ticket__exam")
    search_fields = ("comment",)
    ordering = ("-created_at",)
    autocomplete_fields = ("user", *FEEDBACK_TARGETS)

    @staticmethod
    def _sees_authors(request: HttpRequest) -> bool:
        return request.user.is_superuser

    def get_fields(self, request: HttpRequest, obj: LectureFeedback | None = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.is_anonymous and not self._sees_authors(request):
            fields.remove("user")
        return fields

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        if self._sees_authors(request):
            return (*self.search_fields, "user__username", "user__email")
        return self.search_fields

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Filtering by author (?user=…, allowed by default as a local field) would tell who
        # wrote the anonymous items.
        if lookup.split("__")[0] == "user" and not (request and self._sees_authors(request)):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("about"))
    def target(self, feedback: LectureFeedback) -> str:
        return _target(feedback)

    @admin.display(description=_("student"))
    def student(self, feedback: LectureFeedback) -> str:
        return str(_("anonymous")) if feedback.is_anonymous else str(feedback.user)

    def get_list_display(self, request: HttpRequest) -> list[str]:
        columns = list(super().get_list_display(request))
        if self._sees_authors(request):
            columns[columns.index("student")] = "user"
        return columns

    # Whoever may change or delete items here (model permissions: superusers) writes around
    # feedback_submit: the report's rollup groups of the item, before and after, are recounted
    # in the admin's transaction, as the services do.
    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        stored = LectureFeedback.objects.filter(pk=obj.pk) if change else LectureFeedback.objects.none()
        obj._rollup_keys_before = services.feedback_rollup_keys(feedback=stored)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # the tags
        before = getattr(form.instance, "_rollup_keys_before", set())
        after = services.feedback_rollup_keys(feedback=[form.instance])
        services.feedback_rollup_refresh(keys=before | after)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.feedback_delete(feedback=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        services.feedback_delete(feedback=queryset)


@admin.register(FeedbackResponse)
class FeedbackResponseAdmin(CourseScopedAdmin):
    """Read-only for the team except internal notes: replies, status and owner go through the
    feedback inbox's services, which notify the student and stamp the SLA times."""

    instructor_actions = frozenset({"view", "change"})
    list_display = ("item", "course", "status", "owner", "due_at", "first_response_at", "resolved_at")
    list_filter = (related_only("course"), "status", related_only("owner"))
    list_select_related = (
        "course",
        "owner",
        "feedback__lesson",
        "feedback__question",
        "feedback__case",
        "feedback__ticket__exam",
        "review__user",
    )
    search_fields = ("reply_md", "public_note", "internal_notes")
    ordering = ("due_at",)
    fields = (
        "feedback",
        "review",
        "course",
        "owner",
        "status",
        "due_at",
        "first_response_at",
        "resolved_at",
        "reply_md",
        "public_note",
        "decline_reason",
        "internal_notes",
    )
    raw_id_fields = ("feedback", "review")
    team_member_fields = ("owner",)
    team_editable_fields = ("internal_notes",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[Any]:
        fields = list(super().get_readonly_fields(request, obj))
        if self.has_model_permission(request, "change"):
            return fields
        return [*fields, *(name for name in self.fields if name not in self.team_editable_fields)]

    @admin.display(description=_("item"))
    def item(self, response: FeedbackResponse) -> str:
        if response.feedback_id is not None:
            return _target(response.feedback)
        review = response.review
        return str(_("Review by %(author)s") % {"author": review.source_name or review.user})


def _publish_entry(entry: BoardEntry, user: AbstractBaseUser) -> bool:
    """The board's own publishing: grouped items done, the course's students notified."""
    if entry.status == BoardEntry.Status.PUBLISHED:
        return False
    services.board_entry_publish(entry=entry, user=user)  # type: ignore[arg-type]
    return True


class BoardEntryAdminForm(forms.ModelForm):
    class Meta:
        model = BoardEntry
        fields = ("course", "title", "you_said", "we_did", "items")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        course = cleaned.get("course")
        course_id = course.pk if course is not None else self.instance.course_id  # read-only once saved
        if course_id is not None and any(item.course_id != course_id for item in cleaned.get("items") or []):
            self.add_error("items", _("Group items of this course only."))
        return cleaned


@admin.register(BoardEntry)
class BoardEntryAdmin(CourseScopedAdmin):
    """The "you said, we did" entries of the team's courses. Text and grouped items are edited here
    as on the board's own pages; status moves only through the "publish" action, which runs the
    board's publishing service: grouped items become done and the course's students are
    notified, exactly as when publishing from the board."""

    form = BoardEntryAdminForm
    list_display = ("title", "course", "status", "published_at", "author")
    list_filter = (related_only("course"), "status")
    list_select_related = ("course", "author")
    search_fields = ("title", "you_said", "we_did")
    fields = ("course", "title", "you_said", "we_did", "items", "status", "published_at", "author")
    readonly_fields = ("status", "published_at", "author")
    raw_id_fields = ("items",)  # a course's inbox holds thousands of items
    same_course_fields = ("items",)
    actions = [
        transition_action(
            name="publish",
            description=_("Publish selected %(verbose_name_plural)s"),
            transition=_publish_entry,
        )
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[Any]:
        fields = list(super().get_readonly_fields(request, obj))
        # An entry stays on the board it was written for.
        return [*fields, "course"] if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: BoardEntry, form: ModelForm, change: bool) -> None:
        if not change:
            obj.author = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
