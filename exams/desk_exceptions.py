"""What the case, role-play and grading-desk services refuse. Messages are safe to show.

HTTP mapping used by the pages and the API: ``PermissionDeniedError`` → 403, ``InvalidInput``
→ 400 (the request itself is wrong: points out of range, a missing reason), every other
``ApplicationError`` → 409 (the request is fine, the state of the object refuses it).
"""

from core.exceptions import ApplicationError


class InvalidInput(ApplicationError):
    """The values sent do not fit: points out of range, unknown criterion, text too long."""
