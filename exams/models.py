from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, MarkdownModel
from courses.models import KEY_MAX_LENGTH


class PracticalTask(MarkdownModel):
    """A hands-on code task (практическое задание) graded by tests in the sandbox."""

    class Runtime(models.TextChoices):
        PYTHON_BASIC = "python-basic", _("Python: numpy, pandas, scikit-learn")
        PYTHON_ML = "python-ml", _("Python ML: + LightGBM, XGBoost, ONNX, SHAP, PyTorch, Flask")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class ReferenceCheck(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked yet")
        PASSED = "passed", _("Reference solution passes")
        FAILED = "failed", _("Reference solution fails")

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="practical_tasks")
    lesson = models.ForeignKey(
        "lessons.Lesson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exercises",
        verbose_name=_("lesson"),
        help_text=_("Shown inline in this lesson as a code exercise."),
    )
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=200)
    statement_md = models.TextField(_("statement (Markdown)"))
    statement_html = models.TextField(editable=False, blank=True)
    runtime = models.CharField(
        _("runtime"), max_length=32, choices=Runtime.choices, default=Runtime.PYTHON_BASIC
    )
    time_limit_seconds = models.PositiveIntegerField(
        _("time limit, s"), default=10, validators=[MinValueValidator(1)]
    )
    memory_limit_mb = models.PositiveIntegerField(
        _("memory limit, MB"), default=512, validators=[MinValueValidator(16)]
    )
    public_tests = models.TextField(_("public tests"), blank=True, help_text=_("pytest-style test functions"))
    hidden_tests = models.TextField(
        _("hidden tests"), blank=True, help_text=_("run at submit; they set the score")
    )
    test_weights = models.JSONField(_("hidden test weights"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    reference_check = models.CharField(
        _("reference check"), max_length=16, choices=ReferenceCheck.choices, default=ReferenceCheck.UNCHECKED
    )
    reference_check_log = models.TextField(_("reference check log"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    corrections = models.JSONField(_("corrections to the source"), default=list, blank=True)

    markdown_fields = {"statement_md": "statement_html"}

    class Meta:
        verbose_name = _("practical task")
        verbose_name_plural = _("practical tasks")
        ordering = ["course", "key"]
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="practical_task_key_unique")]

    def __str__(self) -> str:
        return self.title


class TaskFile(BaseModel):
    """A file of a task: an editable file (starter + reference content) or a read-only data file."""

    class Kind(models.TextChoices):
        EDITABLE = "editable", _("Editable by the student")
        DATA = "data", _("Read-only data")

    task = models.ForeignKey(PracticalTask, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    starter = models.TextField(_("starter content"), blank=True)
    reference = models.TextField(_("reference content"), blank=True)
    content = models.TextField(_("data content"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("task file")
        verbose_name_plural = _("task files")
        ordering = ["task", "kind", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "path"], name="task_file_path_unique")]

    def __str__(self) -> str:
        return self.path


class CaseStudy(MarkdownModel):
    """A case study (кейс): a situation, the data at hand, what happened, the task, and the
    reference analysis (problems → symptom / cause / solution, conclusions)."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="case_studies")
    module = models.ForeignKey(
        "courses.Module", on_delete=models.SET_NULL, null=True, blank=True, related_name="case_studies"
    )
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=300)
    situation_md = models.TextField(_("situation (Markdown)"))
    situation_html = models.TextField(editable=False, blank=True)
    available_data = models.JSONField(_("available data"), default=list, blank=True)
    observations_md = models.TextField(_("what happened (Markdown)"), blank=True)
    observations_html = models.TextField(editable=False, blank=True)
    task_md = models.TextField(_("task (Markdown)"))
    task_html = models.TextField(editable=False, blank=True)
    conclusions = models.JSONField(_("conclusions and recommendations"), default=list, blank=True)
    discussion_questions = models.JSONField(_("discussion questions"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_published = models.BooleanField(_("published"), default=True)

    source = models.CharField(_("source"), max_length=300, blank=True)
    corrections = models.JSONField(_("corrections to the source"), default=list, blank=True)

    markdown_fields = {
        "situation_md": "situation_html",
        "observations_md": "observations_html",
        "task_md": "task_html",
    }

    class Meta:
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")
        ordering = ["course", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="case_study_key_unique")]

    def __str__(self) -> str:
        return self.title


class CaseProblem(BaseModel):
    case = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="problems")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("problem"), max_length=300)
    symptom = models.TextField(_("symptom"))
    cause = models.TextField(_("cause"))
    solution = models.TextField(_("solution"))

    class Meta:
        verbose_name = _("case problem")
        verbose_name_plural = _("case problems")
        ordering = ["case", "position", "id"]

    def __str__(self) -> str:
        return self.title


class RolePlay(MarkdownModel):
    """A role-play game (ролевая игра) run as a team session with assigned roles."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="role_plays")
    module = models.ForeignKey(
        "courses.Module", on_delete=models.SET_NULL, null=True, blank=True, related_name="role_plays"
    )
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=300)
    goal_md = models.TextField(_("goal (Markdown)"))
    goal_html = models.TextField(editable=False, blank=True)
    format_md = models.TextField(_("format (Markdown)"))
    format_html = models.TextField(editable=False, blank=True)
    setting_md = models.TextField(_("setting (Markdown)"))
    setting_html = models.TextField(editable=False, blank=True)
    team_size_min = models.PositiveSmallIntegerField(_("team size from"), default=4)
    team_size_max = models.PositiveSmallIntegerField(_("team size to"), default=6)
    teams_min = models.PositiveSmallIntegerField(_("teams from"), null=True, blank=True)
    teams_max = models.PositiveSmallIntegerField(_("teams to"), null=True, blank=True)
    duration_min_minutes = models.PositiveSmallIntegerField(
        _("duration from, minutes"), null=True, blank=True
    )
    duration_max_minutes = models.PositiveSmallIntegerField(_("duration to, minutes"), null=True, blank=True)
    learning_effects = models.JSONField(_("learning effects"), default=list, blank=True)
    challenges = models.JSONField(_("expected challenges"), default=list, blank=True)
    reflection_intro = models.CharField(_("reflection intro"), max_length=300, blank=True)
    reflection_questions = models.JSONField(_("reflection questions"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_published = models.BooleanField(_("published"), default=True)

    source = models.CharField(_("source"), max_length=300, blank=True)
    corrections = models.JSONField(_("corrections to the source"), default=list, blank=True)

    markdown_fields = {"goal_md": "goal_html", "format_md": "format_html", "setting_md": "setting_html"}

    class Meta:
        verbose_name = _("role play")
        verbose_name_plural = _("role plays")
        ordering = ["course", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="role_play_key_unique"),
            models.CheckConstraint(
                condition=Q(team_size_min__lte=models.F("team_size_max")), name="role_play_team_size"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RolePlayRole(BaseModel):
    role_play = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="roles")
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("role"), max_length=120)
    responsibilities = models.TextField(_("responsibilities"))

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["role_play", "position", "id"]

    def __str__(self) -> str:
        return self.name


class RolePlayStage(MarkdownModel):
    role_play = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("stage"), max_length=200)
    brief_md = models.TextField(_("brief (Markdown)"), blank=True)
    brief_html = models.TextField(editable=False, blank=True)
    inputs = models.JSONField(_("what teams are given"), default=list, blank=True)
    questions = models.JSONField(_("what to find out"), default=list, blank=True)
    decisions = models.JSONField(_("what to decide"), default=list, blank=True)
    complications = models.JSONField(_("complications"), default=list, blank=True)
    deliverables = models.JSONField(_("what to present"), default=list, blank=True)

    markdown_fields = {"brief_md": "brief_html"}

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["role_play", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Exam(MarkdownModel):
    """An exam (экзамен): a window, a duration and a pool of tickets."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="exams")
    module = models.ForeignKey(
        "courses.Module", on_delete=models.SET_NULL, null=True, blank=True, related_name="exams"
    )
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=200)
    description_md = models.TextField(_("description (Markdown)"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    duration_minutes = models.PositiveIntegerField(
        _("duration, minutes"), default=90, validators=[MinValueValidator(1)]
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    markdown_fields = {"description_md": "description_html"}

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["course", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="exam_key_unique"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="exam_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ExamTicket(BaseModel):
    """An exam ticket (экзаменационный билет): theory questions with reference answers, an
    optional practical task and optional case studies."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="tickets")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    task = models.ForeignKey(
        PracticalTask,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("practical task"),
    )
    theory_questions = models.ManyToManyField(
        "quizzes.Question", through="TicketQuestion", related_name="tickets", blank=True
    )
    cases = models.ManyToManyField(CaseStudy, through="TicketCase", related_name="tickets", blank=True)

    class Meta:
        verbose_name = _("exam ticket")
        verbose_name_plural = _("exam tickets")
        ordering = ["exam", "number"]
        constraints = [models.UniqueConstraint(fields=["exam", "number"], name="exam_ticket_number_unique")]

    def __str__(self) -> str:
        return self.title or f"{self.exam}: {self.number}"


class TicketQuestion(BaseModel):
    ticket = models.ForeignKey(ExamTicket, on_delete=models.CASCADE, related_name="ticket_questions")
    question = models.ForeignKey("quizzes.Question", on_delete=models.RESTRICT, related_name="ticket_slots")
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("theory question")
        verbose_name_plural = _("theory questions")
        ordering = ["ticket", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "question"], name="ticket_question_unique")]

    def __str__(self) -> str:
        return f"{self.ticket} / {self.question}"


class TicketCase(BaseModel):
    ticket = models.ForeignKey(ExamTicket, on_delete=models.CASCADE, related_name="ticket_cases")
    case = models.ForeignKey(CaseStudy, on_delete=models.RESTRICT, related_name="ticket_slots")
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("ticket case")
        verbose_name_plural = _("ticket cases")
        ordering = ["ticket", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "case"], name="ticket_case_unique")]

    def __str__(self) -> str:
        return f"{self.ticket} / {self.case}"


class Sitting(BaseModel):
    """A student's sitting of an exam: the ticket drawn (never redrawn), the server-side
    deadline and the outcome."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        GRADING = "grading", _("Grading")
        AWAITING_MANUAL = "awaiting_manual", _("Awaiting grading")
        GRADED = "graded", _("Graded")

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="sittings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_sittings")
    ticket = models.ForeignKey(ExamTicket, on_delete=models.RESTRICT, related_name="sittings")
    draw_seed = models.BigIntegerField(_("draw seed"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    deadline_at = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("max score"), max_digits=8, decimal_places=2, default=Decimal("0"))
    # The practical task's editable files as the student last saved them (autosave, a run, the
    # "Save" button); a ticket has at most one task, so the files are keyed by their name.
    code = models.JSONField(
        _("practical code"),
        default=dict,
        blank=True,
        help_text=_("The practical task's editable files as last saved: file name → content."),
    )
    code_saved_at = models.DateTimeField(_("code saved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["exam", "user"], name="sitting_unique")]
        indexes = [models.Index(fields=["status", "deadline_at"], name="sitting_status_deadline")]

    def __str__(self) -> str:
        return f"{self.user} — {self.exam}"


class Submission(BaseModel):
    """Code sent to the sandbox: a "check" runs the public tests, a "submit" the hidden ones."""

    class Kind(models.TextChoices):
        CHECK = "check", _("Check (public tests)")
        SUBMIT = "submit", _("Submit (hidden tests)")
        REFERENCE = "reference", _("Reference solution check")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        ERROR = "error", _("Could not run")

    task = models.ForeignKey(PracticalTask, on_delete=models.CASCADE, related_name="submissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, null=True, blank=True, related_name="submissions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    files = models.JSONField(_("files"), default=dict, help_text=_("file name → content"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    score = models.DecimalField(_("score, %"), max_digits=6, decimal_places=2, null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["task", "user", "-created_at"], name="submission_task_user"),
            models.Index(fields=["status", "created_at"], name="submission_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.task} ({self.kind})"


class TestResult(BaseModel):
    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        WRONG_ANSWER = "wrong_answer", _("Wrong answer")
        ERROR = "error", _("Error")
        TIME_LIMIT = "time_limit", _("Time limit exceeded")
        MEMORY_LIMIT = "memory_limit", _("Memory limit exceeded")
        OUTPUT_LIMIT = "output_limit", _("Output limit exceeded")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        HIDDEN = "hidden", _("Hidden")

    __test__ = False  # not a pytest test class

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="results")
    name = models.CharField(_("test"), max_length=200)
    visibility = models.CharField(_("visibility"), max_length=8, choices=Visibility.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"))
    message = models.TextField(_("message"), blank=True)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    memory_kb = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        ordering = ["submission", "id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.outcome}"


class SittingAnswer(BaseModel):
    """The answer to one theory question of a sitting's ticket; graded by hand on the desk."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        "quizzes.Question", on_delete=models.RESTRICT, related_name="sitting_answers"
    )
    text = models.TextField(_("answer"), blank=True)
    saved_at = models.DateTimeField(_("saved at"), null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(_("max points"), max_digits=6, decimal_places=2, default=Decimal("10"))
    comment = models.TextField(_("grader's comment"), blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("theory answer")
        verbose_name_plural = _("theory answers")
        ordering = ["sitting", "id"]
        constraints = [models.UniqueConstraint(fields=["sitting", "question"], name="sitting_answer_unique")]

    def __str__(self) -> str:
        return f"{self.sitting} / {self.question}"


class RubricCriterion(BaseModel):
    """One criterion of a case study's grading rubric."""

    case = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="rubric")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("what earns the points"), blank=True)
    max_points = models.DecimalField(_("max points"), max_digits=6, decimal_places=2, default=Decimal("5"))

    class Meta:
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        ordering = ["case", "position", "id"]

    def __str__(self) -> str:
        return self.title


class CaseSubmission(MarkdownModel):
    """A student's written analysis of a case study (drafts autosaved; graded on the desk)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting grading")
        GRADED = "graded", _("Graded")

    case = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="submissions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_submissions"
    )
    sitting = models.ForeignKey(
        Sitting,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="case_submissions",
        help_text=_("Set when the case is part of an exam ticket."),
    )
    analysis_md = models.TextField(_("analysis (Markdown)"), blank=True)
    analysis_html = models.TextField(editable=False, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    saved_at = models.DateTimeField(_("saved at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("max score"), max_digits=8, decimal_places=2, default=Decimal("0"))
    comment = models.TextField(_("grader's comment"), blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)

    markdown_fields = {"analysis_md": "analysis_html"}

    class Meta:
        verbose_name = _("case analysis")
        verbose_name_plural = _("case analyses")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(sitting__isnull=True),
                name="case_submission_practice_unique",
            ),
            models.UniqueConstraint(
                fields=["case", "user", "sitting"],
                condition=Q(sitting__isnull=False),
                name="case_submission_exam_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="case_submission_queue")]

    def __str__(self) -> str:
        return f"{self.user} — {self.case}"


class RubricScore(BaseModel):
    submission = models.ForeignKey(CaseSubmission, on_delete=models.CASCADE, related_name="rubric_scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.CASCADE, related_name="scores")
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("rubric score")
        verbose_name_plural = _("rubric scores")
        ordering = ["submission", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "criterion"], name="rubric_score_unique")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.points}"


class RolePlaySession(BaseModel):
    """A run of a role-play game for a course group, led by an instructor stage by stage."""

    class Status(models.TextChoices):
        SETUP = "setup", _("Forming teams")
        RUNNING = "running", _("Running")
        REFLECTION = "reflection", _("Reflection")
        FINISHED = "finished", _("Finished")

    role_play = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="sessions")
    led_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_role_plays"
    )
    title = models.CharField(_("group"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SETUP)
    current_stage = models.ForeignKey(
        RolePlayStage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("role-play session")
        verbose_name_plural = _("role-play sessions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.role_play} — {self.title or self.created_at:%Y-%m-%d}"


class RolePlayTeam(BaseModel):
    session = models.ForeignKey(RolePlaySession, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("team"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["session", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "name"], name="role_play_team_name_unique")]

    def __str__(self) -> str:
        return self.name


class RolePlayAssignment(BaseModel):
    """A participant's team and role in a session (the role card they see)."""

    session = models.ForeignKey(RolePlaySession, on_delete=models.CASCADE, related_name="assignments")
    team = models.ForeignKey(RolePlayTeam, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_play_assignments"
    )
    role = models.ForeignKey(RolePlayRole, on_delete=models.RESTRICT, related_name="assignments")

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["team", "role__position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="role_play_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.role} ({self.team})"


class RolePlayDeliverable(MarkdownModel):
    """A team's deliverable for one stage; graded on the desk."""

    team = models.ForeignKey(RolePlayTeam, on_delete=models.CASCADE, related_name="team_deliverables")
    stage = models.ForeignKey(RolePlayStage, on_delete=models.CASCADE, related_name="team_deliverables")
    text_md = models.TextField(_("deliverable (Markdown)"), blank=True)
    text_html = models.TextField(editable=False, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(_("max points"), max_digits=6, decimal_places=2, default=Decimal("10"))
    comment = models.TextField(_("grader's comment"), blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)

    markdown_fields = {"text_md": "text_html"}

    class Meta:
        verbose_name = _("team deliverable")
        verbose_name_plural = _("team deliverables")
        ordering = ["team", "stage__position"]
        constraints = [models.UniqueConstraint(fields=["team", "stage"], name="role_play_deliverable_unique")]

    def __str__(self) -> str:
        return f"{self.team} / {self.stage}"


class RolePlayReflection(BaseModel):
    session = models.ForeignKey(RolePlaySession, on_delete=models.CASCADE, related_name="reflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(_("answers"), default=list, help_text=_("One answer per reflection question."))

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="role_play_reflection_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.session}"


class GradeAudit(BaseModel):
    """Every manual grade and every override of an automatic one, with who, when and why."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="grade_audits")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(
        _("what was graded"), max_length=64, help_text=_("e.g. response, submission, sitting_answer")
    )
    target_id = models.BigIntegerField()
    old_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    new_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("grade audit entry")
        verbose_name_plural = _("grade audit")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["target", "target_id"], name="grade_audit_target")]

    def __str__(self) -> str:
        return f"{self.target}#{self.target_id}: {self.old_points} → {self.new_points}"
