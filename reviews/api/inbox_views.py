"""The inbox API of the course's team and staff: list (filters, most urgent first), one item,
respond, bulk acknowledge and assign. Never the identity behind an anonymous item, except for
superusers."""

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from courses.api.base import ERRORS
from reviews import selectors, services
from reviews.api.serializers import (
    InboxItemSerializer,
)
from reviews.api.views import FeedbackApi
from reviews.exceptions import InvalidFeedback
from reviews.models import FeedbackResponse
from reviews.permissions import user_has_inbox


class InboxPagination(PageNumberPagination):
    page_size = selectors.INBOX_PAGE_SIZE
    max_page_size = 200
    page_size_query_param = "page_size"


INBOX_FILTERS = [
    OpenApiParameter("course", int, description="Course id"),
    OpenApiParameter("status", str, enum=[*FeedbackResponse.Status.values, "open"]),
    OpenApiParameter("kind", str, enum=list(selectors.ITEM_KINDS)),
    OpenApiParameter("owner", str, description='"me", "none" or a user id'),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int),
]


class InboxApi(FeedbackApi):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not user_has_inbox(request.user):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied("The feedback inbox is for the teams of courses.")

    def item(self, request: Request, response_id: int) -> FeedbackResponse:
        try:
            return selectors.inbox_item_get(user=request.user, response_id=response_id)
        except FeedbackResponse.DoesNotExist:
            raise Http404 from None


class InboxListApi(InboxApi):
    """The inbox of the user's courses (staff: all), most urgent first, filtered. Invalid filter
    values are ignored."""

    @extend_schema(
        operation_id="inbox_list",
        parameters=INBOX_FILTERS,
        responses={200: InboxItemSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = selectors.inbox_filter_parse(request.query_params)
        paginator = InboxPagination()
        page = paginator.paginate_queryset(
            selectors.inbox_queryset(user=request.user, filters=filters), request, view=self
        )
        items = selectors.inbox_items(page, user=request.user)
        return paginator.get_paginated_response(InboxItemSerializer(items, many=True).data)


class InboxItemApi(InboxApi):
    @extend_schema(operation_id="inbox_item", responses={200: InboxItemSerializer, **ERRORS})
    def get(self, request: Request, response_id: int) -> Response:
        item = selectors.inbox_items([self.item(request, response_id)], user=request.user)[0]
        return Response(InboxItemSerializer(item).data)


class InboxRespondApi(InboxApi):
    """Reply to the student, change the status (declining needs a reason) and/or the internal
    notes. The student is notified of a reply or a status change."""

    @extend_schema_serializer(component_name="InboxRespondInput")
    class InputSerializer(serializers.Serializer):
        reply_md = serializers.CharField(required=False, allow_blank=True, max_length=10000)
        status = serializers.ChoiceField(choices=FeedbackResponse.Status.choices, required=False)
        decline_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
        internal_notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)

    @extend_schema(
        operation_id="inbox_respond", request=InputSerializer, responses={200: InboxItemSerializer, **ERRORS}
    )
    def post(self, request: Request, response_id: int) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        response = services.feedback_respond(
            response=self.item(request, response_id),
            user=request.user,
            reply_md=data.get("reply_md"),
            status=data.get("status"),
            decline_reason=data.get("decline_reason"),
            internal_notes=data.get("internal_notes"),
        )
        item = selectors.inbox_items([self.item(request, response.pk)], user=request.user)[0]
        return Response(InboxItemSerializer(item).data)


class _BulkInput(serializers.Serializer):
    items = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)


class _BulkOutput(serializers.Serializer):
    changed = serializers.IntegerField()


class InboxAcknowledgeApi(InboxApi):
    """Acknowledge the given new items (others are left as they are)."""

    @extend_schema_serializer(component_name="InboxBulkInput")
    class InputSerializer(_BulkInput):
        pass

    @extend_schema_serializer(component_name="InboxBulkResult")
    class OutputSerializer(_BulkOutput):
        pass

    @extend_schema(
        operation_id="inbox_acknowledge", request=InputSerializer, responses={200: OutputSerializer, **ERRORS}
    )
    def post(self, request: Request) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changed = services.feedback_bulk_acknowledge(
            user=request.user, response_ids=body.validated_data["items"]
        )
        return Response(self.OutputSerializer({"changed": changed}).data)


class InboxAssignApi(InboxApi):
    """Make a member of the items' course team their owner."""

    @extend_schema_serializer(component_name="InboxAssignInput")
    class InputSerializer(_BulkInput):
        owner = serializers.IntegerField(min_value=1)

    @extend_schema_serializer(component_name="InboxAssignResult")
    class OutputSerializer(_BulkOutput):
        pass

    @extend_schema(
        operation_id="inbox_assign", request=InputSerializer, responses={200: OutputSerializer, **ERRORS}
    )
    def post(self, request: Request) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner = get_user_model().objects.filter(pk=body.validated_data["owner"]).first()
        if owner is None:
            raise InvalidFeedback("owner: no such user")
        changed = services.feedback_assign(
            user=request.user, response_ids=body.validated_data["items"], owner=owner
        )
        return Response(self.OutputSerializer({"changed": changed}).data)
