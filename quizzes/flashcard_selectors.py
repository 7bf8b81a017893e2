"""Read queries for flashcards: decks with what is due, the next card to study, the dashboard
count. Each selector runs a fixed number of queries whatever the number of cards, decks or
courses (the counts are grouped in the database, never counted card by card).

A card is an open question of a flashcard deck; see ``quizzes.flashcards`` for the rules of
the day (what is due, the daily new-card limit, learning ahead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.access import LEARNING_STATUSES, READABLE_COURSE_STATUSES, CourseViewer, module_lock_reason
from courses.models import Course, Module
from courses.selectors import course_viewer
from quizzes import flashcards
from quizzes.models import FlashcardReview, FlashcardState, Question, QuestionCategory

if TYPE_CHECKING:
    from courses.permissions import AnyUser

OPEN = Question.Kind.OPEN


# ---------------------------------------------------------------------------------------------
# Decks and what is due


@dataclass
class DeckSummary:
    """One deck as one student sees it today. ``title``, ``due_count`` and ``url`` are what the
    dashboard's "flashcards due" list shows."""

    deck: QuestionCategory  # with ``course`` and ``module`` (and its prerequisite) loaded
    card_count: int
    seen_count: int = 0
    due_reviews: int = 0  # cards already studied that are due by the end of the day
    introduced_today: int = 0
    next_due_at: datetime | None = None  # the earliest due time of the cards already studied
    lock_reason: str = ""
    new_limit: int = flashcards.NEW_CARDS_PER_DAY

    @property
    def title(self) -> str:
        return self.deck.title

    @property
    def course(self) -> Course:
        return self.deck.course

    @property
    def url(self) -> str:
        return reverse("flashcards:deck-study", args=[self.deck.pk])

    @property
    def is_locked(self) -> bool:
        return bool(self.lock_reason)

    @property
    def new_count(self) -> int:
        """Cards the student has never studied."""
        return max(0, self.card_count - self.seen_count)

    @property
    def new_left_today(self) -> int:
        """How many more new cards the deck brings in today."""
        return flashcards.new_cards_left(introduced_today=self.introduced_today, limit=self.new_limit)

    @property
    def new_due(self) -> int:
        return 0 if self.is_locked else min(self.new_count, self.new_left_today)

    @property
    def new_limit_reached(self) -> bool:
        return self.new_count > 0 and self.new_left_today == 0

    @property
    def due_count(self) -> int:
        """Due today: studied cards due by the end of the day plus the new cards of the day."""
        return 0 if self.is_locked else self.due_reviews + self.new_due


def _decks() -> QuerySet[QuestionCategory]:
    return (
        QuestionCategory.objects.filter(is_flashcard_deck=True)
        .select_related("course", "module__prerequisite")
        .annotate(card_count=Count("questions", filter=Q(questions__kind=OPEN)))
        .order_by("course__title", "course_id", "position", "id")
    )


def _prerequisites_done(*, user: AnyUser, module_ids: set[int]) -> set[int]:
    """Of ``module_ids``, the modules whose published lessons the user has all done (a module
    without lessons counts as done). One query, none without modules.

    The grouped form of ``lessons.selectors.module_lessons_done``, so that a list of decks
    across courses costs one query, not one per prerequisite."""
    from lessons.models import Lesson, LessonProgress

    if not module_ids:
        return set()
    done = Exists(
        LessonProgress.objects.filter(lesson=OuterRef("pk"), user=user, status=LessonProgress.Status.DONE)
    )
    rows = (
        Lesson.objects.filter(module_id__in=module_ids, is_published=True)
        .values("module_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(done)))
        .order_by()
    )
    unfinished = {row["module_id"] for row in rows if row["done"] < row["total"]}
    return module_ids - unfinished


def _lock_reasons(*, user: AnyUser, decks: list[QuestionCategory], now: datetime) -> dict[int, str]:
    """{deck id: why a learner cannot study it now} for decks in locked modules (release date,
    unfinished prerequisite), by the outline's rule. At most one query."""
    modules = [deck.module for deck in decks if deck.module is not None]
    done = _prerequisites_done(
        user=user, module_ids={m.prerequisite_id for m in modules if m.prerequisite_id is not None}
    )
    reasons = {}
    for deck in decks:
        if deck.module is None:
            continue
        reason = _module_lock(
            module=deck.module, prerequisite_done=deck.module.prerequisite_id in done, now=now
        )
        if reason:
            reasons[deck.pk] = reason
    return reasons


def _module_lock(*, module: Module, prerequisite_done: bool, now: datetime) -> str | None:
    return module_lock_reason(
        module=module,
        prerequisite=module.prerequisite,
        prerequisite_done=module.prerequisite_id is None or prerequisite_done,
        now=now,
    )


def flashcard_deck_lock(*, user: AnyUser, deck: QuestionCategory, now: datetime) -> str | None:
    """Why ``user`` (a learner) cannot study ``deck`` now because of its module, or None. Needs
    ``deck.module`` and its prerequisite; at most one query."""
    if deck.module is None:
        return None
    return _lock_reasons(user=user, decks=[deck], now=now).get(deck.pk)


def _summaries(
    *, user: AnyUser, decks: list[QuestionCategory], now: datetime, locks: dict[int, str] | None = None
) -> list[DeckSummary]:
    """The decks (annotated with ``card_count``) with the user's progress: one query for the
    progress, at most one for the locks (unless given)."""
    if not decks:
        return []
    start, end = flashcards.day_bounds(now)
    rows = (
        FlashcardState.objects.filter(
            user=user, question__category_id__in=[deck.pk for deck in decks], question__kind=OPEN
        )
        .values("question__category_id")
        .annotate(
            seen=Count("pk"),
            due=Count("pk", filter=Q(due_at__lt=end)),
            introduced_today=Count("pk", filter=Q(introduced_at__gte=start)),
            next_due_at=Min("due_at"),
        )
        .order_by()
    )
    progress = {row["question__category_id"]: row for row in rows}
    if locks is None:
        locks = _lock_reasons(user=user, decks=decks, now=now)
    summaries = []
    for deck in decks:
        row = progress.get(deck.pk, {})
        summaries.append(
            DeckSummary(
                deck=deck,
                card_count=deck.card_count,
                seen_count=row.get("seen", 0),
                due_reviews=row.get("due", 0),
                introduced_today=row.get("introduced_today", 0),
                next_due_at=row.get("next_due_at"),
                lock_reason=locks.get(deck.pk, ""),
            )
        )
    return summaries


def flashcard_decks_for_course(
    *, user: AnyUser, course: Course, now: datetime | None = None
) -> list[DeckSummary]:
    """Every flashcard deck of ``course`` in outline order, with the user's progress, what is
    due today and the module lock. The caller checks that the user is a learner of the course.
    Three queries at most."""
    now = now or timezone.now()
    return _summaries(user=user, decks=list(_decks().filter(course=course)), now=now)


def _learner_decks(user: AnyUser) -> QuerySet[QuestionCategory]:
    return _decks().filter(
        course__status__in=READABLE_COURSE_STATUSES,
        course__enrollments__user=user,
        course__enrollments__status__in=LEARNING_STATUSES,
    )


def flashcard_decks_for_learner(*, user: AnyUser, now: datetime | None = None) -> list[DeckSummary]:
    """The decks of every course the user learns (active or completed enrollment in a published
    or archived course), with what is due today. Three queries at most."""
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    return _summaries(user=user, decks=list(_learner_decks(user)), now=now)


def flashcard_decks_due(*, user: AnyUser, now: datetime | None = None) -> list[DeckSummary]:
    """The dashboard's "flashcards due today": the user's decks with cards due today (each has
    ``title``, ``due_count`` and ``url``). Three queries at most, whatever the number of courses."""
    return [summary for summary in flashcard_decks_for_learner(user=user, now=now) if summary.due_count]


def flashcards_due_count(*, user: AnyUser, now: datetime | None = None) -> int:
    """How many flashcards the user has due today over all their courses: studied cards due by
    the end of the day plus each deck's new cards of the day (at most ``NEW_CARDS_PER_DAY`` per
    deck), none from decks in locked modules. Three queries at most."""
    return sum(summary.due_count for summary in flashcard_decks_for_learner(user=user, now=now))


# ---------------------------------------------------------------------------------------------
# One deck


@dataclass
class DeckAccess:
    """A deck the viewer may see exists, and whether they may study it now."""

    deck: QuestionCategory
    viewer: CourseViewer
    refusal: str | None  # why they may not study it (403 with it); None when they may

    @property
    def course(self) -> Course:
        return self.deck.course


def learner_refusal(viewer: CourseViewer) -> str | None:
    """Why the viewer may not study the course's flashcards, or None: only learners do, since
    studying records their progress (the team and staff read the questions in the admin)."""
    refusal = viewer.read_refusal()
    if refusal is None and not viewer.is_learner:
        refusal = _("Flashcards are studied by the course's students; your account is on its team.")
    return refusal


def flashcard_deck_get_for_viewer(*, user: AnyUser, deck_id: int, now: datetime | None = None) -> DeckAccess:
    """The flashcard deck (annotated with ``card_count``) and whether the viewer may study it.

    A category that is not a flashcard deck, or a deck of a course that is not public (draft,
    announced), does not exist for anybody but its team and staff: QuestionCategory.DoesNotExist.
    Three queries at most (the deck, the enrollment, the module's prerequisite).
    """
    now = now or timezone.now()
    deck = _decks().get(pk=deck_id)
    viewer = course_viewer(user=user, course=deck.course)
    if deck.course.status not in READABLE_COURSE_STATUSES and not viewer.is_reviewer:
        raise QuestionCategory.DoesNotExist
    refusal = learner_refusal(viewer)
    if refusal is None:
        refusal = flashcard_deck_lock(user=user, deck=deck, now=now)
    return DeckAccess(deck=deck, viewer=viewer, refusal=refusal)


# ---------------------------------------------------------------------------------------------
# Studying


@dataclass(frozen=True)
class RatingOption:
    value: int
    name: str  # again | hard | good | easy
    label: str
    interval: timedelta  # until the card would be due again

    @property
    def interval_label(self) -> str:
        """The whole phrase, "next in 1 minute" / "снова через 1 минуту" (see ``interval_label``)."""
        return interval_label(self.interval)


def interval_label(interval: timedelta) -> str:
    """The wait until a card is due again as a phrase ("next in 5 minutes", "next in 1 day"), in
    its largest whole unit (minutes, hours, days, months of 30 days, years of 365 days), at least a minute.

    One plural message per unit, with the number, so a language with several plural forms and
    cases gets the right one ("через 1 минуту", "через 2 минуты", "через 5 минут"): Django's
    timeuntil() gives the nominative ("1 минута"), wrong after "через".
    """
    minutes = max(1, int(interval.total_seconds()) // 60)
    hours, days = minutes // 60, minutes // (60 * 24)
    if minutes < 60:
        return ngettext("next in %(count)d minute", "next in %(count)d minutes", minutes) % {"count": minutes}
    if hours < 24:
        return ngettext("next in %(count)d hour", "next in %(count)d hours", hours) % {"count": hours}
    if days < 30:
        return ngettext("next in %(count)d day", "next in %(count)d days", days) % {"count": days}
    if days < 365:
        months = days // 30
        return ngettext("next in %(count)d month", "next in %(count)d months", months) % {"count": months}
    years = days // 365
    return ngettext("next in %(count)d year", "next in %(count)d years", years) % {"count": years}


@dataclass
class StudyCard:
    question: Question
    state: FlashcardState | None  # None: a new card
    ratings: list[RatingOption]

    @property
    def is_new(self) -> bool:
        return self.state is None


def _study_card(question: Question, state: FlashcardState | None, now: datetime) -> StudyCard:
    intervals = flashcards.intervals(state.as_schedule() if state else None, now=now)
    ratings = [
        RatingOption(value=value, name=name.lower(), label=str(label), interval=intervals[value])
        for value, name, label in zip(
            FlashcardReview.Rating.values,
            FlashcardReview.Rating.names,
            FlashcardReview.Rating.labels,
            strict=True,
        )
    ]
    return StudyCard(question=question, state=state, ratings=ratings)


def _cards(deck: QuestionCategory) -> QuerySet[Question]:
    return Question.objects.filter(category=deck, kind=OPEN).only(
        "pk", "key", "category_id", "course_id", "kind", "text_html", "answer_html", "position"
    )


def flashcard_card_get(*, deck: QuestionCategory, question_id: int) -> Question:
    """A card of the deck (an open question of it). Raises Question.DoesNotExist otherwise."""
    return _cards(deck).get(pk=question_id)


def flashcard_next(
    *, user: AnyUser, deck: QuestionCategory, now: datetime | None = None, new_left: int | None = None
) -> StudyCard | None:
    """The card to study next in ``deck``, or None when the deck is done for now.

    In order: a studied card that is due (the most overdue first; review cards all day long, as
    they are scheduled in days); else a new card, in deck order, while the daily new-card limit
    allows (``new_left``: how many, counted here when not given); else a (re)learning card due
    within ``LEARN_AHEAD``. At most three queries.
    """
    now = now or timezone.now()
    start, end = flashcards.day_bounds(now)
    states = FlashcardState.objects.filter(
        user=user, question__category=deck, question__kind=OPEN
    ).select_related("question")
    due = (
        states.filter(Q(due_at__lte=now) | Q(state=FlashcardState.State.REVIEW, due_at__lt=end))
        .order_by("due_at", "id")
        .first()
    )
    if due is not None:
        return _study_card(due.question, due, now)
    if new_left is None:
        new_left = flashcards.new_cards_left(introduced_today=states.filter(introduced_at__gte=start).count())
    if new_left > 0:
        seen = FlashcardState.objects.filter(user=user, question=OuterRef("pk"))
        question = _cards(deck).exclude(Exists(seen)).order_by("position", "id").first()
        if question is not None:
            return _study_card(question, None, now)
    ahead = states.filter(due_at__lte=now + flashcards.LEARN_AHEAD).order_by("due_at", "id").first()
    return _study_card(ahead.question, ahead, now) if ahead is not None else None


@dataclass
class StudySession:
    """What the study page shows: the deck's counts and one card (None: done for now), its
    reference answer once revealed, beside what the student typed."""

    deck: QuestionCategory
    summary: DeckSummary
    card: StudyCard | None
    revealed: bool = False
    typed_answer: str = ""


def flashcard_study(
    *,
    user: AnyUser,
    deck: QuestionCategory,
    now: datetime | None = None,
    question_id: int | None = None,
    typed_answer: str = "",
) -> StudySession:
    """The study page of a deck the user may study (see ``flashcard_deck_get_for_viewer``): the
    next card, or with ``question_id`` that card revealed. Raises Question.DoesNotExist when
    ``question_id`` is not a card of the deck. At most five queries, whatever the deck's size."""
    now = now or timezone.now()
    summary = _summaries(user=user, decks=[deck], now=now, locks={})[0]
    if question_id is None:
        card = flashcard_next(user=user, deck=deck, now=now, new_left=summary.new_left_today)
        return StudySession(deck=deck, summary=summary, card=card)
    question = flashcard_card_get(deck=deck, question_id=question_id)
    state = FlashcardState.objects.filter(user=user, question=question).first()
    return StudySession(
        deck=deck,
        summary=summary,
        card=_study_card(question, state, now),
        revealed=True,
        typed_answer=typed_answer,
    )
