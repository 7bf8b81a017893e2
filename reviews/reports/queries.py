"""The feedback report's aggregate queries. Each function runs one SQL statement (two on SQLite
for the duration percentiles) whatever the number of rows, courses or lessons: the database
counts and groups; Python only reshapes the aggregated rows (at most one row per lesson × tag,
lesson or week), never the feedback rows themselves.

How each figure is computed (``f`` is a ``ReportFilter``; "in scope" is ``f.feedback_q()``):

* Rating questions (clarity, pace, practice), per lesson: one pass ``GROUP BY course, lesson``
  with ``COUNT(*) FILTER (WHERE clarity = k)`` for k = 1..5 per question (Django's
  ``Count(filter=Q(...))``) and ``COUNT(*) FILTER (WHERE clarity <= 2 OR …)`` for low ratings.
  For integer ratings the 1..5 counts *are* the data, so everything else follows exactly from
  them (``reviews.reports.distribution``): N, %, mean, sample SD (n − 1), median and percentiles
  (equal to ``percentile_cont``), the interpolated median; and the figures per course, per module
  and overall are sums of the per-lesson counts. One scan of the feedback table serves the
  question table, the course table, the participation table and the problem ranking.
  (``AVG``/``STDDEV_SAMP`` would need a scan per grouping; on 1M rows each scan costs
  more than the whole arithmetic, see BENCHMARKS.md. The PostgreSQL tests check the derived
  mean, SD and median against ``AVG``, ``STDDEV_SAMP`` and ``percentile_cont``.)
* Per week: ``GROUP BY`` the week of ``created_at`` in the *site* time zone. The week starts
  (Monday 00:00 site time, DST-correct, from ``zoneinfo``) are computed once in Python and the
  bucket is a balanced ``CASE WHEN created_at < <boundary> …`` (about log2(weeks) comparisons
  per row). Same buckets as ``TruncWeek("created_at", tzinfo=<site zone>)``, without converting
  each row's time zone in SQL (``AT TIME ZONE`` per row was half the cost of the whole scan on
  1M rows), and the reader's activated time zone changes nothing. Means per week are ``AVG``.
* Low ratings: a response with any rating of 1 or 2. "Unclear": a response tagged with the
  key ``UNCLEAR_TAG_KEY``, counted per lesson by joining that tag's uses (a few percent of the
  tag table) with the responses in scope. Top tags: ``GROUP BY tag`` over the tag table (see
  ``tag_counts`` for when it is joined with the responses), summed per tag key.
* Loop health (``FeedbackResponse``): counts with ``FILTER`` (answered, within SLA, overdue,
  open, actions published, per status) in one pass. Time to first response is
  ``first_response_at - created_at``; its median and 90th percentile are PostgreSQL's
  ``percentile_cont(p) WITHIN GROUP (ORDER BY …)`` (``Percentile`` below). SQLite has no
  ordered-set aggregates: there each percentile is one ``ORDER BY … LIMIT 2 OFFSET ⌊p(n−1)⌋``
  query and the same linear interpolation, so both databases give the same figure.
* Enrolled: ``COUNT(*) GROUP BY course`` over enrollments. Reviews: course rating 1..5 counts
  and NPS counts (promoters 9–10, passives 7–8, detractors 0–6) in one pass.
* Latest comments: ``ORDER BY created_at DESC LIMIT n``; the author's name is computed in SQL as
  NULL for anonymous items, so an anonymous author's identity never leaves the database.

SLA arithmetic is on absolute instants (``first_response_at <= due_at``, ``due_at < now``), so
neither the site nor the reader's time zone can change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from math import floor
from typing import Any

from django.db import NotSupportedError, connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from courses.models import Course, Enrollment
from lessons.models import Lesson
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review
from reviews.reports.filters import ReportFilter, site_time_zone

RATING_FIELDS = ("clarity", "pace", "practice")
RATING_VALUES = (1, 2, 3, 4, 5)
LOW_RATING = 2  # a rating of LOW_RATING or less is a low rating
# The tag that says a lesson was hard to follow (the key of the seed course's "Непонятно
# объяснено"; "code-demo-unclear" is a different, narrower complaint and counts as itself).
UNCLEAR_TAG_KEY = "unclear"
OPEN_STATUSES = (
    FeedbackResponse.Status.NEW,
    FeedbackResponse.Status.ACKNOWLEDGED,
    FeedbackResponse.Status.PLANNED,
)
LATEST_COMMENTS = 20


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile, an ordered-set aggregate:
    ``PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY expression)``. NULLs are ignored; the result
    has the expression's type (an interval for durations). PostgreSQL only."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, *, percentile: float, **extra: Any) -> None:
        if not 0 <= percentile <= 1:
            raise ValueError("percentile must be between 0 and 1")
        # A float we made, rendered into the SQL as a numeric literal.
        super().__init__(expression, percentile=repr(float(percentile)), **extra)

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        if connection.vendor != "postgresql":
            raise NotSupportedError("PERCENTILE_CONT needs PostgreSQL; see duration_percentiles()")
        return super().as_sql(compiler, connection, **extra_context)


def _low_q() -> Q:
    return Q(clarity__lte=LOW_RATING) | Q(pace__lte=LOW_RATING) | Q(practice__lte=LOW_RATING)


def _feedback(f: ReportFilter) -> QuerySet[LectureFeedback]:
    return LectureFeedback.objects.filter(f.feedback_q()).order_by()


def _name(prefix: str) -> Coalesce:
    """A user's name as ``User.__str__`` shows it, computed in SQL from the path ``prefix``."""
    full = Trim(
        Concat(F(f"{prefix}first_name"), Value(" "), F(f"{prefix}last_name"), output_field=CharField())
    )
    return Coalesce(
        NullIf(F(f"{prefix}display_name"), Value("")),
        NullIf(full, Value("")),
        F(f"{prefix}username"),
        output_field=CharField(),
    )


# --- lecture feedback ------------------------------------------------------------------------


def lesson_rows(f: ReportFilter) -> list[dict[str, Any]]:
    """Per lesson with responses: ``course_id``, ``lesson_id``, ``responses``, ``low`` and the
    distribution ``<question>_<value>`` (``clarity_1`` … ``practice_5``)."""
    distribution = {
        f"{field}_{value}": Count("pk", filter=Q(**{field: value}))
        for field in RATING_FIELDS
        for value in RATING_VALUES
    }
    return list(
        _feedback(f)
        .values("course_id", "lesson_id")
        .annotate(responses=Count("pk"), low=Count("pk", filter=_low_q()), **distribution)
    )


def week_starts(first: datetime, last: datetime) -> list[datetime]:
    """Monday 00:00 site time of every week from the one holding ``first`` to the one after
    ``last``: n + 1 boundaries of n weeks (DST-correct: each is midnight local time)."""
    zone = site_time_zone()
    local = first.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())
    starts = [datetime.combine(monday, time.min, tzinfo=zone)]
    while starts[-1] <= last:
        monday += timedelta(weeks=1)
        starts.append(datetime.combine(monday, time.min, tzinfo=zone))
    return starts


def _bucket(boundaries: Sequence[datetime], low: int, high: int) -> Any:
    """The index i (``low`` ≤ i < ``high``) with boundaries[i] ≤ created_at < boundaries[i + 1],
    as a balanced CASE over the boundaries (a binary search per row)."""
    if high - low == 1:
        return Value(low)
    middle = (low + high) // 2
    return Case(
        When(created_at__lt=boundaries[middle], then=_bucket(boundaries, low, middle)),
        default=_bucket(boundaries, middle, high),
        output_field=IntegerField(),
    )


def feedback_span(f: ReportFilter) -> tuple[datetime | None, datetime | None]:
    """The first and last ``created_at`` in scope (two index lookups)."""
    span = _feedback(f).aggregate(first=Min("created_at"), last=Max("created_at"))
    return span["first"], span["last"]


def weekly_rows(f: ReportFilter) -> list[dict[str, Any]]:
    """Per week with responses, in order: ``week`` (the Monday, a date in site time),
    ``responses``, ``low`` and ``mean_<question>``."""
    first, last = feedback_span(f)
    if first is None or last is None:
        return []
    boundaries = week_starts(first, last)
    rows = (
        _feedback(f)
        .annotate(week_index=_bucket(boundaries, 0, len(boundaries) - 1))
        .values("week_index")
        .annotate(
            responses=Count("pk"),
            low=Count("pk", filter=_low_q()),
            **{f"mean_{field}": Avg(field) for field in RATING_FIELDS},
        )
        .order_by("week_index")
    )
    zone = site_time_zone()
    return [{**row, "week": boundaries[row.pop("week_index")].astimezone(zone).date()} for row in rows]


def _tag_uses() -> QuerySet:
    return LectureFeedback.tags.through.objects.order_by()


def tag_counts(f: ReportFilter) -> dict[int, int]:
    """Responses in scope carrying each tag: {tag id: count} (a response carries a tag at most
    once).

    Over whole courses and all time the tag table is counted alone (``GROUP BY tag``, the
    course from the tag itself), minus the uses on feedback that is not about a lesson (found
    through the index on ``lesson_id IS NULL``, normally none): the same figure as joining every
    use with its response, without reading a million responses. Otherwise the uses are joined
    with the responses in scope."""
    if f.below_course or f.start is not None or f.end is not None:
        rows = (
            _tag_uses()
            .filter(f.feedback_q("lecturefeedback__"))
            .values("feedbacktag_id")
            .annotate(n=Count("pk"))
        )
        return {row["feedbacktag_id"]: row["n"] for row in rows}
    uses = _tag_uses()
    if f.course_ids is not None:
        uses = uses.filter(feedbacktag__course_id__in=f.course_ids)
    counts = {
        row["feedbacktag_id"]: row["n"] for row in uses.values("feedbacktag_id").annotate(n=Count("pk"))
    }
    off_lesson = (
        uses.filter(lecturefeedback__lesson__isnull=True).values("feedbacktag_id").annotate(n=Count("pk"))
    )
    for row in off_lesson:
        counts[row["feedbacktag_id"]] -= row["n"]
    return counts


def tags_by_id(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``key`` and ``label`` of the given tags."""
    return {
        row["pk"]: row for row in FeedbackTag.objects.filter(pk__in=list(ids)).values("pk", "key", "label")
    }


def unclear_by_lesson(f: ReportFilter) -> dict[int, int]:
    """Responses in scope tagged ``UNCLEAR_TAG_KEY``, per lesson: {lesson id: count}."""
    rows = (
        _tag_uses()
        .filter(f.feedback_q("lecturefeedback__"), feedbacktag__key=UNCLEAR_TAG_KEY)
        .values(lesson_id=F("lecturefeedback__lesson_id"))
        .annotate(n=Count("pk"))
    )
    return {row["lesson_id"]: row["n"] for row in rows}


def latest_comments(f: ReportFilter, *, limit: int = LATEST_COMMENTS) -> list[dict[str, Any]]:
    """The latest responses with a comment, newest first, with the status of their inbox item.
    ``author`` is NULL for anonymous items (decided in SQL: the name is never fetched)."""
    author = Case(
        When(is_anonymous=True, then=Value(None)), default=_name("user__"), output_field=CharField()
    )
    return list(
        _feedback(f)
        .exclude(comment="")
        .annotate(author=author, status=F("response__status"), owner=_name("response__owner__"))
        .values(
            "pk",
            "created_at",
            "comment",
            "is_anonymous",
            "author",
            "status",
            "owner",
            course_title=F("course__title"),
            lesson_title=F("lesson__title"),
        )
        .order_by("-created_at", "-pk")[:limit]
    )


# --- the team's inbox --------------------------------------------------------------------------


def _first_response_time() -> ExpressionWrapper:
    return ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())


def _responses(f: ReportFilter) -> QuerySet[FeedbackResponse]:
    return FeedbackResponse.objects.filter(f.response_q()).order_by()


def loop_totals(f: ReportFilter, *, now: datetime) -> dict[str, Any]:
    """One row over the inbox items in scope: ``items``, ``answered``, ``within_sla``
    (answered by ``due_at``), ``late`` (answered after it), ``overdue`` (unanswered, past
    ``due_at``), ``pending`` (unanswered, not yet due), ``open``, ``actions`` (with a public
    "you said, we did" note), a count per status (``status_<value>``), and on PostgreSQL
    ``median_first_response`` and ``p90_first_response``."""
    unanswered = Q(first_response_at__isnull=True)
    aggregates: dict[str, Any] = {
        "items": Count("pk"),
        "answered": Count("first_response_at"),
        "within_sla": Count("pk", filter=Q(first_response_at__lte=F("due_at"))),
        "late": Count("pk", filter=Q(first_response_at__gt=F("due_at"))),
        "overdue": Count("pk", filter=unanswered & Q(due_at__lt=now)),
        "pending": Count("pk", filter=unanswered & Q(due_at__gte=now)),
        "open": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "actions": Count("pk", filter=~Q(public_note="")),
        **{
            f"status_{value}": Count("pk", filter=Q(status=value)) for value in FeedbackResponse.Status.values
        },
    }
    if connection.vendor == "postgresql":
        aggregates["median_first_response"] = Percentile(_first_response_time(), percentile=0.5)
        aggregates["p90_first_response"] = Percentile(_first_response_time(), percentile=0.9)
    return _responses(f).aggregate(**aggregates)


def duration_percentiles(
    f: ReportFilter, *, answered: int, fractions: Sequence[float] = (0.5, 0.9)
) -> list[timedelta | None]:
    """The SQLite fallback for the time-to-first-response percentiles: per fraction one query
    fetching the (at most) two answers around position ``p × (answered − 1)`` in time order,
    interpolated as ``percentile_cont`` does."""
    ordered = (
        _responses(f)
        .filter(first_response_at__isnull=False)
        .annotate(waited=_first_response_time())
        .order_by("waited", "pk")
        .values_list("waited", flat=True)
    )
    results: list[timedelta | None] = []
    for fraction in fractions:
        if answered == 0:
            results.append(None)
            continue
        position = fraction * (answered - 1)
        below = floor(position)
        pair = list(ordered[below : below + 2])
        value = pair[0]
        if position > below and len(pair) == 2:
            value = pair[0] + (pair[1] - pair[0]) * (position - below)
        results.append(value)
    return results


def owner_rows(f: ReportFilter, *, now: datetime) -> list[dict[str, Any]]:
    """Per owner of open or overdue items: ``owner`` (name, NULL when unassigned), ``open``,
    ``overdue``, ordered by overdue then open, descending."""
    unanswered_late = Q(first_response_at__isnull=True, due_at__lt=now)
    return list(
        _responses(f)
        .filter(Q(status__in=OPEN_STATUSES) | unanswered_late)
        .values("owner_id")
        .annotate(
            owner=Min(_name("owner__")),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("pk", filter=unanswered_late),
        )
        .order_by("-overdue", "-open", "owner")
    )


# --- course context ------------------------------------------------------------------------------


def enrolled_by_course(f: ReportFilter) -> dict[int, int]:
    """Enrollments per course (see ``ReportFilter.enrollment_q``)."""
    rows = Enrollment.objects.filter(f.enrollment_q()).order_by().values("course_id").annotate(n=Count("pk"))
    return {row["course_id"]: row["n"] for row in rows}


def review_totals(f: ReportFilter) -> dict[str, Any]:
    """One row over the reviews in scope: the course rating's distribution (``rating_1`` …
    ``rating_5``) and would-recommend (``recommend_n``, ``promoters`` 9–10, ``passives`` 7–8,
    ``detractors`` 0–6)."""
    aggregates: dict[str, Any] = {
        **{f"rating_{value}": Count("pk", filter=Q(rating=value)) for value in RATING_VALUES},
        "recommend_n": Count("would_recommend"),
        "promoters": Count("pk", filter=Q(would_recommend__gte=9)),
        "passives": Count("pk", filter=Q(would_recommend__in=(7, 8))),
        "detractors": Count("pk", filter=Q(would_recommend__lte=6)),
    }
    return Review.objects.filter(f.review_q()).order_by().aggregate(**aggregates)


def lessons_in_scope(f: ReportFilter, *, with_responses: Sequence[int]) -> list[dict[str, Any]]:
    """The lessons of the participation table: the published lessons in scope and any lesson
    with responses, in course, module and lesson order."""
    return list(
        Lesson.objects.filter(f.lesson_q() & (Q(is_published=True) | Q(pk__in=list(with_responses))))
        .annotate(instructor=_name("author__"))
        .values(
            "pk",
            "title",
            "instructor",
            module_title=F("module__title"),
            course_id=F("module__course_id"),
            course_title=F("module__course__title"),
        )
        .order_by(
            "module__course__title", "module__course_id", "module__position", "module_id", "position", "pk"
        )
    )


def courses_by_id(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = Course.objects.filter(pk__in=list(ids)).values("pk", "slug", "title")
    return {row["pk"]: row for row in rows}


def filter_choices(
    *, readable: frozenset[int] | None, report_filter: ReportFilter
) -> dict[str, list[dict[str, Any]]]:
    """The options of the report's filter form: the courses the reader may read; with one
    course selected, its modules and lessons; the instructors (lesson authors) of the selected
    courses, or of all readable ones. Four queries."""
    from django.contrib.auth import get_user_model

    courses = Course.objects.order_by("title", "pk")
    if readable is not None:
        courses = courses.filter(pk__in=readable)
    scope = report_filter.course_ids if report_filter.course_ids is not None else readable
    authors = get_user_model().objects.filter(authored_lessons__isnull=False)
    if scope is not None:
        authors = authors.filter(authored_lessons__module__course_id__in=scope)
    single = report_filter.single_course_id
    modules: list[dict[str, Any]] = []
    lessons: list[dict[str, Any]] = []
    if single is not None:
        from courses.models import Module

        modules = list(
            Module.objects.filter(course_id=single).order_by("position", "pk").values("pk", "title")
        )
        lesson_rows_ = Lesson.objects.filter(module__course_id=single)
        if report_filter.module_id is not None:
            lesson_rows_ = lesson_rows_.filter(module_id=report_filter.module_id)
        lessons = list(
            lesson_rows_.order_by("module__position", "module_id", "position", "pk").values(
                "pk", "title", module_title=F("module__title")
            )
        )
    return {
        "courses": list(courses.values("pk", "slug", "title")),
        "modules": modules,
        "lessons": lessons,
        "instructors": list(
            authors.annotate(name=_name("")).values("pk", "name").distinct().order_by("name", "pk")
        ),
    }
