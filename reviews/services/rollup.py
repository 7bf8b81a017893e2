"""Keeping the lecture-feedback rollup (``reviews.rollup_models``) exact.

A group is one (course, lesson, site day). Every service that writes lecture feedback calls
``feedback_rollup_refresh`` with the groups it touched (before and after the write), in its own
transaction; the refresh locks each group's row (created first with ON CONFLICT DO NOTHING, so
two first writers cannot both insert it), in a fixed order (no deadlock between two writers),
and only then recounts the group from the feedback rows with one aggregate query. Under READ
COMMITTED that query starts after the lock is granted, so it sees every write committed by the
writer that held the lock before: concurrent writers cannot leave a group stale.

Bulk loaders (``courses.demo_data``, fixtures, scripts that ``bulk_create`` feedback) call
``feedback_rollup_rebuild`` instead: the whole rollup, or one course's, recomputed with
INSERT … SELECT aggregate SQL (``manage.py feedback_rollup_rebuild``).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateField, F, QuerySet, Value
from django.db.models.functions import TruncDate, TruncWeek

from reviews.models import LectureFeedback, LessonFeedbackDay, LessonFeedbackDayTag
from reviews.rollup_models import feedback_counts

if TYPE_CHECKING:
    from courses.models import Course


@dataclass(frozen=True, order=True)
class RollupKey:
    """One group of the rollup: a lesson's feedback of one site day (in one course)."""

    course_id: int
    lesson_id: int
    day: date


@dataclass(frozen=True)
class RollupRebuilt:
    days: int  # LessonFeedbackDay rows in scope after the rebuild (lesson-days with feedback)
    tags: int  # LessonFeedbackDayTag rows in scope after the rebuild


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def feedback_rollup_keys(*, feedback: Iterable[LectureFeedback]) -> set[RollupKey]:
    """The groups the given (saved) feedback rows count in, in the current site time zone;
    feedback not about a lesson counts in none."""
    zone = _zone()
    return {
        RollupKey(item.course_id, item.lesson_id, item.created_at.astimezone(zone).date())
        for item in feedback
        if item.lesson_id is not None
    }


def _bounds(day: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """The site day as instants [midnight, next midnight) (DST-correct)."""
    return (
        datetime.combine(day, time.min, tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
    )


def _locked_row(key: RollupKey, zone_name: str) -> int:
    """The id of the group's row, created if missing, locked until the transaction ends."""
    lookup = {"time_zone": zone_name, "course_id": key.course_id, "lesson_id": key.lesson_id, "day": key.day}
    week = key.day - timedelta(days=key.day.weekday())
    # A rebuild may delete the row between the insert and the lock: then insert again.
    for _attempt in range(3):
        LessonFeedbackDay.objects.bulk_create([LessonFeedbackDay(**lookup, week=week)], ignore_conflicts=True)
        locked = LessonFeedbackDay.objects.select_for_update().filter(**lookup)
        found = list(locked.values_list("pk", flat=True))
        if found:
            return found[0]
    raise RuntimeError(f"could not lock the feedback rollup row of {key}")


def _recount(key: RollupKey, row_id: int, zone: zoneinfo.ZoneInfo) -> None:
    start, end = _bounds(key.day, zone)
    in_group = {
        "course_id": key.course_id,
        "lesson_id": key.lesson_id,
        "created_at__gte": start,
        "created_at__lt": end,
    }
    counts = LectureFeedback.objects.filter(**in_group).order_by().aggregate(**feedback_counts())
    LessonFeedbackDay.objects.filter(pk=row_id).update(**counts)
    tagged = (
        LectureFeedback.tags.through.objects.filter(
            **{f"lecturefeedback__{name}": value for name, value in in_group.items()}
        )
        .order_by()
        .values("feedbacktag_id")
        .annotate(n=Count("pk"))
    )
    lookup = {"time_zone": zone.key, "course_id": key.course_id, "lesson_id": key.lesson_id, "day": key.day}
    LessonFeedbackDayTag.objects.filter(**lookup).delete()
    LessonFeedbackDayTag.objects.bulk_create(
        [LessonFeedbackDayTag(**lookup, tag_id=row["feedbacktag_id"], responses=row["n"]) for row in tagged]
    )


def feedback_rollup_refresh(*, keys: Iterable[RollupKey]) -> None:
    """Recount the rollup groups ``keys`` from the feedback rows as they are now (in the
    caller's transaction, atomic). Call it after every write of lecture feedback, with the
    groups of the rows before and after the write (``feedback_rollup_keys``). Serialised per
    group by a row lock held until the transaction ends; groups are locked in key order. A
    group whose feedback is all gone keeps a row of zeros. No keys, no queries."""
    ordered = sorted(set(keys))
    if not ordered:
        return
    zone = _zone()
    with transaction.atomic():
        for key in ordered:
            _recount(key, _locked_row(key, zone.key), zone)


ALIAS = "rollup_"  # annotation names may not clash with LectureFeedback's own fields
KEY = ("course", "lesson", "day", "time_zone")  # the unique constraint of both tables (and "tag")


def _synchronise(model: type, queryset: QuerySet, *, key: tuple[str, ...], course: Course | None) -> int:
    """Make ``model``'s rows (of ``course``, or all) equal to the rows of ``queryset``, whose
    annotations are named ``rollup_<field>`` after the fields they fill: the aggregate computed
    once into a temporary table; rows it no longer has deleted; the others inserted, or updated
    where a count differs (an unchanged row gets no new version: a rebuild over an exact rollup
    writes nothing and leaves no dead rows behind). Returns the rollup's rows in scope."""
    aliases = list(queryset.query.annotation_select)
    if queryset.query.values_select or not all(alias.startswith(ALIAS) for alias in aliases):
        raise RuntimeError(f"a rollup SELECT has only rollup_* columns, not {queryset.query.values_select}")
    q = connection.ops.quote_name
    column = {alias: model._meta.get_field(alias.removeprefix(ALIAS)).column for alias in aliases}
    key_aliases = [f"{ALIAS}{name}" for name in key]
    counted = [column[alias] for alias in aliases if alias not in key_aliases]
    table, new = q(model._meta.db_table), q(f"{model._meta.db_table}_new")
    scope, scope_params = ("1 = 1", []) if course is None else (f"{q('course_id')} = %s", [course.pk])
    sql, params = queryset.query.sql_with_params()
    same_group = " AND ".join(f"n.{q(alias)} = {table}.{q(column[alias])}" for alias in key_aliases)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {new}")
        cursor.execute(f"CREATE TEMPORARY TABLE {new} AS {sql}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {new}")  # temporary tables are never analysed by autovacuum
        else:  # SQLite runs the NOT EXISTS below as a nested loop
            index = q(f"{model._meta.db_table}_new_key")
            cursor.execute(f"CREATE INDEX {index} ON {new} ({', '.join(map(q, key_aliases))})")
        cursor.execute(
            f"DELETE FROM {table} WHERE {scope} AND NOT EXISTS (SELECT 1 FROM {new} n WHERE {same_group})",  # noqa: S608
            scope_params,
        )
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(q(column[alias]) for alias in aliases)}) "  # noqa: S608
            f"SELECT {', '.join(map(q, aliases))} FROM {new} WHERE 1 = 1 "
            f"ON CONFLICT ({', '.join(q(column[alias]) for alias in key_aliases)}) DO UPDATE SET "
            + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in counted)
            + " WHERE "
            + " OR ".join(f"{table}.{q(c)} <> excluded.{q(c)}" for c in counted)
        )
        cursor.execute(f"SELECT COUNT(*) FROM {new}")  # noqa: S608
        rows = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {new}")
    return rows


def _group(zone: zoneinfo.ZoneInfo, prefix: str = "") -> dict[str, Any]:
    """The group columns as annotations over LectureFeedback (``prefix``: the path to it)."""
    return {
        f"{ALIAS}time_zone": Value(zone.key),
        f"{ALIAS}course": F(f"{prefix}course_id"),
        f"{ALIAS}lesson": F(f"{prefix}lesson_id"),
        f"{ALIAS}day": TruncDate(f"{prefix}created_at", tzinfo=zone),
    }


@transaction.atomic
def feedback_rollup_rebuild(*, course: Course | None = None) -> RollupRebuilt:
    """Recompute the rollup from the feedback rows, for every course or for ``course``, in the
    current site time zone, with two aggregate statements (INSERT … SELECT): groups that
    changed are rewritten, groups without feedback and rows of another time zone deleted,
    exact groups left alone. For bulk loaders, which write feedback around the services, and
    after a change of ``settings.TIME_ZONE``. On PostgreSQL, writers of feedback wait until it
    commits (EXCLUSIVE lock on the rollup tables); the report's reads are not blocked."""
    zone = _zone()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {LessonFeedbackDay._meta.db_table}, {LessonFeedbackDayTag._meta.db_table} "
                "IN EXCLUSIVE MODE"
            )
    feedback = LectureFeedback.objects.filter(lesson__isnull=False).order_by()
    tagged = LectureFeedback.tags.through.objects.filter(lecturefeedback__lesson__isnull=False).order_by()
    if course is not None:
        feedback = feedback.filter(course=course)
        tagged = tagged.filter(lecturefeedback__course=course)
    week = {f"{ALIAS}week": TruncWeek("created_at", tzinfo=zone, output_field=DateField())}
    counts = {f"{ALIAS}{name}": aggregate for name, aggregate in feedback_counts().items()}
    days = _synchronise(
        LessonFeedbackDay, feedback.values(**_group(zone), **week).annotate(**counts), key=KEY, course=course
    )
    per_tag = tagged.values(**_group(zone, "lecturefeedback__"), **{f"{ALIAS}tag": F("feedbacktag_id")})
    tags = _synchronise(
        LessonFeedbackDayTag,
        per_tag.annotate(**{f"{ALIAS}responses": Count("pk")}),
        key=(*KEY, "tag"),
        course=course,
    )
    return RollupRebuilt(days=days, tags=tags)
