from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, MarkdownModel
from courses.models import KEY_MAX_LENGTH

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class FeedbackTag(BaseModel):
    """A tag students can put on lecture feedback ("too fast", "need more practice", ...)."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="feedback_tags")
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    label = models.CharField(_("label"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("feedback tag")
        verbose_name_plural = _("feedback tags")
        ordering = ["course", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="feedback_tag_key_unique")]

    def __str__(self) -> str:
        return self.label


class Review(MarkdownModel):
    """A course review (отзыв): by an enrolled student, or imported from elsewhere with its source."""

    class Source(models.TextChoices):
        INTERNAL = "internal", _("Written here")
        EXTERNAL = "external", _("Imported")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="reviews")
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH, blank=True, help_text=_("Bundle key of imported reviews"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.INTERNAL)
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    source_url = models.URLField(_("source link"), max_length=500, blank=True)
    about_course = models.CharField(
        _("course reviewed"), max_length=300, blank=True,
        help_text=_("For imported reviews: the comparable course elsewhere that the review is about."),
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True, validators=RATING_VALIDATORS)
    would_recommend = models.PositiveSmallIntegerField(
        _("would recommend (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    text_md = models.TextField(_("text (Markdown)"), blank=True)
    text_html = models.TextField(editable=False, blank=True)
    pros = models.TextField(_("pros"), blank=True)
    cons = models.TextField(_("cons"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)

    markdown_fields = {"text_md": "text_html"}

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user"], condition=Q(user__isnull=False), name="review_one_per_student"
            ),
            models.UniqueConstraint(fields=["course", "key"], condition=~Q(key=""), name="review_key_unique"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="review_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(would_recommend__isnull=True) | Q(would_recommend__lte=10), name="review_recommend_range"
            ),
        ]
        indexes = [models.Index(fields=["course", "status"], name="review_course_status")]

    def __str__(self) -> str:
        return f"{self.course}: {self.source_name or self.user}"


class ReviewPoint(BaseModel):
    """A structured point of a review: one complaint or one piece of praise."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        PRAISE = "praise", _("Praise")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="points")
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("review point")
        verbose_name_plural = _("review points")
        ordering = ["review", "position", "id"]

    def __str__(self) -> str:
        return self.title


class LectureFeedback(BaseModel):
    """Feedback (обратная связь) on one lesson, or a problem report on a question, case or
    exam ticket. One item per student per target."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback")
    lesson = models.ForeignKey("lessons.Lesson", on_delete=models.CASCADE, null=True, blank=True, related_name="feedback")
    question = models.ForeignKey(
        "quizzes.Question", on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    case = models.ForeignKey("exams.CaseStudy", on_delete=models.CASCADE, null=True, blank=True, related_name="feedback")
    ticket = models.ForeignKey(
        "exams.ExamTicket", on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    clarity = models.PositiveSmallIntegerField(_("clarity"), null=True, blank=True, validators=RATING_VALIDATORS)
    pace = models.PositiveSmallIntegerField(_("pace"), null=True, blank=True, validators=RATING_VALIDATORS)
    practice = models.PositiveSmallIntegerField(
        _("usefulness of practice"), null=True, blank=True, validators=RATING_VALIDATORS
    )
    tags = models.ManyToManyField(FeedbackTag, blank=True, related_name="feedback")
    comment = models.TextField(_("comment"), blank=True)
    is_anonymous = models.BooleanField(_("anonymous to instructors"), default=False)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(lesson__isnull=False, question__isnull=True, case__isnull=True, ticket__isnull=True)
                    | Q(lesson__isnull=True, question__isnull=False, case__isnull=True, ticket__isnull=True)
                    | Q(lesson__isnull=True, question__isnull=True, case__isnull=False, ticket__isnull=True)
                    | Q(lesson__isnull=True, question__isnull=True, case__isnull=True, ticket__isnull=False)
                ),
                name="feedback_exactly_one_target",
            ),
            models.UniqueConstraint(fields=["user", "lesson"], condition=Q(lesson__isnull=False), name="feedback_lesson_once"),
            models.UniqueConstraint(
                fields=["user", "question"], condition=Q(question__isnull=False), name="feedback_question_once"
            ),
            models.UniqueConstraint(fields=["user", "case"], condition=Q(case__isnull=False), name="feedback_case_once"),
            models.UniqueConstraint(fields=["user", "ticket"], condition=Q(ticket__isnull=False), name="feedback_ticket_once"),
            *(
                models.CheckConstraint(condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 1, f"{f}__lte": 5}),
                                       name=f"feedback_{f}_range")
                for f in ("clarity", "pace", "practice")
            ),
        ]
        indexes = [models.Index(fields=["course", "created_at"], name="feedback_course_created")]

    def __str__(self) -> str:
        return f"{self.course}: {self.lesson or self.question or self.case or self.ticket}"


class FeedbackResponse(MarkdownModel):
    """The course team's handling of one feedback item or review: owner, status, SLA, reply."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Declined")

    feedback = models.OneToOneField(
        LectureFeedback, on_delete=models.CASCADE, null=True, blank=True, related_name="response"
    )
    review = models.OneToOneField(Review, on_delete=models.CASCADE, null=True, blank=True, related_name="response")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="feedback_responses")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_feedback"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    due_at = models.DateTimeField(_("first response due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    reply_md = models.TextField(_("reply to the student (Markdown)"), blank=True)
    reply_html = models.TextField(editable=False, blank=True)
    public_note = models.TextField(_('public "you said, we did" note'), blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)

    markdown_fields = {"reply_md": "reply_html"}

    class Meta:
        verbose_name = _("feedback response")
        verbose_name_plural = _("feedback responses")
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(feedback__isnull=False) & Q(review__isnull=True))
                | (Q(feedback__isnull=True) & Q(review__isnull=False)),
                name="feedback_response_one_item",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="feedback_response_decline_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["course", "status", "due_at"], name="feedback_response_inbox"),
            # Also the report's counts per owner and status, read from the index alone.
            models.Index(
                fields=["owner", "status"],
                include=["first_response_at", "due_at", "course", "created_at"],
                name="feedback_response_owner",
            ),
            # The report's "actions published" (few items have a public note).
            models.Index(
                fields=["course", "created_at"], condition=~Q(public_note=""), name="feedback_response_action"
            ),
            # The report's time-to-first-response percentiles: the k-th answered item in time
            # order read from the index (PostgreSQL: index only), not a sort of every item.
            models.Index(
                F("first_response_at") - F("created_at"),
                name="feedback_response_waited",
                condition=Q(first_response_at__isnull=False),
                include=["course", "created_at", "first_response_at"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.get_status_display()}"


from reviews.board_models import BoardEntry, FeedbackSlaNotice  # noqa: E402,F401
from reviews.rollup_models import LessonFeedbackDay, LessonFeedbackDayTag  # noqa: E402,F401
