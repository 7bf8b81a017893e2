"""Read queries for exams with tickets: the exam page, a sitting (for its student, or read only
for the course's team) and the score of a sitting's parts; each with a fixed number of queries.

Reference answers (``Question.answer_html``) and the reference analysis of cases are shown to
the student only once the sitting is GRADED (the final grade is published); the course's team
sees them always. Hidden tests and the reference solution of the practical task are never
shown to students (see ``exams.practice_selectors``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.access import CourseViewer
from courses.models import Course, Enrollment
from courses.selectors import course_viewer
from exams.models import (
    CaseProblem,
    CaseSubmission,
    Exam,
    PracticalTask,
    Sitting,
    SittingAnswer,
    Submission,
    TaskFile,
    TestResult,
)
from exams.practice_selectors import EditorFile, editor_mode
from exams.run_selectors import (
    HistoryRow,
    RunView,
    result_rows,
    submission_history,
    submission_queue_position,
    viewer_can_review,
)
from exams.sandbox import expected_tests
from exams.sandbox_health import RunAvailability, practical_run_availability

if TYPE_CHECKING:
    from courses.permissions import AnyUser

# What the practical task of a ticket is worth: its score (percent of hidden tests) × this / 100.
PRACTICAL_MAX_POINTS = Decimal("10")
CENTS = Decimal("0.01")
PENDING_STATUSES = (Sitting.Status.SUBMITTED, Sitting.Status.GRADING)
_PUBLIC_COURSE_STATUSES = (Course.Status.PUBLISHED, Course.Status.ARCHIVED)


# ---------------------------------------------------------------------------------------------
# Scores


@dataclass(frozen=True)
class PartScore:
    points: Decimal | None  # None: not graded yet
    max_points: Decimal


@dataclass
class ScoreParts:
    """A sitting's parts and their points: what the total is made of."""

    answers: list[PartScore]
    cases: list[PartScore]
    practical: PartScore | None  # None: the ticket has no practical task

    @property
    def every(self) -> list[PartScore]:
        return [*self.answers, *self.cases, *([self.practical] if self.practical else [])]

    @property
    def score(self) -> Decimal:
        """Points of the graded parts (parts not graded yet count 0)."""
        return sum((part.points for part in self.every if part.points is not None), Decimal("0"))

    @property
    def max_score(self) -> Decimal:
        return sum((part.max_points for part in self.every), Decimal("0"))

    @property
    def is_complete(self) -> bool:
        """Every part has its points."""
        return all(part.points is not None for part in self.every)


def practical_points(submission: Submission | None) -> Decimal | None:
    """The practical task's points from its final run: percent of PRACTICAL_MAX_POINTS; None
    when it has not run, could not run, or has no hidden test to score it."""
    if submission is None or submission.status != Submission.Status.DONE or submission.score is None:
        return None
    return (submission.score * PRACTICAL_MAX_POINTS / Decimal("100")).quantize(CENTS, rounding=ROUND_HALF_UP)


def score_parts_from(
    *, answers: list[SittingAnswer], cases: list[CaseSubmission], final: Submission | None, has_task: bool
) -> ScoreParts:
    return ScoreParts(
        answers=[PartScore(points=answer.points, max_points=answer.max_points) for answer in answers],
        cases=[PartScore(points=case.score, max_points=case.max_score) for case in cases],
        practical=PartScore(points=practical_points(final), max_points=PRACTICAL_MAX_POINTS)
        if has_task
        else None,
    )


def final_submission(*, sitting: Sitting) -> Submission | None:
    """The sitting's practical submission that is graded: its last ``submit`` run."""
    return (
        Submission.objects.filter(sitting=sitting, kind=Submission.Kind.SUBMIT)
        .defer("files")
        .order_by("-created_at", "-id")
        .first()
    )


def score_parts(*, sitting: Sitting) -> ScoreParts:
    """The parts of a sitting (its ticket loaded) with their points. Three queries."""
    return score_parts_from(
        answers=list(SittingAnswer.objects.filter(sitting=sitting).only("points", "max_points")),
        cases=list(CaseSubmission.objects.filter(sitting=sitting).only("score", "max_score")),
        final=final_submission(sitting=sitting),
        has_task=sitting.ticket.task_id is not None,
    )


# ---------------------------------------------------------------------------------------------
# Sweeps


def sitting_ids_expired(*, now: datetime) -> list[int]:
    """Sittings in progress past their deadline."""
    return list(
        Sitting.objects.filter(status=Sitting.Status.IN_PROGRESS, deadline_at__lte=now)
        .order_by("deadline_at")
        .values_list("pk", flat=True)
    )


def sitting_ids_stuck_in_grading(*, submitted_before: datetime) -> list[int]:
    return list(
        Sitting.objects.filter(status__in=PENDING_STATUSES, submitted_at__lt=submitted_before)
        .order_by("submitted_at")
        .values_list("pk", flat=True)
    )


# ---------------------------------------------------------------------------------------------
# The exam page


@dataclass
class ExamAccess:
    exam: Exam
    viewer: CourseViewer
    sitting: Sitting | None  # the viewer's own
    draw_refusal: str | None  # why the viewer may not start a sitting now, None when they may
    ticket_count: int

    @property
    def can_draw(self) -> bool:
        return self.sitting is None and self.draw_refusal is None

    @property
    def sitting_in_progress(self) -> bool:
        return self.sitting is not None and self.sitting.status == Sitting.Status.IN_PROGRESS

    @property
    def is_unpublished(self) -> bool:
        return self.exam.status != Exam.Status.PUBLISHED

    @property
    def can_review(self) -> bool:
        return viewer_can_review(viewer=self.viewer)


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def exam_window_refusal(*, exam: Exam, now: datetime) -> str | None:
    """Why a sitting of ``exam`` (its course loaded) cannot be started at ``now``, or None."""
    if exam.status != Exam.Status.PUBLISHED or exam.course.status != Course.Status.PUBLISHED:
        return _("This exam is not open.")
    if exam.opens_at is not None and now < exam.opens_at:
        return _("The exam opens on %(when)s.") % {"when": _when(exam.opens_at)}
    if exam.closes_at is not None and now >= exam.closes_at:
        return _("The exam closed on %(when)s.") % {"when": _when(exam.closes_at)}
    return None


def _draw_refusal(*, exam: Exam, viewer: CourseViewer, ticket_count: int, now: datetime) -> str | None:
    if viewer.enrollment is None or viewer.enrollment.status != Enrollment.Status.ACTIVE:
        if viewer.is_reviewer:
            return _("You are viewing this exam as the course's team or staff.")
        return _("Only students enrolled in the course can sit its exams.")
    refusal = exam_window_refusal(exam=exam, now=now)
    if refusal is not None:
        return refusal
    if not ticket_count:
        return _("This exam has no tickets yet.")
    return None


def exam_get_for_viewer(*, user: AnyUser, exam_id: int, now: datetime | None = None) -> ExamAccess:
    """The exam, the viewer's sitting of it and whether they may start one. Exams that are not
    published, or of a course that is not public, exist only for the team and staff:
    Exam.DoesNotExist for everybody else (404). Four queries."""
    now = now or timezone.now()
    exam = Exam.objects.select_related("course").get(pk=exam_id)
    viewer = course_viewer(user=user, course=exam.course)
    visible = exam.status == Exam.Status.PUBLISHED and exam.course.status in _PUBLIC_COURSE_STATUSES
    if not (visible or viewer.is_reviewer):
        raise Exam.DoesNotExist
    sitting = (
        Sitting.objects.filter(exam=exam, user=user).select_related("ticket").first()
        if user.is_authenticated
        else None
    )
    ticket_count = exam.tickets.count()
    return ExamAccess(
        exam=exam,
        viewer=viewer,
        sitting=sitting,
        draw_refusal=_draw_refusal(exam=exam, viewer=viewer, ticket_count=ticket_count, now=now),
        ticket_count=ticket_count,
    )


# ---------------------------------------------------------------------------------------------
# A sitting


@dataclass
class SittingAccess:
    sitting: Sitting
    viewer: CourseViewer
    is_owner: bool

    @property
    def show_reference(self) -> bool:
        """Reference answers: for the team always, for the student once the grade is final."""
        return not self.is_owner or self.sitting.status == Sitting.Status.GRADED


def sitting_get_for_viewer(*, user: AnyUser, sitting_id: int) -> SittingAccess:
    """A sitting the user may see: their own, or any sitting of a course they teach (read only).
    Sitting.DoesNotExist for everybody else (404). Three queries."""
    sitting = (
        Sitting.objects.select_related("exam__course", "ticket__task", "user")
        .defer(
            "ticket__task__hidden_tests", "ticket__task__statement_md", "ticket__task__reference_check_log"
        )
        .get(pk=sitting_id)
    )
    is_owner = user.is_authenticated and sitting.user_id == user.pk
    viewer = course_viewer(user=user, course=sitting.exam.course)
    if not (is_owner or viewer_can_review(viewer=viewer)):
        raise Sitting.DoesNotExist
    return SittingAccess(sitting=sitting, viewer=viewer, is_owner=is_owner)


@dataclass
class TheoryItem:
    number: int
    answer: SittingAnswer  # with its question

    @property
    def question_id(self) -> int:
        return self.answer.question_id


@dataclass
class CaseItem:
    analysis: CaseSubmission  # with its case
    problems: list[CaseProblem]  # the reference analysis: empty unless shown


@dataclass
class PracticalPart:
    task: PracticalTask
    files: list[EditorFile]
    data_files: list[str]
    public_tests: list[str]
    history: list[HistoryRow]
    latest: RunView | None  # the last run (a check while in progress)
    final: RunView | None  # the graded run, once submitted
    saved_at: datetime | None  # when the code in ``files`` was saved (None: the starter code)
    sandbox: RunAvailability | None = None  # can the sandbox workers run the task's runtime now

    @property
    def runs_unavailable(self) -> bool:
        """The sandbox workers cannot run the task now: "Run checks" is off (the theory, the
        code's autosave and the submit are not), and the graded run waits for a worker."""
        return self.sandbox is not None and self.sandbox.unavailable


@dataclass
class SittingPage:
    access: SittingAccess
    theory: list[TheoryItem]
    cases: list[CaseItem]
    practical: PracticalPart | None
    parts: ScoreParts
    seconds_left: int | None  # while in progress

    @property
    def sitting(self) -> Sitting:
        return self.access.sitting

    @property
    def can_write(self) -> bool:
        return (
            self.access.is_owner
            and self.sitting.status == Sitting.Status.IN_PROGRESS
            and bool(self.seconds_left)
        )

    @property
    def is_pending(self) -> bool:
        return self.sitting.status in PENDING_STATUSES

    @property
    def is_graded(self) -> bool:
        return self.sitting.status == Sitting.Status.GRADED

    @property
    def is_awaiting_manual(self) -> bool:
        return self.sitting.status == Sitting.Status.AWAITING_MANUAL


def _run_view(
    submission: Submission | None, results: dict[int, list[TestResult]], *, full: bool, hidden: str
) -> RunView | None:
    if submission is None:
        return None
    rows = result_rows(results=results.get(submission.pk, []), full=full, hidden_source=hidden)
    return RunView(
        submission=submission,
        rows=rows,
        queue_position=submission_queue_position(submission=submission),
        passed_count=sum(1 for row in rows if row.passed),
        total_count=len(rows),
        show_error=full,
    )


def _practical_part(*, access: SittingAccess, full: bool) -> PracticalPart | None:
    sitting = access.sitting
    task = sitting.ticket.task
    if task is None:
        return None
    files = list(
        TaskFile.objects.filter(task=task)
        .only("id", "task_id", "path", "kind", "starter", "position")
        .order_by("kind", "position", "id")
    )
    history = submission_history(user=sitting.user, task_ids=[task.pk], sitting_id=sitting.pk)[task.pk]
    run_ids = [row.submission.pk for row in history[:1]]
    final_row = next((row for row in history if row.submission.kind == Submission.Kind.SUBMIT), None)
    if final_row is not None:
        run_ids.append(final_row.submission.pk)
    runs = {submission.pk: submission for submission in Submission.objects.filter(pk__in=run_ids)}
    results: dict[int, list[TestResult]] = {}
    for result in TestResult.objects.filter(submission_id__in=run_ids).order_by("id"):
        results.setdefault(result.submission_id, []).append(result)
    hidden = ""
    if final_row is not None and not full:
        hidden = PracticalTask.objects.values_list("hidden_tests", flat=True).get(pk=task.pk)
    latest = runs.get(history[0].submission.pk) if history else None
    final = runs.get(final_row.submission.pk) if final_row is not None else None
    # The code saved on the sitting (autosave, runs, submit); a sitting from before code was
    # saved on it shows the code of its last run.
    saved_files = sitting.code or (latest.files if latest is not None else {})
    saved_at = sitting.code_saved_at or (latest.created_at if latest is not None else None)
    editable, data = [], []
    for task_file in files:
        if task_file.kind == TaskFile.Kind.EDITABLE:
            content = saved_files.get(task_file.path, task_file.starter)
            editable.append(
                EditorFile(path=task_file.path, content=str(content), mode=editor_mode(task_file.path))
            )
        else:
            data.append(task_file.path)
    return PracticalPart(
        task=task,
        files=editable,
        data_files=data,
        public_tests=expected_tests(task.public_tests),
        history=history,
        latest=_run_view(latest, results, full=full, hidden=hidden)
        if latest is not None and latest is not final
        else None,
        final=_run_view(final, results, full=full, hidden=hidden),
        saved_at=saved_at,
        sandbox=practical_run_availability(runtime=task.runtime),
    )


def sitting_page(*, access: SittingAccess, now: datetime | None = None) -> SittingPage:
    """Everything the sitting page shows: theory questions with the saved answers (and the
    reference answers when shown), the cases with the analyses, the practical task with the
    code saved last, the last run and the graded run, the score by part. A fixed number of
    queries whatever the number of runs."""
    now = now or timezone.now()
    sitting = access.sitting
    full = not access.is_owner
    answers = SittingAnswer.objects.filter(sitting=sitting).select_related("question").order_by("id")
    if not access.show_reference:
        answers = answers.defer(
            "question__answer_md",
            "question__answer_html",
            "question__explanation_md",
            "question__explanation_html",
        )
    theory = [TheoryItem(number=index, answer=answer) for index, answer in enumerate(answers, start=1)]
    analyses = list(CaseSubmission.objects.filter(sitting=sitting).select_related("case").order_by("id"))
    problems: dict[int, list[CaseProblem]] = {}
    if access.show_reference and analyses:
        for problem in CaseProblem.objects.filter(case_id__in=[a.case_id for a in analyses]).order_by(
            "position", "id"
        ):
            problems.setdefault(problem.case_id, []).append(problem)
    cases = [
        CaseItem(analysis=analysis, problems=problems.get(analysis.case_id, [])) for analysis in analyses
    ]
    practical = _practical_part(access=access, full=full)
    final = practical.final.submission if practical is not None and practical.final is not None else None
    parts = score_parts_from(
        answers=[item.answer for item in theory],
        cases=analyses,
        final=final,
        has_task=practical is not None,
    )
    seconds_left = None
    if sitting.status == Sitting.Status.IN_PROGRESS:
        seconds_left = max(0, int((sitting.deadline_at - now).total_seconds()))
    return SittingPage(
        access=access,
        theory=theory,
        cases=cases,
        practical=practical,
        parts=parts,
        seconds_left=seconds_left,
    )


def sitting_list_for_exam(*, exam: Exam) -> list[Sitting]:
    """Every sitting of an exam with its student and ticket, for the course's team."""
    return list(
        Sitting.objects.filter(exam=exam)
        .select_related("user", "ticket")
        .defer("code")  # the list shows no code
        .order_by("user__username")
    )
