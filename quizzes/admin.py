from django.contrib import admin
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.admin import (
    CourseScopedAdmin,
    CourseScopedTabularInline,
    ReadOnlyTabularInline,
    ViewOnlyForTeamAdmin,
    field_transition,
    publish_actions,
    related_only,
)
from quizzes.models import Attempt, Choice, Question, QuestionCategory, Quiz, QuizQuestion, Response, Tag


def _questions_link(lookup: str, pk: int, label: object) -> SafeString:
    url = reverse("admin:quizzes_question_changelist")
    return format_html('<a href="{}?{}={}">{}</a>', url, lookup, pk, label)


@admin.register(QuestionCategory)
class QuestionCategoryAdmin(CourseScopedAdmin):
    list_display = ("title", "course", "key", "question_count", "is_flashcard_deck", "module", "position")
    list_filter = (related_only("course"), "is_flashcard_deck")
    list_select_related = ("course", "module")
    search_fields = ("title", "key")
    ordering = ("course__title", "position", "id")
    prepopulated_fields = {"key": ("title",)}
    same_course_fields = ("module",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuestionCategory]:
        return super().get_queryset(request).annotate(question_total=Count("questions"))

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, category: QuestionCategory) -> SafeString:
        return _questions_link("category__id__exact", category.pk, category.question_total)


@admin.register(Tag)
class TagAdmin(CourseScopedAdmin):
    list_display = ("name", "course")
    list_filter = (related_only("course"),)
    list_select_related = ("course",)
    search_fields = ("name",)
    ordering = ("course__title", "name")


class ChoiceInline(CourseScopedTabularInline):
    model = Choice
    fields = ("key", "text", "is_correct", "feedback", "position")
    ordering = ("position", "id")

    def get_extra(self, request: HttpRequest, obj: Model | None = None, **kwargs: object) -> int:
        return 4 if obj is None else 0  # A–D for a new question


@admin.register(Question)
class QuestionAdmin(CourseScopedAdmin):
    """The course's question bank. Reached from a category (its question count) and from a
    quiz (its "questions" link); choices are edited inline."""

    list_display = ("key", "text", "course", "category", "kind", "points", "position")
    list_filter = (related_only("course"), "kind", related_only("category"), related_only("slots__quiz"))
    list_select_related = ("course", "category")
    search_fields = ("key", "text_md")
    ordering = ("course__title", "category__position", "position", "id")
    fieldsets = (
        (None, {"fields": ("course", "category", "key", "kind", "text_md", "points", "position")}),
        (
            _("Answer"),
            {
                "fields": (
                    "answer_md",
                    "explanation_md",
                    "correct_boolean",
                    ("numeric_answer", "numeric_tolerance"),
                    "case_sensitive",
                    "task",
                )
            },
        ),
        (_("Source"), {"fields": ("tags", "source", "corrections")}),
    )
    autocomplete_fields = ("tags",)
    same_course_fields = ("category", "task", "tags")
    inlines = (ChoiceInline,)

    @admin.display(description=_("question"))
    def text(self, question: Question) -> str:
        return Truncator(question.text_md).chars(80)


class QuizQuestionInline(CourseScopedTabularInline):
    model = QuizQuestion
    fields = ("position", "question", "open_question", "draw_category", "draw_tag", "draw_count", "points")
    readonly_fields = ("open_question",)
    ordering = ("position", "id")
    autocomplete_fields = ("question",)
    same_course_fields = ("question", "draw_category", "draw_tag")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuizQuestion]:
        return super().get_queryset(request).select_related("question")

    @admin.display(description=_("question and choices"))
    def open_question(self, slot: QuizQuestion) -> SafeString | str:
        if slot.question_id is None:
            return ""
        url = reverse("admin:quizzes_question_change", args=[slot.question_id])
        return format_html('<a href="{}">{}</a>', url, _("Edit"))


@admin.register(Quiz)
class QuizAdmin(CourseScopedAdmin):
    list_display = (
        "title",
        "course",
        "module",
        "status",
        "slot_count",
        "attempts_allowed",
        "opens_at",
        "closes_at",
    )
    list_filter = (related_only("course"), "status")
    list_select_related = ("course", "module")
    search_fields = ("title", "key")
    ordering = ("course__title", "position", "id")
    prepopulated_fields = {"key": ("title",)}
    readonly_fields = ("questions",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "course",
                    "module",
                    "key",
                    "title",
                    "description_md",
                    "status",
                    "position",
                    "questions",
                )
            },
        ),
        (
            _("Attempts and grading"),
            {"fields": ("time_limit_minutes", "attempts_allowed", "grading_method", "pass_mark", "layout")},
        ),
        (
            _("Order and review"),
            {
                "fields": (
                    "shuffle_questions",
                    "shuffle_choices",
                    "review_show_correct",
                    "review_show_explanation",
                )
            },
        ),
        (_("Availability"), {"fields": ("opens_at", "closes_at")}),
    )
    same_course_fields = ("module",)
    inlines = (QuizQuestionInline,)
    actions = publish_actions(
        publish=field_transition("status", Quiz.Status.PUBLISHED),
        unpublish=field_transition("status", Quiz.Status.DRAFT),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quiz]:
        return super().get_queryset(request).annotate(slot_total=Count("slots"))

    @admin.display(description=_("slots"), ordering="slot_total")
    def slot_count(self, quiz: Quiz) -> int:
        return quiz.slot_total

    @admin.display(description=_("questions"))
    def questions(self, quiz: Quiz) -> SafeString | str:
        if quiz.pk is None:
            return ""
        return _questions_link("slots__quiz__id__exact", quiz.pk, _("Edit this quiz's questions and choices"))


class ResponseInline(ReadOnlyTabularInline):
    model = Response
    fields = ("position", "question", "answer", "points", "is_correct", "grader_comment")
    ordering = ("position",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Response]:
        return super().get_queryset(request).select_related("question").prefetch_related("selected_choices")

    @admin.display(description=_("answer"))
    def answer(self, response: Response) -> str:
        choices = ", ".join(choice.key for choice in response.selected_choices.all())
        values = (choices, response.text_answer, response.numeric_answer, response.boolean_answer)
        return "; ".join(str(value) for value in values if value not in ("", None))


@admin.register(Attempt)
class AttemptAdmin(ViewOnlyForTeamAdmin):
    course_path = "quiz__course"
    list_display = ("user", "quiz", "number", "status", "score", "max_score", "passed", "submitted_at")
    list_filter = (related_only("quiz__course"), related_only("quiz"), "status", "passed")
    list_select_related = ("user", "quiz")
    search_fields = ("user__username", "user__email", "quiz__title")
    ordering = ("-created_at",)
    autocomplete_fields = ("user",)
    inlines = (ResponseInline,)
