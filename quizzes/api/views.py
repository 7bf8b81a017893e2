"""The quiz API: one APIView per operation. Errors are ``{"detail": "..."}`` with 400 (bad input),
403 (not enrolled, read-only), 404 (not visible) or 409 (the quiz or attempt state refuses it)."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError, PermissionDeniedError
from quizzes import selectors, services
from quizzes.api.serializers import (
    AttemptStateSerializer,
    AttemptSummarySerializer,
    ErrorSerializer,
    QuizGradeSerializer,
    QuizRulesSerializer,
    ReviewItemSerializer,
)
from quizzes.exceptions import InvalidAnswer
from quizzes.models import Attempt, Quiz

ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


def _first_message(errors: object) -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


class QuizApi(APIView):
    """Turns service refusals and invalid bodies into ``{"detail": ...}`` responses."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, PermissionDeniedError):
            return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
        if isinstance(exc, InvalidAnswer):
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, ApplicationError):
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, exceptions.ValidationError):
            return Response(
                {"detail": _first_message(exc.detail), "errors": exc.detail},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return super().handle_exception(exc)

    def attempt(self, request: Request, attempt_id: int, *, write: bool = False) -> Attempt:
        """The attempt if the user may see it (404 otherwise); for writes, only its owner (403
        for the course's teachers, who may only read)."""
        try:
            attempt = selectors.attempt_get_for_viewer(user=request.user, attempt_id=attempt_id)
        except Attempt.DoesNotExist:
            raise Http404 from None
        if write and not attempt.viewer_is_owner:
            raise exceptions.PermissionDenied(_("You can view this attempt but not change it."))
        return attempt


def _state(attempt: Attempt) -> dict:
    take = selectors.attempt_summary(attempt=attempt)
    return AttemptStateSerializer(attempt, context={"take": take}).data


class QuizDetailApi(QuizApi):
    """A quiz's rules, the user's attempts and grade, and whether they can start one now."""

    @extend_schema_serializer(component_name="QuizDetail")
    class OutputSerializer(serializers.Serializer):
        quiz = QuizRulesSerializer()
        can_start = serializers.BooleanField()
        refusal = serializers.CharField(help_text="Why an attempt cannot be started now.")
        in_progress_attempt = serializers.IntegerField(source="in_progress.pk", allow_null=True)
        attempts_left = serializers.IntegerField(allow_null=True, help_text="null: unlimited")
        grade = QuizGradeSerializer(allow_null=True)
        attempts = AttemptSummarySerializer(many=True)

    @extend_schema(operation_id="quiz_detail", responses={200: OutputSerializer, **ERRORS})
    def get(self, request: Request, quiz_id: int) -> Response:
        try:
            detail = selectors.quiz_detail_for(user=request.user, quiz_id=quiz_id)
        except Quiz.DoesNotExist:
            raise Http404 from None
        return Response(self.OutputSerializer(detail).data)


class AttemptStartApi(QuizApi):
    """Start an attempt, or get back the one in progress (200 instead of 201)."""

    @extend_schema(
        operation_id="attempt_start",
        request=None,
        responses={201: AttemptStateSerializer, 200: AttemptStateSerializer, **ERRORS},
    )
    def post(self, request: Request, quiz_id: int) -> Response:
        try:
            quiz = selectors.quiz_get_for_viewer(user=request.user, quiz_id=quiz_id)
        except Quiz.DoesNotExist:
            raise Http404 from None
        attempt, created = services.attempt_start(quiz=quiz, user=request.user)
        attempt = selectors.attempt_get_own(user=request.user, attempt_id=attempt.pk)
        return Response(_state(attempt), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AttemptDetailApi(QuizApi):
    """The user's attempt in progress: questions, saved answers, seconds left."""

    @extend_schema(operation_id="attempt_detail", responses={200: AttemptStateSerializer, **ERRORS})
    def get(self, request: Request, attempt_id: int) -> Response:
        try:
            attempt = selectors.attempt_get_own(user=request.user, attempt_id=attempt_id)
        except Attempt.DoesNotExist:
            raise Http404 from None
        return Response(_state(attempt))


class AnswerSaveApi(QuizApi):
    """Save (or with null, clear) the answer to one question of the user's attempt."""

    @extend_schema_serializer(component_name="AnswerSaveInput")
    class InputSerializer(serializers.Serializer):
        answer = serializers.JSONField(
            allow_null=True,
            help_text=(
                "single: a choice id; multiple: a list of choice ids; true_false: true/false; "
                "short_text, open, code: a string; numeric: a number or a numeric string. null clears."
            ),
        )

    @extend_schema_serializer(component_name="AnswerSave")
    class OutputSerializer(serializers.Serializer):
        question_id = serializers.IntegerField()
        answered = serializers.BooleanField()
        answered_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        operation_id="attempt_answer",
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS},
        examples=[
            OpenApiExample("single", value={"answer": 17}, request_only=True),
            OpenApiExample("multiple", value={"answer": [17, 19]}, request_only=True),
            OpenApiExample("numeric", value={"answer": "3.14"}, request_only=True),
        ],
    )
    def put(self, request: Request, attempt_id: int, question_id: int) -> Response:
        attempt = self.attempt(request, attempt_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        response = services.response_save(
            attempt=attempt, user=request.user, question_id=question_id, value=body.validated_data["answer"]
        )
        output = {
            "question_id": question_id,
            "answered": response.answered_at is not None,
            "answered_at": response.answered_at,
        }
        return Response(self.OutputSerializer(output).data)


class AttemptSubmitApi(QuizApi):
    """Submit the user's attempt; grading is queued (poll the result)."""

    @extend_schema_serializer(component_name="AttemptSubmit")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=Attempt.Status.choices)
        result_url = serializers.CharField()

    @extend_schema(operation_id="attempt_submit", request=None, responses={202: OutputSerializer, **ERRORS})
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = self.attempt(request, attempt_id, write=True)
        attempt = services.attempt_submit(attempt=attempt, user=request.user)
        output = {
            "id": attempt.pk,
            "status": attempt.status,
            "result_url": reverse("quizzes-api:attempt-result", kwargs={"attempt_id": attempt.pk}),
        }
        return Response(self.OutputSerializer(output).data, status=status.HTTP_202_ACCEPTED)


class AttemptResultApi(QuizApi):
    """Status, score and the review the quiz's policy shows now (everything for the course's
    teachers). Poll while ``status`` is ``submitted`` or ``grading``."""

    @extend_schema_serializer(component_name="AttemptResult")
    class OutputSerializer(AttemptSummarySerializer):
        quiz_id = serializers.IntegerField()
        show_correct = serializers.BooleanField()
        show_explanation = serializers.BooleanField()
        questions = ReviewItemSerializer(many=True, source="review")

        class Meta(AttemptSummarySerializer.Meta):
            fields = [
                "quiz_id",
                *AttemptSummarySerializer.Meta.fields,
                "show_correct",
                "show_explanation",
                "questions",
            ]

    @extend_schema(operation_id="attempt_result", responses={200: OutputSerializer, **ERRORS})
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = self.attempt(request, attempt_id)
        result = selectors.attempt_result(attempt=attempt)
        attempt.show_correct = result.show_correct
        attempt.show_explanation = result.show_explanation
        attempt.review = result.review
        return Response(self.OutputSerializer(attempt).data)
