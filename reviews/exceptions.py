"""What the feedback, review and board services refuse. Every message is safe to show.

HTTP mapping used by the pages and the API: ``PermissionDeniedError`` subclasses → 403 (with
the reason), ``InvalidFeedback`` → 400 (the input is wrong), every other ``FeedbackError`` → 409
(the input is fine, the state of the item refuses it).
"""

from core.exceptions import ApplicationError, PermissionDeniedError


class FeedbackError(ApplicationError):
    """A feedback rule refused the operation."""


class InvalidFeedback(FeedbackError):
    """The submitted values are wrong (an empty item, a tag of another course, no reason)."""


class InvalidTransition(FeedbackError):
    """The item's status does not allow this change (e.g. replying to nothing, publishing twice)."""


class NotEnrolled(PermissionDeniedError):
    """Only students enrolled in the course leave feedback and reviews."""


class NotOnTeam(PermissionDeniedError):
    """Only the course's team (and staff) handle its feedback inbox, reviews and board."""
