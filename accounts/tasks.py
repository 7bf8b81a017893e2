"""Celery tasks of accounts: thin wrappers around accounts.notifications."""

from celery import shared_task
from django.db import OperationalError

from accounts.models import Notification, User

# smtplib.SMTPException and connection errors are OSErrors: a mail server that is down or
# refuses for a while is retried with backoff.
_RETRY = {"autoretry_for": (OSError, OperationalError), "retry_backoff": True, "max_retries": 5}


@shared_task(**_RETRY)
def notification_email_task(notification_id: int) -> None:
    from accounts.notifications import notification_email_send

    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:  # deleted, or sent already
        return
    notification_email_send(notification=notification)  # idempotent: claims before sending


@shared_task(**_RETRY)
def notification_email_unstored_task(
    *, user_id: int, kind: str, title: str, body: str, url: str, delivery_key: str
) -> None:
    from accounts.notifications import notification_email_send_unstored

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    notification_email_send_unstored(
        user=user, kind=kind, title=title, body=body, url=url, delivery_key=delivery_key
    )  # idempotent per delivery_key
