"""What the quiz services refuse. Every message is safe to show to the student.

HTTP mapping used by the pages and the API: ``NotEnrolled`` (a ``PermissionDeniedError``) → 403,
``InvalidAnswer`` → 400, every other ``QuizError`` → 409 (the request is fine, the state of
the quiz or attempt does not allow it).
"""

from core.exceptions import ApplicationError, PermissionDeniedError


class QuizError(ApplicationError):
    """A quiz rule refused the operation."""


class NotEnrolled(PermissionDeniedError):
    """The user is not actively enrolled in the quiz's course."""


class QuizUnavailable(QuizError):
    """The quiz is a draft, not open yet or already closed."""


class AttemptsExhausted(QuizError):
    """The user has used every attempt the quiz allows."""


class QuizMisconfigured(QuizError):
    """The quiz cannot be assembled (no questions, or a draw slot asks for more questions than
    its category holds)."""


class AttemptClosed(QuizError):
    """The attempt is no longer in progress (submitted or graded)."""


class AttemptDeadlinePassed(AttemptClosed):
    """The attempt's time is up; it has been submitted as it was."""


class InvalidAnswer(QuizError):
    """The answer does not fit the question (unknown question, wrong type, foreign choice)."""
