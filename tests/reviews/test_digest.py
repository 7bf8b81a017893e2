"""The weekly feedback digest: which week it covers (site time, DST-safe), who gets it, what it
says (new, overdue, rating trend, actions published), once per ISO week per user."""

import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.test import override_settings

from accounts.models import Notification
from reviews import services
from reviews.board_models import BoardEntry
from reviews.digest import digest_course_weeks, digest_week, feedback_weekly_digest_send
from reviews.models import FeedbackResponse, LectureFeedback
from reviews.tasks import feedback_weekly_digest_task
from tests.accounts.factories import StaffUserFactory
from tests.reviews.feedback_builders import classroom, english, inbox_item  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
MONDAY_8 = datetime(2026, 11, 23, 8, 0, tzinfo=MOSCOW)  # the Monday the digest goes out


def _digests(user):
    return Notification.objects.filter(user=user, kind=Notification.Kind.DIGEST)


def _backdate(response, when, *, rating=None):
    FeedbackResponse.objects.filter(pk=response.pk).update(created_at=when, due_at=when + timedelta(hours=48))
    values = {"created_at": when}
    if rating is not None:
        values.update(clarity=rating, pace=rating, practice=rating)
    LectureFeedback.objects.filter(pk=response.feedback_id).update(**values)


# ---- the week


@override_settings(TIME_ZONE="Europe/Moscow")
def test_the_digest_covers_the_last_full_week_in_site_time():
    week = digest_week(MONDAY_8)
    assert week.start == datetime(2026, 11, 16, 0, 0, tzinfo=MOSCOW)
    assert week.end == datetime(2026, 11, 23, 0, 0, tzinfo=MOSCOW)
    assert week.label == "2026-W47"
    assert week.previous_start == datetime(2026, 11, 9, 0, 0, tzinfo=MOSCOW)


@override_settings(TIME_ZONE="Europe/Berlin")
def test_a_week_with_a_daylight_saving_change_is_still_monday_to_monday():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    week = digest_week(datetime(2026, 3, 30, 8, 0, tzinfo=berlin))
    assert (week.start.astimezone(berlin).hour, week.end.astimezone(berlin).hour) == (0, 0)
    assert week.end - week.start == timedelta(hours=167)  # one hour shorter: clocks went forward
    assert week.label == "2026-W13"


@override_settings(TIME_ZONE="Europe/Moscow")
def test_late_on_sunday_utc_is_already_monday_in_site_time():
    sunday_utc = datetime(2026, 11, 22, 22, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))  # Monday 01:30 in Moscow
    assert digest_week(sunday_utc).label == "2026-W47"


# ---- who gets it, once


@override_settings(TIME_ZONE="Europe/Moscow")
def test_leads_and_staff_get_one_digest_per_week():
    # given
    room = classroom()
    other = classroom()
    staff = StaffUserFactory()
    StaffUserFactory(is_active=False)

    # when
    first = feedback_weekly_digest_send(now=MONDAY_8)
    again = feedback_weekly_digest_send(now=MONDAY_8 + timedelta(hours=1))
    next_week = feedback_weekly_digest_send(now=MONDAY_8 + timedelta(days=7))

    # then
    assert first == 3  # two leads and one active staff user
    assert again == 0
    assert next_week == 3
    for user in (room.lead, other.lead, staff):
        assert list(_digests(user).values_list("dedupe_key", flat=True).order_by("id")) == [
            "feedback-digest:2026-W47",
            "feedback-digest:2026-W48",
        ]
    assert not _digests(room.instructor).exists()
    assert not _digests(room.students[0]).exists()


@override_settings(TIME_ZONE="Europe/Moscow")
def test_the_digest_tells_new_overdue_rating_trend_and_actions():
    # given: last week 3 new items rated 4, one of them still unanswered and overdue; the week
    # before, one item rated 2; one board entry published last week
    room = classroom(students=4)
    week = digest_week(MONDAY_8)
    items = [inbox_item(student, room.lesson) for student in room.students]
    for item in items[:3]:
        _backdate(item, week.start + timedelta(days=2), rating=4)
    _backdate(items[3], week.previous_start + timedelta(days=1), rating=2)
    for item in items[1:]:
        services.feedback_respond(response=item, user=room.lead, status=FeedbackResponse.Status.ACKNOWLEDGED)
    entry = services.board_entry_create(
        course=room.course, user=room.lead, title="t", you_said="y", we_did="w"
    )
    services.board_entry_publish(entry=entry, user=room.lead)
    BoardEntry.objects.filter(pk=entry.pk).update(published_at=week.start + timedelta(days=3))

    # when
    feedback_weekly_digest_send(now=MONDAY_8)

    # then
    digest = _digests(room.lead).get()
    assert "2026-W47" in digest.title
    assert room.course.title in digest.body
    assert "3 new, 1 overdue, 1" in digest.body
    assert "4.0 ↑" in digest.body and "2.0" in digest.body
    for student in room.students:
        assert student.username not in digest.body


@override_settings(TIME_ZONE="Europe/Moscow")
def test_staff_get_every_course_with_activity_and_a_quiet_note_otherwise():
    # given
    room = classroom()
    quiet = classroom()
    staff = StaffUserFactory()
    item = inbox_item(room.students[0], room.lesson)
    _backdate(item, digest_week(MONDAY_8).start + timedelta(hours=5), rating=5)

    # when
    feedback_weekly_digest_send(now=MONDAY_8)

    # then
    body = _digests(staff).get().body
    assert room.course.title in body
    assert quiet.course.title not in body
    assert "no lecture ratings" not in _digests(room.lead).get().body
    assert quiet.course.title in _digests(quiet.lead).get().body


def test_the_figures_cost_a_fixed_number_of_queries(django_assert_max_num_queries):
    # given: fifteen courses with an item each last week
    week = digest_week(MONDAY_8)
    rooms = [classroom() for _ in range(15)]
    for room in rooms:
        _backdate(inbox_item(room.students[0], room.lesson), week.start + timedelta(days=1), rating=3)

    # when / then
    with django_assert_max_num_queries(6):
        weeks = digest_course_weeks(week=week, now=MONDAY_8)
    assert sorted(weeks) == sorted(room.course.pk for room in rooms)
    assert {(w.new_items, w.overdue, w.rating) for w in weeks.values()} == {(1, 1, Decimal("3.0"))}


def test_the_beat_task_sends_and_is_scheduled_on_monday_at_8():
    classroom()
    assert feedback_weekly_digest_task() == 1
    assert feedback_weekly_digest_task() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-feedback-weekly-digest"]
    assert entry["task"] == "reviews.tasks.feedback_weekly_digest_task"
    assert entry["schedule"] == crontab(minute=0, hour=8, day_of_week="mon")
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
