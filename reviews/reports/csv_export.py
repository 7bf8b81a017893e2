"""Every table of the feedback report as CSV.

A file is UTF-8 with a byte-order mark (so spreadsheet programs read Cyrillic right), one header
row of column names (the same names as the API's fields), then the rows. Numbers are plain
(a dot for decimals, two decimals at most), percentages are 0–100, durations are hours, times are
ISO 8601 in the site time zone. Suppressed groups keep their row with ``suppressed`` = ``true``
and empty cells for every hidden figure. Anonymous comments have an empty ``author``: the name
was never fetched. Text cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from reviews.reports.figures import FeedbackReport
from reviews.reports.filters import site_time_zone
from reviews.reports.queries import RATING_VALUES

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvTable:
    name: str
    title: Any  # a lazy translation
    columns: tuple[str, ...]
    rows: Callable[[FeedbackReport], Iterable[tuple[Any, ...]]]


def _hours(value: timedelta | None) -> float | None:
    return value.total_seconds() / 3600 if value is not None else None


def cell(value: Any) -> str:
    """One value as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{round(value, 2):.2f}".rstrip("0").rstrip(".") if value == value else ""
    if isinstance(value, datetime):
        return value.astimezone(site_time_zone()).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return cell(_hours(value))
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _courses(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    for row in report.courses:
        yield (
            row.slug,
            row.title,
            row.enrolled,
            row.lessons,
            row.responses,
            row.response_rate,
            row.suppressed,
            row.mean_clarity,
            row.mean_pace,
            row.mean_practice,
            row.low_pct,
        )


def _participation(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    for row in report.participation:
        yield (
            row.course_title,
            row.module_title,
            row.lesson_id,
            row.lesson_title,
            row.instructor,
            row.enrolled,
            row.responded,
            row.response_rate,
        )


def _questions(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    blank = (None,) * len(RATING_VALUES)
    for q in report.questions:
        yield (
            q.key,
            q.n,
            q.suppressed,
            *(q.counts or blank),
            *(q.percents or blank),
            q.mean,
            q.median,
            q.interpolated_median,
            q.sd,
        )


def _nps(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    if report.nps is not None:
        n = report.nps
        yield (
            n.n,
            n.suppressed,
            n.promoters,
            n.passives,
            n.detractors,
            n.promoters_pct,
            n.passives_pct,
            n.detractors_pct,
            n.score,
        )


def _trend(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    for row in report.trend:
        yield (
            row.week_start,
            row.responses,
            row.suppressed,
            row.mean_clarity,
            row.mean_pace,
            row.mean_practice,
            row.low_pct,
        )


def _problems(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    for row in report.problems:
        yield (
            row.rank,
            row.course_title,
            row.module_title,
            row.lesson_id,
            row.lesson_title,
            row.responses,
            row.mean_clarity,
            row.mean_pace,
            row.mean_practice,
            row.low_pct,
            row.unclear_pct,
            row.score,
        )


def _loop(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    loop = report.loop
    yield (
        loop.items,
        loop.answered,
        _hours(loop.median_first_response),
        _hours(loop.p90_first_response),
        loop.within_sla,
        loop.late,
        loop.overdue,
        loop.pending,
        loop.within_sla_pct,
        loop.open,
        loop.actions_published,
        *(count for _value, _label, count in loop.by_status),
    )


def _owners(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    for row in report.owners:
        yield (row.owner, row.open, row.overdue)


def _comments(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    for row in report.comments:
        yield (
            row.created_at,
            row.course_title,
            row.lesson_title,
            row.is_anonymous,
            row.author,
            row.comment,
            row.status,
            row.owner,
        )


def _tags(report: FeedbackReport) -> Iterable[tuple[Any, ...]]:
    if report.tags_suppressed:
        yield (None, None, None, None, True)
    for row in report.tags:
        yield (row.key, row.label, row.count, row.pct, False)


def _status_columns() -> tuple[str, ...]:
    from reviews.models import FeedbackResponse

    return tuple(f"status_{value}" for value in FeedbackResponse.Status.values)


MEANS = ("mean_clarity", "mean_pace", "mean_practice")
TABLES: dict[str, CsvTable] = {
    table.name: table
    for table in (
        CsvTable(
            "courses",
            _("Courses"),
            (
                "course",
                "title",
                "enrolled",
                "lessons",
                "responses",
                "response_rate",
                "suppressed",
                *MEANS,
                "low_pct",
            ),
            _courses,
        ),
        CsvTable(
            "participation",
            _("Participation by lesson"),
            (
                "course_title",
                "module_title",
                "lesson_id",
                "lesson_title",
                "instructor",
                "enrolled",
                "responded",
                "response_rate",
            ),
            _participation,
        ),
        CsvTable(
            "questions",
            _("Rating questions"),
            (
                "question",
                "n",
                "suppressed",
                *(f"count_{v}" for v in RATING_VALUES),
                *(f"pct_{v}" for v in RATING_VALUES),
                "mean",
                "median",
                "interpolated_median",
                "sd",
            ),
            _questions,
        ),
        CsvTable(
            "nps",
            _("Net Promoter Score"),
            (
                "n",
                "suppressed",
                "promoters",
                "passives",
                "detractors",
                "promoters_pct",
                "passives_pct",
                "detractors_pct",
                "nps",
            ),
            _nps,
        ),
        CsvTable(
            "trend",
            _("Trend by week"),
            ("week_start", "responses", "suppressed", *MEANS, "low_pct"),
            _trend,
        ),
        CsvTable(
            "problems",
            _("Lessons ranked by problems"),
            (
                "rank",
                "course_title",
                "module_title",
                "lesson_id",
                "lesson_title",
                "responses",
                *MEANS,
                "low_pct",
                "unclear_pct",
                "score",
            ),
            _problems,
        ),
        CsvTable(
            "loop",
            _("Loop health"),
            (
                "items",
                "answered",
                "median_first_response_hours",
                "p90_first_response_hours",
                "within_sla",
                "late",
                "overdue",
                "pending",
                "within_sla_pct",
                "open",
                "actions_published",
                *_status_columns(),
            ),
            _loop,
        ),
        CsvTable("owners", _("Open and overdue by owner"), ("owner", "open", "overdue"), _owners),
        CsvTable(
            "comments",
            _("Latest comments"),
            (
                "created_at",
                "course_title",
                "lesson_title",
                "is_anonymous",
                "author",
                "comment",
                "status",
                "owner",
            ),
            _comments,
        ),
        CsvTable("tags", _("Top tags"), ("key", "label", "count", "pct", "suppressed"), _tags),
    )
}


def table_csv(report: FeedbackReport, name: str) -> str:
    """Table ``name`` (a key of ``TABLES``) of ``report`` as CSV text, with the BOM."""
    table = TABLES[name]
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows(report):
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()
