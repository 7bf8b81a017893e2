"""The flashcard API: one APIView per operation. Errors are ``{"detail": "..."}`` with 400 (bad
input: an unknown question, a question that is not a flashcard, a rating that is not 1-4), 403
(not a student of the course, module locked), 404 (no such deck for this user)."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from courses.api.base import ERRORS, KafedraApi
from courses.models import Course
from courses.selectors import course_get_for_viewer, course_viewer
from quizzes import flashcard_selectors as selectors
from quizzes import flashcard_services as services
from quizzes.flashcards import FlashcardError
from quizzes.models import FlashcardReview, FlashcardState, Question, QuestionCategory


class FlashcardApi(KafedraApi):
    """Flashcard refusals of the request itself are 400, not 409."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, FlashcardError):
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)


class FlashcardDeckSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="deck.pk")
    course = serializers.SlugField(source="deck.course.slug")
    title = serializers.CharField()
    description_html = serializers.CharField(source="deck.description_html")
    card_count = serializers.IntegerField()
    studied_count = serializers.IntegerField(source="seen_count")
    due_count = serializers.IntegerField(
        help_text="Due today: studied cards due by the end of the day + new cards."
    )
    new_due = serializers.IntegerField(help_text="New cards of the day (the daily new-card limit applied).")
    new_count = serializers.IntegerField(help_text="Cards never studied.")
    next_due_at = serializers.DateTimeField(
        allow_null=True, help_text="The earliest due time of studied cards."
    )
    lock_reason = serializers.CharField(help_text="Why the deck cannot be studied now; empty when it can.")


class DeckListApi(FlashcardApi):
    """The flashcard decks of a course (or of every course the user studies), with what is due
    today in each."""

    @extend_schema_serializer(component_name="FlashcardDeckListQuery")
    class InputSerializer(serializers.Serializer):
        course = serializers.SlugField(required=False, max_length=80)

    @extend_schema(
        operation_id="flashcard_deck_list",
        parameters=[
            OpenApiParameter(
                "course",
                str,
                required=False,
                description="A course's slug; without it, every course the user studies.",
            )
        ],
        responses={200: FlashcardDeckSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        params = self.parse_query(self.InputSerializer, request)
        if "course" not in params:
            return Response(
                FlashcardDeckSerializer(
                    selectors.flashcard_decks_for_learner(user=request.user), many=True
                ).data
            )
        try:
            course = course_get_for_viewer(slug=params["course"], user=request.user)
        except Course.DoesNotExist:
            raise Http404 from None
        refusal = selectors.learner_refusal(course_viewer(user=request.user, course=course))
        if refusal is not None:
            return Response({"detail": refusal}, status=status.HTTP_403_FORBIDDEN)
        decks = selectors.flashcard_decks_for_course(user=request.user, course=course)
        return Response(FlashcardDeckSerializer(decks, many=True).data)


class FlashcardRatingSerializer(serializers.Serializer):
    rating = serializers.IntegerField(source="value")
    name = serializers.CharField()
    label = serializers.CharField()
    interval_seconds = serializers.SerializerMethodField(help_text="Until the card would be due again.")

    def get_interval_seconds(self, option: selectors.RatingOption) -> int:
        return int(option.interval.total_seconds())


class FlashcardCardSerializer(serializers.Serializer):
    question_id = serializers.IntegerField(source="question.pk")
    text_html = serializers.CharField(source="question.text_html")
    is_new = serializers.BooleanField()
    state = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(source="state.due_at", allow_null=True, default=None)
    reps = serializers.IntegerField(source="state.reps", default=0)
    lapses = serializers.IntegerField(source="state.lapses", default=0)
    ratings = FlashcardRatingSerializer(many=True)
    answer_html = serializers.SerializerMethodField(help_text="The reference answer; null unless reveal=1.")

    def get_state(self, card: selectors.StudyCard) -> str:
        return "new" if card.state is None else FlashcardState.State(card.state.state).name.lower()

    def get_answer_html(self, card: selectors.StudyCard) -> str | None:
        return card.question.answer_html if self.context.get("reveal") else None


class DeckNextApi(FlashcardApi):
    """The card to study next in a deck (null: done for now, see ``deck.next_due_at``)."""

    @extend_schema_serializer(component_name="FlashcardNextQuery")
    class InputSerializer(serializers.Serializer):
        reveal = serializers.BooleanField(required=False, default=False)

    @extend_schema_serializer(component_name="FlashcardNext")
    class OutputSerializer(serializers.Serializer):
        deck = FlashcardDeckSerializer(source="summary")
        card = FlashcardCardSerializer(allow_null=True)

    @extend_schema(
        operation_id="flashcard_deck_next",
        parameters=[
            OpenApiParameter(
                "reveal", bool, required=False, description="Include the reference answer (self-check)."
            )
        ],
        responses={200: OutputSerializer, **ERRORS},
    )
    def get(self, request: Request, deck_id: int) -> Response:
        params = self.parse_query(self.InputSerializer, request)
        try:
            access = selectors.flashcard_deck_get_for_viewer(user=request.user, deck_id=deck_id)
        except QuestionCategory.DoesNotExist:
            raise Http404 from None
        if access.refusal is not None:
            return Response({"detail": access.refusal}, status=status.HTTP_403_FORBIDDEN)
        study = selectors.flashcard_study(user=request.user, deck=access.deck)
        return Response(self.OutputSerializer(study, context={"reveal": params["reveal"]}).data)


class ReviewCreateApi(FlashcardApi):
    """Rate the recall of a card: 1 again, 2 hard, 3 good, 4 easy. 201 with the new schedule; 200
    when it repeats the rating just stored (a double submit: nothing changed)."""

    @extend_schema_serializer(component_name="FlashcardReviewInput")
    class InputSerializer(serializers.Serializer):
        question = serializers.PrimaryKeyRelatedField(queryset=Question.objects.only("pk"))
        rating = serializers.ChoiceField(choices=FlashcardReview.Rating.choices)

    @extend_schema_serializer(component_name="FlashcardReview")
    class OutputSerializer(serializers.Serializer):
        question_id = serializers.IntegerField(source="state.question_id")
        scheduled = serializers.BooleanField()
        state = serializers.SerializerMethodField()
        due_at = serializers.DateTimeField(source="state.due_at")
        last_review_at = serializers.DateTimeField(source="state.last_review_at")
        reps = serializers.IntegerField(source="state.reps")
        lapses = serializers.IntegerField(source="state.lapses")

        def get_state(self, outcome: services.ReviewOutcome) -> str:
            return FlashcardState.State(outcome.state.state).name.lower()

    @extend_schema(
        operation_id="flashcard_review",
        request=InputSerializer,
        responses={201: OutputSerializer, 200: OutputSerializer, **ERRORS},
        examples=[OpenApiExample("good", value={"question": 42, "rating": 3}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = services.flashcard_review(
            user=request.user,
            question=body.validated_data["question"],
            rating=body.validated_data["rating"],
            now=timezone.now(),
        )
        code = status.HTTP_201_CREATED if outcome.scheduled else status.HTTP_200_OK
        return Response(self.OutputSerializer(outcome).data, status=code)
