"""Spaced repetition of flashcards (карточки для самопроверки): scheduling rules as pure functions.

The scheduler is FSRS (Free Spaced Repetition Scheduler, https://github.com/open-spaced-repetition/py-fsrs),
through the ``fsrs`` package, with its default parameters: 90 % desired retention, learning
steps of 1 and 10 minutes, one relearning step of 10 minutes, and a little random "fuzz" on
review intervals so that cards learned together do not stay due together. Nothing here touches
the database: services load a card's stored schedule, call ``review`` and store the result.
The refusals the flashcard services raise are defined here too.

A card is an open question of a flashcard deck (a ``QuestionCategory`` with
``is_flashcard_deck``). A card the student never rated is *new*; it has no stored schedule.
Rules of the day (the learner's local day, in the active time zone):

- a deck introduces at most ``NEW_CARDS_PER_DAY`` new cards a day;
- a card in the review state is due for the whole day it falls due on (as in Anki), a card in
  (re)learning when its minutes are up; ``LEARN_AHEAD`` lets the last (re)learning cards of a
  session come a little early instead of leaving the student waiting a few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from fsrs import Card, Rating, Scheduler, State

from core.exceptions import ApplicationError, PermissionDeniedError

NEW_CARDS_PER_DAY = 20
LEARN_AHEAD = timedelta(minutes=20)
# Two ratings of one card this close together are one click sent twice (a double submit).
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=1)

# Values stored in FlashcardState.state and FlashcardReview.rating: the library's own numbers.
LEARNING, REVIEW, RELEARNING = State.Learning.value, State.Review.value, State.Relearning.value
AGAIN, HARD, GOOD, EASY = Rating.Again.value, Rating.Hard.value, Rating.Good.value, Rating.Easy.value
RATINGS = (AGAIN, HARD, GOOD, EASY)

_scheduler = Scheduler()
_scheduler_without_fuzz = Scheduler(enable_fuzzing=False)


class FlashcardError(ApplicationError):
    """A flashcard rule refused the request (400: the request itself is wrong)."""


class InvalidRating(FlashcardError):
    """A rating that is not 1 (again), 2 (hard), 3 (good) or 4 (easy)."""

    def __init__(self, value: object = None) -> None:
        super().__init__(str(_("Rate the card 1 (again), 2 (hard), 3 (good) or 4 (easy).")))
        self.value = value


class NotAFlashcard(FlashcardError):
    """The question is not an open question of a flashcard deck."""


class FlashcardLocked(PermissionDeniedError):
    """The deck sits in a module that is locked for the student (403 with the reason)."""


@dataclass(frozen=True)
class CardSchedule:
    """Where one student stands with one card: the FSRS memory state and the counters."""

    state: int  # LEARNING | REVIEW | RELEARNING
    step: int | None  # the (re)learning step; None in the review state
    stability: float | None
    difficulty: float | None
    due_at: datetime
    last_review_at: datetime
    reps: int
    lapses: int


def parse_rating(value: object) -> int:
    """The rating as an int in 1..4. Raises InvalidRating for anything else (bools included)."""
    if isinstance(value, bool):
        raise InvalidRating(value)
    try:
        rating = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise InvalidRating(value) from None
    if rating not in RATINGS or str(rating) != str(value).strip():
        raise InvalidRating(value)
    return rating


def _utc(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise ValueError("Flashcard scheduling needs timezone-aware datetimes.")
    return moment.astimezone(UTC)  # the library insists on datetime.timezone.utc


def _card(schedule: CardSchedule | None, now: datetime) -> Card:
    if schedule is None:
        return Card(card_id=0, due=now)  # card_id is only copied into the library's own logs
    return Card(
        card_id=0,
        state=State(schedule.state),
        step=schedule.step,
        stability=schedule.stability,
        difficulty=schedule.difficulty,
        due=_utc(schedule.due_at),
        last_review=_utc(schedule.last_review_at),
    )


def review(schedule: CardSchedule | None, *, rating: int, now: datetime, fuzz: bool = True) -> CardSchedule:
    """The schedule after rating the card ``rating`` at ``now``; ``schedule`` None for a new
    card. A lapse is forgetting a card in the review state (rating "again"), as in Anki."""
    now = _utc(now)
    rating = parse_rating(rating)
    scheduler = _scheduler if fuzz else _scheduler_without_fuzz
    card, _log = scheduler.review_card(_card(schedule, now), Rating(rating), review_datetime=now)
    lapsed = schedule is not None and schedule.state == REVIEW and rating == AGAIN
    return CardSchedule(
        state=card.state.value,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due_at=card.due,
        last_review_at=now,
        reps=(schedule.reps if schedule else 0) + 1,
        lapses=(schedule.lapses if schedule else 0) + int(lapsed),
    )


def intervals(schedule: CardSchedule | None, *, now: datetime) -> dict[int, timedelta]:
    """{rating: time until the card would be due again}, for the labels of the rating buttons
    (without fuzz, so the labels do not jitter)."""
    return {
        rating: review(schedule, rating=rating, now=now, fuzz=False).due_at - _utc(now) for rating in RATINGS
    }


def is_double_submit(schedule: CardSchedule | None, *, now: datetime) -> bool:
    """Whether a rating at ``now`` repeats the one just stored (same card, within the window)."""
    return schedule is not None and now - schedule.last_review_at < DOUBLE_SUBMIT_WINDOW


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Start and end of the learner's day around ``now``, in the active time zone."""
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    start = datetime.combine(today, time.min, tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def new_cards_left(*, introduced_today: int, limit: int = NEW_CARDS_PER_DAY) -> int:
    """How many more new cards a deck may introduce today."""
    return max(0, limit - introduced_today)
