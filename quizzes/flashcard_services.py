"""Every write to flashcard progress: rating a card.

The student's enrollment row is locked for the write (as quiz attempts lock it), so two ratings
sent at once by the same student are applied one after the other; the second of a double
submit is then recognised and ignored (see ``flashcards.DOUBLE_SUBMIT_WINDOW``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from courses.access import LEARNING_STATUSES, READABLE_COURSE_STATUSES
from courses.models import Enrollment
from quizzes import flashcards
from quizzes.exceptions import NotEnrolled
from quizzes.flashcard_selectors import flashcard_deck_lock
from quizzes.models import FlashcardReview, FlashcardState, Question


@dataclass(frozen=True)
class ReviewOutcome:
    state: FlashcardState
    scheduled: bool  # False: a repeat of the rating just stored, nothing was changed


@transaction.atomic
def flashcard_review(
    *, user: User, question: Question, rating: object, now: datetime | None = None
) -> ReviewOutcome:
    """Rate the student's recall of a card and schedule its next review (FSRS).

    Stores the card's new schedule (``FlashcardState``, created at the first rating) and logs
    the rating (``FlashcardReview``). A second rating of the same card within
    ``DOUBLE_SUBMIT_WINDOW`` of the stored one changes nothing and comes back with
    ``scheduled=False``. Another student's rows are never read or written.

    Needs an active or completed enrollment in the question's (published or archived) course,
    an open question of a flashcard deck, and the deck's module unlocked for the student.
    Raises InvalidRating (not 1-4), NotEnrolled, NotAFlashcard or FlashcardLocked.
    """
    now = now or timezone.now()
    rating = flashcards.parse_rating(rating)
    question = Question.objects.select_related("category__module__prerequisite").get(pk=question.pk)
    # The enrollment row serializes the student's concurrent ratings (and their state's creation).
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .filter(
            user=user,
            course_id=question.course_id,
            status__in=LEARNING_STATUSES,
            course__status__in=READABLE_COURSE_STATUSES,
        )
        .first()
    )
    if enrollment is None:
        raise NotEnrolled(_("Enroll in the course to study its flashcards."))
    if question.kind != Question.Kind.OPEN or not question.category.is_flashcard_deck:
        raise flashcards.NotAFlashcard(_("This question is not a flashcard."))
    lock = flashcard_deck_lock(user=user, deck=question.category, now=now)
    if lock:
        raise flashcards.FlashcardLocked(lock)

    state = FlashcardState.objects.select_for_update().filter(user=user, question=question).first()
    previous = state.as_schedule() if state is not None else None
    if state is not None and flashcards.is_double_submit(previous, now=now):
        return ReviewOutcome(state=state, scheduled=False)

    schedule = flashcards.review(previous, rating=rating, now=now)
    if state is None:
        state = FlashcardState(user=user, question=question, introduced_at=now)
    fields = ["state", "step", "stability", "difficulty", "due_at", "last_review_at", "reps", "lapses"]
    for name in fields:
        setattr(state, name, getattr(schedule, name))
    # user and question are loaded rows (and the pair is locked above): no need to look them up again.
    loaded = ["user", "question"]
    state.full_clean(exclude=loaded)
    if state.pk is None:
        state.save()
    else:
        state.save(update_fields=[*fields, "updated_at"])

    review = FlashcardReview(
        user=user,
        question=question,
        rating=rating,
        reviewed_at=now,
        elapsed=now - previous.last_review_at if previous is not None else None,
        scheduled_due_at=schedule.due_at,
    )
    review.full_clean(exclude=loaded)
    review.save()
    return ReviewOutcome(state=state, scheduled=True)
