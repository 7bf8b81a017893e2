from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, MarkdownModel

KEY_MAX_LENGTH = 80


class Course(MarkdownModel):
    """A course (курс). ``announced`` courses are upcoming catalog entries without content."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ANNOUNCED = "announced", _("Announced")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Language(models.TextChoices):
        RUSSIAN = "ru", _("Russian")
        ENGLISH = "en", _("English")

    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")
        PROFESSIONAL = "professional", _("Professional")

    slug = models.SlugField(_("slug"), max_length=KEY_MAX_LENGTH, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    description_md = models.TextField(_("description (Markdown)"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    format_md = models.TextField(_("format (Markdown)"), blank=True)
    format_html = models.TextField(editable=False, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.RUSSIAN)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.INTERMEDIATE)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    feedback_sla_hours = models.PositiveIntegerField(
        _("feedback SLA, hours"), default=48, validators=[MinValueValidator(1)],
        help_text=_("Time to the first response to a feedback item."),
    )
    grade_weights = models.JSONField(
        _("gradebook weights"), default=dict, blank=True,
        help_text=_('Weights of quizzes, practicals, exams and cases in the final grade, e.g. '
                    '{"quizzes": 30, "practicals": 30, "exams": 30, "cases": 10}. Empty = equal weights.'),
    )
    anonymous_grading = models.BooleanField(
        _("anonymous grading"), default=False, help_text=_("Hide students' names on the grading desk.")
    )
    announced_with = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="announcements",
        verbose_name=_("announced with"),
        help_text=_("The course whose bundle announces this upcoming course."),
    )

    markdown_fields = {"description_md": "description_html", "format_md": "format_html"}

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "title"], name="course_status_title")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("admin:courses_course_change", args=[self.pk])


class CourseOutcome(BaseModel):
    """What the course covers and what a graduate can do and knows, as separate ordered lists."""

    class Kind(models.TextChoices):
        TOPIC = "topic", _("Topic covered")
        SKILL = "skill", _("Graduates can")
        KNOWLEDGE = "knowledge", _("Graduates know")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["course", "kind", "position", "id"]

    def __str__(self) -> str:
        return self.text


class CourseStaff(BaseModel):
    """Membership of a course's team. Instructors may author and grade only their courses."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        INSTRUCTOR = "instructor", _("Instructor")
        ASSISTANT = "assistant", _("Assistant")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_roles")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.INSTRUCTOR)

    class Meta:
        verbose_name = _("course staff member")
        verbose_name_plural = _("course staff")
        ordering = ["course", "role", "user__username"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="course_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.course})"


class Module(MarkdownModel):
    """A section of a course (раздел). Its outline is the ordered lessons, quizzes, cases,
    role plays, exams and flashcard decks that point at it, by ``position``."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=200)
    summary_md = models.TextField(_("summary (Markdown)"), blank=True)
    summary_html = models.TextField(editable=False, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    release_at = models.DateTimeField(_("released at"), null=True, blank=True)
    prerequisite = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="unlocks",
        verbose_name=_("prerequisite"),
    )

    markdown_fields = {"summary_md": "summary_html"}

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="module_key_unique")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.prerequisite_id and self.prerequisite.course_id != self.course_id:
            raise ValidationError({"prerequisite": _("The prerequisite must be a module of the same course.")})
        if self.prerequisite_id and self.prerequisite_id == self.pk:
            raise ValidationError({"prerequisite": _("A module cannot be its own prerequisite.")})


class Enrollment(BaseModel):
    """A student's enrollment (запись на курс)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        DROPPED = "dropped", _("Dropped")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    progress_percent = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    last_lesson = models.ForeignKey(
        "lessons.Lesson", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrollment_unique"),
            models.CheckConstraint(condition=models.Q(progress_percent__lte=100), name="enrollment_progress_le_100"),
        ]
        indexes = [models.Index(fields=["course", "status"], name="enrollment_course_status")]

    def __str__(self) -> str:
        return f"{self.user} → {self.course}"


class Resource(BaseModel):
    """A literature item or a reading-list entry of a course."""

    class Collection(models.TextChoices):
        LITERATURE = "literature", _("Literature")
        READING_LIST = "reading_list", _("Reading list")

    class Kind(models.TextChoices):
        BOOK = "book", _("Book")
        GUIDE = "guide", _("Study guide")
        PROBLEM_BOOK = "problem_book", _("Problem book")
        COURSE = "course", _("Course")
        PLATFORM = "platform", _("Learning platform")
        CHANNEL = "channel", _("Channel")
        BLOG = "blog", _("Blog")
        ARTICLE = "article", _("Article")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="resources")
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    collection = models.CharField(_("collection"), max_length=16, choices=Collection.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    authors = models.CharField(_("authors"), max_length=300, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    useful_for = models.TextField(_("what is useful"), blank=True)
    audience = models.TextField(_("for whom"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["course", "collection", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="resource_key_unique")]

    def __str__(self) -> str:
        return self.title
