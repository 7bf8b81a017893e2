"""Serializers shared by the accounts API views (each view nests its own Input/Output ones)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import Notification


@extend_schema_serializer(component_name="AccountsError")
class ErrorSerializer(serializers.Serializer):
    """Every error response: a message for people."""

    detail = serializers.CharField()


@extend_schema_serializer(component_name="AccountsInvalidInput")
class InvalidInputSerializer(ErrorSerializer):
    """A 400 for input that does not validate: ``errors`` maps each field to its messages."""

    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def invalid_input_response(errors: dict) -> Response:
    return Response({"detail": _("Invalid input."), "errors": errors}, status=400)


class NotificationOutputSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationChannelsOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()


class NotificationChannelsInputSerializer(serializers.Serializer):
    """How one kind of notification should reach the user; a channel left out is unchanged."""

    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    in_app = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
