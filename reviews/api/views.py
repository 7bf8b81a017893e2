"""The feedback API: one APIView per operation (``feedback_submit``'s POST creates or edits, PUT
only edits: the same operation on the same address). Errors are ``{"detail": "..."}`` with 400
(bad input), 403 (not enrolled, not on the course's team), 404 (not there or not visible) or
409 (the item's state refuses it); never a 500 for bad input. No response ever carries the
author of an anonymous item to anyone but a superuser.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.pagination import page_number
from courses.api.base import ERRORS, KafedraApi
from courses.models import Course
from reviews import selectors, services
from reviews.api.serializers import (
    BoardEntrySerializer,
    OwnFeedbackSerializer,
    OwnReviewSerializer,
    PublicReviewSerializer,
    TagSerializer,
)
from reviews.board_models import BoardEntry
from reviews.exceptions import InvalidFeedback
from reviews.models import FeedbackResponse, LectureFeedback, Review


class FeedbackApi(KafedraApi):
    """``KafedraApi`` plus: InvalidFeedback (wrong values caught by a service) → 400."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, InvalidFeedback):
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)


def _answer(response: FeedbackResponse | None) -> dict[str, Any] | None:
    if response is None:
        return None
    return {
        "id": response.pk,
        "status": response.status,
        "reply_html": response.reply_html,
        "decline_reason": response.decline_reason
        if response.status == FeedbackResponse.Status.DECLINED
        else "",
        "first_response_at": response.first_response_at,
        "resolved_at": response.resolved_at,
    }


def _own_feedback(feedback: LectureFeedback) -> dict[str, Any]:
    kind = selectors.feedback_kind_of(feedback)
    try:
        response = feedback.response
    except FeedbackResponse.DoesNotExist:
        response = None
    return {
        "id": feedback.pk,
        "kind": kind,
        "target_id": getattr(feedback, f"{kind}_id"),
        "course": feedback.course,
        "clarity": feedback.clarity,
        "pace": feedback.pace,
        "practice": feedback.practice,
        "tags": feedback.tags,
        "comment": feedback.comment,
        "is_anonymous": feedback.is_anonymous,
        "created_at": feedback.created_at,
        "updated_at": feedback.updated_at,
        "answer": _answer(response),
    }


# ---------------------------------------------------------------------------------------------
# Students: feedback, reports, reviews


class FeedbackSubmitApi(FeedbackApi):
    """Leave feedback on a lecture, or report a question, case or exam ticket as wrong or
    unclear. One item per student per target: POST creates it or edits the existing one
    (201/200), PUT edits an existing one only (404 if there is none)."""

    @extend_schema_serializer(component_name="FeedbackSubmitInput")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=selectors.TARGET_KINDS)
        target_id = serializers.IntegerField(min_value=1)
        clarity = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
        pace = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
        practice = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
        tags = serializers.ListField(
            child=serializers.CharField(max_length=80),
            required=False,
            default=list,
            max_length=50,
            help_text="Tag keys (GET /api/v1/feedback/tags/ lists them).",
        )
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
        is_anonymous = serializers.BooleanField(required=False, default=False)

    def _submit(self, request: Request, *, must_exist: bool) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            target = selectors.feedback_target_get(kind=data["kind"], target_id=data["target_id"])
        except ObjectDoesNotExist:
            raise Http404 from None
        if must_exist and selectors.feedback_own(user=request.user, target=target) is None:
            raise Http404
        tag_ids = []
        if data["tags"]:
            refusal = selectors.feedback_refusal(user=request.user, target=target)
            tags = (
                services.feedback_tags_ensure(course=target.course, kind=target.kind)
                if refusal is None
                else []
            )
            by_key = {tag.key: tag.pk for tag in tags}
            unknown = [key for key in data["tags"] if key not in by_key]
            if refusal is None and unknown:
                raise InvalidFeedback(f"tags: unknown tag {unknown[0]!r}")
            tag_ids = [by_key[key] for key in data["tags"] if key in by_key]
        feedback, created = services.feedback_submit(
            user=request.user,
            target=target,
            clarity=data.get("clarity"),
            pace=data.get("pace"),
            practice=data.get("practice"),
            tag_ids=tag_ids,
            comment=data["comment"],
            is_anonymous=data["is_anonymous"],
        )
        feedback = (
            LectureFeedback.objects.select_related("course", "response")
            .prefetch_related("tags")
            .get(pk=feedback.pk)
        )
        output = OwnFeedbackSerializer(_own_feedback(feedback)).data
        return Response(output, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        operation_id="feedback_submit",
        request=InputSerializer,
        responses={201: OwnFeedbackSerializer, 200: OwnFeedbackSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "lecture",
                value={
                    "kind": "lesson",
                    "target_id": 12,
                    "clarity": 4,
                    "pace": 2,
                    "practice": 5,
                    "tags": ["too-fast"],
                    "comment": "The second half went too fast.",
                    "is_anonymous": True,
                },
                request_only=True,
            ),
            OpenApiExample(
                "report",
                value={
                    "kind": "question",
                    "target_id": 40,
                    "tags": ["item-wrong"],
                    "comment": "B is also correct.",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        return self._submit(request, must_exist=False)

    @extend_schema(
        operation_id="feedback_edit",
        request=InputSerializer,
        responses={200: OwnFeedbackSerializer, **ERRORS},
    )
    def put(self, request: Request) -> Response:
        return self._submit(request, must_exist=True)


class FeedbackMineApi(FeedbackApi):
    """The user's own feedback and reports, with the team's status and reply."""

    @extend_schema(operation_id="feedback_mine", responses={200: OwnFeedbackSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        rows = selectors.feedback_own_list(user=request.user)
        return Response(OwnFeedbackSerializer([_own_feedback(row.feedback) for row in rows], many=True).data)


class FeedbackTagListApi(FeedbackApi):
    """The tags to choose from for a kind of target in a course (created on first use)."""

    class QuerySerializer(serializers.Serializer):
        course = serializers.SlugField()
        kind = serializers.ChoiceField(choices=selectors.TARGET_KINDS, default="lesson")

    @extend_schema(
        operation_id="feedback_tags",
        parameters=[
            OpenApiParameter("course", str, required=True, description="Course slug"),
            OpenApiParameter("kind", str, enum=list(selectors.TARGET_KINDS), description="Default: lesson"),
        ],
        responses={200: TagSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = self.parse_query(self.QuerySerializer, request)
        course = Course.objects.filter(
            slug=query["course"], status__in=(Course.Status.PUBLISHED, Course.Status.ARCHIVED)
        ).first()
        if course is None:
            raise Http404
        tags = services.feedback_tags_ensure(course=course, kind=query["kind"])
        return Response(TagSerializer(tags, many=True).data)


class ReviewSubmitApi(FeedbackApi):
    """Review a course the user is enrolled in: POST creates or edits (201/200), PUT edits
    only (404 without a review). Every save goes (back) to moderation."""

    @extend_schema_serializer(component_name="ReviewSubmitInput")
    class InputSerializer(serializers.Serializer):
        course = serializers.SlugField()
        rating = serializers.IntegerField(min_value=1, max_value=5)
        would_recommend = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
        text_md = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
        pros = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
        cons = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def _submit(self, request: Request, *, must_exist: bool) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        course = Course.objects.filter(
            slug=data.pop("course"), status__in=(Course.Status.PUBLISHED, Course.Status.ARCHIVED)
        ).first()
        if course is None or (must_exist and selectors.review_own(user=request.user, course=course) is None):
            raise Http404
        review, created = services.review_submit(user=request.user, course=course, **data)
        return Response(
            OwnReviewSerializer(review).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="review_submit",
        request=InputSerializer,
        responses={201: OwnReviewSerializer, 200: OwnReviewSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        return self._submit(request, must_exist=False)

    @extend_schema(
        operation_id="review_edit", request=InputSerializer, responses={200: OwnReviewSerializer, **ERRORS}
    )
    def put(self, request: Request) -> Response:
        return self._submit(request, must_exist=True)


class CourseReviewListApi(FeedbackApi):
    """A course's published reviews (imported ones with their source). Public."""

    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="CourseReviews")
    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        average = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
        nps = serializers.IntegerField(allow_null=True)
        page = serializers.IntegerField()
        next_page = serializers.IntegerField(allow_null=True)
        reviews = PublicReviewSerializer(many=True)

    @extend_schema(
        operation_id="course_reviews",
        parameters=[
            OpenApiParameter("page", int, description="Page of 20 reviews, newest first (default 1).")
        ],
        responses={200: OutputSerializer, **ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        course = Course.objects.filter(
            slug=slug, status__in=(Course.Status.PUBLISHED, Course.Status.ARCHIVED, Course.Status.ANNOUNCED)
        ).first()
        if course is None:
            raise Http404
        number = page_number(request.query_params.get("page"))
        per_page = selectors.REVIEWS_PER_PAGE
        public = selectors.course_reviews_public(course, limit=per_page, offset=(number - 1) * per_page)
        reviews = [
            {
                "id": review.pk,
                "source": review.source,
                "author": review.source_name or str(review.user or ""),
                "source_url": review.source_url,
                "about_course": review.about_course,
                "rating": review.rating,
                "would_recommend": review.would_recommend,
                "text_html": review.text_html,
                "pros": review.pros,
                "cons": review.cons,
                "created_at": review.created_at,
            }
            for review in public.reviews
        ]
        output = {
            "count": public.count,
            "average": public.average,
            "nps": public.nps,
            "page": number,
            "next_page": number + 1 if public.has_more else None,
            "reviews": reviews,
        }
        return Response(self.OutputSerializer(output).data)


class ReviewModerateApi(FeedbackApi):
    """Publish or reject a review (the course's team or staff)."""

    @extend_schema_serializer(component_name="ReviewModerateInput")
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=[Review.Status.PUBLISHED, Review.Status.REJECTED])

    @extend_schema(
        operation_id="review_moderate",
        request=InputSerializer,
        responses={200: OwnReviewSerializer, **ERRORS},
    )
    def post(self, request: Request, review_id: int) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            review = selectors.review_get_for_moderator(user=request.user, review_id=review_id)
        except Review.DoesNotExist:
            raise Http404 from None
        review = services.review_moderate(
            review=review, user=request.user, status=body.validated_data["status"]
        )
        return Response(OwnReviewSerializer(review).data)


# ---------------------------------------------------------------------------------------------
# "You said, we did"


class BoardEntryListApi(FeedbackApi):
    """A course's published board entries, newest first. Public."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="board_entry_list", responses={200: BoardEntrySerializer(many=True), **ERRORS}
    )
    def get(self, request: Request, slug: str) -> Response:
        try:
            course = selectors.public_course_get(slug=slug)
        except Course.DoesNotExist:
            raise Http404 from None
        return Response(
            BoardEntrySerializer(selectors.board_entries_published(course=course), many=True).data
        )


class BoardEntryCreateApi(FeedbackApi):
    """A draft entry (the course's team), optionally grouping inbox items of the course."""

    @extend_schema_serializer(component_name="BoardEntryCreateInput")
    class InputSerializer(serializers.Serializer):
        course = serializers.SlugField()
        title = serializers.CharField(max_length=200)
        you_said = serializers.CharField(max_length=10000)
        we_did = serializers.CharField(max_length=10000)
        items = serializers.ListField(
            child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=500
        )

    @extend_schema(
        operation_id="board_entry_create",
        request=InputSerializer,
        responses={201: BoardEntrySerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            course = selectors.board_course_get_for_team(user=request.user, slug=data["course"])
        except Course.DoesNotExist:
            raise Http404 from None
        entry = services.board_entry_create(
            course=course,
            user=request.user,
            title=data["title"],
            you_said=data["you_said"],
            we_did=data["we_did"],
            item_ids=data["items"],
        )
        entry.item_count = len(set(data["items"]))
        return Response(BoardEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class BoardEntryPublishApi(FeedbackApi):
    """Publish a draft: public on the board, its items done, the students notified."""

    @extend_schema(
        operation_id="board_entry_publish", request=None, responses={200: BoardEntrySerializer, **ERRORS}
    )
    def post(self, request: Request, entry_id: int) -> Response:
        try:
            entry = selectors.board_entry_get_for_team(user=request.user, entry_id=entry_id)
        except BoardEntry.DoesNotExist:
            raise Http404 from None
        entry = services.board_entry_publish(entry=entry, user=request.user)
        entry.item_count = entry.items.count()
        return Response(BoardEntrySerializer(entry).data)
