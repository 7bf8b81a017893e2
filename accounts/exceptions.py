"""Errors raised by the accounts services; each message is safe to show to the user."""

from core.exceptions import ApplicationError


class InvalidCredentials(ApplicationError):
    """The username and password do not match an active account."""


class LoginLocked(ApplicationError):
    """Too many failed logins: attempts are refused for ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after
