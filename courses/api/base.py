"""What every course and lesson API operation shares: errors are ``{"detail": "..."}`` with
400 (bad input), 403 (not enrolled, locked, read-only), 404 (not visible) or 409 (the state of
the course or enrollment refuses it); never a 500 for bad input."""

from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError, PermissionDeniedError
from quizzes.api.serializers import ErrorSerializer  # the one error shape of the whole API

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


def first_message(errors: object) -> str:
    """A readable one-line message from a serializer's errors."""
    if isinstance(errors, dict):
        for name, value in errors.items():
            message = first_message(value)
            return message if name == "non_field_errors" else f"{name}: {message}"
    if isinstance(errors, list) and errors:
        return first_message(errors[0])
    return str(errors)


class KafedraApi(APIView):
    """Turns service refusals and invalid input into ``{"detail": ...}`` responses."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, PermissionDeniedError):
            return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
        if isinstance(exc, ApplicationError):
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, exceptions.ValidationError):
            return Response(
                {"detail": first_message(exc.detail), "errors": exc.detail},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return super().handle_exception(exc)

    @staticmethod
    def parse_query(serializer_class: type, request: Request) -> dict:
        serializer = serializer_class(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
