"""Celery entry points for exams: thin wrappers around services, ids only, idempotent.

Every task here is routed to the ``sandbox`` queue (CELERY_TASK_ROUTES), which only the
grading workers consume: untrusted code never runs in a web process. ``acks_late`` with
``reject_on_worker_lost``: a worker killed in the middle of a run (say, by the kernel's OOM
killer) gives the message back, and the service starts the run over.
"""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def submission_run_task(submission_id: int) -> None:
    """Run a submission's tests in the sandbox and grade it (``services.submission_run``);
    a deleted submission is skipped, a finished one left as it is."""
    from exams.models import Submission
    from exams.services import submission_run

    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:  # deleted since it was queued
        return
    submission_run(submission=submission)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def task_check_reference_task(task_id: int) -> None:
    """Run a practical task's reference solution against all its tests
    (``services.task_check_reference``); a deleted task is skipped."""
    from exams.models import PracticalTask
    from exams.services import task_check_reference

    task = PracticalTask.objects.filter(pk=task_id).first()
    if task is None:
        return
    task_check_reference(task=task)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def sitting_grade_task(sitting_id: int) -> None:
    """Grade the automatic part of a submitted exam sitting: its practical submission runs in
    the sandbox here (``sitting_grading.sitting_grade``). Running it twice, or again after a
    killed worker, grades the sitting once; a deleted sitting is skipped."""
    from exams.sitting_grading import sitting_grade

    sitting_grade(sitting_id=sitting_id)


# The sweeps run no code: their beat entries (config/beat_schedule.py) send them to the default
# queue, not behind long sandbox runs.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sittings_close_expired_task() -> int:
    """Periodic (every minute): submit exam sittings left in progress past their deadline."""
    from exams.sitting_services import sittings_close_expired

    return sittings_close_expired()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sittings_requeue_stuck_grading_task() -> int:
    """Periodic (every 5 minutes): queue grading again for sittings whose task was lost."""
    from exams.sitting_grading import sittings_requeue_stuck_grading

    return sittings_requeue_stuck_grading()
