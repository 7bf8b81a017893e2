"""The weekly feedback digest: every Monday, each course lead gets their courses' week and each
active ``is_staff`` user gets every course with something to report — new items, overdue items,
the lecture rating against the week before, board entries published. Once per ISO week per
user, in the recipient's language; no author of any item is named.

Weeks are calendar weeks in the *site* time zone (``settings.TIME_ZONE``): Monday 00:00 to the
next Monday 00:00, computed from local dates so daylight-saving changes keep them whole.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Notification, User
from accounts.notifications import notification_send
from courses.models import Course, CourseStaff
from reviews.board_models import BoardEntry
from reviews.models import FeedbackResponse, LectureFeedback
from reviews.services import lazy_text


@dataclass(frozen=True)
class DigestWeek:
    start: datetime  # Monday 00:00 site time (as a UTC instant)
    end: datetime  # the next Monday 00:00 site time
    label: str  # ISO week, e.g. "2026-W47"

    @property
    def previous_start(self) -> datetime:
        return _midnight(self.start.astimezone(_site_zone()).date() - timedelta(days=7))


def _site_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _midnight(day: date) -> datetime:
    """Midnight starting ``day`` in site time, as a UTC instant (so that differences between
    such instants are elapsed time even across a daylight-saving change)."""
    return datetime.combine(day, time.min, tzinfo=_site_zone()).astimezone(UTC)


def digest_week(now: datetime) -> DigestWeek:
    """The last full week before ``now`` (site time): the week a Monday-morning digest covers."""
    today = now.astimezone(_site_zone()).date()
    this_monday = today - timedelta(days=today.weekday())
    start_day = this_monday - timedelta(days=7)
    year, week, _weekday = start_day.isocalendar()
    return DigestWeek(start=_midnight(start_day), end=_midnight(this_monday), label=f"{year}-W{week:02d}")


@dataclass(frozen=True)
class CourseWeek:
    course: Course
    new_items: int
    overdue: int
    rating: Decimal | None
    previous_rating: Decimal | None
    entries_published: int

    @property
    def is_quiet(self) -> bool:
        return not (self.new_items or self.overdue or self.entries_published or self.rating is not None)


def _mean_rating(course_ids: list[int] | None, start: datetime, end: datetime) -> dict[int, Decimal]:
    """Mean of every clarity, pace and practice rating given on lectures in [start, end)."""
    feedback = LectureFeedback.objects.filter(lesson__isnull=False, created_at__gte=start, created_at__lt=end)
    if course_ids is not None:
        feedback = feedback.filter(course_id__in=course_ids)
    rows = (
        feedback.order_by()
        .values("course_id")
        .annotate(
            total=Sum("clarity", default=0) + Sum("pace", default=0) + Sum("practice", default=0),
            given=Count("clarity") + Count("pace") + Count("practice"),
        )
    )
    return {
        row["course_id"]: (Decimal(row["total"]) / row["given"]).quantize(Decimal("0.1"))
        for row in rows
        if row["given"]
    }


def _counts(queryset: QuerySet) -> dict[int, int]:
    return {
        row["course_id"]: row["n"] for row in queryset.order_by().values("course_id").annotate(n=Count("pk"))
    }


def digest_course_weeks(
    *, week: DigestWeek, now: datetime, course_ids: list[int] | None = None
) -> dict[int, CourseWeek]:
    """The week's figures per course (all courses with ``course_ids=None``). Six queries."""
    scope = Q() if course_ids is None else Q(course_id__in=course_ids)
    new_items = _counts(
        FeedbackResponse.objects.filter(scope, created_at__gte=week.start, created_at__lt=week.end)
    )
    overdue = _counts(
        FeedbackResponse.objects.filter(
            scope, status=FeedbackResponse.Status.NEW, first_response_at__isnull=True, due_at__lte=now
        )
    )
    entries = _counts(
        BoardEntry.objects.filter(
            scope, status=BoardEntry.Status.PUBLISHED, published_at__gte=week.start, published_at__lt=week.end
        )
    )
    rating = _mean_rating(course_ids, week.start, week.end)
    previous = _mean_rating(course_ids, week.previous_start, week.start)
    courses = Course.objects.only("id", "slug", "title").order_by("title")
    if course_ids is not None:
        courses = courses.filter(pk__in=course_ids)
    else:
        active = set(new_items) | set(overdue) | set(entries) | set(rating)
        courses = courses.filter(pk__in=active)
    return {
        course.pk: CourseWeek(
            course=course,
            new_items=new_items.get(course.pk, 0),
            overdue=overdue.get(course.pk, 0),
            rating=rating.get(course.pk),
            previous_rating=previous.get(course.pk),
            entries_published=entries.get(course.pk, 0),
        )
        for course in courses
    }


def _rating_line(week: CourseWeek) -> str:
    if week.rating is None:
        return _("no lecture ratings")
    if week.previous_rating is None:
        return _("lecture rating %(rating)s (no ratings the week before)") % {"rating": week.rating}
    delta = week.rating - week.previous_rating
    trend = "↑" if delta > 0 else "↓" if delta < 0 else "="
    return _("lecture rating %(rating)s %(trend)s (the week before: %(previous)s)") % {
        "rating": week.rating,
        "trend": trend,
        "previous": week.previous_rating,
    }


def digest_body(weeks: list[CourseWeek]) -> str:
    """The digest text, in the active language."""
    if not weeks:
        return _("No feedback activity in your courses this week.")
    lines = []
    for week in weeks:
        lines.append(f"{week.course.title}:")
        lines.append(
            "  "
            + _("%(new)d new, %(overdue)d overdue, %(entries)d “you said, we did” published; %(rating)s.")
            % {
                "new": week.new_items,
                "overdue": week.overdue,
                "entries": week.entries_published,
                "rating": _rating_line(week),
            }
        )
    return "\n".join(lines)


def feedback_weekly_digest_send(*, now: datetime | None = None) -> int:
    """Send the digest of the last full week to every course lead (their courses) and every
    active ``is_staff`` user (every course with activity). Returns how many were sent now.
    Idempotent: the dedupe key holds the ISO week, and users who have it are skipped."""
    now = now or timezone.now()
    week = digest_week(now)
    dedupe_key = f"feedback-digest:{week.label}"
    lead_courses: dict[int, list[int]] = {}
    for user_id, course_id in CourseStaff.objects.filter(role=CourseStaff.Role.LEAD).values_list(
        "user_id", "course_id"
    ):
        lead_courses.setdefault(user_id, []).append(course_id)
    recipients = list(
        User.objects.filter(is_active=True)
        .filter(Q(is_staff=True) | Q(pk__in=list(lead_courses)))
        .exclude(notifications__dedupe_key=dedupe_key)
        .order_by("id")
    )
    if not recipients:
        return 0
    all_weeks: dict[int, CourseWeek] | None = None
    lead_weeks = digest_course_weeks(
        week=week, now=now, course_ids=sorted({pk for ids in lead_courses.values() for pk in ids})
    )
    url = reverse("reviews:inbox")
    sent = 0
    for user in recipients:
        if user.is_staff:
            if all_weeks is None:
                all_weeks = digest_course_weeks(week=week, now=now)
            weeks = sorted(
                {
                    **all_weeks,
                    **{pk: lead_weeks[pk] for pk in lead_courses.get(user.pk, []) if pk in lead_weeks},
                }.values(),
                key=lambda w: w.course.title,
            )
        else:
            weeks = sorted(
                (lead_weeks[pk] for pk in lead_courses.get(user.pk, []) if pk in lead_weeks),
                key=lambda w: w.course.title,
            )
        label = week.label
        notification_send(
            user=user,
            kind=Notification.Kind.DIGEST,
            title=lazy_text(lambda label=label: _("Feedback digest, week %(week)s") % {"week": label}),
            body=lazy_text(lambda weeks=weeks: digest_body(weeks)),
            url=url,
            dedupe_key=dedupe_key,
        )
        sent += 1
    return sent
