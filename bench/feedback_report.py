"""``python -m bench.feedback_report``: the staff feedback report on at least a million feedback rows.

1. PostgreSQL on 127.0.0.1 (the benchmark's own database ``kafedra_bench_report``: created when
   missing, migrated every run; never the pages benchmark's ``kafedra_bench``).
2. Data: when the database holds fewer than ``BENCH_REPORT_MIN_ROWS`` (1,000,000) lecture-feedback
   rows, it is dropped, recreated, migrated and filled by ``manage.py make_demo_data`` (about ten
   minutes; it rebuilds the report's rollup at the end), then ``VACUUM ANALYZE``; otherwise the
   data is reused as it is.
3. The report's per-lesson, per-day rollup (``reviews.rollup_models``) checked and corrected by
   ``feedback_rollup_rebuild`` (timed: every group recomputed from the feedback rows; only
   groups that differ are written), then ``VACUUM ANALYZE`` of the rollup tables; and the write
   path timed: recounting one group as every feedback submit does (in a transaction rolled
   back).
4. Three scenarios, each run in this process, warm (one unmeasured run first), ``BENCH_REPORT_RUNS``
   (5) times: the whole report (``feedback_report_build``: every query and the assembly) for all
   courses, for one course, and for all courses over the last four weeks of data; then the whole
   HTML page (Django test client, a staff user: middleware, queries, templates) three times; then
   the database CPU time of one report with parallel query off (``/proc/<backend>/stat``), which
   does not depend on how busy the machine is; and, for the first scenario, the wall time of
   each statement of one report.
5. The ``feedback-report`` section of BENCHMARKS.md is rewritten (between its markers only).

Environment: ``BENCH_REPORT_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/
kafedra_bench_report``), ``BENCH_REPORT_RUNS``, ``BENCH_REPORT_MIN_ROWS``.

Exit status 0 when measured, 2 when it could not run (no PostgreSQL, generation failed).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess  # noqa: S404 - our own manage.py and the local psql
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from bench.options import BASE_DIR
from bench.report import markdown_table, section_write

SECTION = "feedback-report"
SETTINGS_MODULE = "config.settings.bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kafedra_bench_report"
# --students × --feedback-per-student = 1,000,000 feedback items on 50 courses (25 lessons each).
GENERATE = ("--students", "20000", "--courses", "50", "--feedback-per-student", "50")
PERIOD_DAYS = 28
BUDGET_MS = 1000  # DESIGN.md: "well under a second"
STAFF_USERNAME = "bench-report-staff"


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True)
class Database:
    url: str

    @property
    def name(self) -> str:
        return urlparse(self.url).path.lstrip("/")

    def psql(self, sql: str, *, database: str | None = None) -> str:
        parsed = urlparse(self.url)
        command = [
            "psql", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
            "-U", parsed.username or "postgres", "-d", database or self.name, "-v", "ON_ERROR_STOP=1",
            "-tAq", "-c", sql,
        ]  # fmt: skip
        completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603, S607
        if completed.returncode != 0:
            raise BenchError(f"psql failed: {sql}\n{completed.stderr.strip()}")
        return completed.stdout.strip()

    def exists(self) -> bool:
        query = f"SELECT 1 FROM pg_database WHERE datname = '{self.name}'"  # noqa: S608 - our own name
        return self.psql(query, database="postgres") == "1"

    def create(self) -> None:
        self.psql(f'CREATE DATABASE "{self.name}"', database="postgres")

    def recreate(self) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', database="postgres")
        self.create()


def _env(database: Database) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE=SETTINGS_MODULE, BENCH_DATABASE_URL=database.url, PYTHONUNBUFFERED="1")
    return env


def _manage(*args: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    log = BASE_DIR / "var" / "bench" / f"feedback-report-{args[0]}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(completed.stdout + completed.stderr)
    if completed.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed (log: {log})")
    return time.monotonic() - started


def _feedback_rows(database: Database) -> int:
    found = database.psql("SELECT to_regclass('reviews_lecturefeedback') IS NOT NULL")
    return int(database.psql("SELECT count(*) FROM reviews_lecturefeedback")) if found == "t" else 0


def prepare(database: Database, *, min_rows: int, notes: list[str]) -> None:
    """The database migrated and holding at least ``min_rows`` feedback rows."""
    env = _env(database)
    if not database.exists():
        database.create()
    notes.append(f"migrate: {_manage('migrate', '--no-input', env=env):.0f}s")
    rows = _feedback_rows(database)
    if rows >= min_rows:
        notes.append(f"data reused: {rows:,} feedback rows already in {database.name}")
        return
    print(f"== {rows:,} feedback rows < {min_rows:,}: regenerating {database.name}", flush=True)
    database.recreate()
    _manage("migrate", "--no-input", env=env)
    seconds = _manage("make_demo_data", *GENERATE, "--force", env=env)
    notes.append(f"make_demo_data {' '.join(GENERATE)}: {seconds / 60:.1f} min")
    started = time.monotonic()
    database.psql("VACUUM ANALYZE")
    notes.append(f"VACUUM ANALYZE: {time.monotonic() - started:.0f}s")


# --- measuring (in-process, after django.setup()) -------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    scenario: str
    rows_in_scope: int
    queries: int
    build_ms: list[float]
    page_ms: list[float]
    page_queries: int
    db_cpu_ms: float | None


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm: connection, plans, buffers
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _backend_cpu_ms(fn: Callable[[], object]) -> float | None:
    """Database CPU time of ``fn`` with parallel query off: user + system time of this
    connection's backend process (readable when PostgreSQL runs on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    stat = f"/proc/{pid}/stat"
    if not os.path.exists(stat):
        return None

    def ticks() -> int:
        fields = open(stat).read().rsplit(")", 1)[1].split()  # noqa: SIM115, PTH123
        return int(fields[11]) + int(fields[12])

    try:
        fn()  # warm
        before = ticks()
        fn()
        return (ticks() - before) * 1000 / os.sysconf("SC_CLK_TCK")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET max_parallel_workers_per_gather")


def _scenarios() -> list[tuple[str, object, dict[str, str]]]:
    from django.db.models import Max

    from courses.models import Course
    from reviews.models import LectureFeedback
    from reviews.reports.filters import ReportFilter, site_time_zone

    course = Course.objects.filter(slug__startswith="demo-course-").order_by("slug").first()
    if course is None:
        raise BenchError("no demo course in the database")
    last = LectureFeedback.objects.aggregate(last=Max("created_at"))["last"]
    end = last.astimezone(site_time_zone()).date()
    start = end - timedelta(days=PERIOD_DAYS - 1)
    return [
        ("all courses, all time", ReportFilter(), {}),
        (
            f"one course ({course.slug}), all time",
            ReportFilter(course_ids=(course.pk,)),
            {"course": course.slug},
        ),
        (
            f"all courses, {start:%Y-%m-%d} – {end:%Y-%m-%d} ({PERIOD_DAYS} days)",
            ReportFilter(start=start, end=end),
            {"from": f"{start:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}"},
        ),
    ]


def measure(*, runs: int) -> list[Measurement]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from reviews.models import LectureFeedback
    from reviews.reports.report import feedback_report_build

    staff, _ = get_user_model().objects.get_or_create(
        username=STAFF_USERNAME, defaults={"is_staff": True, "email": f"{STAFF_USERNAME}@kafedra.example"}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    url = reverse("reports:feedback-report")
    results = []
    # Templates link static files; the manifest needs collectstatic, which this in-process
    # measurement does not run (the lookup is the same dictionary access either way).
    plain_static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    for label, report_filter, params in _scenarios():
        print(f"== {label}", flush=True)
        rows = LectureFeedback.objects.filter(report_filter.feedback_q()).count()
        with CaptureQueriesContext(connection) as captured:
            feedback_report_build(report_filter=report_filter)
        # Counted now: captured queries are read from the connection's log, which a request clears.
        queries = _selects(captured)
        build = _timed(lambda f=report_filter: feedback_report_build(report_filter=f), runs)

        def page(params: dict[str, str] = params) -> None:
            response = client.get(url, params)
            if response.status_code != 200:
                raise BenchError(f"GET {url} {params} answered {response.status_code}")

        with override_settings(STORAGES={**_storages(), **plain_static}):
            with CaptureQueriesContext(connection) as page_captured:
                page()
            page_queries = _selects(page_captured)
            page_ms = _timed(page, 3)
        cpu = _backend_cpu_ms(lambda f=report_filter: feedback_report_build(report_filter=f))
        results.append(Measurement(label, rows, queries, build, page_ms, page_queries, cpu))
        print(
            f"   report median {statistics.median(build):.0f} ms, "
            f"page median {statistics.median(page_ms):.0f} ms, {queries} queries, db cpu {cpu} ms",
            flush=True,
        )
    return results


def _selects(captured) -> int:
    """The SELECT statements (not BEGIN, SET, COMMIT) among captured queries."""
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].lstrip(" (").upper().startswith("SELECT") and "set_config(" not in query["sql"]
    )


def _storages() -> dict:
    from django.conf import settings

    return dict(settings.STORAGES)


# --- the rollup -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rollup:
    rebuild_s: float
    days: int
    tags: int
    days_size: str
    tags_size: str
    refresh_ms: list[float]  # one group recounted, as a feedback submit does


def rollup_rebuild(database: Database) -> Rollup:
    """Rebuild the rollup from every feedback row (timed; exact groups are left as they are),
    vacuum it, and time the write path: recounting one group under its row lock, in a
    transaction rolled back."""
    from django.db import transaction

    from reviews.models import LectureFeedback
    from reviews.services import feedback_rollup_keys, feedback_rollup_rebuild, feedback_rollup_refresh

    started = time.perf_counter()
    rebuilt = feedback_rollup_rebuild()
    rebuild_s = time.perf_counter() - started
    for table in ("reviews_lessonfeedbackday", "reviews_lessonfeedbackdaytag"):
        database.psql(f"VACUUM ANALYZE {table}")
    sample = LectureFeedback.objects.filter(lesson__isnull=False).order_by("-pk")[:6]
    timings = []
    for item in sample:
        keys = feedback_rollup_keys(feedback=[item])
        with transaction.atomic():
            before = time.perf_counter()
            feedback_rollup_refresh(keys=keys)
            timings.append((time.perf_counter() - before) * 1000)
            transaction.set_rollback(True)

    def size(table: str) -> str:
        return database.psql(f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))")

    return Rollup(
        rebuild_s=rebuild_s,
        days=rebuilt.days,
        tags=rebuilt.tags,
        days_size=size("reviews_lessonfeedbackday"),
        tags_size=size("reviews_lessonfeedbackdaytag"),
        refresh_ms=timings[1:],  # the first warms the connection and the plans
    )


def statement_times(report_filter: object) -> list[tuple[float, str]]:
    """Wall ms of each statement of one (warm) report, slowest first, with what it computes."""
    from django.db import connection

    from reviews.reports.report import feedback_report_build

    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(((time.perf_counter() - started) * 1000, sql))

    feedback_report_build(report_filter=report_filter)
    with connection.execute_wrapper(timed):
        feedback_report_build(report_filter=report_filter)
    return sorted(
        (
            (ms, _describe(sql))
            for ms, sql in timings
            if sql.lstrip("(").upper().startswith("SELECT") and "set_config(" not in sql
        ),
        reverse=True,
    )


# What each statement of the report computes, recognised by a fragment of its SQL (first match).
STATEMENTS = (
    ('MIN("reviews_lessonfeedbackday"."time_zone")', "rollup: are its days the site's? (min/max zone)"),
    ('"reviews_lessonfeedbackday"."week"', "rollup: per week (trend)"),
    ('"reviews_lessonfeedbackday"."lesson_id" AS', "rollup: per lesson (every feedback table)"),
    ('"reviews_feedbacktag"."key" = ', "rollup tags: “unclear” per lesson"),
    ('"reviews_lessonfeedbackdaytag"."tag_id" AS', "rollup tags: per tag (top tags)"),
    ('"part"', "inbox: median and p90 time to first response (index)"),
    ('"reviews_feedbackresponse"."owner_id" AS', "inbox: counts per owner and status (index only)"),
    ('COUNT(*) AS "__count" FROM "reviews_feedbackresponse"', "inbox: actions published (partial index)"),
    ("courses_enrollment", "enrollments per course"),
    ("reviews_review", "reviews: rating and NPS counts"),
    ('"reviews_lecturefeedback"."comment"', "latest comments (feedback rows)"),
    ('"lessons_lesson"."id" AS "pk"', "lessons in scope (participation)"),
    ("reviews_feedbacktag", "tag keys and labels"),
    ("courses_course", "course titles"),
)


def _describe(sql: str) -> str:
    return next((label for fragment, label in STATEMENTS if fragment in sql), sql[:60])


# --- the report ---------------------------------------------------------------------------------


def _settings_line(database: Database) -> str:
    names = ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit")
    values = ", ".join(f"{name} {database.psql(f'SHOW {name}')}" for name in names)
    return f"PostgreSQL {database.psql('SHOW server_version')} ({values})"


def _machine() -> str:
    cores = len(os.sched_getaffinity(0))
    with open("/proc/meminfo") as meminfo:  # noqa: PTH123
        kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    return (
        f"{cores} CPU cores, {kib / 1024 / 1024:.1f} GiB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def _table(results: list[Measurement]) -> str:
    def ms(values: list[float]) -> str:
        return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"

    rows = [
        [
            m.scenario,
            f"{m.rows_in_scope:,}",
            str(m.queries),
            ms(m.build_ms),
            ms(m.page_ms),
            str(m.page_queries),
            f"{m.db_cpu_ms:,.0f}" if m.db_cpu_ms is not None else "–",
            "yes" if statistics.median(m.build_ms) < BUDGET_MS else "**no**",
        ]
        for m in results
    ]
    header = [
        "scenario", "feedback rows in scope", "SELECTs", "report ms, median (min–max)",
        "page ms, median (min–max)", "page SELECTs", "DB CPU ms, serial", "report under 1 s?",
    ]  # fmt: skip
    return markdown_table(header, rows, right={1, 2, 3, 4, 5, 6})


def _row_counts() -> str:
    from django.apps import apps

    labels = [
        "reviews.LectureFeedback", "reviews.FeedbackResponse", "reviews.Review", "reviews.FeedbackTag",
        "courses.Enrollment", "courses.Course", "lessons.Lesson",
    ]  # fmt: skip
    counts = [f"{label} {apps.get_model(label).objects.count():,}" for label in labels]
    from reviews.models import LectureFeedback

    counts.insert(1, f"feedback tags (M2M) {LectureFeedback.tags.through.objects.count():,}")
    return ", ".join(counts)


def write_section(
    *,
    database: Database,
    started_at: str,
    load_before: tuple[float, float, float],
    baseline: list[Measurement],
    rollup: Rollup,
    statements: list[tuple[float, str]],
    notes: list[str],
    runs: int,
    elapsed_s: float,
) -> None:
    load_after = os.getloadavg()
    lines = [
        "## Staff feedback report on 1,000,000 feedback rows",
        "",
        f"Measured {started_at} by `python -m bench.feedback_report` (`bench/feedback_report.py`), "
        f"whole run {elapsed_s / 60:.1f} min. Budget (DESIGN.md): well under a second on PostgreSQL.",
        "",
        f"- **Machine:** {_machine()}; {_settings_line(database)}; database `{database.name}`.",
        f"- **Load average** (1/5/15 min) before: {' / '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {' / '.join(f'{x:.2f}' for x in load_after)} (other processes competing for the cores "
        "slow every wall-clock figure below; the DB CPU column does not depend on them).",
        f"- **Data (rows):** {_row_counts()}.",
        f"- **Measured:** in process, `config.settings.bench` (DEBUG off); *report* = "
        f"`feedback_report_build` (every query and the assembly), {runs} warm runs after one unmeasured; "
        "*page* = GET `/reports/feedback/` through the whole middleware stack as a staff user "
        "(queries + templates), 3 warm runs; *DB CPU* = user + system CPU of the PostgreSQL backend "
        "for one report with parallel query off (the work the database does, whatever the load).",
        "",
        "### The report, reading the per-lesson, per-day rollup",
        "",
        "Schema as migrated (`reviews` 0003–0004): the feedback figures (participation, the three "
        "rating questions' distribution, N, mean, median, SD, the weekly trend, the course table, "
        "lessons ranked by problems, top tags, small-group suppression) are sums over "
        "`LessonFeedbackDay` (per course, lesson and site day: responses, low ratings, the 1..5 "
        "counts of clarity, pace and practice; unique (course, lesson, day, time zone), indexes on "
        "(lesson, day), (day), (time zone)) and `LessonFeedbackDayTag` (responses per tag and group; "
        "index (tag, lesson, day) INCLUDE (course, responses)), kept exact by the feedback services. "
        "The inbox figures, the latest comments, enrollments and reviews read their own tables: the "
        "inbox counts per owner and status from the covering index `feedback_response_owner` "
        "(owner, status) INCLUDE (first_response_at, due_at, course, created_at) alone, the actions "
        "published from the partial index `feedback_response_action`, and the time-to-first-response "
        "median and 90th percentile from the index `feedback_response_waited` on "
        "(first_response_at − created_at), instead of sorting every answered item.",
        "",
        _table(baseline),
        "",
        f"Each statement of one report, all courses, all time (wall ms, one warm run; "
        f"{len(statements)} SELECTs, {sum(ms for ms, _ in statements):,.0f} ms in the database):",
        "",
        markdown_table(
            ["statement", "ms"],
            [[what, f"{ms:,.1f}"] for ms, what in statements],
            right={1},
        ),
        "",
        "### The rollup",
        "",
        markdown_table(
            ["measure", "value"],
            [
                ["rows: lesson-days / lesson-day tags", f"{rollup.days:,} / {rollup.tags:,}"],
                ["size with indexes: days / tags", f"{rollup.days_size} / {rollup.tags_size}"],
                [
                    "`feedback_rollup_rebuild` over the exact rollup: every group recomputed from "
                    "the feedback rows and compared (nothing to write)",
                    f"{rollup.rebuild_s:,.1f} s",
                ],
                [
                    "write path: one group recounted under its row lock (each feedback submit), "
                    "median (min–max)",
                    f"{statistics.median(rollup.refresh_ms):,.1f} ms "
                    f"({min(rollup.refresh_ms):,.1f}–{max(rollup.refresh_ms):,.1f})",
                ],
            ],
            right={1},
        ),
    ]
    lines += ["", "Setup: " + "; ".join(notes) + "."]
    section_write(BASE_DIR / "BENCHMARKS.md", SECTION, "\n".join(lines))


def main() -> int:
    started = time.monotonic()
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()
    database = Database(os.environ.get("BENCH_REPORT_DATABASE_URL", DEFAULT_URL))
    runs = int(os.environ.get("BENCH_REPORT_RUNS", "5"))
    min_rows = int(os.environ.get("BENCH_REPORT_MIN_ROWS", "1000000"))
    notes: list[str] = []
    try:
        print(f"== database {database.name}", flush=True)
        prepare(database, min_rows=min_rows, notes=notes)
        os.environ.update(_env(database))
        import django

        django.setup()
        print("== rebuilding the rollup", flush=True)
        rollup = rollup_rebuild(database)
        print(f"   {rollup.rebuild_s:.1f} s, {rollup.days:,} lesson-days, {rollup.tags:,} tags", flush=True)
        baseline = measure(runs=runs)
        statements = statement_times(_scenarios()[0][1])
    except BenchError as error:
        print(f"feedback report benchmark could not run: {error}", file=sys.stderr)
        return 2
    write_section(
        database=database,
        started_at=started_at,
        load_before=load_before,
        baseline=baseline,
        rollup=rollup,
        statements=statements,
        notes=notes,
        runs=runs,
        elapsed_s=time.monotonic() - started,
    )
    print("== BENCHMARKS.md: section feedback-report written", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
