"""The e-mail task through a real broker (Redis) and a real Celery worker."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from accounts.models import Notification
from accounts.notifications import notification_send
from config.celery_app import app
from tests.accounts.factories import UserFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)"),
]


@pytest.fixture
def redis_worker():
    previous = app.conf.broker_url
    app.conf.broker_url = os.environ["REDIS_URL"]
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.broker_url = previous


@pytest.mark.django_db(transaction=True)
def test_a_committed_notification_is_emailed_once_by_the_worker(redis_worker):
    # given
    user = UserFactory(email="alice@example.com")

    # when: the send commits, its on-commit hook queues the task on Redis, the worker runs it
    notification = notification_send(user=user, kind=Notification.Kind.ATTEMPT_GRADED, title="Quiz graded")
    deadline = time.monotonic() + 15
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)

    # then
    assert [message.subject for message in mail.outbox] == ["[Kafedra] Quiz graded"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
