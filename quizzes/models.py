from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, MarkdownModel
from courses.models import KEY_MAX_LENGTH


class QuestionCategory(MarkdownModel):
    """A folder of a course's question bank. A category can double as a flashcard deck and
    can sit in a module's outline (as the deck)."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="question_categories")
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=200)
    description_md = models.TextField(_("description (Markdown)"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    is_flashcard_deck = models.BooleanField(_("flashcard deck"), default=False)
    module = models.ForeignKey(
        "courses.Module", on_delete=models.SET_NULL, null=True, blank=True, related_name="flashcard_decks",
        help_text=_("Where the deck appears in the outline (flashcard decks only)."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    markdown_fields = {"description_md": "description_html"}

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        ordering = ["course", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="question_category_key_unique")]

    def __str__(self) -> str:
        return self.title


class Tag(BaseModel):
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="question_tags")
    name = models.SlugField(_("name"), max_length=64, allow_unicode=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["course", "name"]
        constraints = [models.UniqueConstraint(fields=["course", "name"], name="tag_name_unique")]

    def __str__(self) -> str:
        return self.name


class Question(MarkdownModel):
    """A question in a course's bank (вопрос)."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True / false")
        SHORT_TEXT = "short_text", _("Short text")
        NUMERIC = "numeric", _("Numeric")
        OPEN = "open", _("Open answer")
        CODE = "code", _("Code")

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="questions")
    category = models.ForeignKey(QuestionCategory, on_delete=models.RESTRICT, related_name="questions")
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text_md = models.TextField(_("question (Markdown)"))
    text_html = models.TextField(editable=False, blank=True)
    answer_md = models.TextField(
        _("reference answer (Markdown)"), blank=True, help_text=_("The model answer of an open question.")
    )
    answer_html = models.TextField(editable=False, blank=True)
    explanation_md = models.TextField(_("explanation (Markdown)"), blank=True)
    explanation_html = models.TextField(editable=False, blank=True)
    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    # true_false
    correct_boolean = models.BooleanField(_("correct answer (true/false)"), null=True, blank=True)
    # numeric
    numeric_answer = models.DecimalField(_("numeric answer"), max_digits=20, decimal_places=6, null=True, blank=True)
    numeric_tolerance = models.DecimalField(
        _("tolerance"), max_digits=20, decimal_places=6, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    # short_text: accepted answers are the correct choices
    case_sensitive = models.BooleanField(_("case sensitive"), default=False)
    # code
    task = models.ForeignKey(
        "exams.PracticalTask", on_delete=models.RESTRICT, null=True, blank=True, related_name="questions"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    position = models.PositiveIntegerField(_("position"), default=0)
    source = models.CharField(_("source"), max_length=300, blank=True)
    corrections = models.JSONField(_("corrections to the source"), default=list, blank=True)

    markdown_fields = {"text_md": "text_html", "answer_md": "answer_html", "explanation_md": "explanation_html"}

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["course", "category", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="question_key_unique"),
            models.CheckConstraint(
                condition=~Q(kind="numeric") | Q(numeric_answer__isnull=False), name="question_numeric_has_answer"
            ),
            models.CheckConstraint(
                condition=~Q(kind="true_false") | Q(correct_boolean__isnull=False), name="question_tf_has_answer"
            ),
            models.CheckConstraint(condition=~Q(kind="code") | Q(task__isnull=False), name="question_code_has_task"),
        ]
        indexes = [models.Index(fields=["course", "kind"], name="question_course_kind")]

    def __str__(self) -> str:
        return f"{self.key}"


class Choice(BaseModel):
    """An option of a single/multiple choice question, or an accepted answer of a short-text one."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.SlugField(_("key"), max_length=16)
    text = models.TextField(_("text"))
    is_correct = models.BooleanField(_("correct"), default=False)
    feedback = models.TextField(_("feedback"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="choice_key_unique")]

    def __str__(self) -> str:
        return f"{self.key}) {self.text}"


class Quiz(MarkdownModel):
    """A quiz (тест): settings after Moodle's quiz."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class GradingMethod(models.TextChoices):
        HIGHEST = "highest", _("Highest grade")
        AVERAGE = "average", _("Average grade")
        FIRST = "first", _("First attempt")
        LAST = "last", _("Last attempt")

    class Layout(models.TextChoices):
        ONE_PER_PAGE = "one_per_page", _("One question per page")
        ALL_ON_ONE = "all_on_one", _("All questions on one page")

    class ReviewTiming(models.TextChoices):
        NEVER = "never", _("Never")
        AFTER_SUBMIT = "after_submit", _("Right after the attempt")
        AFTER_CLOSE = "after_close", _("After the quiz closes")

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="quizzes")
    module = models.ForeignKey(
        "courses.Module", on_delete=models.SET_NULL, null=True, blank=True, related_name="quizzes"
    )
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=200)
    description_md = models.TextField(_("description (Markdown)"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    time_limit_minutes = models.PositiveIntegerField(_("time limit, minutes"), null=True, blank=True)
    attempts_allowed = models.PositiveIntegerField(_("attempts allowed"), default=1, help_text=_("0 = unlimited"))
    grading_method = models.CharField(
        _("grading method"), max_length=16, choices=GradingMethod.choices, default=GradingMethod.HIGHEST
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark, %"), default=60, validators=[MaxValueValidator(100)]
    )
    layout = models.CharField(_("layout"), max_length=16, choices=Layout.choices, default=Layout.ONE_PER_PAGE)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=True)
    review_show_correct = models.CharField(
        _("show correct answers"), max_length=16, choices=ReviewTiming.choices, default=ReviewTiming.AFTER_SUBMIT
    )
    review_show_explanation = models.CharField(
        _("show explanations"), max_length=16, choices=ReviewTiming.choices, default=ReviewTiming.AFTER_SUBMIT
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    markdown_fields = {"description_md": "description_html"}

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["course", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="quiz_key_unique"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="quiz_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class QuizQuestion(BaseModel):
    """A slot of a quiz: a fixed question, or a random draw of ``draw_count`` questions from a
    category (optionally only those with ``draw_tag``)."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="slots")
    position = models.PositiveIntegerField(_("position"), default=0)
    question = models.ForeignKey(Question, on_delete=models.RESTRICT, null=True, blank=True, related_name="slots")
    draw_category = models.ForeignKey(
        QuestionCategory, on_delete=models.RESTRICT, null=True, blank=True, related_name="draw_slots"
    )
    draw_tag = models.ForeignKey(Tag, on_delete=models.RESTRICT, null=True, blank=True, related_name="draw_slots")
    draw_count = models.PositiveIntegerField(_("questions to draw"), default=1)
    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, null=True, blank=True,
        help_text=_("Overrides the question's points."),
    )

    class Meta:
        verbose_name = _("quiz slot")
        verbose_name_plural = _("quiz slots")
        ordering = ["quiz", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(question__isnull=False) & Q(draw_category__isnull=True) & Q(draw_tag__isnull=True))
                | (Q(question__isnull=True) & Q(draw_category__isnull=False)),
                name="quiz_slot_fixed_xor_draw",
            ),
            models.UniqueConstraint(
                fields=["quiz", "question"], condition=Q(question__isnull=False), name="quiz_slot_question_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} #{self.position}"


class Attempt(BaseModel):
    """One attempt of a quiz. Question and choice order are fixed when it starts."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Queued for grading")
        GRADING = "grading", _("Grading")
        AWAITING_MANUAL = "awaiting_manual", _("Awaiting grading")
        GRADED = "graded", _("Graded")

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    number = models.PositiveIntegerField(_("attempt number"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("max score"), max_digits=8, decimal_places=2, default=Decimal("0"))
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["quiz", "user", "number"], name="attempt_number_unique")]
        indexes = [
            models.Index(fields=["user", "quiz"], name="attempt_user_quiz"),
            models.Index(fields=["status", "deadline_at"], name="attempt_status_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.quiz} #{self.number}"


class Response(BaseModel):
    """The answer to one question within an attempt."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.RESTRICT, related_name="responses")
    position = models.PositiveIntegerField(_("position"))
    choice_order = models.JSONField(_("choice order"), default=list, blank=True)
    max_points = models.DecimalField(_("max points"), max_digits=6, decimal_places=2, default=Decimal("1"))
    selected_choices = models.ManyToManyField(Choice, blank=True, related_name="responses")
    text_answer = models.TextField(_("text answer"), blank=True)
    numeric_answer = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    boolean_answer = models.BooleanField(null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    is_correct = models.BooleanField(_("correct"), null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    grader_comment = models.TextField(_("grader's comment"), blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["attempt", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="response_question_unique")]

    def __str__(self) -> str:
        return f"{self.attempt} / {self.question}"


from quizzes.flashcard_models import FlashcardReview, FlashcardState  # noqa: E402,F401
