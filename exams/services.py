"""Writes for exams.

Practical tasks: a student's submission is created here and queued; the sandbox worker runs it
(``submission_run``, the body of ``submission_run_task``) and grades it through
``exams.grading``. A task's reference solution is run against all its tests
(``task_check_reference``) and a task can be published only when it passes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import ApplicationError
from exams import grading
from exams.models import PracticalTask, Sitting, Submission, TaskFile, TestResult
from exams.sandbox import (
    Limits,
    RunReport,
    SandboxError,
    SandboxRefused,
    TestModule,
    expected_tests,
    run_tests,
)
from exams.sandbox_health import practical_run_availability
from exams.tasks import submission_run_task, task_check_reference_task

logger = logging.getLogger(__name__)

PENDING_WINDOW = timedelta(minutes=10)


# ---------------------------------------------------------------------------------------------
# Practical tasks: submissions


def _task_modules(task: PracticalTask, *, public: bool, hidden: bool) -> list[TestModule]:
    modules = []
    if public and task.public_tests.strip():
        modules.append(TestModule(visibility=TestResult.Visibility.PUBLIC, source=task.public_tests))
    if hidden and task.hidden_tests.strip():
        modules.append(TestModule(visibility=TestResult.Visibility.HIDDEN, source=task.hidden_tests))
    return modules


def _task_limits(task: PracticalTask) -> Limits:
    return Limits.from_settings(time_seconds=task.time_limit_seconds, memory_mb=task.memory_limit_mb)


@transaction.atomic
def submission_create(
    *,
    task: PracticalTask,
    user: User,
    files: Mapping[str, str],
    kind: str,
    sitting: Sitting | None = None,
) -> Submission:
    """Store the student's files and queue a sandbox run: ``check`` runs the public tests,
    ``submit`` the hidden ones (which set the score).

    ``files`` maps editable file names to their text; an editable file left out is submitted
    with its starter content. Raises ApplicationError when the kind is not check/submit, the
    task is not published, a name is not one of the task's editable files, a file is not text
    or is larger than SANDBOX_MAX_FILE_BYTES, the sitting is someone else's, or the user
    already has SANDBOX_MAX_PENDING_PER_USER runs waiting; RunsUnavailable (nothing stored)
    when the sandbox workers reported that they cannot run the task's runtime
    (``sandbox_health.practical_run_availability``: a run would only fail; when no worker has
    reported, the run is queued and waits). The run itself is queued on commit.
    """
    if kind not in (Submission.Kind.CHECK, Submission.Kind.SUBMIT):
        raise ApplicationError(_("Unknown kind of run."))
    if task.status != PracticalTask.Status.PUBLISHED:
        raise ApplicationError(_("This task is not open for submissions."))
    if sitting is not None and sitting.user_id != user.pk:
        raise ApplicationError(_("This exam sitting is not yours."))
    availability = practical_run_availability(runtime=task.runtime)
    if availability.unavailable:
        raise availability.refusal()
    editable = {f.path: f for f in TaskFile.objects.filter(task=task, kind=TaskFile.Kind.EDITABLE)}
    unknown = sorted(set(files) - set(editable))
    if unknown:
        raise ApplicationError(
            _("These files cannot be submitted: %(names)s.") % {"names": ", ".join(unknown)},
            extra={"files": unknown},
        )
    limit = settings.SANDBOX_MAX_FILE_BYTES
    for name, content in files.items():
        if not isinstance(content, str):
            raise ApplicationError(_("%(name)s: a file must be text.") % {"name": name})
        if len(content.encode("utf-8", "surrogatepass")) > limit:
            raise ApplicationError(
                _("%(name)s is larger than %(limit)s bytes.") % {"name": name, "limit": limit}
            )
    pending = Submission.objects.filter(
        user=user,
        status__in=(Submission.Status.QUEUED, Submission.Status.RUNNING),
        created_at__gte=timezone.now() - PENDING_WINDOW,
    ).count()
    if pending >= settings.SANDBOX_MAX_PENDING_PER_USER:
        raise ApplicationError(_("Your earlier runs are still in the queue. Wait for their results."))

    submission = Submission(
        task=task,
        user=user,
        sitting=sitting,
        kind=kind,
        files={path: files.get(path, f.starter) for path, f in editable.items()},
        status=Submission.Status.QUEUED,
    )
    submission.full_clean()
    submission.save()
    submission_id = submission.pk
    transaction.on_commit(lambda: submission_run_task.delay(submission_id))
    return submission


def _submission_finish(*, submission: Submission, token, report: RunReport | None, error: str) -> Submission:
    with transaction.atomic():
        current = Submission.objects.select_for_update().select_related("task").get(pk=submission.pk)
        if current.status != Submission.Status.RUNNING or current.started_at != token:
            return current  # another run of this submission took over (a re-delivered task)
        fields = ["status", "finished_at", "error", "score", "updated_at"]
        current.finished_at = timezone.now()
        if report is None:
            current.status = Submission.Status.ERROR
            current.error = error
            current.score = None
        else:
            weights = current.task.test_weights or {}
            TestResult.objects.bulk_create(
                grading.results_build(submission=current, report=report, weights=weights)
            )
            current.status = Submission.Status.DONE
            current.error = ""
            current.score = (
                grading.hidden_score(tests=report.tests, weights=weights)
                if current.kind == Submission.Kind.SUBMIT
                else None
            )
        current.save(update_fields=fields)
        return current


def _submission_requeue(*, submission: Submission, token) -> Submission:
    """Put a submission this run started back in the queue (running → queued)."""
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        if current.status != Submission.Status.RUNNING or current.started_at != token:
            return current
        current.status = Submission.Status.QUEUED
        current.started_at = None
        current.save(update_fields=["status", "started_at", "updated_at"])
        return current


def submission_run(*, submission: Submission) -> Submission:
    """Run a queued submission in the sandbox and grade it: status running → done, with one
    TestResult per test and (for ``submit``) the score; or → error with the reason when the
    sandbox refuses to run (fail closed: no isolation here) or the request is invalid.

    The graded submission of an exam sitting (kind ``submit`` with a sitting) is the exception
    to "refused → error": the student's exam must not fail because a grading host has no
    sandbox, so it goes back to queued and waits (``sitting_grading.sitting_grade`` leaves the
    sitting grading, and the stuck-grading sweep queues it again until a worker can run it).

    Idempotent: a done or errored submission is returned unchanged; one left running by a
    killed worker loses its partial results and runs again; when two workers run the same
    submission at once, only the one that started last records its results. Must run in the
    sandbox worker (``submission_run_task``), never in a web process.
    """
    with transaction.atomic():
        current = Submission.objects.select_for_update().select_related("task").get(pk=submission.pk)
        if current.status in (Submission.Status.DONE, Submission.Status.ERROR):
            return current
        TestResult.objects.filter(submission=current).delete()
        token = timezone.now()
        current.status = Submission.Status.RUNNING
        current.started_at = token
        current.finished_at = None
        current.score = None
        current.error = ""
        current.save(update_fields=["status", "started_at", "finished_at", "score", "error", "updated_at"])
    task = current.task
    kind = current.kind
    modules = _task_modules(
        task,
        public=kind in (Submission.Kind.CHECK, Submission.Kind.REFERENCE),
        hidden=kind in (Submission.Kind.SUBMIT, Submission.Kind.REFERENCE),
    )
    data = {f.path: f.content for f in TaskFile.objects.filter(task=task, kind=TaskFile.Kind.DATA)}
    try:
        report = run_tests(
            runtime=task.runtime,
            files={**data, **current.files},
            modules=modules,
            limits=_task_limits(task),
        )
    except SandboxRefused as exc:
        if kind == Submission.Kind.SUBMIT and current.sitting_id is not None:
            logger.warning(
                "exam submission %s waits: the sandbox refused to run it here: %s", current.pk, exc
            )
            return _submission_requeue(submission=current, token=token)
        logger.warning("submission %s was not run: %s", current.pk, exc)
        return _submission_finish(submission=current, token=token, report=None, error=str(exc))
    except SandboxError as exc:
        logger.warning("submission %s was not run: %s", current.pk, exc)
        return _submission_finish(submission=current, token=token, report=None, error=str(exc))
    return _submission_finish(submission=current, token=token, report=report, error="")


# ---------------------------------------------------------------------------------------------
# Practical tasks: the reference check and publishing


def task_fingerprint(task: PracticalTask) -> str:
    """Everything a reference check depends on (runtime, limits, tests, weights, files), hashed:
    a check of an older version is void, and a change of it needs a new check."""
    files = list(
        TaskFile.objects.filter(task=task)
        .order_by("path")
        .values_list("path", "kind", "reference", "content")
    )
    state = [
        task.runtime,
        task.time_limit_seconds,
        task.memory_limit_mb,
        task.public_tests,
        task.hidden_tests,
        task.test_weights,
        files,
    ]
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def _weights_problems(task: PracticalTask) -> list[str]:
    hidden = set(expected_tests(task.hidden_tests))
    problems = []
    if not hidden:
        problems.append("the task has no hidden tests: nothing would set the score")
    weights = task.test_weights if isinstance(task.test_weights, dict) else {}
    for name, weight in weights.items():
        if name not in hidden:
            problems.append(f"test_weights names {name!r}, which is not a hidden test")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 <= weight <= 9999:
            problems.append(f"test_weights[{name!r}] must be a number from 0 to 9999")
    return problems


def task_check_reference(*, task: PracticalTask) -> PracticalTask:
    """Run the task's reference solution (with its data files) against all its tests, public
    and hidden, and record the outcome: ``reference_check`` becomes passed (every test passed,
    there is a hidden test and the weights name hidden tests) or failed, with a per-test log in
    ``reference_check_log``. A published task whose check fails goes back to draft. When the
    sandbox refuses to run, the check stays unchecked and the log says why. If the task was
    edited while the check ran, nothing is recorded (the edit must queue a new check). Runs in
    the sandbox worker (``task_check_reference_task``).
    """
    fingerprint = task_fingerprint(task)
    files = {}
    for f in TaskFile.objects.filter(task=task):
        files[f.path] = f.reference if f.kind == TaskFile.Kind.EDITABLE else f.content
    problems = _weights_problems(task)
    try:
        report = run_tests(
            runtime=task.runtime,
            files=files,
            modules=_task_modules(task, public=True, hidden=True),
            limits=_task_limits(task),
        )
    except SandboxError as exc:
        verdict, log = (
            PracticalTask.ReferenceCheck.UNCHECKED,
            f"The reference solution could not be run: {exc}",
        )
    else:
        failing = [t for t in report.tests if not t.passed]
        if failing:
            problems.append(f"{len(failing)} of {len(report.tests)} tests fail with the reference solution")
        if not report.tests:
            problems.append("the task has no tests")
        verdict = PracticalTask.ReferenceCheck.FAILED if problems else PracticalTask.ReferenceCheck.PASSED
        log = "\n".join([*(f"PROBLEM: {p}" for p in problems), grading.report_summary(report)])
    with transaction.atomic():
        current = PracticalTask.objects.select_for_update().get(pk=task.pk)
        if task_fingerprint(current) != fingerprint:
            return current
        current.reference_check = verdict
        current.reference_check_log = log
        fields = ["reference_check", "reference_check_log", "updated_at"]
        failed = verdict == PracticalTask.ReferenceCheck.FAILED
        if failed and current.status == PracticalTask.Status.PUBLISHED:
            # A task whose reference solution fails is never open to students, however it got
            # published (a bundle import publishes before its check has run): it would grade
            # correct solutions as wrong.
            current.status = PracticalTask.Status.DRAFT
            current.reference_check_log = f"UNPUBLISHED: the reference solution fails its tests.\n{log}"
            fields.append("status")
        # Only the fields the check owns; the rest was validated when the task was saved.
        current.save(update_fields=fields)
    return current


@transaction.atomic
def task_request_reference_check(*, task: PracticalTask) -> PracticalTask:
    """Mark the task unchecked and queue a reference check on the sandbox queue (on commit).
    Call it whenever the task's tests, files, runtime or limits change."""
    task = PracticalTask.objects.select_for_update().get(pk=task.pk)
    task.reference_check = PracticalTask.ReferenceCheck.UNCHECKED
    task.reference_check_log = ""
    task.save(update_fields=["reference_check", "reference_check_log", "updated_at"])
    task_id = task.pk
    transaction.on_commit(lambda: task_check_reference_task.delay(task_id))
    return task


@transaction.atomic
def task_publish(*, task: PracticalTask) -> PracticalTask:
    """Open the task to students. Raises ApplicationError unless its reference solution
    passed all its tests (``task_check_reference``)."""
    task = PracticalTask.objects.select_for_update().get(pk=task.pk)
    if task.reference_check != PracticalTask.ReferenceCheck.PASSED:
        raise ApplicationError(
            _("The task cannot be published: its reference solution has not passed all the tests yet.")
        )
    if task.status != PracticalTask.Status.PUBLISHED:
        task.status = PracticalTask.Status.PUBLISHED
        task.save(update_fields=["status", "updated_at"])
    return task


@transaction.atomic
def task_unpublish(*, task: PracticalTask) -> PracticalTask:
    """Close the task to students (back to draft); their submissions stay. Idempotent."""
    task = PracticalTask.objects.select_for_update().get(pk=task.pk)
    if task.status != PracticalTask.Status.DRAFT:
        task.status = PracticalTask.Status.DRAFT
        task.save(update_fields=["status", "updated_at"])
    return task
