"""The feedback report: the aggregate queries of ``reviews.reports.queries`` shaped into one
immutable ``FeedbackReport``, with the small-group rule (``reviews.reports.suppression``)
already applied, so that the page, the API and the CSV files show exactly the same figures and
none of them can show a suppressed one.

Anchors: Moodle's feedback analysis (per-item counts and percentages, averages), course-
evaluation reports (McGill: N, distribution, mean, median, interpolated median, SD, response
rate; trends, not rankings of instructors), Open edX FeedbackXBlock (the latest comments), NPS,
and closing the loop (time to first response, SLA, actions published).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.models import FeedbackResponse
from reviews.reports import queries, rollup
from reviews.reports.distribution import (
    interpolated_median,
    mean_from_counts,
    median_from_counts,
    percent,
    sample_sd_from_counts,
)
from reviews.reports.figures import (
    CommentRow,
    CourseRow,
    FeedbackReport,
    LessonParticipation,
    LoopHealth,
    NpsStats,
    OwnerRow,
    ProblemRow,
    QuestionStats,
    TagRow,
    WeekRow,
)
from reviews.reports.filters import ReportFilter
from reviews.reports.suppression import is_suppressed

QUESTION_LABELS = {
    "clarity": _("Clarity"),
    "pace": _("Pace"),
    "practice": _("Usefulness of practice"),
    "rating": _("Course rating (reviews)"),
}

QUESTION_FIELDS = queries.RATING_FIELDS
SUMMED = (
    "responses",
    "low",
    "unclear",
    *(f"{q}_{v}" for q in QUESTION_FIELDS for v in queries.RATING_VALUES),
)
TOP_TAGS = 10


def _sum(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """The counts of several groups (lessons) added up (counts add up exactly)."""
    total = dict.fromkeys(SUMMED, 0)
    for row in rows:
        for key in SUMMED:
            total[key] += row.get(key, 0)
    return total


def _counts(row: dict[str, Any], prefix: str) -> tuple[int, ...]:
    return tuple(row.get(f"{prefix}_{value}", 0) for value in queries.RATING_VALUES)


def _question(key: str, row: dict[str, Any], prefix: str) -> QuestionStats:
    counts = _counts(row, prefix)
    n = sum(counts)
    label = str(QUESTION_LABELS[key])
    if is_suppressed(n):
        return QuestionStats(key=key, label=label, n=n, suppressed=True)
    values = queries.RATING_VALUES
    return QuestionStats(
        key=key,
        label=label,
        n=n,
        suppressed=False,
        counts=counts,
        percents=tuple(percent(count, n) or 0.0 for count in counts),
        mean=mean_from_counts(counts, values),
        median=median_from_counts(counts, values),
        interpolated_median=interpolated_median(counts, values),
        sd=sample_sd_from_counts(counts, values),
    )


def _means(row: dict[str, Any]) -> dict[str, float | None]:
    return {f"mean_{q}": mean_from_counts(_counts(row, q), queries.RATING_VALUES) for q in QUESTION_FIELDS}


def _nps(row: dict[str, Any]) -> NpsStats:
    n = row["recommend_n"]
    if is_suppressed(n):
        return NpsStats(n=n, suppressed=True)
    promoters, passives, detractors = row["promoters"], row["passives"], row["detractors"]
    promoters_pct, detractors_pct = percent(promoters, n), percent(detractors, n)
    return NpsStats(
        n=n,
        suppressed=False,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        promoters_pct=promoters_pct,
        passives_pct=percent(passives, n),
        detractors_pct=detractors_pct,
        score=(promoters_pct or 0.0) - (detractors_pct or 0.0),
    )


def _mean(value: Any) -> float | None:
    return float(value) if value is not None else None


def _weeks(rows: list[dict[str, Any]]) -> tuple[WeekRow, ...]:
    """One row per week from the first to the last week with responses (empty weeks included,
    so a chart's x axis is time)."""
    by_week = {row["week"]: row for row in rows}
    if not by_week:
        return ()
    weeks, week = [], min(by_week)
    while week <= max(by_week):
        row = by_week.get(week)
        responses = row["responses"] if row else 0
        if row is None or is_suppressed(responses):
            weeks.append(WeekRow(week_start=week, responses=responses, suppressed=row is not None))
        else:
            weeks.append(
                WeekRow(
                    week_start=week,
                    responses=responses,
                    suppressed=False,
                    mean_clarity=_mean(row["mean_clarity"]),
                    mean_pace=_mean(row["mean_pace"]),
                    mean_practice=_mean(row["mean_practice"]),
                    low_pct=percent(row["low"], responses),
                )
            )
        week += timedelta(weeks=1)
    return tuple(weeks)


def _loop(f: ReportFilter, inbox: list[dict[str, Any]]) -> LoopHealth:
    row = queries.loop_totals_of(inbox, actions=queries.actions_published(f))
    median, p90 = queries.duration_percentiles(f, answered=row["answered"])
    decided = row["within_sla"] + row["late"] + row["overdue"]
    return LoopHealth(
        items=row["items"],
        answered=row["answered"],
        median_first_response=median,
        p90_first_response=p90,
        within_sla=row["within_sla"],
        late=row["late"],
        overdue=row["overdue"],
        pending=row["pending"],
        within_sla_pct=percent(row["within_sla"], decided),
        open=row["open"],
        actions_published=row["actions"],
        by_status=tuple(
            (value, str(label), row[f"status_{value}"]) for value, label in FeedbackResponse.Status.choices
        ),
    )


def _problems(
    lessons: dict[int, dict[str, Any]], info: dict[int, dict[str, Any]]
) -> tuple[tuple[ProblemRow, ...], int]:
    """Lessons with at least MIN_RESPONSES responses, worst first; and how many had fewer."""
    ranked, unranked = [], 0
    for lesson_id, row in lessons.items():
        if is_suppressed(row["responses"]):
            unranked += 1
            continue
        low_pct = percent(row["low"], row["responses"]) or 0.0
        unclear_pct = percent(row["unclear"], row["responses"]) or 0.0
        lesson = info.get(lesson_id, {})
        ranked.append(
            {
                "lesson_id": lesson_id,
                "course_title": lesson.get("course_title", ""),
                "module_title": lesson.get("module_title", ""),
                "lesson_title": lesson.get("title", ""),
                "responses": row["responses"],
                **_means(row),
                "low_pct": low_pct,
                "unclear_pct": unclear_pct,
                "score": (low_pct + unclear_pct) / 2,
            }
        )
    ranked.sort(
        key=lambda item: (-item["score"], -item["responses"], item["lesson_title"], item["lesson_id"])
    )
    rows = tuple(ProblemRow(rank=rank, **item) for rank, item in enumerate(ranked, start=1))
    return rows, unranked


def _top_tags(f: ReportFilter, responses: int, source: Any) -> tuple[TagRow, ...]:
    """The most used tag keys (tags are per course; across courses a key counts together)."""
    counts = source.tag_counts(f)
    tags = queries.tags_by_id([pk for pk, count in counts.items() if count])
    by_key: dict[str, dict[str, Any]] = {}
    for pk, tag in tags.items():
        entry = by_key.setdefault(tag["key"], {"key": tag["key"], "label": tag["label"], "count": 0})
        entry["count"] += counts[pk]
        entry["label"] = min(entry["label"], tag["label"])
    ordered = sorted(by_key.values(), key=lambda entry: (-entry["count"], entry["key"]))[:TOP_TAGS]
    return tuple(TagRow(**entry, pct=percent(entry["count"], responses)) for entry in ordered)


# Memory per sort/hash of the report's queries (PostgreSQL). The time-to-first-response
# percentiles used to sort every answered inbox item (with the default 4 MB that sort spilled to
# disk: 6.5 s instead of 0.7 s for 265k items); they now read an index, but a report over a
# scope the index cannot narrow may still sort, and the hash aggregates stay in memory.
REPORT_WORK_MEM = "64MB"


@contextmanager
def report_snapshot() -> Iterator[None]:
    """On PostgreSQL, outside a transaction: run the report's queries in one read-only
    REPEATABLE READ transaction, so every figure comes from the same snapshot (a reply landing
    between two queries cannot make the loop counts disagree), with ``REPORT_WORK_MEM``.
    Inside an existing transaction (tests) or on SQLite the queries simply run."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT set_config('work_mem', %s, true)", [REPORT_WORK_MEM])
        yield


def feedback_report_build(*, report_filter: ReportFilter, now: datetime | None = None) -> FeedbackReport:
    """The feedback report for ``report_filter`` (already authorized: see
    ``reviews.reports.filters.report_filter_parse``). Runs a fixed number of aggregate queries
    (fourteen when some inbox items were answered; one more on SQLite), whatever the amount of
    data, from one snapshot (see ``report_snapshot``); the feedback figures come from the
    rollup (``reviews.reports.rollup``). ``now`` decides which unanswered items are overdue
    (default: the current time)."""
    with report_snapshot():
        return _build(report_filter, now or timezone.now())


def _build(f: ReportFilter, now: datetime) -> FeedbackReport:
    # The feedback aggregates: from the per-lesson, per-day rollup, or from the feedback rows
    # while the rollup's days are of another time zone (same functions, same rows).
    source: Any = rollup if rollup.rollup_usable() else queries
    unclear = source.unclear_by_lesson(f)
    lessons = {
        row["lesson_id"]: {**row, "unclear": unclear.get(row["lesson_id"], 0)}
        for row in source.lesson_rows(f)
    }
    enrolled = queries.enrolled_by_course(f)
    lesson_info = {row["pk"]: row for row in queries.lessons_in_scope(f, with_responses=list(lessons))}

    by_course: dict[int, list[dict[str, Any]]] = {}
    for row in lessons.values():
        by_course.setdefault(row["course_id"], []).append(row)
    lesson_count: dict[int, int] = {}
    for info in lesson_info.values():
        lesson_count[info["course_id"]] = lesson_count.get(info["course_id"], 0) + 1
    in_scope = set(by_course) | set(lesson_count)
    if not f.below_course:
        in_scope |= set(enrolled)  # courses nobody has answered in yet still have a response rate
    course_ids = sorted(in_scope)
    course_info = queries.courses_by_id(course_ids)
    # Every enrolled student may rate every lesson: (enrolled × lessons) possible responses.
    possible = {pk: enrolled.get(pk, 0) * lesson_count.get(pk, 0) for pk in course_ids}

    total = _sum(lessons.values())
    responses = total["responses"]
    questions = [_question(key, total, key) for key in QUESTION_FIELDS]
    nps = None
    if not f.below_course:
        reviews = queries.review_totals(f)
        questions.append(_question("rating", reviews, "rating"))
        nps = _nps(reviews)

    course_rows = []
    for pk in course_ids:
        row = _sum(by_course.get(pk, []))
        base = {
            "course_id": pk,
            "slug": course_info[pk]["slug"],
            "title": course_info[pk]["title"],
            "enrolled": enrolled.get(pk, 0),
            "lessons": lesson_count.get(pk, 0),
            "responses": row["responses"],
            "response_rate": percent(row["responses"], possible[pk]),
        }
        if is_suppressed(row["responses"]):
            course_rows.append(CourseRow(**base, suppressed=True))
        else:
            course_rows.append(
                CourseRow(
                    **base, suppressed=False, **_means(row), low_pct=percent(row["low"], row["responses"])
                )
            )

    participation = tuple(
        LessonParticipation(
            lesson_id=pk,
            course_title=info["course_title"],
            module_title=info["module_title"],
            lesson_title=info["title"],
            instructor=info["instructor"] or "",
            enrolled=enrolled.get(info["course_id"], 0),
            responded=lessons.get(pk, {}).get("responses", 0),
            response_rate=percent(
                lessons.get(pk, {}).get("responses", 0), enrolled.get(info["course_id"], 0)
            ),
        )
        for pk, info in lesson_info.items()
    )
    problems, unranked = _problems(lessons, lesson_info)
    tags_suppressed = is_suppressed(responses)
    comments = tuple(
        CommentRow(
            created_at=row["created_at"],
            course_title=row["course_title"],
            lesson_title=row["lesson_title"] or "",
            comment=row["comment"],
            is_anonymous=row["is_anonymous"],
            author=None if row["is_anonymous"] else row["author"],
            status=row["status"],
            status_label=_status_label(row["status"]),
            owner=row["owner"],
        )
        for row in queries.latest_comments(f)
    )
    inbox = queries.inbox_counts(f, now=now)
    owners = tuple(
        OwnerRow(owner=row["owner"], open=row["open"], overdue=row["overdue"])
        for row in queries.owner_rows_of(inbox)
    )
    return FeedbackReport(
        report_filter=f,
        generated_at=now,
        responses=responses,
        enrolled=sum(enrolled.get(pk, 0) for pk in course_ids),
        lessons=len(lesson_info),
        response_rate=percent(responses, sum(possible.values())),
        questions=tuple(questions),
        reviews_apply=not f.below_course,
        nps=nps,
        courses=tuple(course_rows),
        participation=participation,
        trend=_weeks(source.weekly_rows(f)),
        problems=problems,
        unranked_lessons=unranked,
        loop=_loop(f, inbox),
        owners=owners,
        comments=comments,
        tags=() if tags_suppressed else _top_tags(f, responses, source),
        tags_suppressed=tags_suppressed,
    )


def _status_label(status: str | None) -> str:
    return str(FeedbackResponse.Status(status).label) if status else str(_("No inbox item"))
