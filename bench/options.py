"""What a benchmark run is asked to do, read from BENCH_* environment variables."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# The benchmark's own services: dropped and flushed by every run, never anyone else's.
PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
DB_NAME = "kafedra_bench"
REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_DB = 14


class OptionError(ValueError):
    """A BENCH_* variable has a value the benchmark cannot use."""


@dataclass(frozen=True)
class Options:
    duration: int = 10  # seconds of measured load per scenario
    warmup: int = 2  # seconds of unmeasured load per scenario, just before it
    connections: int = 32
    threads: int = 2
    timeout: int = 10  # seconds before wrk counts a request as timed out
    workers: int = 0  # gunicorn sync workers; 0: 2 × CPU cores
    students: int = 2000
    courses: int = 20
    reuse_db: bool = False
    static_manifest: bool = True  # False: static files without a manifest (a missing one is no 500)
    quiz_rounds: int = 5  # quiz submit → graded: rounds of concurrent submits
    quiz_clients: int = 32  # students submitting at once in each round
    only: tuple[str, ...] = ()  # scenario names (substring match); empty: all; "quiz": the quiz step
    output: Path = BASE_DIR / "BENCHMARKS.md"

    @property
    def database_url(self) -> str:
        return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{DB_NAME}"

    @property
    def redis_url(self) -> str:
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"

    def gunicorn_workers(self, cores: int) -> int:
        return self.workers or 2 * cores


def _seconds(name: str, raw: str) -> int:
    text = raw.strip().lower()
    if text.endswith("s"):
        text = text[:-1]
    return _positive(name, text)


def _positive(name: str, raw: str, *, allow_zero: bool = False) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise OptionError(f"{name}={raw!r}: expected a whole number") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise OptionError(f"{name}={raw!r}: expected a number above {'-1' if allow_zero else '0'}")
    return value


def options_from_env(environ: Mapping[str, str] | None = None) -> Options:
    """The options set by BENCH_* variables, defaults for the rest. Raises OptionError."""
    environ = os.environ if environ is None else environ
    defaults = Options()

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    duration = get("BENCH_DURATION")
    warmup = get("BENCH_WARMUP")
    connections = get("BENCH_CONNECTIONS")
    threads = get("BENCH_THREADS")
    timeout = get("BENCH_TIMEOUT")
    workers = get("BENCH_WORKERS")
    students = get("BENCH_STUDENTS")
    courses = get("BENCH_COURSES")
    quiz_rounds = get("BENCH_QUIZ_ROUNDS")
    quiz_clients = get("BENCH_QUIZ_CLIENTS")
    only = get("BENCH_ONLY")
    output = get("BENCH_OUTPUT")
    options = Options(
        duration=_seconds("BENCH_DURATION", duration) if duration else defaults.duration,
        warmup=_positive("BENCH_WARMUP", warmup.rstrip("sS"), allow_zero=True) if warmup else defaults.warmup,
        connections=_positive("BENCH_CONNECTIONS", connections) if connections else defaults.connections,
        threads=_positive("BENCH_THREADS", threads) if threads else defaults.threads,
        timeout=_seconds("BENCH_TIMEOUT", timeout) if timeout else defaults.timeout,
        workers=_positive("BENCH_WORKERS", workers) if workers else defaults.workers,
        students=_positive("BENCH_STUDENTS", students, allow_zero=True) if students else defaults.students,
        courses=_positive("BENCH_COURSES", courses, allow_zero=True) if courses else defaults.courses,
        reuse_db=get("BENCH_REUSE_DB") in {"1", "true", "yes", "on"},
        static_manifest=get("BENCH_STATIC_MANIFEST") not in {"0", "false", "no", "off"},
        quiz_rounds=_positive("BENCH_QUIZ_ROUNDS", quiz_rounds, allow_zero=True)
        if quiz_rounds
        else defaults.quiz_rounds,
        quiz_clients=_positive("BENCH_QUIZ_CLIENTS", quiz_clients) if quiz_clients else defaults.quiz_clients,
        only=tuple(name.strip() for name in only.split(",") if name.strip()) if only else (),
        output=Path(output) if output else defaults.output,
    )
    if options.threads > options.connections:
        raise OptionError(
            f"BENCH_THREADS={options.threads} is more than BENCH_CONNECTIONS={options.connections}: "
            "wrk needs at least one connection per thread"
        )
    return options
