"""The feedback SLA: due times are absolute instants whatever the time zones; owners are reminded
once as the due time nears, overdue items escalated once to the owner, the leads and staff —
however many beat ticks run."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import formats, timezone, translation

from accounts.models import Notification
from reviews import services
from reviews.board_models import FeedbackSlaNotice
from reviews.models import FeedbackResponse
from reviews.sla import feedback_sla_check, reminder_due, reminder_lead
from reviews.tasks import feedback_sla_check_task
from tests.accounts.factories import StaffUserFactory, UserFactory
from tests.reviews.feedback_builders import classroom, english, inbox_item  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
UTC = zoneinfo.ZoneInfo("UTC")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _overdue(user):
    return Notification.objects.filter(user=user, kind=Notification.Kind.FEEDBACK_OVERDUE)


# ---- due times


@pytest.mark.parametrize("site_zone", ["Europe/Moscow", "America/Los_Angeles", "UTC"])
@pytest.mark.parametrize("user_zone", ["Asia/Tokyo", "Europe/London", None])
def test_due_at_is_created_plus_the_sla_whatever_the_time_zones(site_zone, user_zone):
    # given
    room = classroom(sla_hours=48)

    # when
    with override_settings(TIME_ZONE=site_zone), timezone.override(user_zone or site_zone):
        response = inbox_item(room.students[0], room.lesson)

    # then: from the moment the student sent it
    response.refresh_from_db()
    assert response.due_at - response.feedback.created_at == timedelta(hours=48)


def test_due_at_across_a_daylight_saving_change_is_24_real_hours(monkeypatch):
    # given: a 24-hour SLA, feedback at noon in Berlin the day before clocks go forward
    room = classroom(sla_hours=24)
    sent = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    _at(monkeypatch, sent.astimezone(UTC))

    # when
    response = inbox_item(room.students[0], room.lesson)

    # then: 24 elapsed hours, which Berlin's clocks show as 13:00 the next day
    response.refresh_from_db()
    assert response.due_at == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
    assert response.due_at.astimezone(BERLIN).hour == 13


@pytest.mark.parametrize(("sla_hours", "lead_hours"), [(48, 12), (8, 2), (168, 12), (1, 0.25)])
def test_the_reminder_comes_a_quarter_of_the_sla_before_but_at_most_12_hours(sla_hours, lead_hours):
    assert reminder_lead(timedelta(hours=sla_hours)) == timedelta(hours=lead_hours)


# ---- reminders


def test_owner_is_reminded_once_when_the_due_time_nears(monkeypatch):
    # given
    room = classroom(sla_hours=48)
    sent = timezone.now()
    response = inbox_item(room.students[0], room.lesson)

    # when: ticks every 15 minutes from 13 hours before the due time until just before it
    results = []
    tick = response.due_at - timedelta(hours=13)
    while tick < response.due_at:
        results.append(feedback_sla_check(now=tick))
        tick += timedelta(minutes=15)

    # then
    assert sum(result.reminded for result in results) == 1
    first = next(index for index, result in enumerate(results) if result.reminded)
    assert response.due_at - timedelta(hours=13) + first * timedelta(minutes=15) >= reminder_due(response)
    reminder = _overdue(room.instructor).get()
    assert reminder.dedupe_key == f"feedback-sla-reminder:{response.pk}"
    assert room.lesson.title in reminder.title
    assert not _overdue(room.lead).exists()
    assert sent <= response.created_at


def test_no_reminder_for_an_item_already_answered():
    room = classroom()
    response = inbox_item(room.students[0], room.lesson)
    services.feedback_respond(response=response, user=room.instructor, reply_md="Thanks")
    result = feedback_sla_check(now=response.due_at - timedelta(hours=1))
    assert result.reminded == 0
    assert not Notification.objects.filter(kind=Notification.Kind.FEEDBACK_OVERDUE).exists()


def test_no_reminder_before_the_window():
    room = classroom(sla_hours=48)
    response = inbox_item(room.students[0], room.lesson)
    assert feedback_sla_check(now=response.due_at - timedelta(hours=12, minutes=1)).reminded == 0


def test_an_item_without_an_owner_gets_no_reminder_but_is_escalated():
    room = classroom()
    response = inbox_item(room.students[0], room.lesson)
    FeedbackResponse.objects.filter(pk=response.pk).update(owner=None)
    assert feedback_sla_check(now=response.due_at - timedelta(hours=1)).reminded == 0
    assert feedback_sla_check(now=response.due_at + timedelta(minutes=1)).escalated == 1


# ---- escalations


def test_an_overdue_item_is_escalated_once_to_the_owner_the_lead_and_staff():
    # given
    room = classroom()
    other = classroom()
    staff = StaffUserFactory()
    retired_staff = StaffUserFactory(is_active=False)
    response = inbox_item(room.students[0], room.lesson)

    # when: four ticks after the due time
    results = [feedback_sla_check(now=response.due_at + timedelta(minutes=15 * n)) for n in range(1, 5)]

    # then
    assert [result.escalated for result in results] == [1, 0, 0, 0]
    for user in (room.instructor, room.lead, staff):
        notification = _overdue(user).get()
        assert notification.dedupe_key == f"feedback-sla-escalation:{response.pk}"
    assert not _overdue(other.lead).exists()
    assert not _overdue(retired_staff).exists()
    assert not _overdue(room.students[0]).exists()
    assert FeedbackSlaNotice.objects.filter(response=response).count() == 1


def test_reminder_then_escalation_each_once_across_many_ticks():
    # given
    room = classroom(sla_hours=8)
    response = inbox_item(room.students[0], room.lesson)

    # when: a tick every 15 minutes over the whole SLA and a day after
    totals = {"reminded": 0, "escalated": 0}
    tick = response.created_at
    while tick < response.due_at + timedelta(days=1):
        result = feedback_sla_check(now=tick)
        totals["reminded"] += result.reminded
        totals["escalated"] += result.escalated
        tick += timedelta(minutes=15)

    # then
    assert totals == {"reminded": 1, "escalated": 1}
    assert _overdue(room.instructor).count() == 2  # one reminder, one escalation


def test_an_item_answered_in_time_is_never_escalated():
    room = classroom()
    response = inbox_item(room.students[0], room.lesson)
    services.feedback_respond(response=response, user=room.lead, status=FeedbackResponse.Status.ACKNOWLEDGED)
    assert feedback_sla_check(now=response.due_at + timedelta(hours=5)).escalated == 0


def test_sla_notifications_never_name_the_author_of_an_anonymous_item():
    # given
    room = classroom()
    student = room.students[0]
    student.username, student.first_name = "hidden-one", "Hiddenname"
    student.save()
    StaffUserFactory()
    response = inbox_item(student, room.lesson, comment="anon", is_anonymous=True)

    # when
    feedback_sla_check(now=response.due_at - timedelta(hours=1))
    feedback_sla_check(now=response.due_at + timedelta(hours=1))

    # then
    notifications = Notification.objects.filter(kind=Notification.Kind.FEEDBACK_OVERDUE)
    assert notifications.count() >= 3
    for notification in notifications:
        text = f"{notification.title} {notification.body} {notification.url}"
        assert "hidden-one" not in text and "Hiddenname" not in text


def test_the_due_time_in_a_reminder_is_in_the_recipients_time_zone():
    # given
    room = classroom()
    room.instructor.time_zone = "Asia/Tokyo"
    room.instructor.save()
    response = inbox_item(room.students[0], room.lesson)

    # when
    feedback_sla_check(now=response.due_at - timedelta(hours=1))

    # then
    with translation.override(settings.LANGUAGE_CODE):
        expected = formats.date_format(
            response.due_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")), "DATETIME_FORMAT"
        )
    assert expected in _overdue(room.instructor).get().body


def test_the_beat_task_runs_the_check(monkeypatch):
    # given: an item past its due time
    room = classroom()
    UserFactory()
    response = inbox_item(room.students[0], room.lesson)
    _at(monkeypatch, response.due_at + timedelta(minutes=1))

    # when
    first = feedback_sla_check_task()
    second = feedback_sla_check_task()

    # then
    assert first == {"reminded": 0, "escalated": 1}
    assert second == {"reminded": 0, "escalated": 0}


def test_the_sla_check_is_in_the_beat_schedule_every_15_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-feedback-sla-check"]
    assert entry["task"] == "reviews.tasks.feedback_sla_check_task"
    assert entry["schedule"] == 900.0


def test_repeated_ticks_cost_a_fixed_number_of_queries(django_assert_max_num_queries):
    # given: 50 items already reminded and escalated
    room = classroom(students=0)
    responses = [inbox_item(student, room.lesson) for student in room.enroll(50)]
    later = responses[-1].due_at + timedelta(hours=1)
    feedback_sla_check(now=later)

    # when / then
    with django_assert_max_num_queries(2):
        assert feedback_sla_check(now=later).escalated == 0
