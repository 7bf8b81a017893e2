"""Celery entry points for the feedback loop: thin wrappers around services, ids only, each
idempotent (running one twice gives the same result as once)."""

from celery import shared_task
from django.db import OperationalError

_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**_RETRY)
def feedback_sla_check_task() -> dict[str, int]:
    """Periodic (every 15 minutes): remind owners of items due soon, escalate overdue ones;
    each reminder and escalation once per item (see ``reviews.sla``)."""
    from reviews.sla import feedback_sla_check

    result = feedback_sla_check()
    return {"reminded": result.reminded, "escalated": result.escalated}


@shared_task(**_RETRY)
def feedback_weekly_digest_task() -> int:
    """Periodic (Mondays 08:00 site time): the weekly digest, once per ISO week per user."""
    from reviews.digest import feedback_weekly_digest_send

    return feedback_weekly_digest_send()


@shared_task(**_RETRY)
def board_entry_notify_task(entry_id: int) -> int:
    """Notify a published board entry's students, each once (dedupe key per entry and user)."""
    from reviews.board_models import BoardEntry
    from reviews.services import board_entry_notify

    entry = BoardEntry.objects.select_related("course").filter(pk=entry_id).first()
    if entry is None:  # deleted since it was queued
        return 0
    return board_entry_notify(entry=entry)
