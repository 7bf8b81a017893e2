"""Serializers shared by the quiz API operations (each operation nests its own Input/Output
serializer in quizzes/api/views.py and builds on these)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from quizzes.models import Attempt, Question, Quiz
from quizzes.selectors import QuestionView, ReviewItem, attempt_percent


class ErrorSerializer(serializers.Serializer):
    """Every error: a message for people; ``errors`` per field for a rejected request body."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


def answer_value(view: QuestionView) -> object:
    """The saved answer in the shape the answer endpoint accepts for the question's kind."""
    response, kind = view.response, view.question.kind
    if kind == Question.Kind.SINGLE:
        return next(iter(view.selected_ids), None)
    if kind == Question.Kind.MULTIPLE:
        return sorted(view.selected_ids)
    if kind == Question.Kind.TRUE_FALSE:
        return response.boolean_answer
    if kind == Question.Kind.NUMERIC:
        return None if response.numeric_answer is None else f"{response.numeric_answer.normalize():f}"
    return response.text_answer


class ChoiceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    text = serializers.CharField()


class QuestionOutputSerializer(serializers.Serializer):
    """A question of an attempt in progress: never anything that gives the answer away."""

    question_id = serializers.IntegerField(source="question.pk")
    number = serializers.IntegerField()
    kind = serializers.ChoiceField(source="question.kind", choices=Question.Kind.choices)
    text_html = serializers.CharField(source="question.text_html")
    points = serializers.DecimalField(source="response.max_points", max_digits=6, decimal_places=2)
    choices = ChoiceOutputSerializer(many=True)
    answer = serializers.SerializerMethodField()
    answered_at = serializers.DateTimeField(source="response.answered_at", allow_null=True)

    @extend_schema_field(OpenApiTypes.ANY)
    def get_answer(self, view: QuestionView) -> object:
        return answer_value(view)


class AttemptSummarySerializer(serializers.ModelSerializer):
    started_at = serializers.DateTimeField(source="created_at")
    percent = serializers.SerializerMethodField()

    class Meta:
        model = Attempt
        fields = [
            "id",
            "number",
            "status",
            "started_at",
            "deadline_at",
            "submitted_at",
            "graded_at",
            "score",
            "max_score",
            "percent",
            "passed",
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True))
    def get_percent(self, attempt: Attempt) -> str | None:
        percent = attempt_percent(attempt)
        return None if percent is None else f"{percent:.2f}"


class ReviewChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="choice.pk")
    text = serializers.CharField(source="choice.text")
    selected = serializers.BooleanField(source="is_selected")
    correct = serializers.BooleanField(source="is_correct", allow_null=True, help_text="null: not shown yet")
    feedback = serializers.CharField()


class ReviewItemSerializer(serializers.Serializer):
    """A question of a finished attempt, with only what the review policy shows now."""

    question_id = serializers.IntegerField(source="view.question.pk")
    number = serializers.IntegerField(source="view.number")
    kind = serializers.ChoiceField(source="view.question.kind", choices=Question.Kind.choices)
    text_html = serializers.CharField(source="view.question.text_html")
    max_points = serializers.DecimalField(source="view.response.max_points", max_digits=6, decimal_places=2)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    is_correct = serializers.BooleanField(allow_null=True)
    awaits_manual = serializers.BooleanField()
    answer = serializers.SerializerMethodField()
    choices = ReviewChoiceSerializer(many=True)
    correct_answers = serializers.ListField(child=serializers.CharField())
    reference_html = serializers.CharField()
    explanation_html = serializers.CharField()

    @extend_schema_field(OpenApiTypes.ANY)
    def get_answer(self, item: ReviewItem) -> object:
        return answer_value(item.view)


class QuizRulesSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    question_count = serializers.IntegerField()

    class Meta:
        model = Quiz
        fields = [
            "id", "course", "key", "title", "description_html", "time_limit_minutes", "attempts_allowed",
            "grading_method", "pass_mark", "layout", "review_show_correct", "review_show_explanation",
            "opens_at", "closes_at", "question_count",
        ]  # fmt: skip


class QuizGradeSerializer(serializers.Serializer):
    """The final grade by the quiz's grading method."""

    method = serializers.ChoiceField(choices=Quiz.GradingMethod.choices)
    percent = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        allow_null=True,
        help_text="null: an attempt that counts is being graded",
    )
    passed = serializers.BooleanField(allow_null=True)


class AttemptStateSerializer(AttemptSummarySerializer):
    """An attempt in progress: its questions in the stored order, the saved answers, the time
    left. Needs ``context["take"]`` (``selectors.attempt_summary``)."""

    quiz_id = serializers.IntegerField()
    seconds_left = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()

    class Meta(AttemptSummarySerializer.Meta):
        fields = ["quiz_id", *AttemptSummarySerializer.Meta.fields, "seconds_left", "questions"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_seconds_left(self, attempt: Attempt) -> int | None:
        return self.context["take"].seconds_left

    @extend_schema_field(QuestionOutputSerializer(many=True))
    def get_questions(self, attempt: Attempt) -> list:
        return QuestionOutputSerializer(self.context["take"].questions, many=True).data
