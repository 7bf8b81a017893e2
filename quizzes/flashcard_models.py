"""Flashcard progress: one schedule per student and card, and the log of every rating.

A card is an open question of a flashcard deck (see ``quizzes.flashcards``). Imported at the
bottom of ``quizzes.models`` so that Django sees these models as part of the quizzes app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from quizzes import flashcards


class FlashcardState(BaseModel):
    """Where one student stands with one card: its FSRS memory state and when it is due. No row:
    the card is new to the student. Written only by ``flashcard_review``."""

    class State(models.IntegerChoices):
        LEARNING = flashcards.LEARNING, _("Learning")
        REVIEW = flashcards.REVIEW, _("Review")
        RELEARNING = flashcards.RELEARNING, _("Relearning")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flashcard_states"
    )
    question = models.ForeignKey(
        "quizzes.Question", on_delete=models.CASCADE, related_name="flashcard_states"
    )
    state = models.PositiveSmallIntegerField(_("state"), choices=State.choices)
    step = models.PositiveSmallIntegerField(_("learning step"), null=True, blank=True)
    stability = models.FloatField(_("stability, days"), null=True, blank=True)
    difficulty = models.FloatField(_("difficulty"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    last_review_at = models.DateTimeField(_("last review"))
    introduced_at = models.DateTimeField(
        _("first review"), help_text=_("Counts against the daily new-card limit.")
    )
    reps = models.PositiveIntegerField(_("reviews"), default=0)
    lapses = models.PositiveIntegerField(_("lapses"), default=0)

    class Meta:
        verbose_name = _("flashcard state")
        verbose_name_plural = _("flashcard states")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="flashcard_state_unique"),
            models.CheckConstraint(condition=Q(state__in=[1, 2, 3]), name="flashcard_state_state_valid"),
        ]
        indexes = [models.Index(fields=["user", "due_at"], name="flashcard_state_user_due")]

    def __str__(self) -> str:
        return f"{self.user} — {self.question}"

    def as_schedule(self) -> flashcards.CardSchedule:
        return flashcards.CardSchedule(
            state=self.state,
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due_at=self.due_at,
            last_review_at=self.last_review_at,
            reps=self.reps,
            lapses=self.lapses,
        )


class FlashcardReview(BaseModel):
    """One rating of one card by one student (the review log; also what an FSRS optimizer
    would be trained on)."""

    class Rating(models.IntegerChoices):
        AGAIN = flashcards.AGAIN, _("Again")
        HARD = flashcards.HARD, _("Hard")
        GOOD = flashcards.GOOD, _("Good")
        EASY = flashcards.EASY, _("Easy")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flashcard_reviews"
    )
    question = models.ForeignKey(
        "quizzes.Question", on_delete=models.CASCADE, related_name="flashcard_reviews"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices)
    reviewed_at = models.DateTimeField(_("reviewed at"))
    elapsed = models.DurationField(
        _("since the previous review"), null=True, blank=True, help_text=_("Empty for the first review.")
    )
    scheduled_due_at = models.DateTimeField(_("scheduled for"))

    class Meta:
        verbose_name = _("flashcard review")
        verbose_name_plural = _("flashcard reviews")
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=4), name="flashcard_review_rating_valid"
            )
        ]
        indexes = [
            models.Index(fields=["user", "question", "reviewed_at"], name="flashcard_review_user_card")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.question}: {self.get_rating_display()}"
