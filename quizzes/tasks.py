"""Celery entry points for quizzes: thin wrappers around services, idempotent, ids only."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def attempt_grade_task(attempt_id: int) -> None:
    """Grade a submitted attempt. Running it twice, concurrently or after a killed worker,
    grades the attempt once (see ``services.attempt_grade``); a deleted attempt is skipped."""
    from quizzes.services import attempt_grade

    attempt_grade(attempt_id=attempt_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def attempts_close_expired_task() -> int:
    """Periodic (every minute): submit attempts left in progress past their deadline."""
    from quizzes.services import attempts_close_expired

    return attempts_close_expired()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def attempts_requeue_stuck_grading_task() -> int:
    """Periodic (every 5 minutes): queue grading again for attempts whose task was lost."""
    from quizzes.services import attempts_requeue_stuck_grading

    return attempts_requeue_stuck_grading()
