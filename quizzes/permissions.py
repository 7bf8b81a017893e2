"""Who may do what with a quiz or an attempt, as pure rules over already-loaded rows.

Services enforce these rules (under a lock); selectors use the same functions to tell the
pages what to show (``can_start`` and the reason), so the two never disagree.
"""

from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import Course
from quizzes.exceptions import AttemptsExhausted, NotEnrolled, QuizError, QuizUnavailable
from quizzes.models import Attempt, Quiz

# Answers that left the browser right at the deadline still count: network latency, not
# extra time (the countdown in the page reaches zero at ``deadline_at``).
DEADLINE_GRACE = timedelta(seconds=2)

FINISHED_STATUSES = (
    Attempt.Status.SUBMITTED,
    Attempt.Status.GRADING,
    Attempt.Status.AWAITING_MANUAL,
    Attempt.Status.GRADED,
)


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def quiz_availability_refusal(*, quiz: Quiz, now: datetime) -> QuizError | None:
    """Why nobody can start ``quiz`` now (its course must be loaded), or None."""
    if quiz.status != Quiz.Status.PUBLISHED or quiz.course.status != Course.Status.PUBLISHED:
        return QuizUnavailable(_("This quiz is not available."))
    if quiz.opens_at is not None and now < quiz.opens_at:
        return QuizUnavailable(_("This quiz opens on %(when)s.") % {"when": _when(quiz.opens_at)})
    if quiz.closes_at is not None and now >= quiz.closes_at:
        return QuizUnavailable(_("This quiz closed on %(when)s.") % {"when": _when(quiz.closes_at)})
    return None


def attempt_start_refusal(
    *, quiz: Quiz, is_enrolled: bool, attempts_used: int, now: datetime
) -> QuizError | NotEnrolled | None:
    """Why this user cannot start a new attempt of ``quiz`` now, or None.

    ``attempts_used`` counts every attempt the user made, finished or not.
    """
    if not is_enrolled:
        return NotEnrolled(_("Enroll in the course to take this quiz."))
    refusal = quiz_availability_refusal(quiz=quiz, now=now)
    if refusal is not None:
        return refusal
    if quiz.attempts_allowed and attempts_used >= quiz.attempts_allowed:
        return AttemptsExhausted(
            _("You have used all %(count)d attempts of this quiz.") % {"count": quiz.attempts_allowed}
        )
    return None


def attempt_deadline(*, quiz: Quiz, started_at: datetime) -> datetime | None:
    """Start + time limit, never later than the quiz's close; None when neither is set."""
    candidates = []
    if quiz.time_limit_minutes:
        candidates.append(started_at + timedelta(minutes=quiz.time_limit_minutes))
    if quiz.closes_at is not None:
        candidates.append(quiz.closes_at)
    return min(candidates) if candidates else None


def attempt_ends_at(*, attempt: Attempt) -> datetime | None:
    """When the attempt's time is up: its deadline, or the quiz's close if that came earlier
    (an instructor may move the close after the attempt started). None: no limit."""
    ends = [moment for moment in (attempt.deadline_at, attempt.quiz.closes_at) if moment is not None]
    return min(ends) if ends else None


def attempt_is_expired(*, attempt: Attempt, now: datetime) -> bool:
    """Past its end (plus the network grace) while still in progress. Needs ``attempt.quiz``."""
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return False
    ends_at = attempt_ends_at(attempt=attempt)
    return ends_at is not None and now > ends_at + DEADLINE_GRACE


def review_allows(*, timing: str, quiz: Quiz, attempt: Attempt, now: datetime) -> bool:
    """Whether the review policy ``timing`` (a ``Quiz.ReviewTiming``) shows its item to the
    student for this attempt now. Nothing is shown while the attempt is in progress."""
    if attempt.status not in FINISHED_STATUSES or timing == Quiz.ReviewTiming.NEVER:
        return False
    if timing == Quiz.ReviewTiming.AFTER_SUBMIT:
        return True
    # AFTER_CLOSE: a quiz without a close date never closes.
    return quiz.closes_at is not None and now >= quiz.closes_at
