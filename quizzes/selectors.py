"""Read queries for quizzes, shaped for the pages and endpoints that use them, scoped to what
the viewer may see. Each selector runs a fixed number of queries whatever the size of the quiz
or the number of attempts."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from courses.models import Course, CourseStaff, Enrollment
from quizzes import grading
from quizzes.models import Attempt, Choice, Question, Quiz, Response
from quizzes.permissions import (
    DEADLINE_GRACE,
    FINISHED_STATUSES,
    attempt_ends_at,
    attempt_is_expired,
    attempt_start_refusal,
    review_allows,
)

PENDING_STATUSES = (Attempt.Status.SUBMITTED, Attempt.Status.GRADING)
INSTRUCTOR_ATTEMPT_LIMIT = 200


def _viewer_annotations(user: User) -> dict:
    return {
        "viewer_is_instructor": Exists(
            CourseStaff.objects.filter(course_id=OuterRef("course_id"), user=user)
        ),
        "viewer_is_enrolled": Exists(
            Enrollment.objects.filter(
                course_id=OuterRef("course_id"), user=user, status=Enrollment.Status.ACTIVE
            )
        ),
    }


def quiz_get_for_viewer(*, user: User, quiz_id: int) -> Quiz:
    """The quiz with its course, annotated with ``viewer_is_instructor``, ``viewer_is_enrolled``
    and ``question_count`` (fixed slots + drawn questions).

    Students see published quizzes of published or archived courses; the course's staff and
    superusers see every quiz of it. Raises Quiz.DoesNotExist otherwise.
    """
    question_count = Coalesce(
        Sum(
            Case(
                When(slots__question__isnull=True, then=F("slots__draw_count")),
                default=Value(1),
                output_field=IntegerField(),
            )
        ),
        Value(0),
    )
    quiz = (
        Quiz.objects.select_related("course")
        .annotate(question_count=question_count, **_viewer_annotations(user))
        .get(pk=quiz_id)
    )
    publicly_visible = quiz.status == Quiz.Status.PUBLISHED and quiz.course.status in (
        Course.Status.PUBLISHED,
        Course.Status.ARCHIVED,
    )
    if not (publicly_visible or quiz.viewer_is_instructor or user.is_superuser):
        raise Quiz.DoesNotExist
    return quiz


# ---------------------------------------------------------------------------------------------
# Grades


@dataclass(frozen=True)
class QuizGrade:
    """A student's grade for a quiz by its grading method. ``percent is None``: an attempt that
    decides the grade still waits for grading."""

    method: str
    percent: Decimal | None
    passed: bool | None
    attempts_counted: int


def attempt_percent(attempt: Attempt) -> Decimal | None:
    if attempt.status != Attempt.Status.GRADED or attempt.score is None:
        return None
    return grading.percent_of(score=attempt.score, max_score=attempt.max_score)


def _grade_from_attempts(*, quiz: Quiz, attempts: list[Attempt]) -> QuizGrade | None:
    finished = [attempt for attempt in attempts if attempt.status in FINISHED_STATUSES]
    if not finished:
        return None
    results = [grading.AttemptResult(number=a.number, percent=attempt_percent(a)) for a in finished]
    percent = grading.aggregate_grade(method=quiz.grading_method, results=results)
    return QuizGrade(
        method=quiz.grading_method,
        percent=percent,
        passed=None if percent is None else grading.is_passed(percent=percent, pass_mark=quiz.pass_mark),
        attempts_counted=sum(1 for result in results if result.percent is not None),
    )


def quiz_grade_for(*, user: User, quiz: Quiz) -> QuizGrade | None:
    """The student's final grade for ``quiz``: the grading method over their finished attempts
    (see ``grading.aggregate_grade``). None before any attempt is submitted."""
    attempts = list(
        Attempt.objects.filter(quiz=quiz, user=user, status__in=FINISHED_STATUSES).only(
            "number", "status", "score", "max_score"
        )
    )
    return _grade_from_attempts(quiz=quiz, attempts=attempts)


# ---------------------------------------------------------------------------------------------
# Quiz detail


@dataclass
class QuizDetail:
    quiz: Quiz
    attempts: list[Attempt]  # the viewer's, newest first, each with ``percent``
    in_progress: Attempt | None
    can_start: bool  # start a new attempt or continue ``in_progress``
    refusal: str  # why not, when not
    grade: QuizGrade | None
    attempts_left: int | None  # None: unlimited
    is_instructor: bool
    student_attempts: list[Attempt] = field(default_factory=list)  # instructors: latest attempts

    @property
    def is_draft(self) -> bool:
        return self.quiz.status != Quiz.Status.PUBLISHED


def quiz_detail_for(*, user: User, quiz_id: int, now: datetime | None = None) -> QuizDetail:
    """Everything the quiz page shows to ``user``. Raises Quiz.DoesNotExist (see
    ``quiz_get_for_viewer``)."""
    now = now or timezone.now()
    quiz = quiz_get_for_viewer(user=user, quiz_id=quiz_id)
    attempts = list(Attempt.objects.filter(quiz=quiz, user=user).order_by("-number"))
    for attempt in attempts:
        attempt.quiz = quiz  # no query per attempt for its quiz
        attempt.percent = attempt_percent(attempt)
        attempt.is_in_progress = attempt.status == Attempt.Status.IN_PROGRESS
    in_progress = next(
        (
            a
            for a in attempts
            if a.status == Attempt.Status.IN_PROGRESS and not attempt_is_expired(attempt=a, now=now)
        ),
        None,
    )
    is_instructor = bool(quiz.viewer_is_instructor or user.is_superuser)
    if in_progress is not None and quiz.viewer_is_enrolled:
        refusal = None
    else:
        refusal = attempt_start_refusal(
            quiz=quiz, is_enrolled=quiz.viewer_is_enrolled, attempts_used=len(attempts), now=now
        )
    student_attempts: list[Attempt] = []
    if is_instructor:
        student_attempts = list(
            Attempt.objects.filter(quiz=quiz)
            .select_related("user")
            .order_by("-created_at")[:INSTRUCTOR_ATTEMPT_LIMIT]
        )
        for attempt in student_attempts:
            attempt.percent = attempt_percent(attempt)
    return QuizDetail(
        quiz=quiz,
        attempts=attempts,
        in_progress=in_progress,
        can_start=refusal is None,
        refusal=refusal.message if refusal is not None else "",
        grade=_grade_from_attempts(quiz=quiz, attempts=attempts),
        attempts_left=max(quiz.attempts_allowed - len(attempts), 0) if quiz.attempts_allowed else None,
        is_instructor=is_instructor,
        student_attempts=student_attempts,
    )


# ---------------------------------------------------------------------------------------------
# Attempts


def attempt_get_for_viewer(*, user: User, attempt_id: int) -> Attempt:
    """The attempt if ``user`` owns it, teaches its course, or is a superuser, with its quiz and
    course; ``viewer_is_owner`` tells which. Raises Attempt.DoesNotExist otherwise, so a
    tampered id looks exactly like a missing one. One query for its student (every poll of the
    result page), a second one for anyone else."""
    attempt = Attempt.objects.select_related("quiz__course", "user").get(pk=attempt_id)
    attempt.viewer_is_owner = attempt.user_id == user.pk
    if not (
        attempt.viewer_is_owner
        or user.is_superuser
        or CourseStaff.objects.filter(course_id=attempt.quiz.course_id, user=user).exists()
    ):
        raise Attempt.DoesNotExist
    return attempt


def attempt_get_own(*, user: User, attempt_id: int) -> Attempt:
    """The user's own attempt with its quiz and course. Raises Attempt.DoesNotExist."""
    attempt = Attempt.objects.select_related("quiz__course").get(pk=attempt_id, user=user)
    attempt.viewer_is_owner = True
    return attempt


def attempt_status_of_own(*, user: User, attempt_id: int) -> str | None:
    """The status of the user's own attempt; None when it is not theirs or does not exist.
    One query on the primary key (for the status poll)."""
    return (
        Attempt.objects.filter(pk=attempt_id, user=user).order_by().values_list("status", flat=True).first()
    )


def responses_for(*, attempt: Attempt) -> QuerySet[Response]:
    """The attempt's responses in order, with their questions, the questions' choices and the
    selected choices: three queries whatever the number of questions."""
    return (
        Response.objects.filter(attempt=attempt)
        .select_related("question")
        .prefetch_related(
            Prefetch("question__choices", queryset=Choice.objects.order_by("position", "id")),
            Prefetch("selected_choices", queryset=Choice.objects.only("id", "question_id")),
        )
        .order_by("position")
    )


@dataclass
class QuestionView:
    """One question of an attempt as the student sees it: choices in the stored order."""

    response: Response
    question: Question
    number: int
    choices: list[Choice]
    selected_ids: frozenset[int]

    @property
    def is_answered(self) -> bool:
        return self.response.answered_at is not None

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def is_choice(self) -> bool:
        return self.question.kind in grading.CHOICE_KINDS


def _question_views(responses: list[Response]) -> list[QuestionView]:
    views = []
    for response in responses:
        by_id = {choice.pk: choice for choice in response.question.choices.all()}
        # Only the stored order is shown: short-text "choices" are accepted answers, never listed.
        choices = [by_id[choice_id] for choice_id in response.choice_order if choice_id in by_id]
        views.append(
            QuestionView(
                response=response,
                question=response.question,
                number=response.position + 1,
                choices=choices,
                selected_ids=frozenset(choice.pk for choice in response.selected_choices.all()),
            )
        )
    return views


def seconds_left(*, attempt: Attempt, now: datetime) -> int | None:
    """Seconds until the attempt's time is up (for the countdown); None without a limit."""
    ends_at = attempt_ends_at(attempt=attempt)
    if ends_at is None:
        return None
    return max(int((ends_at - now).total_seconds()), 0)


@dataclass(frozen=True)
class NavigatorItem:
    number: int
    page: int
    question_id: int
    is_answered: bool
    is_current: bool


@dataclass
class TakePage:
    attempt: Attempt
    questions: list[QuestionView]  # the questions on this page
    navigator: list[NavigatorItem]
    page: int
    page_count: int
    one_per_page: bool
    seconds_left: int | None
    ends_at: datetime | None
    answered_count: int
    question_count: int

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.page_count else None


def attempt_take_page(*, attempt: Attempt, page: int = 1, now: datetime | None = None) -> TakePage:
    """The questions of page ``page`` (clamped to the attempt's pages) and the navigator."""
    now = now or timezone.now()
    views = _question_views(list(responses_for(attempt=attempt)))
    one_per_page = attempt.quiz.layout == Quiz.Layout.ONE_PER_PAGE
    page_count = max(len(views), 1) if one_per_page else 1
    page = min(max(page, 1), page_count)
    on_page = views[page - 1 : page] if one_per_page else views
    return TakePage(
        attempt=attempt,
        questions=on_page,
        navigator=[
            NavigatorItem(
                number=view.number,
                page=index + 1 if one_per_page else 1,
                question_id=view.question.pk,
                is_answered=view.is_answered,
                is_current=view in on_page,
            )
            for index, view in enumerate(views)
        ],
        page=page,
        page_count=page_count,
        one_per_page=one_per_page,
        seconds_left=seconds_left(attempt=attempt, now=now),
        ends_at=attempt_ends_at(attempt=attempt),
        answered_count=sum(1 for view in views if view.is_answered),
        question_count=len(views),
    )


def attempt_summary(*, attempt: Attempt, now: datetime | None = None) -> TakePage:
    """Every question of the attempt on one page (for the "finish attempt" summary)."""
    page = attempt_take_page(attempt=attempt, page=1, now=now)
    if page.one_per_page:
        page.questions = _question_views(list(responses_for(attempt=attempt)))
    return page


def response_for_question(*, attempt: Attempt, question_id: int) -> QuestionView | None:
    """One question of the attempt (for the autosave fragment), or None when the question is
    not part of it."""
    if not 0 < question_id < 2**63:  # not a key: it would overflow some databases
        return None
    responses = list(responses_for(attempt=attempt).filter(question_id=question_id))
    return _question_views(responses)[0] if responses else None


@dataclass(frozen=True)
class AnsweredCount:
    answered_count: int
    question_count: int


def attempt_answered_count(*, attempt: Attempt) -> AnsweredCount:
    """How many of the attempt's questions are answered, of how many (the "N of M answered"
    line, after an autosave): one query."""
    counts = Response.objects.filter(attempt=attempt).aggregate(
        answered=Count("pk", filter=Q(answered_at__isnull=False)), total=Count("pk")
    )
    return AnsweredCount(answered_count=counts["answered"], question_count=counts["total"])


# ---------------------------------------------------------------------------------------------
# Result and review


@dataclass(frozen=True)
class ChoiceReview:
    choice: Choice
    is_selected: bool
    is_correct: bool | None  # None: not shown
    feedback: str  # empty unless explanations are shown


@dataclass
class ReviewItem:
    view: QuestionView
    show_correct: bool
    show_explanation: bool
    choices: list[ChoiceReview]
    your_answer: str  # for true/false, short text, numeric, open, code
    correct_answers: list[str]  # short text accepted answers, numeric, true/false
    reference_html: str  # open questions' model answer
    explanation_html: str
    points: Decimal | None  # only when correctness is shown and the response is scored
    is_correct: bool | None
    awaits_manual: bool

    @property
    def is_partial(self) -> bool:
        return bool(self.points) and self.is_correct is False


@dataclass
class AttemptResultView:
    attempt: Attempt
    is_owner: bool
    is_pending: bool  # queued or being graded: poll
    is_graded: bool
    is_awaiting_manual: bool
    is_in_progress: bool
    percent: Decimal | None
    show_correct: bool
    show_explanation: bool
    review: list[ReviewItem] = field(default_factory=list)


def _boolean_label(value: bool | None) -> str:
    if value is None:
        return ""
    return _("True") if value else _("False")


# What the review shows of a response, its question and the question's choices.
_REVIEW_RESPONSE_FIELDS = (
    "position",
    "choice_order",
    "max_points",
    "text_answer",
    "numeric_answer",
    "boolean_answer",
    "answered_at",
    "points",
    "is_correct",
    "question__kind",
    "question__text_html",
    "question__correct_boolean",
    "question__numeric_answer",
    "question__numeric_tolerance",
    "question__answer_html",
    "question__explanation_html",
)
_REVIEW_CHOICE_FIELDS = ("question_id", "text", "is_correct", "feedback")


def _review_views(*, attempt: Attempt) -> list[tuple[QuestionView, list[Choice]]]:
    """The attempt's questions in order, each with all its choices (a short-text question's are
    its accepted answers): three flat queries, and only the columns the review shows."""
    responses = list(
        Response.objects.filter(attempt=attempt)
        .select_related("question")
        .only(*_REVIEW_RESPONSE_FIELDS)
        .order_by("position")
    )
    choices_of: dict[int, list[Choice]] = {}
    choices = Choice.objects.filter(question_id__in={response.question_id for response in responses})
    for choice in choices.only(*_REVIEW_CHOICE_FIELDS).order_by("position", "id"):
        choices_of.setdefault(choice.question_id, []).append(choice)
    selected: dict[int, set[int]] = {}
    rows = Response.selected_choices.through.objects.filter(response_id__in=[r.pk for r in responses])
    for response_id, choice_id in rows.values_list("response_id", "choice_id"):
        selected.setdefault(response_id, set()).add(choice_id)
    views = []
    for response in responses:
        question_choices = choices_of.get(response.question_id, [])
        by_id = {choice.pk: choice for choice in question_choices}
        view = QuestionView(
            response=response,
            question=response.question,
            number=response.position + 1,
            choices=[by_id[choice_id] for choice_id in response.choice_order if choice_id in by_id],
            selected_ids=frozenset(selected.get(response.pk, ())),
        )
        views.append((view, question_choices))
    return views


def _review_item(
    view: QuestionView,
    *,
    question_choices: list[Choice],
    show_correct: bool,
    show_explanation: bool,
    graded: bool,
) -> ReviewItem:
    question, response = view.question, view.response
    choices = [
        ChoiceReview(
            choice=choice,
            is_selected=choice.pk in view.selected_ids,
            is_correct=choice.is_correct if show_correct else None,
            feedback=choice.feedback if show_explanation and choice.pk in view.selected_ids else "",
        )
        for choice in view.choices
    ]
    your_answer = ""
    correct_answers: list[str] = []
    if question.kind == Question.Kind.TRUE_FALSE:
        your_answer = _boolean_label(response.boolean_answer)
        correct_answers = [_boolean_label(question.correct_boolean)]
    elif question.kind == Question.Kind.NUMERIC:
        your_answer = "" if response.numeric_answer is None else f"{response.numeric_answer.normalize():f}"
        expected = f"{question.numeric_answer.normalize():f}" if question.numeric_answer is not None else ""
        if question.numeric_tolerance:
            expected = f"{expected} ± {question.numeric_tolerance.normalize():f}"
        correct_answers = [expected]
    elif question.kind in grading.TEXT_KINDS:
        your_answer = response.text_answer
        if question.kind == Question.Kind.SHORT_TEXT:
            correct_answers = [choice.text for choice in question_choices if choice.is_correct]
    awaits_manual = question.kind in grading.MANUAL_KINDS and response.points is None
    return ReviewItem(
        view=view,
        show_correct=show_correct,
        show_explanation=show_explanation,
        choices=choices,
        your_answer=your_answer,
        correct_answers=correct_answers if show_correct else [],
        reference_html=question.answer_html if show_correct and question.kind in grading.MANUAL_KINDS else "",
        explanation_html=question.explanation_html if show_explanation else "",
        points=response.points if show_correct and graded else None,
        is_correct=response.is_correct if show_correct and graded else None,
        awaits_manual=awaits_manual,
    )


def attempt_result(
    *, attempt: Attempt, with_review: bool = True, now: datetime | None = None
) -> AttemptResultView:
    """The result page of an attempt loaded by ``attempt_get_for_viewer``: status, score and
    (``with_review``) the review items the review policy allows now; nothing of the review while
    the attempt is in progress. The course's staff see everything."""
    now = now or timezone.now()
    quiz = attempt.quiz
    is_owner = getattr(attempt, "viewer_is_owner", True)
    finished = attempt.status in FINISHED_STATUSES
    if is_owner:
        show_correct = review_allows(timing=quiz.review_show_correct, quiz=quiz, attempt=attempt, now=now)
        show_explanation = review_allows(
            timing=quiz.review_show_explanation, quiz=quiz, attempt=attempt, now=now
        )
    else:
        show_correct = show_explanation = finished
    graded = attempt.status in (Attempt.Status.GRADED, Attempt.Status.AWAITING_MANUAL)
    review = []
    if finished and with_review:
        review = [
            _review_item(
                view,
                question_choices=question_choices,
                show_correct=show_correct,
                show_explanation=show_explanation,
                graded=graded,
            )
            for view, question_choices in _review_views(attempt=attempt)
        ]
    return AttemptResultView(
        attempt=attempt,
        is_owner=is_owner,
        is_pending=attempt.status in PENDING_STATUSES,
        is_graded=attempt.status == Attempt.Status.GRADED,
        is_awaiting_manual=attempt.status == Attempt.Status.AWAITING_MANUAL,
        is_in_progress=attempt.status == Attempt.Status.IN_PROGRESS,
        percent=attempt_percent(attempt),
        show_correct=show_correct,
        show_explanation=show_explanation,
        review=review,
    )


def attempt_ids_expired(*, now: datetime) -> list[int]:
    """In-progress attempts past their deadline or their quiz's close (and the grace)."""
    cutoff = now - DEADLINE_GRACE
    return list(
        Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS)
        .filter(Q(deadline_at__lt=cutoff) | Q(quiz__closes_at__lt=cutoff))
        .values_list("pk", flat=True)
    )


def attempt_ids_stuck_in_grading(*, submitted_before: datetime) -> list[int]:
    """Attempts queued or being graded since before ``submitted_before``: their grading task was
    lost (e.g. the broker was down when they were submitted)."""
    return list(
        Attempt.objects.filter(status__in=PENDING_STATUSES, submitted_at__lt=submitted_before).values_list(
            "pk", flat=True
        )
    )
