"""Time zones: weekly buckets and periods are in the *site* time zone whatever time zone is
activated for the reader; SLA figures are absolute instants, so no time zone changes them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.reports.filters import ReportFilter
from reviews.reports.report import feedback_report_build
from tests.accounts.factories import UserFactory
from tests.reviews.report_data import feedback, inbox_item, lesson_in, ratings_on

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3 all year


def _report(course, **filters):
    now = datetime(2026, 4, 1, tzinfo=UTC)
    return feedback_report_build(report_filter=ReportFilter(course_ids=(course.pk,), **filters), now=now)


@pytest.fixture
def near_midnight(course, settings):
    """Site time Moscow. Five responses on Sunday 8 March 23:30 Moscow (20:30 UTC) and five on
    Monday 9 March 01:30 Moscow (Sunday 22:30 UTC): different weeks in Moscow, the same in UTC."""
    settings.TIME_ZONE = "Europe/Moscow"
    lesson = lesson_in(course)
    ratings_on(lesson, [(5, 5, 5)] * 5, when=datetime(2026, 3, 8, 23, 30, tzinfo=MOSCOW))
    ratings_on(lesson, [(1, 1, 1)] * 5, when=datetime(2026, 3, 9, 1, 30, tzinfo=MOSCOW))
    return lesson


@pytest.mark.parametrize("reader_zone", [None, "UTC", "America/New_York", "Pacific/Auckland", "Asia/Kolkata"])
def test_weekly_buckets_are_site_weeks_whatever_zone_is_active(course, near_midnight, reader_zone):
    if reader_zone:
        timezone.activate(ZoneInfo(reader_zone))
    try:
        trend = _report(course).trend
    finally:
        timezone.deactivate()
    assert [(w.week_start, w.responses, w.mean_clarity) for w in trend] == [
        (date(2026, 3, 2), 5, 5.0),
        (date(2026, 3, 9), 5, 1.0),
    ]


def test_weekly_buckets_follow_the_site_time_zone_setting(course, near_midnight, settings):
    settings.TIME_ZONE = "UTC"  # now both instants fall on Sunday 8 March
    trend = _report(course).trend
    assert [(w.week_start, w.responses) for w in trend] == [(date(2026, 3, 2), 10)]


@pytest.mark.parametrize("reader_zone", [None, "America/Los_Angeles", "Asia/Vladivostok"])
def test_period_days_are_site_days(course, near_midnight, reader_zone):
    if reader_zone:
        timezone.activate(ZoneInfo(reader_zone))
    try:
        monday = _report(course, start=date(2026, 3, 9), end=date(2026, 3, 9))
        sunday = _report(course, end=date(2026, 3, 8))
    finally:
        timezone.deactivate()
    assert (monday.responses, monday.questions[0].mean) == (5, 1.0)
    assert (sunday.responses, sunday.questions[0].mean) == (5, 5.0)


def test_reader_time_zone_through_the_api_changes_nothing(client, staff_user, course, near_midnight):
    # given a reader whose own time zone is activated by the middleware on every request
    staff_user.time_zone = "Pacific/Auckland"
    staff_user.save(update_fields=["time_zone"])
    client.force_login(staff_user)
    # when
    data = client.get(
        reverse("reports-api:feedback-report"), {"course": course.slug, "from": "2026-03-09"}
    ).json()
    # then
    assert data["responses"] == 5
    assert [week["week_start"] for week in data["trend"]] == ["2026-03-09"]


def test_weekly_buckets_start_at_local_midnight_across_a_dst_change(course, settings):
    # Berlin moves to summer time on Sunday 29 March 2026: the week of Monday 30 March starts at
    # 22:00 UTC on the 29th, an hour earlier than a 7 × 24 h step from the week before.
    settings.TIME_ZONE = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    lesson = lesson_in(course)
    ratings_on(lesson, [(2, 2, 2)] * 5, when=datetime(2026, 3, 23, 0, 30, tzinfo=berlin))  # Monday, winter
    ratings_on(lesson, [(4, 4, 4)] * 5, when=datetime(2026, 3, 29, 23, 30, tzinfo=berlin))  # Sunday, summer
    ratings_on(lesson, [(5, 5, 5)] * 5, when=datetime(2026, 3, 30, 0, 30, tzinfo=berlin))  # Monday, summer
    trend = _report(course).trend
    assert [(w.week_start, w.responses, w.mean_clarity) for w in trend] == [
        (date(2026, 3, 23), 10, 3.0),
        (date(2026, 3, 30), 5, 5.0),
    ]


def _sla_world(course):
    """Items that arrived near midnight in their authors' own time zones, answered just before,
    exactly at, and just after the 48 h due time, plus unanswered ones either side of "now"."""
    lesson = lesson_in(course)
    now = datetime(2026, 4, 1, tzinfo=UTC)
    cases = [  # (the author's zone, local arrival time, first response after)
        ("Asia/Vladivostok", (2026, 3, 9, 23, 50), timedelta(hours=47, minutes=59)),  # in time
        ("America/Los_Angeles", (2026, 3, 9, 23, 50), timedelta(hours=48)),  # exactly due: in time
        ("Pacific/Kiritimati", (2026, 3, 10, 0, 5), timedelta(hours=48, minutes=1)),  # late
        ("Europe/London", (2026, 3, 29, 0, 30), None),  # unanswered, overdue
        ("Asia/Kolkata", (2026, 3, 30, 23, 55), None),  # unanswered, due 1 April 18:25 UTC: pending
    ]
    for zone, local, waited in cases:
        author = UserFactory(time_zone=zone)
        item = feedback(lesson, user=author, when=datetime(*local, tzinfo=ZoneInfo(zone)))
        inbox_item(item, waited=waited)
    return now


@pytest.mark.parametrize("site_zone", ["UTC", "Europe/Moscow", "Pacific/Kiritimati", "America/Los_Angeles"])
@pytest.mark.parametrize("reader_zone", [None, "Asia/Vladivostok", "America/Los_Angeles"])
def test_sla_arithmetic_does_not_depend_on_any_time_zone(course, settings, site_zone, reader_zone):
    settings.TIME_ZONE = site_zone
    now = _sla_world(course)
    if reader_zone:
        timezone.activate(ZoneInfo(reader_zone))
    try:
        loop = feedback_report_build(report_filter=ReportFilter(course_ids=(course.pk,)), now=now).loop
    finally:
        timezone.deactivate()
    assert (loop.items, loop.answered, loop.within_sla, loop.late, loop.overdue, loop.pending) == (
        5,
        3,
        2,
        1,
        1,
        1,
    )
    assert loop.within_sla_pct == pytest.approx(50.0)  # 2 of the 4 whose SLA is decided
    assert loop.median_first_response == timedelta(hours=48)
    assert loop.p90_first_response == timedelta(hours=48, seconds=48)  # 48 h + 0.8 × 1 min
