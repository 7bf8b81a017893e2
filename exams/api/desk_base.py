"""What the case, role-play, desk and gradebook API operations share: errors are
``{"detail": "..."}`` with 400 (bad input), 403 (not allowed), 404 (not visible) or 409 (the
state refuses it); never a 500 for bad input."""

from rest_framework import status
from rest_framework.response import Response

from courses.api.base import ERRORS, KafedraApi
from exams.desk_exceptions import InvalidInput

__all__ = ["ERRORS", "DeskApi"]


class DeskApi(KafedraApi):
    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, InvalidInput):
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)
