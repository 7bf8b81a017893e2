"""The feedback report's aggregate queries. Each function runs one SQL statement whatever the
number of rows, courses or lessons: the database counts and groups; Python only reshapes the
aggregated rows (at most one row per lesson × tag, lesson, week or owner × status), never the
feedback rows themselves.

The lecture-feedback aggregates here (``lesson_rows``, ``weekly_rows``, ``tag_counts``,
``unclear_by_lesson``) read the feedback rows. The report reads the same aggregates from the
per-lesson, per-day rollup instead (``reviews.reports.rollup``: same functions, same rows, a
fifth of the rows to read on a million feedback items) and uses these only while the rollup's
days are of another time zone; they also define what the rollup must equal (the tests compare
the two).

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
* Loop health and owners (``FeedbackResponse``): one pass ``GROUP BY owner, status`` with
  counts ``FILTER``ed (answered, within SLA, overdue, actions published), added up in Python
  into the totals and the per-owner rows (``inbox_counts``). Time to first response is
  ``first_response_at - created_at``; its median and 90th percentile are read from the index
  on that difference (``feedback_response_waited``): the two answers around position
  ``p × (n − 1)`` (``ORDER BY … LIMIT 2 OFFSET ⌊p(n−1)⌋``, both fractions in one statement on
  PostgreSQL) linearly interpolated, exactly PostgreSQL's ``percentile_cont(p) WITHIN GROUP
  (ORDER BY …)`` (``Percentile`` below, which the PostgreSQL tests compare it with) without
  sorting every answered item; the same on SQLite, which has no ordered-set aggregates.
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

from django.contrib.auth import get_user_model
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
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from courses.models import Course, Enrollment
from lessons.models import Lesson
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review
from reviews.reports.filters import ReportFilter, site_time_zone
from reviews.rollup_models import RATING_FIELDS, RATING_VALUES, feedback_counts, low_rating_q

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
    return list(_feedback(f).values("course_id", "lesson_id").annotate(**feedback_counts()))


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
            low=Count("pk", filter=low_rating_q()),
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


def inbox_counts(f: ReportFilter, *, now: datetime) -> list[dict[str, Any]]:
    """The inbox items in scope counted per owner and status, in one pass (on PostgreSQL over
    the index ``feedback_response_owner`` alone): ``owner_id``, ``owner`` (the name, NULL when
    unassigned: looked up once per group, not joined per item), ``status``, ``items``,
    ``answered``, ``within_sla`` (answered by ``due_at``) and ``overdue`` (unanswered, past
    ``due_at``). At most owners × statuses rows; ``loop_totals_of`` and ``owner_rows_of`` add
    them up."""
    name = get_user_model().objects.filter(pk=OuterRef("owner_id")).order_by().values(name=_name(""))[:1]
    return list(
        _responses(f)
        .values("owner_id", "status")
        # Items counted by their due_at (never NULL, in the index), not by id (not in it).
        .annotate(
            items=Count("due_at"),
            answered=Count("first_response_at"),
            within_sla=Count("due_at", filter=Q(first_response_at__lte=F("due_at"))),
            overdue=Count("due_at", filter=Q(first_response_at__isnull=True, due_at__lt=now)),
        )
        .annotate(owner=Subquery(name, output_field=CharField()))
    )


def actions_published(f: ReportFilter) -> int:
    """Inbox items in scope with a public "you said, we did" note (the partial index
    ``feedback_response_action`` holds only those)."""
    return _responses(f).filter(~Q(public_note="")).count()


def loop_totals_of(rows: Sequence[dict[str, Any]], *, actions: int) -> dict[str, Any]:
    """The inbox totals from ``inbox_counts`` rows and ``actions_published``: ``items``,
    ``answered``, ``within_sla``, ``late`` (answered after ``due_at``), ``overdue``,
    ``pending`` (unanswered, not yet due), ``open``, ``actions`` and a count per status
    (``status_<value>``). ``late`` and ``pending`` follow exactly (``due_at`` is never NULL: an
    answered item is answered by it or after it, an unanswered one is overdue or pending)."""
    totals = {key: sum(row[key] for row in rows) for key in ("items", "answered", "within_sla", "overdue")}
    totals["actions"] = actions
    for value in FeedbackResponse.Status.values:
        totals[f"status_{value}"] = sum(row["items"] for row in rows if row["status"] == value)
    totals["late"] = totals["answered"] - totals["within_sla"]
    totals["pending"] = totals["items"] - totals["answered"] - totals["overdue"]
    totals["open"] = sum(totals[f"status_{value}"] for value in OPEN_STATUSES)
    return totals


def owner_rows_of(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per owner of open or overdue items, from ``inbox_counts`` rows: ``owner`` (name, None
    when unassigned), ``open``, ``overdue``; by overdue then open, descending, then by name
    (code point order; unassigned last)."""
    owners: dict[int | None, dict[str, Any]] = {}
    for row in rows:
        owner = owners.setdefault(row["owner_id"], {"owner": row["owner"], "open": 0, "overdue": 0})
        owner["open"] += row["items"] if row["status"] in OPEN_STATUSES else 0
        owner["overdue"] += row["overdue"]
    listed = [owner for owner in owners.values() if owner["open"] or owner["overdue"]]
    return sorted(
        listed,
        key=lambda o: (-o["overdue"], -o["open"], o["owner"] is None, o["owner"] or ""),
    )


def loop_totals(f: ReportFilter, *, now: datetime, percentile_cont: bool = True) -> dict[str, Any]:
    """``loop_totals_of`` the inbox counts and actions in scope, and on PostgreSQL with
    ``percentile_cont`` (one more statement) ``median_first_response`` and
    ``p90_first_response`` computed by sorting every answered item: the reference that
    ``duration_percentiles`` (what the report reads, from an index) is checked against."""
    totals = loop_totals_of(inbox_counts(f, now=now), actions=actions_published(f))
    if percentile_cont and connection.vendor == "postgresql":
        totals |= _responses(f).aggregate(
            median_first_response=Percentile(_first_response_time(), percentile=0.5),
            p90_first_response=Percentile(_first_response_time(), percentile=0.9),
        )
    return totals


def _interpolated(pair: Sequence[timedelta], position: float) -> timedelta:
    below = floor(position)
    value = pair[0]
    if position > below and len(pair) == 2:
        value = pair[0] + (pair[1] - pair[0]) * (position - below)
    return value


def duration_percentiles(
    f: ReportFilter, *, answered: int, fractions: Sequence[float] = (0.5, 0.9)
) -> list[timedelta | None]:
    """The time-to-first-response percentiles of the ``answered`` items in scope, exactly as
    ``percentile_cont`` computes them: per fraction the (at most) two answers around position
    ``p × (answered − 1)`` in time order, linearly interpolated. In time order means in the
    order of the index ``feedback_response_waited``: PostgreSQL skips to the position inside
    the index instead of sorting every answered item, and fetches every fraction's pair in one
    statement (one statement per fraction on SQLite, which cannot slice inside a UNION).
    No query without answers."""
    if answered == 0:
        return [None for _fraction in fractions]
    ordered = (
        _responses(f)
        .filter(first_response_at__isnull=False)
        .annotate(waited=_first_response_time())
        .order_by("waited")
    )
    positions = [fraction * (answered - 1) for fraction in fractions]
    if not connection.features.supports_slicing_ordering_in_compound:
        values = ordered.values_list("waited", flat=True)
        return [_interpolated(list(values[floor(p) : floor(p) + 2]), p) for p in positions]
    parts = [
        ordered.annotate(part=Value(index)).values_list("part", "waited")[floor(p) : floor(p) + 2]
        for index, p in enumerate(positions)
    ]
    pairs: dict[int, list[timedelta]] = {index: [] for index in range(len(positions))}
    for part, waited in sorted(parts[0].union(*parts[1:], all=True)):
        pairs[part].append(waited)
    return [_interpolated(pairs[index], p) for index, p in enumerate(positions)]


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
