"""Integration tests: a real Celery worker (a subprocess) consuming from Redis and writing to the
same PostgreSQL test database as the test.

They run only with REDIS_URL and a PostgreSQL DATABASE_URL; otherwise they are skipped with the
reason (an in-memory SQLite test database cannot be shared with another process). The Redis
database of REDIS_URL is flushed when a worker starts: give these tests one of their own.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
WORKER_READY_TIMEOUT = 30


def _skip_reason() -> str | None:
    if not REDIS_URL:
        return "integration tests need REDIS_URL (the Celery broker of the real worker)"
    if not DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://")):
        return (
            "integration tests need DATABASE_URL pointing at PostgreSQL: the worker process cannot "
            "share the in-memory SQLite test database"
        )
    return None


@pytest.fixture(autouse=True)
def _integration_services_required() -> None:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)


def wait_for(predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.1) -> None:
    """Poll ``predicate`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as a crash or an OOM kill would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Cold shutdown (SIGQUIT): the test is over, nothing is left to finish."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGQUIT)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class WorkerFactory:
    env: dict[str, str]
    directory: Path
    workers: list[Worker] = field(default_factory=list)

    def start(self, *, grading_delay: float = 0, queues: str = "grading,default") -> Worker:
        """Start a worker (prefork, one process, queues "grading" and "default") and wait until it
        is ready.
        ``grading_delay`` makes it sleep that long in the middle of grading an attempt;
        ``queues`` (comma-separated) are the queues it consumes, e.g. "sandbox"."""
        name = f"it-{uuid.uuid4().hex[:8]}"
        log = self.directory / f"{name}.log"
        env = {**self.env, "QUIZ_GRADING_TEST_DELAY": str(grading_delay)}
        command = [
            sys.executable, "-m", "celery", "-A", "config.celery_app", "worker",
            "--pool=prefork", "--concurrency=1", "-Q", queues, "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
        ]  # fmt: skip
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches the pool too
            )
        worker = Worker(process=process, log=log)
        self.workers.append(worker)
        deadline = time.monotonic() + WORKER_READY_TIMEOUT
        while "ready." not in worker.output():
            if process.poll() is not None or time.monotonic() > deadline:
                worker.stop()
                pytest.fail(f"the Celery worker did not start:\n{worker.output()}")
            time.sleep(0.1)
        return worker

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.stop()


def _database_url() -> str:
    """The URL of the test database this test runs on (pytest-django's ``test_…`` database)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


@pytest.fixture
def celery_on_redis() -> Iterator[None]:
    """Point this process's Celery app at REDIS_URL (the test settings use memory://), so that
    ``.delay()`` after a commit reaches the real worker; restored afterwards."""
    from config.celery_app import app

    def reset_producer_pools() -> None:
        app._pool = None  # noqa: SLF001 - Celery keeps no public way to re-read the broker URL
        app.amqp._producer_pool = None  # noqa: SLF001

    previous = app.conf.broker_url
    app.conf.broker_url = REDIS_URL
    reset_producer_pools()
    yield
    app.conf.broker_url = previous
    reset_producer_pools()


@pytest.fixture
def celery_worker(transactional_db, celery_on_redis, tmp_path) -> Iterator[WorkerFactory]:
    """Starts real Celery workers (``celery_worker.start()``) on REDIS_URL against this test's
    committed data; every worker is stopped at the end of the test."""
    redis.Redis.from_url(REDIS_URL).flushdb()  # no message left over from another run
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.worker_test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    factory = WorkerFactory(env=env, directory=tmp_path)
    yield factory
    factory.stop_all()


@pytest.fixture
def broker() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL)
