"""``python -m bench.feedback_report``: the staff feedback report on at least a million feedback rows.

1. PostgreSQL on 127.0.0.1 (the benchmark's own database ``kafedra_bench_report``: created when
   missing, migrated every run; never the pages benchmark's ``kafedra_bench``).
2. Data: when the database holds fewer than ``BENCH_REPORT_MIN_ROWS`` (1,000,000) lecture-feedback
   rows, it is dropped, recreated, migrated and filled by ``manage.py make_demo_data`` (about a
   quarter of an hour), then ``VACUUM ANALYZE``; otherwise the data is reused as it is.
3. Three scenarios, each run in this process, warm (one unmeasured run first), ``BENCH_REPORT_RUNS``
   (5) times: the whole report (``feedback_report_build``: every query and the assembly) for all
   courses, for one course, and for all courses over the last four weeks of data; then the whole
   HTML page (Django test client, a staff user: middleware, queries, templates) three times; then
   the database CPU time of one report with parallel query off (``/proc/<backend>/stat``), which
   does not depend on how busy the machine is.
4. The same again with candidate covering indexes (``CANDIDATE_INDEXES``), created by hand for
   the measurement and dropped afterwards (a migration adding them must apply cleanly).
5. The rollup proposal (``ROLLUP_SQL``): a per-lesson, per-day table of the 1..5 counts, built
   by hand as a temporary table; its build time and the report's feedback aggregates over it.
6. The ``feedback-report`` section of BENCHMARKS.md is rewritten (between its markers only).

Environment: ``BENCH_REPORT_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/
kafedra_bench_report``), ``BENCH_REPORT_RUNS``, ``BENCH_REPORT_MIN_ROWS``,
``BENCH_REPORT_SKIP_CANDIDATES=1`` (measure the schema as migrated only).

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

# Covering indexes that could serve the report's scans (one course; a period) with index-only
# scans. Measured, not assumed: BENCHMARKS.md says whether they pay for themselves.
CANDIDATE_INDEXES = {
    "feedback_report_created": (
        "CREATE INDEX IF NOT EXISTS feedback_report_created ON reviews_lecturefeedback "
        "(created_at) INCLUDE (course_id, lesson_id, clarity, pace, practice) WHERE lesson_id IS NOT NULL"
    ),
    "feedback_report_course": (
        "CREATE INDEX IF NOT EXISTS feedback_report_course ON reviews_lecturefeedback "
        "(course_id, created_at) INCLUDE (lesson_id, clarity, pace, practice) WHERE lesson_id IS NOT NULL"
    ),
    "feedback_response_report": (
        "CREATE INDEX IF NOT EXISTS feedback_response_report ON reviews_feedbackresponse "
        "(course_id, created_at) INCLUDE (status, due_at, first_response_at, owner_id)"
    ),
}


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
        if query["sql"].lstrip().upper().startswith("SELECT") and "set_config(" not in query["sql"]
    )


def _storages() -> dict:
    from django.conf import settings

    return dict(settings.STORAGES)


# The rollup proposal, as SQL over the raw table (site time zone: config.settings.base).
ROLLUP_SQL = """
CREATE TEMP TABLE bench_feedback_lesson_day AS
SELECT course_id, lesson_id, (created_at AT TIME ZONE %(zone)s)::date AS day,
       count(*) AS responses,
       count(*) FILTER (WHERE clarity <= 2 OR pace <= 2 OR practice <= 2) AS low,
       {counts}
FROM reviews_lecturefeedback WHERE lesson_id IS NOT NULL GROUP BY 1, 2, 3
"""
ROLLUP_QUERIES = {
    "per lesson, all time": "SELECT lesson_id, {sums} FROM bench_feedback_lesson_day GROUP BY 1",
    "per week, all time": "SELECT date_trunc('week', day), {sums} FROM bench_feedback_lesson_day GROUP BY 1",
    "per lesson, last 28 days": (
        "SELECT lesson_id, {sums} FROM bench_feedback_lesson_day "
        "WHERE day > (SELECT max(day) - 28 FROM bench_feedback_lesson_day) GROUP BY 1"
    ),
}


def rollup_estimate() -> list[tuple[str, float, float]]:
    """Build the rollup by hand (a temporary table) and time the report's aggregates over it:
    (step, wall ms, serial DB CPU ms)."""
    from django.conf import settings
    from django.db import connection

    columns = [f"{q}_{v}" for q in ("clarity", "pace", "practice") for v in range(1, 6)]
    counts = ", ".join(f"count(*) FILTER (WHERE {c.rsplit('_', 1)[0]} = {c[-1]}) AS {c}" for c in columns)
    sums = ", ".join(f"sum({c})" for c in ["responses", "low", *columns])
    results = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        cursor.execute("SET max_parallel_workers_per_gather = 0")

        def run(label: str, sql: str, params: dict | None = None) -> None:
            stat = f"/proc/{pid}/stat"

            def ticks() -> int:
                fields = open(stat).read().rsplit(")", 1)[1].split()  # noqa: SIM115, PTH123
                return int(fields[11]) + int(fields[12])

            before, started = ticks(), time.perf_counter()
            cursor.execute(sql, params)
            wall = (time.perf_counter() - started) * 1000
            results.append((label, wall, (ticks() - before) * 1000 / os.sysconf("SC_CLK_TCK")))

        run("build the rollup from 1M rows", ROLLUP_SQL.format(counts=counts), {"zone": settings.TIME_ZONE})
        cursor.execute("ANALYZE bench_feedback_lesson_day")
        cursor.execute("SELECT count(*) FROM bench_feedback_lesson_day")
        rows = cursor.fetchone()[0]
        results[0] = (f"{results[0][0]} ({rows:,} rollup rows)", results[0][1], results[0][2])
        for label, sql in ROLLUP_QUERIES.items():
            cursor.execute(sql.format(sums=sums))  # warm
            run(label, sql.format(sums=sums))
        cursor.execute("DROP TABLE bench_feedback_lesson_day")
        cursor.execute("RESET max_parallel_workers_per_gather")
    return results


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
    indexed: list[Measurement] | None,
    rollup: list[tuple[str, float, float]] | None,
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
        "### Schema as migrated",
        "",
        _table(baseline),
    ]
    if indexed is not None:
        lines += [
            "",
            "### With candidate covering indexes",
            "",
            "Created by hand for this measurement, then dropped:",
            "",
            *(f"- `{sql};`" for sql in CANDIDATE_INDEXES.values()),
            "",
            _table(indexed),
        ]
    if rollup is not None:
        lines += [
            "",
            "### The rollup proposal (a per-lesson, per-day table)",
            "",
            "One row per lesson and site day with the responses, the low-rating count and "
            "the 1..5 counts of each question, built by hand as a temporary table "
            "(`bench/feedback_report.py`, `ROLLUP_SQL`); then the report's feedback aggregates over it "
            "(inbox figures stay on `FeedbackResponse`):",
            "",
            markdown_table(
                ["step", "wall ms", "DB CPU ms, serial"],
                [[label, f"{wall:,.0f}", f"{cpu:,.0f}"] for label, wall, cpu in rollup],
                right={1, 2},
            ),
        ]
    lines += ["", "Setup: " + "; ".join(notes) + "."]
    section_write(BASE_DIR / "BENCHMARKS.md", SECTION, "\n".join(lines))


def _indexes(database: Database, *, create: bool) -> None:
    for name, sql in CANDIDATE_INDEXES.items():
        database.psql(sql if create else f"DROP INDEX IF EXISTS {name}")
    if create:
        database.psql("VACUUM ANALYZE reviews_lecturefeedback")
        database.psql("VACUUM ANALYZE reviews_feedbackresponse")


def main() -> int:
    started = time.monotonic()
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()
    database = Database(os.environ.get("BENCH_REPORT_DATABASE_URL", DEFAULT_URL))
    runs = int(os.environ.get("BENCH_REPORT_RUNS", "5"))
    min_rows = int(os.environ.get("BENCH_REPORT_MIN_ROWS", "1000000"))
    skip_candidates = os.environ.get("BENCH_REPORT_SKIP_CANDIDATES", "") == "1"
    notes: list[str] = []
    try:
        print(f"== database {database.name}", flush=True)
        prepare(database, min_rows=min_rows, notes=notes)
        _indexes(database, create=False)  # a previous run interrupted while measuring them
        os.environ.update(_env(database))
        import django

        django.setup()
        baseline = measure(runs=runs)
        indexed = None
        rollup = None
        if not skip_candidates:
            print("== with the candidate indexes", flush=True)
            from django.db import connections

            connections.close_all()
            _indexes(database, create=True)
            try:
                indexed = measure(runs=runs)
            finally:
                connections.close_all()
                _indexes(database, create=False)
            print("== the rollup proposal", flush=True)
            rollup = rollup_estimate()
    except BenchError as error:
        print(f"feedback report benchmark could not run: {error}", file=sys.stderr)
        return 2
    write_section(
        database=database,
        started_at=started_at,
        load_before=load_before,
        baseline=baseline,
        indexed=indexed,
        rollup=rollup,
        notes=notes,
        runs=runs,
        elapsed_s=time.monotonic() - started,
    )
    print("== BENCHMARKS.md: section feedback-report written", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
