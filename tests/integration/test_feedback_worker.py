"""The feedback loop through a real Celery worker on Redis and PostgreSQL: a reply reaches the
student (in-app at once, e-mailed by the worker); the SLA beat task run twice by the worker
reminds and escalates once; a published board entry notifies the students from the worker.

Skipped, with the reason, without REDIS_URL and a PostgreSQL DATABASE_URL (tests/integration/
conftest.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from reviews import services
from reviews.board_models import FeedbackSlaNotice
from reviews.models import FeedbackResponse
from reviews.tasks import feedback_sla_check_task
from tests.integration.conftest import wait_for
from tests.reviews.feedback_builders import classroom, inbox_item

pytestmark = pytest.mark.integration

SLA_TASK_DONE = "reviews.tasks.feedback_sla_check_task["


def _succeeded(worker, task_prefix: str) -> int:
    return sum(1 for line in worker.output().splitlines() if task_prefix in line and "succeeded" in line)


def test_a_reply_is_delivered_to_the_student_by_the_worker(celery_worker):
    # given
    celery_worker.start()
    room = classroom()
    student = room.students[0]
    item = inbox_item(student, room.lesson, comment="Too fast", is_anonymous=True)

    # when: replying commits, and the commit queues the e-mail on Redis
    services.feedback_respond(response=item, user=room.instructor, reply_md="We will slow down.")

    # then
    notification = Notification.objects.get(user=student, kind=Notification.Kind.FEEDBACK_REPLY)
    wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists(),
        timeout=20,
        what="the worker to e-mail the reply notification",
    )
    assert Notification.objects.filter(kind=Notification.Kind.FEEDBACK_REPLY).count() == 1


def test_two_beat_ticks_through_the_worker_remind_and_escalate_once(celery_worker):
    # given: two items sent 47 and 49 hours ago with a 48-hour SLA: one due within the hour
    # (its reminder window), one an hour overdue
    worker = celery_worker.start()
    room = classroom(students=2, sla_hours=48)
    due_soon, overdue = (inbox_item(student, room.lesson) for student in room.students)
    now = timezone.now()
    for item, age in ((due_soon, 47), (overdue, 49)):
        sent = now - timedelta(hours=age)
        FeedbackResponse.objects.filter(pk=item.pk).update(created_at=sent, due_at=sent + timedelta(hours=48))

    # when: beat fires the task twice
    feedback_sla_check_task.delay()
    wait_for(lambda: _succeeded(worker, SLA_TASK_DONE) >= 1, timeout=20, what="the first SLA tick")
    feedback_sla_check_task.delay()
    wait_for(lambda: _succeeded(worker, SLA_TASK_DONE) >= 2, timeout=20, what="the second SLA tick")

    # then
    reminders = Notification.objects.filter(dedupe_key=f"feedback-sla-reminder:{due_soon.pk}")
    escalations = Notification.objects.filter(dedupe_key=f"feedback-sla-escalation:{overdue.pk}")
    assert list(reminders.values_list("user_id", flat=True)) == [room.instructor.pk]
    assert sorted(escalations.values_list("user_id", flat=True)) == sorted([room.instructor.pk, room.lead.pk])
    assert FeedbackSlaNotice.objects.count() == 2


def test_publishing_a_board_entry_notifies_students_from_the_worker(celery_worker):
    # given
    celery_worker.start()
    room = classroom(students=3)
    item = inbox_item(room.students[0], room.lesson)
    entry = services.board_entry_create(
        course=room.course,
        user=room.lead,
        title="Step-by-step demos",
        you_said="Too fast",
        we_did="Slower",
        item_ids=[item.pk],
    )

    # when
    services.board_entry_publish(entry=entry, user=room.lead)

    # then
    wait_for(
        lambda: Notification.objects.filter(kind=Notification.Kind.BOARD_ENTRY).count() == 3,
        timeout=20,
        what="the worker to notify the three students",
    )
    assert FeedbackResponse.objects.get(pk=item.pk).status == FeedbackResponse.Status.DONE
