"""Exceptions shared across apps. Services raise these; views and the API turn them into
form errors or 4xx responses with the message."""


class ApplicationError(Exception):
    """A business rule refused the operation; ``message`` is safe to show to the user."""

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class PermissionDeniedError(ApplicationError):
    """The user may not do this to this object."""
