from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, MarkdownModel
from courses.models import KEY_MAX_LENGTH
from lessons.mind_maps import mind_map_tree


class Lesson(MarkdownModel):
    """A lecture, a reading or a mind map (лекция / интеллект-карта)."""

    class Kind(models.TextChoices):
        LECTURE = "lecture", _("Lecture")
        READING = "reading", _("Reading")
        MIND_MAP = "mind_map", _("Mind map")

    module = models.ForeignKey("courses.Module", on_delete=models.CASCADE, related_name="lessons")
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.LECTURE)
    summary = models.TextField(_("summary"), blank=True)
    body_md = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    # For mind maps: the tree parsed from the body's nested list, stored at save time.
    mind_map = models.JSONField(editable=False, null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authored_lessons",
        verbose_name=_("author"),
        help_text=_("The instructor who teaches this lesson."),
    )
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=10)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_published = models.BooleanField(_("published"), default=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    corrections = models.JSONField(_("corrections to the source"), default=list, blank=True)

    markdown_fields = {"body_md": "body_html"}

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["module", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["module", "key"], name="lesson_key_unique")]

    def __str__(self) -> str:
        return self.title

    def render_markdown_fields(self) -> None:
        super().render_markdown_fields()
        self.mind_map = mind_map_tree(self.body_md) if self.kind == self.Kind.MIND_MAP else None

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body_md" in update_fields:
            kwargs["update_fields"] = list(set(update_fields) | {"mind_map"})
        super().save(*args, **kwargs)


class LessonProgress(BaseModel):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="lesson_progress_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.lesson} ({self.status})"
