"""Read queries for runs of practical tasks (Submission): one run's status and results as the
viewer may see them, its place in the queue, a user's history of runs, and the differences
between two runs. Used by the practice panel, the exam sitting and the API alike.

What a student may see of a run is decided here, once:

- only their own runs (the course's team and superusers read any run of their course);
- public tests in full: outcome, message (the assertion and its diff), output, time, memory;
- hidden tests: name, outcome and the message only, with any line of the hidden test source
  that appears in it masked and the message shortened (student code can read the test file
  and raise it as an exception); never their output, never the test source, never the
  reference solution.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from courses.access import CourseViewer
from courses.selectors import course_viewer
from exams.models import PracticalTask, Submission, TestResult

if TYPE_CHECKING:
    from courses.permissions import AnyUser

HISTORY_LIMIT = 50
OUTPUT_SHOWN_CHARS = 4_000
HIDDEN_MESSAGE_CHARS = 1_000
MASK = "[…]"
# Lines of a hidden test shorter than this are too common ("assert x", "def test") to mask.
MASK_MIN_LINE = 8
PENDING_STATUSES = (Submission.Status.QUEUED, Submission.Status.RUNNING)


def viewer_can_review(*, viewer: CourseViewer) -> bool:
    """Whether the viewer may read every student's runs and sittings of the course (read
    only): the course's team and superusers. Staff without a course role may not."""
    return viewer.is_team or bool(getattr(viewer.user, "is_superuser", False))


# ---------------------------------------------------------------------------------------------
# Results of a run


@dataclass
class ResultRow:
    """One test of a run, as the viewer may see it."""

    name: str
    outcome: str
    outcome_label: str
    is_hidden: bool
    message: str
    stdout: str = ""
    stderr: str = ""
    duration_ms: int | None = None
    memory_kb: int | None = None
    details_shown: bool = True  # output, time and memory (not for hidden tests, for students)

    @property
    def passed(self) -> bool:
        return self.outcome == TestResult.Outcome.PASSED

    @property
    def memory_mb(self) -> str:
        return "" if self.memory_kb is None else f"{self.memory_kb / 1024:.1f}"


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + "\n" + _("… (trimmed)")


def hidden_message(*, message: str, hidden_source: str) -> str:
    """A hidden test's failure message made safe to show: every line that contains a line of
    the hidden test source is masked, and the message is shortened."""
    secret_lines = {line.strip() for line in hidden_source.splitlines() if len(line.strip()) >= MASK_MIN_LINE}
    shown = []
    for line in message.splitlines():
        shown.append(MASK if any(secret in line for secret in secret_lines) else line)
    return _trim("\n".join(shown), HIDDEN_MESSAGE_CHARS)


def result_rows(*, results: list[TestResult], full: bool, hidden_source: str = "") -> list[ResultRow]:
    """The viewer's view of a run's results: ``full`` for the course's team (everything),
    otherwise hidden tests are reduced to name, outcome and a masked message."""
    rows = []
    for result in results:
        is_hidden = result.visibility == TestResult.Visibility.HIDDEN
        label = (
            str(TestResult.Outcome(result.outcome).label)
            if result.outcome in TestResult.Outcome.values
            else result.outcome
        )
        if is_hidden and not full:
            rows.append(
                ResultRow(
                    name=result.name,
                    outcome=result.outcome,
                    outcome_label=label,
                    is_hidden=True,
                    message=hidden_message(message=result.message, hidden_source=hidden_source),
                    details_shown=False,
                )
            )
            continue
        rows.append(
            ResultRow(
                name=result.name,
                outcome=result.outcome,
                outcome_label=label,
                is_hidden=is_hidden,
                message=result.message,
                stdout=_trim(result.stdout, OUTPUT_SHOWN_CHARS),
                stderr=_trim(result.stderr, OUTPUT_SHOWN_CHARS),
                duration_ms=result.duration_ms,
                memory_kb=result.memory_kb,
            )
        )
    return rows


@dataclass
class RunView:
    """A run with what the viewer may see of it: status, place in the queue, score, results."""

    submission: Submission
    rows: list[ResultRow]
    queue_position: int | None  # 1 = next to run; None unless queued
    passed_count: int
    total_count: int
    show_error: bool = False  # why the sandbox could not run it: for the course's team

    @property
    def is_pending(self) -> bool:
        return self.submission.status in PENDING_STATUSES

    @property
    def is_error(self) -> bool:
        return self.submission.status == Submission.Status.ERROR

    @property
    def is_done(self) -> bool:
        return self.submission.status == Submission.Status.DONE

    @property
    def state_key(self) -> str:
        """Changes whenever what the status fragment shows changes (204 while it does not)."""
        return _state_key(self.submission.status, self.queue_position)


def _state_key(status: str, queue_position: int | None) -> str:
    return f"{status}-{queue_position or 0}"


def run_state_key(*, submission: Submission) -> str:
    """``RunView.state_key`` without loading the results: one query at most."""
    return _state_key(submission.status, submission_queue_position(submission=submission))


def submission_queue_position(*, submission: Submission) -> int | None:
    """Where a queued run stands in the line of queued runs (1 = next); None when not queued."""
    if submission.status != Submission.Status.QUEUED:
        return None
    ahead = Submission.objects.filter(
        status=Submission.Status.QUEUED, created_at__lt=submission.created_at
    ).count()
    return ahead + 1


def run_view(*, submission: Submission, full: bool, hidden_source: str | None = None) -> RunView:
    """The run's status and its results as the viewer may see them (``full``: the course's
    team). Two queries at most: the results and, for a queued run, its place in the line.
    ``hidden_source`` (for masking) is read from the task when not given."""
    results = list(TestResult.objects.filter(submission=submission).order_by("id"))
    if (
        hidden_source is None
        and not full
        and any(r.visibility == TestResult.Visibility.HIDDEN for r in results)
    ):
        hidden_source = PracticalTask.objects.values_list("hidden_tests", flat=True).get(
            pk=submission.task_id
        )
    rows = result_rows(results=results, full=full, hidden_source=hidden_source or "")
    return RunView(
        submission=submission,
        rows=rows,
        queue_position=submission_queue_position(submission=submission),
        passed_count=sum(1 for row in rows if row.passed),
        total_count=len(rows),
        show_error=full,
    )


@dataclass
class SubmissionAccess:
    submission: Submission
    viewer: CourseViewer
    is_owner: bool

    @property
    def full(self) -> bool:
        """The course's team sees hidden tests' details; the owner does not."""
        return not self.is_owner


def submission_get_for_viewer(*, user: AnyUser, submission_id: int) -> SubmissionAccess:
    """A run the user may see: their own, or any run of a course they teach (read only).
    Submission.DoesNotExist for everybody else (404), and for reference checks."""
    submission = (
        Submission.objects.select_related("task__course", "task__lesson", "sitting")
        .defer("task__hidden_tests", "task__statement_md", "task__reference_check_log")
        .exclude(kind=Submission.Kind.REFERENCE)
        .get(pk=submission_id)
    )
    is_owner = user.is_authenticated and submission.user_id == user.pk
    viewer = course_viewer(user=user, course=submission.task.course)
    if not (is_owner or viewer_can_review(viewer=viewer)):
        raise Submission.DoesNotExist
    return SubmissionAccess(submission=submission, viewer=viewer, is_owner=is_owner)


# ---------------------------------------------------------------------------------------------
# History


@dataclass
class HistoryRow:
    submission: Submission
    passed_count: int
    total_count: int
    previous_id: int | None  # the run before it (for "changes since")

    @property
    def is_pending(self) -> bool:
        return self.submission.status in PENDING_STATUSES

    @property
    def is_error(self) -> bool:
        return self.submission.status == Submission.Status.ERROR


def _history_rows(submissions: list[Submission]) -> list[HistoryRow]:
    """Newest first, with test counts (one grouped query) and the previous run of the same task."""
    counts = {
        row["submission_id"]: (row["passed"], row["total"])
        for row in TestResult.objects.filter(submission_id__in=[s.pk for s in submissions])
        .values("submission_id")
        .annotate(total=Count("id"), passed=Count("id", filter=Q(outcome=TestResult.Outcome.PASSED)))
        .order_by()
    }
    rows = []
    for index, submission in enumerate(submissions):
        following = submissions[index + 1] if index + 1 < len(submissions) else None
        previous_id = (
            following.pk if following is not None and following.task_id == submission.task_id else None
        )
        passed, total = counts.get(submission.pk, (0, 0))
        rows.append(
            HistoryRow(submission=submission, passed_count=passed, total_count=total, previous_id=previous_id)
        )
    return rows


def submission_history(
    *, user: AnyUser, task_ids: list[int], sitting_id: int | None = None, limit: int = HISTORY_LIMIT
) -> dict[int, list[HistoryRow]]:
    """The user's latest ``limit`` runs of each task (practice runs, or a sitting's runs with
    ``sitting_id``), newest first, without their files. Two queries whatever the number of
    tasks and runs."""
    if not task_ids or not user.is_authenticated:
        return {task_id: [] for task_id in task_ids}
    runs = Submission.objects.filter(user=user, task_id__in=task_ids).exclude(kind=Submission.Kind.REFERENCE)
    runs = runs.filter(sitting_id=sitting_id) if sitting_id is not None else runs.filter(sitting__isnull=True)
    runs = (
        runs.defer("files")
        .annotate(
            row=Window(
                RowNumber(), partition_by=[F("task_id")], order_by=[F("created_at").desc(), F("id").desc()]
            )
        )
        .filter(row__lte=limit)
        .order_by("task_id", "-created_at", "-id")
    )
    by_task: dict[int, list[Submission]] = {task_id: [] for task_id in task_ids}
    for submission in runs:
        by_task[submission.task_id].append(submission)
    every = [submission for submissions in by_task.values() for submission in submissions]
    rows = {row.submission.pk: row for row in _history_rows(every)}
    return {task_id: [rows[s.pk] for s in submissions] for task_id, submissions in by_task.items()}


# ---------------------------------------------------------------------------------------------
# Differences between two runs


@dataclass
class DiffLine:
    kind: str  # "add", "del", "hunk", "meta" or "same"
    text: str


@dataclass
class FileDiff:
    path: str
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return bool(self.lines)


def _line_kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "meta"
    if line.startswith("@@"):
        return "hunk"
    if line.startswith("+"):
        return "add"
    if line.startswith("-"):
        return "del"
    return "same"


def submission_diff(*, older: Submission, newer: Submission) -> list[FileDiff]:
    """A unified diff per file between two runs (files only in one of them included). The
    text is plain: templates escape it."""
    diffs = []
    for path in sorted(set(older.files) | set(newer.files)):
        before = str(older.files.get(path, ""))
        after = str(newer.files.get(path, ""))
        lines = difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            fromfile=f"{path} (#{older.pk})",
            tofile=f"{path} (#{newer.pk})",
            lineterm="",
        )
        diffs.append(
            FileDiff(path=path, lines=[DiffLine(kind=_line_kind(line), text=line) for line in lines])
        )
    return diffs


def submission_previous(*, submission: Submission) -> Submission | None:
    """The same user's run of the same task (and sitting) just before this one."""
    return (
        Submission.objects.filter(
            user_id=submission.user_id,
            task_id=submission.task_id,
            sitting_id=submission.sitting_id,
            created_at__lte=submission.created_at,
        )
        .exclude(kind=Submission.Kind.REFERENCE)
        .exclude(pk=submission.pk)
        .filter(Q(created_at__lt=submission.created_at) | Q(pk__lt=submission.pk))
        .order_by("-created_at", "-id")
        .first()
    )
