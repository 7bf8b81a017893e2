"""Feedback and reviews. Students write them; the course team reads them here, answers through
the feedback inbox (whose services notify the student and keep the SLA clock), and keeps
internal notes. Anonymous feedback never shows its author to anyone but a superuser."""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import CourseScopedAdmin, CourseScopedTabularInline, ViewOnlyForTeamAdmin, related_only
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
