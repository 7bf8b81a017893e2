"""Closing the feedback loop: the public "you said, we did" board, and the record of SLA
reminders and escalations already sent (so a beat tick never sends one twice)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class BoardEntry(BaseModel):
    """One action taken on feedback: what students said (in aggregate, written by the team from
    the grouped items) and what changed. Public on the course's board once published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="board_entries", verbose_name=_("course")
    )
    title = models.CharField(_("title"), max_length=200)
    you_said = models.TextField(_("you said"))
    we_did = models.TextField(_("we did"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="board_entries",
        verbose_name=_("author"),
    )
    items = models.ManyToManyField(
        "reviews.FeedbackResponse", blank=True, related_name="board_entries", verbose_name=_("feedback items")
    )

    class Meta:
        verbose_name = _("board entry")
        verbose_name_plural = _("board entries")
        ordering = ["-published_at", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="board_entry_published_at"
            ),
        ]
        indexes = [
            models.Index(fields=["course", "status", "published_at"], name="board_entry_course_status")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:board", kwargs={"slug": self.course.slug}) + f"#entry-{self.pk}"


class FeedbackSlaNotice(BaseModel):
    """An SLA reminder (to the owner, before the due time) or escalation (past it) sent for one
    inbox item. At most one of each kind per item, whatever the number of beat ticks."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation")

    response = models.ForeignKey(
        "reviews.FeedbackResponse", on_delete=models.CASCADE, related_name="sla_notices"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = _("SLA notice")
        verbose_name_plural = _("SLA notices")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["response", "kind"], name="feedback_sla_notice_once")]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.kind}"
