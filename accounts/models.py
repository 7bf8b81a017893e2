from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class User(AbstractUser):
    """A person using Kafedra. Roles are not stored here: a student is any user, an instructor
    is a member of a course's staff (``courses.CourseStaff``), staff are ``is_staff`` users."""

    class Language(models.TextChoices):
        RUSSIAN = "ru", _("Russian")
        ENGLISH = "en", _("English")

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, blank=True
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.display_name or self.username

    def get_full_name(self) -> str:
        return self.display_name or super().get_full_name()


class Notification(BaseModel):
    """One message in a user's in-app inbox; e-mailed too when the user's preferences say so."""

    class Kind(models.TextChoices):
        ATTEMPT_GRADED = "attempt_graded", _("Attempt graded")
        SUBMISSION_GRADED = "submission_graded", _("Submission graded")
        MODULE_RELEASED = "module_released", _("Module released")
        DEADLINE_SOON = "deadline_soon", _("Deadline soon")
        FEEDBACK_REPLY = "feedback_reply", _("Reply to your feedback")
        FEEDBACK_STATUS = "feedback_status", _("Feedback status changed")
        BOARD_ENTRY = "board_entry", _("You said, we did")
        FEEDBACK_ASSIGNED = "feedback_assigned", _("Feedback assigned to you")
        FEEDBACK_OVERDUE = "feedback_overdue", _("Feedback overdue")
        DIGEST = "digest", _("Weekly digest")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Deduplicates notifications raised by retried or repeated tasks (e.g. one reminder per item).
    dedupe_key = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"


class NotificationPreference(BaseModel):
    """Per-user, per-kind delivery choice. A missing row means the default (in-app and e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Notification.Kind.choices)
    in_app = models.BooleanField(_("in the inbox"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user", "kind"]
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"
