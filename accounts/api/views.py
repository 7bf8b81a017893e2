"""The accounts API: API tokens, the user's profile, the notification inbox. One view per
operation; errors are ``{"detail": ...}`` (plus ``errors`` per field for invalid input)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.api.serializers import (
    ErrorSerializer,
    InvalidInputSerializer,
    NotificationChannelsInputSerializer,
    NotificationChannelsOutputSerializer,
    NotificationOutputSerializer,
    invalid_input_response,
)
from accounts.exceptions import InvalidCredentials, LoginLocked
from accounts.models import Notification, User
from accounts.notifications import notification_mark_all_read, notification_mark_read
from accounts.services import auth_token_get_or_create, user_authenticate, user_profile_update

NOT_AUTHENTICATED = OpenApiResponse(ErrorSerializer, description="Not logged in (no session and no token).")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such notification among the user's own.")
INVALID_INPUT = OpenApiResponse(InvalidInputSerializer, description="The input does not validate.")


class AuthTokenObtainApi(APIView):
    """Exchange a username and password for the user's API token (send it as
    ``Authorization: Token <token>``). Throttled like the login page."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="AuthTokenObtainInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=4096, trim_whitespace=False, style={"input_type": "password"}
        )

    @extend_schema_serializer(component_name="AuthToken")
    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(
        operation_id="auth_token_obtain",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(InvalidInputSerializer, description="Invalid input or wrong credentials."),
            429: OpenApiResponse(ErrorSerializer, description="Too many failed attempts; see Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid_input_response(serializer.errors)
        try:
            user = user_authenticate(request=request, **serializer.validated_data)
        except LoginLocked as error:
            return Response(
                {"detail": error.message}, status=429, headers={"Retry-After": str(error.retry_after)}
            )
        except InvalidCredentials as error:
            return Response({"detail": error.message}, status=400)
        token = auth_token_get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)


class MeApi(APIView):
    """The logged-in user's profile and notification preferences: GET reads, PATCH changes."""

    @extend_schema_serializer(component_name="Me")
    class OutputSerializer(serializers.ModelSerializer):
        notification_preferences = serializers.SerializerMethodField()

        class Meta:
            model = User
            fields = ["id", "username", "email", "display_name", "preferred_language", "time_zone"]
            fields += ["notification_preferences"]

        @extend_schema_field(NotificationChannelsOutputSerializer(many=True))
        def get_notification_preferences(self, user: User) -> list[dict]:
            channels = selectors.notification_preferences_for_user(user=user)
            return NotificationChannelsOutputSerializer(channels, many=True).data

    @extend_schema_serializer(component_name="MeUpdateInput")
    class InputSerializer(serializers.Serializer):
        display_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
        preferred_language = serializers.ChoiceField(
            choices=[("", "-"), *User.Language.choices], required=False, allow_blank=True
        )
        time_zone = serializers.CharField(
            required=False, allow_blank=True, max_length=64, help_text="An IANA name, e.g. Europe/Moscow."
        )
        notification_preferences = NotificationChannelsInputSerializer(many=True, required=False)

        def validate_notification_preferences(self, value: list[dict]) -> dict[str, dict[str, bool]]:
            preferences: dict[str, dict[str, bool]] = {}
            for item in value:
                kind = item.pop("kind")
                if kind in preferences:
                    raise serializers.ValidationError(_("The kind %(kind)s is given twice.") % {"kind": kind})
                preferences[kind] = item
            return preferences

    @extend_schema(operation_id="me_detail", responses={200: OutputSerializer, 403: NOT_AUTHENTICATED})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)

    @extend_schema(
        operation_id="me_update",
        request=InputSerializer,
        responses={200: OutputSerializer, 400: INVALID_INPUT, 403: NOT_AUTHENTICATED},
    )
    def patch(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid_input_response(serializer.errors)
        data = dict(serializer.validated_data)
        preferences = data.pop("notification_preferences", None)
        try:
            user = user_profile_update(user=request.user, data=data, notification_preferences=preferences)
        except ValidationError as error:
            return invalid_input_response(error.message_dict)
        return Response(self.OutputSerializer(user).data)


class NotificationPagination(PageNumberPagination):
    page_size = selectors.INBOX_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100


class NotificationListApi(APIView):
    """The logged-in user's notifications, newest first, 30 a page."""

    @extend_schema_serializer(component_name="NotificationListFilter")
    class FilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, default=False)

    @extend_schema_serializer(component_name="NotificationPage")
    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = NotificationOutputSerializer(many=True)

    @extend_schema(
        operation_id="notification_list",
        parameters=[
            OpenApiParameter("unread", bool, description="Only unread notifications."),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="At most 100."),
        ],
        responses={
            200: OutputSerializer,
            400: INVALID_INPUT,
            403: NOT_AUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return invalid_input_response(filters.errors)
        notifications = selectors.notification_list_for_user(
            user=request.user, unread_only=filters.validated_data["unread"]
        )
        paginator = NotificationPagination()
        page = paginator.paginate_queryset(notifications, request, view=self)
        return paginator.get_paginated_response(NotificationOutputSerializer(page, many=True).data)


class NotificationReadApi(APIView):
    """Mark one of the user's notifications read (repeating it changes nothing)."""

    @extend_schema(
        operation_id="notification_read",
        request=None,
        responses={200: NotificationOutputSerializer, 403: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def post(self, request: Request, notification_id: int) -> Response:
        try:
            notification = notification_mark_read(user=request.user, notification_id=notification_id)
        except Notification.DoesNotExist:
            raise Http404 from None
        return Response(NotificationOutputSerializer(notification).data)


class NotificationReadAllApi(APIView):
    """Mark every unread notification of the user read."""

    @extend_schema_serializer(component_name="NotificationReadAll")
    class OutputSerializer(serializers.Serializer):
        marked_read = serializers.IntegerField(help_text="How many notifications were unread.")

    @extend_schema(
        operation_id="notification_read_all",
        request=None,
        responses={200: OutputSerializer, 403: NOT_AUTHENTICATED},
    )
    def post(self, request: Request) -> Response:
        marked = notification_mark_all_read(user=request.user)
        return Response(self.OutputSerializer({"marked_read": marked}).data)
