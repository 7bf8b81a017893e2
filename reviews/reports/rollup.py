"""The report's lecture-feedback aggregates read from the rollup (``reviews.rollup_models``):
per lesson, per week, per tag and "unclear" per lesson, as sums of the per-lesson, per-day
counts. Same functions, same rows as their counterparts in ``reviews.reports.queries`` (which
read the feedback rows themselves), each one SQL statement; on a million feedback rows they read
about a fifth as many rollup rows, and no time zone conversion per row.

Exact because a site day never straddles a period boundary or a week (both are whole site days,
``ReportFilter.period``), and module, lesson and instructor filters join the lesson as the
feedback queries do. ``rollup_usable`` says whether the rollup's days are the current site time
zone's; when they are not (``settings.TIME_ZONE`` changed since it was built, until
``manage.py feedback_rollup_rebuild``) the report reads the feedback rows instead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Max, Min, QuerySet, Sum

from reviews.models import LessonFeedbackDay, LessonFeedbackDayTag
from reviews.reports.distribution import mean_from_counts
from reviews.reports.filters import ReportFilter
from reviews.reports.queries import UNCLEAR_TAG_KEY
from reviews.rollup_models import COUNTED_FIELDS, RATING_FIELDS, RATING_VALUES

SUMS = {f"sum_{name}": Sum(name) for name in COUNTED_FIELDS}


def rollup_usable() -> bool:
    """Whether every rollup row is of the current site time zone (an empty rollup is: no lesson
    feedback yet, or none loaded around the services without a rebuild). Two index probes.
    Tag rows are written with their day row, in the same recount or rebuild, so tag rows of
    another zone only exist beside day rows of it: checking the day rows covers both, and the
    report's filters (``ReportFilter.rollup_q``) need not compare every row's zone."""
    zones = LessonFeedbackDay.objects.aggregate(first=Min("time_zone"), last=Max("time_zone"))
    return zones["first"] is None or zones["first"] == zones["last"] == settings.TIME_ZONE


def _days(f: ReportFilter) -> QuerySet[LessonFeedbackDay]:
    return LessonFeedbackDay.objects.filter(f.rollup_q()).order_by()


def _tags(f: ReportFilter) -> QuerySet[LessonFeedbackDayTag]:
    return LessonFeedbackDayTag.objects.filter(f.rollup_q()).order_by()


def _summed(row: dict[str, Any]) -> dict[str, Any]:
    """``sum_<field>`` renamed ``<field>`` (the rollup's own field names cannot be aliases)."""
    return {key.removeprefix("sum_"): value or 0 for key, value in row.items()}


def lesson_rows(f: ReportFilter) -> list[dict[str, Any]]:
    """As ``queries.lesson_rows``: per lesson with responses, ``course_id``, ``lesson_id``,
    ``responses``, ``low`` and ``<question>_<value>``."""
    rows = _days(f).values("course_id", "lesson_id").annotate(**SUMS).filter(sum_responses__gt=0)
    return [_summed(row) for row in rows]


def weekly_rows(f: ReportFilter) -> list[dict[str, Any]]:
    """As ``queries.weekly_rows``: per week with responses, in order, ``week`` (the Monday of
    the site days), ``responses``, ``low`` and ``mean_<question>`` (from the 1..5 counts)."""
    rows = _days(f).values("week").annotate(**SUMS).filter(sum_responses__gt=0).order_by("week")
    weeks = []
    for row in rows:
        counts = _summed(row)
        weeks.append(
            {
                "week": counts["week"],
                "responses": counts["responses"],
                "low": counts["low"],
                **{
                    f"mean_{q}": mean_from_counts(
                        tuple(counts[f"{q}_{v}"] for v in RATING_VALUES), RATING_VALUES
                    )
                    for q in RATING_FIELDS
                },
            }
        )
    return weeks


def tag_counts(f: ReportFilter) -> dict[int, int]:
    """As ``queries.tag_counts``: responses in scope carrying each tag, {tag id: count}."""
    rows = _tags(f).values("tag_id").annotate(n=Sum("responses"))
    return {row["tag_id"]: row["n"] for row in rows}


def unclear_by_lesson(f: ReportFilter) -> dict[int, int]:
    """As ``queries.unclear_by_lesson``: responses tagged ``UNCLEAR_TAG_KEY`` per lesson (the
    tag's key read now, so renaming a tag changes nothing to rebuild)."""
    rows = _tags(f).filter(tag__key=UNCLEAR_TAG_KEY).values("lesson_id").annotate(n=Sum("responses"))
    return {row["lesson_id"]: row["n"] for row in rows if row["n"]}
