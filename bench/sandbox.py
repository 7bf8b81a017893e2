"""The sandbox: what isolation costs per run, what grading one submission costs, and how many
submissions a grading host grades per minute.

A step of ``python -m bench`` (``bench.runner``, after the pages and the quiz step, with
gunicorn stopped) and runnable alone: ``python -m bench.sandbox`` (its own database
``kafedra_bench_sandbox``, created when missing and migrated every run, and its own Redis
database 13; nothing else is touched). Needs bubblewrap, the sandbox user and the
``python-basic`` runtime (``SANDBOX_RUNTIMES_DIR``, ``make runtime-python-basic``); without them
the section says why nothing was measured.

1. **Overhead per run**, in this process, ``BENCH_SANDBOX_RUNS`` (30) runs of each kind,
   interleaved (one round runs every kind once, so a change in the machine's load hits all
   kinds alike), one unmeasured round first: a trivial script and ``import numpy, pandas`` run
   by the runtime's interpreter directly and through bubblewrap (the same command line the
   runner builds: namespaces, read-only mounts, seccomp, the sandbox user), then one trivial
   pytest test through ``run_tests`` (the harness, pytest, the limits) without bubblewrap (the
   development mode) and isolated (production). Wall time, and CPU time of this process and
   every process it started, from a cgroup of its own (``CpuAccount``: ``getrusage`` misses
   what runs inside bubblewrap's PID namespace).
2. **Grading one submission** through the real services, in this process: the seed course's
   ticket 3 (a scikit-learn pipeline trained on pandas data, ``python-basic``) is created in a
   ``bench-sandbox`` course, its reference check run (``task_check_reference``: 2 public +
   5 hidden tests) and the task published (``task_publish``); then ``BENCH_SANDBOX_GRADINGS``
   (5) students each ``submission_create`` a check (public tests) and a submit (hidden tests)
   with the reference solution, each graded by the body of ``submission_run_task``, as the
   worker would: create → sandbox run → TestResult rows and score committed.
3. **Throughput**: a real Celery worker, ``celery -A config.celery_app worker -Q sandbox
   --concurrency 2`` (prefork, 2 processes as ``make run``'s worker, the sandbox queue only,
   in a cgroup of its own for its CPU time); ``BENCH_SANDBOX_SUBMISSIONS`` (40) students each
   ``submission_create`` a submit (the service queues ``submission_run_task`` on commit), one
   after the other; the time from the first enqueue to the last grade committed
   (``finished_at``) gives runs per minute. Two warm-up submissions (one per pool process) are
   graded first and not counted.
4. The ``sandbox`` section of BENCHMARKS.md (``BENCH_OUTPUT``) is rewritten (between its
   markers only).

Environment: ``SANDBOX_RUNTIMES_DIR`` (where the runtimes are), ``BENCH_SANDBOX_RUNS``,
``BENCH_SANDBOX_GRADINGS``, ``BENCH_SANDBOX_SUBMISSIONS`` (0 skips a part), and alone
``BENCH_SANDBOX_DATABASE_URL``, ``BENCH_SANDBOX_REDIS_URL``.

Exit status (alone): 0 when measured, 1 when a step failed (the section says which), 2 when it
could not start (no PostgreSQL/Redis, migration failed).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import resource
import signal
import statistics
import subprocess  # noqa: S404 - the runtime's interpreter, bubblewrap, our own worker and manage.py
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from bench.options import BASE_DIR
from bench.report import markdown_table

SECTION = "sandbox"
STEP_NAME = "sandbox"
SETTINGS_MODULE = "config.settings.bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kafedra_bench_sandbox"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"  # alone; under ``python -m bench``: the run's db 14
RUNTIME = "python-basic"
COURSE_SLUG = "bench-sandbox"
SEED_TASK = (
    BASE_DIR / "fixtures" / "courses" / "ml-engineer-professional" / "tasks" / "ticket-3-sklearn-pipeline"
)
WORKER_CONCURRENCY = 2
WORKER_READY_TIMEOUT_S = 60.0
WARMUP_SUBMISSIONS = WORKER_CONCURRENCY
QUEUE = "sandbox"

TRIVIAL_SCRIPT = "import sys; sys.stdout.write('ok\\n')"
IMPORT_SCRIPT = "import numpy, pandas; print('ok')"
TRIVIAL_TEST = "def test_ok():\n    assert 1 + 1 == 2\n"


class SandboxBenchError(RuntimeError):
    pass


@dataclass(frozen=True)
class SandboxOptions:
    runs: int = 30  # overhead: measured runs of each kind
    gradings: int = 5  # students grading a check and a submit in process
    submissions: int = 40  # submits queued for the worker

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SandboxOptions:
        """BENCH_SANDBOX_RUNS, BENCH_SANDBOX_GRADINGS, BENCH_SANDBOX_SUBMISSIONS (0 skips the
        step). Raises ValueError for anything but a whole number ≥ 0."""
        environ = os.environ if environ is None else environ
        values = {}
        for name, attribute in (
            ("BENCH_SANDBOX_RUNS", "runs"),
            ("BENCH_SANDBOX_GRADINGS", "gradings"),
            ("BENCH_SANDBOX_SUBMISSIONS", "submissions"),
        ):
            raw = environ.get(name, "").strip()
            if not raw:
                continue
            if not raw.isdigit():
                raise ValueError(f"{name}={raw!r}: expected a whole number ≥ 0")
            values[attribute] = int(raw)
        return cls(**values)


def selected(only: tuple[str, ...]) -> bool:
    """Whether ``python -m bench`` runs this step: unless BENCH_ONLY names only other things
    (BENCH_ONLY=sandbox runs the floor and this step)."""
    return not only or any(part in STEP_NAME for part in only)


# ---------------------------------------------------------------------------------------------
# Samples


@dataclass(frozen=True)
class Sample:
    wall_s: float
    cpu_s: float  # this process and every process it started and reaped


@dataclass
class Series:
    label: str
    detail: str
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tests: int = 0

    @property
    def walls(self) -> list[float]:
        return [s.wall_s for s in self.samples]

    @property
    def cpus(self) -> list[float]:
        return [s.cpu_s for s in self.samples]


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, -(-p * len(ordered) // 100) - 1)  # ceil(p/100 × n) − 1
    return ordered[int(index)]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


class CpuAccount:
    """CPU time of a group of processes and everything they start, from a cgroup made for it.

    ``getrusage`` cannot be used: bubblewrap's outer process exits on the event its PID 1
    sends, without reaping it, so the CPU of sandboxed code never reaches the caller's
    children times. A cgroup counts every process in it, whatever its namespaces. cgroup v1
    (``cpuacct.usage``) or v2 (``cpu.stat``); accounting only: no limit is set. ``None`` from
    ``make`` when no hierarchy is writable (the report then leaves sandboxed CPU out).
    """

    def __init__(self, path: Path, usage: Callable[[Path], float], original: Path) -> None:
        self.path, self._usage, self.original = path, usage, original

    @classmethod
    def make(cls, name: str) -> CpuAccount | None:
        for root, controller, usage in (
            (Path("/sys/fs/cgroup/cpuacct"), "cpuacct", _v1_usage),
            (Path("/sys/fs/cgroup"), "", _v2_usage),
            (Path("/sys/fs/cgroup/unified"), "", _v2_usage),
        ):
            if controller and not (root / "cpuacct.usage").exists():
                continue
            if not controller and not (root / "cgroup.controllers").exists():
                continue
            original = root / _cgroup_path(controller).lstrip("/")
            path = original / f"{name}-{os.getpid()}"
            try:
                path.mkdir(exist_ok=True)
                usage(path)
            except OSError:
                continue
            return cls(path, usage, original)
        return None

    def usage_s(self) -> float:
        return self._usage(self.path)

    def enter(self, pid: int = 0) -> None:
        """Move ``pid`` (0: the calling process) into the group; its children follow."""
        (self.path / "cgroup.procs").write_text(str(pid or os.getpid()))

    def close(self) -> None:
        """This process back where it was; the group removed (once empty)."""
        procs = self.path / "cgroup.procs"
        try:
            if str(os.getpid()) in procs.read_text().split():
                (self.original / "cgroup.procs").write_text(str(os.getpid()))
            for _ in range(50):
                try:
                    self.path.rmdir()
                    return
                except OSError:
                    time.sleep(0.1)  # processes of the group still exiting
        except OSError:
            pass


def _cgroup_path(controller: str) -> str:
    """This process's cgroup in the hierarchy of ``controller`` ("" for v2)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _number, controllers, path = line.split(":", 2)
        if (controller and controller in controllers.split(",")) or (not controller and not controllers):
            return path
    return "/"


def _v1_usage(path: Path) -> float:
    return int((path / "cpuacct.usage").read_text()) / 1e9


def _v2_usage(path: Path) -> float:
    for line in (path / "cpu.stat").read_text().splitlines():
        if line.startswith("usage_usec "):
            return int(line.split()[1]) / 1e6
    raise OSError("no usage_usec in cpu.stat")


_account: CpuAccount | None = None  # this process's, while the step runs


def _cpu_now() -> float:
    if _account is not None:
        return _account.usage_s()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime + time.process_time()


def measured(fn: Callable[[], object]) -> Sample:
    """Wall and CPU time of ``fn`` (the processes it starts included)."""
    cpu, wall = _cpu_now(), time.perf_counter()
    fn()
    return Sample(wall_s=time.perf_counter() - wall, cpu_s=_cpu_now() - cpu)


# ---------------------------------------------------------------------------------------------
# 1. Overhead per run


def _identity_and_runtime():
    from exams.sandbox import isolation
    from exams.sandbox.runtimes import runtime_get

    return isolation.sandbox_identity(), runtime_get(RUNTIME)


def _direct(script: str) -> Callable[[], None]:
    """The runtime's interpreter run directly, as the sandbox user, with the sandbox's
    environment: everything the sandbox does but the isolation."""
    from exams.sandbox import isolation

    identity, rt = _identity_and_runtime()
    env = isolation.sandbox_environment(threads=1) | {"PATH": f"{rt.path}/bin:/usr/bin:/bin"}

    def run() -> None:
        completed = subprocess.run(  # noqa: S603
            [str(rt.python), "-I", "-B", "-c", script],
            env=env,
            cwd="/",
            capture_output=True,
            timeout=60,
            check=False,
            **identity.popen_kwargs(),
        )
        if completed.returncode != 0 or b"ok" not in completed.stdout:
            raise SandboxBenchError(
                f"direct run failed ({completed.returncode}): {completed.stderr[-500:]!r}"
            )

    return run


def _bubblewrapped(script: str) -> Callable[[], None]:
    """The same command through bubblewrap, built as ``exams.sandbox.runner`` builds it."""
    from exams.sandbox import Limits, isolation

    identity, rt = _identity_and_runtime()
    bwrap = isolation.bwrap_path()
    if bwrap is None:
        raise SandboxBenchError("bubblewrap is not installed")
    limits = Limits.from_settings(time_seconds=10, memory_mb=512)

    def run() -> None:
        command = isolation.bwrap_command(
            bwrap=bwrap,
            command=[f"{isolation.RUNTIME_MOUNT}/bin/python", "-I", "-B", "-c", script],
            runtime_dir=rt.path,
            work_mb=limits.work_mb,
            capture_bytes=limits.output_bytes + 256 * 1024,
            env=isolation.sandbox_environment(threads=limits.threads),
            hide_usr_local=not rt.base_home.startswith("/usr/local/"),
        )
        try:
            completed = subprocess.run(  # noqa: S603
                command.argv,
                pass_fds=command.pass_fds,
                env={"PATH": "/usr/bin:/bin"},
                cwd="/",
                capture_output=True,
                timeout=60,
                check=False,
                **identity.popen_kwargs(),
            )
        finally:
            command.close()
        if completed.returncode != 0 or b"ok" not in completed.stdout:
            raise SandboxBenchError(f"bwrap run failed ({completed.returncode}): {completed.stderr[-500:]!r}")

    return run


@contextmanager
def _without_isolation() -> Iterator[None]:
    """``run_tests`` in its development mode (SANDBOX_ALLOW_UNISOLATED_DEV_ONLY): the same
    harness and limits, no bubblewrap. Only this process, only while measuring."""
    from exams.sandbox import isolation

    status = dataclasses.replace(isolation.sandbox_status(), available=False, unisolated_allowed=True)
    runner_log = logging.getLogger("exams.sandbox.runner")  # its warning, once per run, is expected here
    level = runner_log.level
    runner_log.setLevel(logging.ERROR)
    try:
        with mock.patch.object(isolation, "sandbox_status", return_value=status):
            yield
    finally:
        runner_log.setLevel(level)


def _run_tests(*, isolated: bool) -> Callable[[], None]:
    from exams.sandbox import Limits, TestModule, run_tests

    limits = Limits.from_settings(time_seconds=10, memory_mb=512)
    modules = [TestModule(visibility="public", source=TRIVIAL_TEST)]

    def run() -> None:
        if isolated:
            report = run_tests(runtime=RUNTIME, files={}, modules=modules, limits=limits)
        else:
            with _without_isolation():
                report = run_tests(runtime=RUNTIME, files={}, modules=modules, limits=limits)
        if report.isolated != isolated or [t.outcome for t in report.tests] != ["passed"]:
            raise SandboxBenchError(f"run_tests(isolated={isolated}) did not pass: {report.log[-500:]}")

    return run


OVERHEAD_KINDS: tuple[tuple[str, str, Callable[[], Callable[[], None]]], ...] = (
    ("direct", "trivial script, the runtime's python run directly", lambda: _direct(TRIVIAL_SCRIPT)),
    ("bwrap", "trivial script through bubblewrap", lambda: _bubblewrapped(TRIVIAL_SCRIPT)),
    ("direct-import", "`import numpy, pandas`, run directly", lambda: _direct(IMPORT_SCRIPT)),
    ("bwrap-import", "`import numpy, pandas` through bubblewrap", lambda: _bubblewrapped(IMPORT_SCRIPT)),
    (
        "harness",
        "`run_tests`: 1 trivial pytest test, no bubblewrap (development mode)",
        lambda: _run_tests(isolated=False),
    ),
    (
        "sandbox",
        "`run_tests`: 1 trivial pytest test, isolated (production)",
        lambda: _run_tests(isolated=True),
    ),
)


def overhead_measure(*, runs: int) -> list[Series]:
    kinds = [(Series(label=name, detail=detail), make()) for name, detail, make in OVERHEAD_KINDS]
    for round_number in range(runs + 1):  # round 0: warm (page cache, imports), not recorded
        for series, run in kinds:
            try:
                sample = measured(run)
            except (SandboxBenchError, OSError, subprocess.SubprocessError) as error:
                series.errors.append(str(error))
                continue
            if round_number:
                series.samples.append(sample)
    return [series for series, _run in kinds]


# ---------------------------------------------------------------------------------------------
# 2. Grading one submission (in this process, through the services)


@dataclass(frozen=True)
class SeedTask:
    key: str
    title: str
    values: dict
    files: list[dict]
    reference: dict[str, str]  # editable file → the reference solution (what the students send)
    public: int
    hidden: int


def seed_task(folder: Path = SEED_TASK) -> SeedTask:
    """Ticket 3 of the seed course, read as the bundle importer reads it."""
    from courses.bundles.bundle import Bundle
    from courses.bundles.practical_tasks import read_task
    from exams.sandbox import expected_tests

    bundle = Bundle(root=folder.parent.parent, label="seed")
    record = read_task(bundle, folder, f"tasks/{folder.name}")
    if bundle.errors:
        raise SandboxBenchError(f"{folder}: {bundle.errors[0]}")
    names = ("title", "statement_md", "runtime", "time_limit_seconds", "memory_limit_mb")
    values = {name: record[name] for name in names}
    values |= {k: record[k] for k in ("public_tests", "hidden_tests", "test_weights")}
    files = [
        {"path": f.path, "kind": f.kind, "starter": f.starter, "reference": f.reference, "content": f.content}
        for f in record["files"]
    ]
    return SeedTask(
        key=folder.name,
        title=record["title"],
        values=values,
        files=files,
        reference={f["path"]: f["reference"] for f in files if f["kind"] == "editable"},
        public=len(expected_tests(record["public_tests"])),
        hidden=len(expected_tests(record["hidden_tests"])),
    )


def task_prepare(seed: SeedTask):
    """A fresh draft copy of the seed task in the ``bench-sandbox`` course (an older copy and its
    submissions are deleted)."""
    from courses.models import Course
    from exams.models import PracticalTask, TaskFile

    course, _created = Course.objects.get_or_create(
        slug=COURSE_SLUG,
        defaults={
            "title": "Sandbox benchmark",
            "summary": "Made by bench/sandbox.py.",
            "status": Course.Status.DRAFT,
        },
    )
    PracticalTask.objects.filter(course=course, key=seed.key).delete()
    task = PracticalTask(course=course, key=seed.key, status=PracticalTask.Status.DRAFT, **seed.values)
    task.full_clean()
    task.save()
    for position, spec in enumerate(seed.files, start=1):
        TaskFile.objects.create(task=task, position=position, **spec)
    return task


def students_make(prefix: str, count: int) -> list:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    return [
        user_model.objects.create_user(username=f"{prefix}-{n:03d}", email=f"{prefix}-{n:03d}@bench.invalid")
        for n in range(1, count + 1)
    ]


def _graded_in_process(*, task, user, files: dict[str, str], kind: str) -> Callable[[], None]:
    """submission_create (its queueing caught) + the body of submission_run_task."""
    from exams.models import Submission
    from exams.services import submission_create
    from exams.tasks import submission_run_task

    def run() -> None:
        with mock.patch.object(submission_run_task, "delay") as delay:
            submission = submission_create(task=task, user=user, files=files, kind=kind)
        if delay.call_args is None:
            raise SandboxBenchError("submission_create queued nothing")
        submission_run_task(*delay.call_args.args)
        submission = Submission.objects.get(pk=submission.pk)
        failing = list(submission.results.exclude(outcome="passed").values_list("name", "outcome"))
        if submission.status != Submission.Status.DONE or failing:
            raise SandboxBenchError(
                f"{kind} #{submission.pk}: {submission.status} {submission.error} {failing}"
            )

    return run


def grading_measure(*, seed: SeedTask, gradings: int, run_id: str) -> tuple[object, list[Series]]:
    """The task checked and published, then each student's check and submit. Returns the task."""
    from exams.models import PracticalTask, Submission
    from exams.services import task_check_reference, task_publish

    task = task_prepare(seed)
    reference = Series(
        label="reference check",
        detail=f"`task_check_reference`: the reference solution against {seed.public} public + "
        f"{seed.hidden} hidden tests",
        tests=seed.public + seed.hidden,
    )
    for _ in range(max(1, min(3, gradings))):
        sample = measured(lambda: task_check_reference(task=task))
        task.refresh_from_db()
        if task.reference_check != PracticalTask.ReferenceCheck.PASSED:
            reference.errors.append(task.reference_check_log[-800:])
            break
        reference.samples.append(sample)
    if reference.errors:
        return task, [reference]
    task = task_publish(task=task)
    check = Series(
        label="check",
        detail=f"a student's *check*: `submission_create` + `submission_run_task`, "
        f"{seed.public} public tests",
        tests=seed.public,
    )
    submit = Series(
        label="submit",
        detail=f"a student's *submit*: the same, {seed.hidden} hidden tests, scored",
        tests=seed.hidden,
    )
    for user in students_make(f"bench-sbx{run_id}-g", gradings):
        for series, kind in ((check, Submission.Kind.CHECK), (submit, Submission.Kind.SUBMIT)):
            try:
                series.samples.append(
                    measured(_graded_in_process(task=task, user=user, files=seed.reference, kind=kind))
                )
            except SandboxBenchError as error:
                series.errors.append(str(error))
    return task, [check, submit, reference]


# ---------------------------------------------------------------------------------------------
# 3. Throughput with a real worker


def _proc_cpu_s(pid: int) -> float | None:
    """utime + stime + cutime + cstime: a pool process with the sandboxes it started and reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:  # noqa: PTH123
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def tree_cpu_s(pid: int) -> dict[int, float]:
    from bench.cpu import process_tree

    return {p: cpu for p in process_tree(pid) if (cpu := _proc_cpu_s(p)) is not None}


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far, from /proc/stat."""
    with open("/proc/stat") as stat:  # noqa: PTH123
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already in user
    return total - idle, total


@dataclass
class Throughput:
    submissions: int = 0
    graded: int = 0
    errors: list[str] = field(default_factory=list)
    enqueue_s: float = 0.0  # first enqueue → last enqueue committed
    elapsed_s: float | None = None  # first enqueue → last grade committed
    waits: list[float] = field(default_factory=list)  # created → started (in the queue)
    latencies: list[float] = field(default_factory=list)  # created → finished
    runs: list[float] = field(default_factory=list)  # started → finished (the run in the worker)
    worker_cpu_s: float | None = None
    cpu_counts_sandboxes: bool = False
    purged: int = 0  # messages found in the sandbox queue before the worker started, dropped
    machine_busy: float | None = None  # share of all cores busy over the window, any process
    worker_command: str = ""
    celery: str = ""
    error: str = ""

    @property
    def runs_per_minute(self) -> float | None:
        if not self.elapsed_s or not self.graded:
            return None
        return self.graded / self.elapsed_s * 60

    @property
    def cpu_per_run_s(self) -> float | None:
        return self.worker_cpu_s / self.graded if self.worker_cpu_s is not None and self.graded else None


def _sandbox_consumers(redis_url: str) -> list[str]:
    """Celery workers on this broker already consuming the sandbox queue (they would take our tasks)."""
    from config.celery_app import app

    try:
        with app.connection_for_write(redis_url) as connection:
            replies = app.control.inspect(timeout=1.0, connection=connection).active_queues() or {}
    except Exception:  # noqa: BLE001 - no broker: the worker start fails with the cause
        return []
    return sorted(name for name, queues in replies.items() if any(q.get("name") == QUEUE for q in queues))


def _queue_purge(redis_url: str) -> int:
    """Empty the sandbox queue of the benchmark's broker (say, the reference checks a seed
    import queued); the number of messages dropped."""
    from config.celery_app import app

    with app.connection_for_write(redis_url) as connection:
        return connection.default_channel.queue_purge(QUEUE) or 0


@contextmanager
def sandbox_worker_running(
    *, env: Mapping[str, str], log: Path, redis_url: str, account: CpuAccount | None
) -> Iterator[tuple]:
    """A prefork worker on the sandbox queue, 2 processes as ``make run`` starts (in ``account``'s
    cgroup, from before its pool is forked), once it is ready; stopped (its whole process group)
    whatever happens."""
    from bench.quiz_latency import Worker, _tail, _worker_stop

    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A", "config.celery_app", "worker",
        "-Q", QUEUE,
        "--concurrency", str(WORKER_CONCURRENCY),
        "-n", f"bench-sandbox-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle",
        "-l", "info",
    ]  # fmt: skip
    worker_env = {**env, "REDIS_URL": redis_url, "BENCH_REDIS_URL": redis_url}
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=BASE_DIR,
            env=worker_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=account.enter if account is not None else None,  # noqa: PLW1509 - no threads here
        )
        worker = Worker(process=process, log=log, command=command)
        try:
            deadline = time.monotonic() + WORKER_READY_TIMEOUT_S
            while " ready." not in worker.output():
                if process.poll() is not None:
                    raise SandboxBenchError(
                        f"the Celery worker exited with {process.returncode}:\n{_tail(worker)}"
                    )
                if time.monotonic() > deadline:
                    raise SandboxBenchError(f"the Celery worker was not ready in time:\n{_tail(worker)}")
                time.sleep(0.2)
            yield worker, " ".join(["celery", *command[1:]])
        finally:
            _worker_stop(process)


def _enqueue(*, task, users: list, files: dict[str, str]) -> list[int]:
    """One submit per user, each in its own transaction: queued on commit, as from the page."""
    from exams.models import Submission
    from exams.services import submission_create

    kind = Submission.Kind.SUBMIT
    return [submission_create(task=task, user=user, files=files, kind=kind).pk for user in users]


def _wait_graded(ids: list[int], *, timeout: float, worker) -> None:
    from exams.models import Submission

    deadline = time.monotonic() + timeout
    pending = Submission.objects.filter(
        pk__in=ids, status__in=(Submission.Status.QUEUED, Submission.Status.RUNNING)
    )
    while pending.exists():
        if worker.process.poll() is not None:
            raise SandboxBenchError(f"the Celery worker died (log: {worker.log})")
        if time.monotonic() > deadline:
            raise SandboxBenchError(
                f"{pending.count()} of {len(ids)} submissions not graded within {timeout:.0f}s"
            )
        time.sleep(0.1)


def throughput_measure(
    *,
    task,
    files: dict[str, str],
    submissions: int,
    env: Mapping[str, str],
    log_dir: Path,
    redis_url: str,
    run_id: str,
) -> Throughput:
    from importlib.metadata import version

    from django.db import connections

    from exams.models import Submission

    result = Throughput(submissions=submissions, celery=version("celery"))
    account = CpuAccount.make("kafedra-bench-sandbox-worker")
    try:
        others = _sandbox_consumers(redis_url)
        if others:
            raise SandboxBenchError(
                f"other workers already consume the sandbox queue on {redis_url}: {', '.join(others)}"
            )
        result.purged = _queue_purge(redis_url)
        warm_users = students_make(f"bench-sbx{run_id}-w", WARMUP_SUBMISSIONS)
        users = students_make(f"bench-sbx{run_id}-t", submissions)
        connections.close_all()
        with sandbox_worker_running(
            env=env, log=log_dir / "celery-sandbox-worker.log", redis_url=redis_url, account=account
        ) as (
            worker,
            command,
        ):
            result.worker_command = command
            print(f"  celery worker ready (log: {worker.log})", flush=True)
            warm = _enqueue(task=task, users=warm_users, files=files)
            _wait_graded(warm, timeout=300, worker=worker)
            cpu_before, busy_before = _worker_cpu(account, worker.process.pid), machine_busy()
            started = time.time()
            ids = _enqueue(task=task, users=users, files=files)
            result.enqueue_s = time.time() - started
            _wait_graded(ids, timeout=120 + 60 * submissions / WORKER_CONCURRENCY, worker=worker)
            cpu_after, busy_after = _worker_cpu(account, worker.process.pid), machine_busy()
        result.worker_cpu_s = cpu_after - cpu_before
        result.cpu_counts_sandboxes = account is not None
        busy = busy_after[0] - busy_before[0], busy_after[1] - busy_before[1]
        result.machine_busy = busy[0] / busy[1] if busy[1] else None
        rows = Submission.objects.filter(pk__in=ids).values_list(
            "status", "score", "error", "created_at", "started_at", "finished_at"
        )
        last = None
        for status, score, error, created, begun, finished in rows:
            if status != Submission.Status.DONE or score != 100:
                result.errors.append(f"{status} score {score} {error[:200]}")
                continue
            result.graded += 1
            result.waits.append((begun - created).total_seconds())
            result.latencies.append((finished - created).total_seconds())
            result.runs.append((finished - begun).total_seconds())
            last = finished if last is None or finished > last else last
        if last is not None:
            result.elapsed_s = last.timestamp() - started
    except SandboxBenchError as error:
        result.error = str(error)
    except Exception as error:  # noqa: BLE001 - the section must still be written
        result.error = f"{type(error).__name__}: {error}"
    finally:
        connections.close_all()
        if account is not None:
            account.close()
    return result


def _worker_cpu(account: CpuAccount | None, pid: int) -> float:
    if account is not None:
        return account.usage_s()
    return sum(tree_cpu_s(pid).values())  # without the sandboxes' own CPU (see CpuAccount)


# ---------------------------------------------------------------------------------------------
# The step


@dataclass
class SandboxBench:
    started_at: str
    how: str  # "make bench" or "python -m bench.sandbox"
    options: SandboxOptions
    machine: str = ""
    sandbox: str = ""
    runtime: str = ""
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    overhead: list[Series] = field(default_factory=list)
    grading: list[Series] = field(default_factory=list)
    throughput: Throughput | None = None
    task_title: str = ""
    elapsed_s: float = 0.0
    error: str = ""
    cpu_source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        parts = [*self.overhead, *self.grading]
        return (
            bool(self.error)
            or any(s.errors for s in parts)
            or (self.throughput is not None and bool(self.throughput.error or self.throughput.errors))
        )


def _runtime_versions() -> str:
    from exams.sandbox.runtimes import runtime_get

    rt = runtime_get(RUNTIME)
    script = (
        "import sys, numpy, pandas, sklearn; "
        "print(sys.version.split()[0], numpy.__version__, pandas.__version__, sklearn.__version__)"
    )
    completed = subprocess.run(  # noqa: S603
        [str(rt.python), "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    parts = completed.stdout.split()
    if len(parts) != 4:
        return f"`{RUNTIME}` at {rt.path}"
    python, numpy, pandas, sklearn = parts
    return (
        f"`{RUNTIME}` at {rt.path}: Python {python}, numpy {numpy}, pandas {pandas}, scikit-learn {sklearn}"
    )


def _sandbox_line() -> tuple[str, str]:
    """(description, why it cannot run or "")."""
    from exams.sandbox import sandbox_status
    from exams.sandbox.runtimes import runtime_problem

    status = sandbox_status(refresh=True)
    if not status.available:
        return "", f"the sandbox is unavailable here: {status.reason}"
    problem = runtime_problem(RUNTIME)
    if problem:
        return "", problem
    return (
        f"bubblewrap {status.bwrap}, runs as {status.identity}, seccomp {'on' if status.seccomp else 'off'}, "
        f"process limit enforced: {'yes' if status.process_limit_enforced else 'no'}",
        "",
    )


def sandbox_bench_run(
    *, env: Mapping[str, str], log_dir: Path, redis_url: str, how: str, options: SandboxOptions, machine: str
) -> SandboxBench:
    """The whole step, with Django set up against a migrated database; errors end up in the
    result (whatever else ``python -m bench`` measured is still written)."""
    from django.db import connections

    result = SandboxBench(
        started_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        how=how,
        options=options,
        machine=machine,
        load_before=os.getloadavg(),
    )
    started = time.monotonic()
    run_id = datetime.now(UTC).strftime("%H%M%S")  # fresh usernames in a reused database
    global _account
    _account = CpuAccount.make("kafedra-bench-sandbox")
    if _account is not None:
        _account.enter()
        result.cpu_source = f"cgroup `{_account.path}`"
    else:
        result.cpu_source = "`getrusage` (no writable cgroup: the CPU of isolated runs is missing)"
    try:
        result.sandbox, problem = _sandbox_line()
        if problem:
            raise SandboxBenchError(problem)
        result.runtime = _runtime_versions()
        if options.runs:
            print(f"  overhead: {options.runs} runs × {len(OVERHEAD_KINDS)} kinds", flush=True)
            result.overhead = overhead_measure(runs=options.runs)
            _print_series(result.overhead)
        seed = seed_task()
        result.task_title = seed.title
        if options.gradings or options.submissions:
            print(f"  grading in process: {options.gradings} students × check + submit", flush=True)
            task, result.grading = grading_measure(
                seed=seed, gradings=max(1, options.gradings), run_id=run_id
            )
            _print_series(result.grading)
            if options.submissions and not any(s.errors for s in result.grading):
                print(
                    f"  throughput: {options.submissions} submits, {WORKER_CONCURRENCY} pool processes",
                    flush=True,
                )
                result.throughput = throughput_measure(
                    task=task,
                    files=seed.reference,
                    submissions=options.submissions,
                    env=env,
                    log_dir=log_dir,
                    redis_url=redis_url,
                    run_id=run_id,
                )
                t = result.throughput
                rate = f"{t.runs_per_minute:.1f}" if t.runs_per_minute else "–"
                print(f"    {t.graded}/{t.submissions} graded: {rate} runs/min {t.error}", flush=True)
    except SandboxBenchError as error:
        result.error = str(error)
    except Exception as error:  # noqa: BLE001 - the other sections must still be written
        result.error = f"{type(error).__name__}: {error}"
    finally:
        connections.close_all()
        if _account is not None:
            _account.close()
            _account = None
    result.load_after = os.getloadavg()
    result.elapsed_s = time.monotonic() - started
    if result.error:
        print(f"  sandbox FAILED: {result.error.splitlines()[0]}", flush=True)
    return result


def _print_series(series_list: list[Series]) -> None:
    for series in series_list:
        wall, cpu = _ms(median(series.walls)), _ms(median(series.cpus))
        failed = f", {len(series.errors)} FAILED: {series.errors[0][:200]}" if series.errors else ""
        print(f"    {series.label}: wall p50 {wall} ms, CPU p50 {cpu} ms{failed}", flush=True)


# ---------------------------------------------------------------------------------------------
# The report


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:,.0f}".replace(",", " ")


def _delta_ms(value: float) -> str:
    """A difference in ms, with a real minus sign when negative (noise can make it so)."""
    return _ms(value) if value >= 0 else f"−{_ms(-value)}"


def _loads(loads: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in loads)


def _series_row(series: Series, *, tests: bool = False) -> list[str]:
    walls, cpus = series.walls, series.cpus
    row = [series.detail]
    if tests:
        row.append(str(series.tests))
    samples = f"{len(series.samples)}" + (f" ({len(series.errors)} failed)" if series.errors else "")
    return [
        *row,
        samples,
        _ms(median(walls)),
        _ms(percentile(walls, 90)),
        _ms(median(cpus)),
        _ms(percentile(cpus, 90)),
    ]


def _difference(result: SandboxBench, minuend: str, subtrahend: str) -> tuple[float, float] | None:
    by_label = {s.label: s for s in result.overhead}
    a, b = by_label.get(minuend), by_label.get(subtrahend)
    if a is None or b is None or not a.samples or not b.samples:
        return None
    return median(a.walls) - median(b.walls), median(a.cpus) - median(b.cpus)


def _overhead_lines(result: SandboxBench) -> list[str]:
    if not result.overhead:
        return []
    header = ["run", "samples", "wall p50 ms", "wall p90 ms", "CPU p50 ms", "CPU p90 ms"]
    lines = [
        "### Overhead per run",
        "",
        markdown_table(header, [_series_row(s) for s in result.overhead], right={1, 2, 3, 4, 5}),
        "",
    ]

    def diff(minuend: str, subtrahend: str) -> tuple[str, str] | None:
        found = _difference(result, minuend, subtrahend)
        return (_delta_ms(found[0]), _delta_ms(found[1])) if found else None

    bwrap, bwrap_import = diff("bwrap", "direct"), diff("bwrap-import", "direct-import")
    harness, sandbox, whole = diff("harness", "direct"), diff("sandbox", "harness"), diff("sandbox", "direct")
    facts = []
    if bwrap:
        facts.append(
            f"**Isolation (bubblewrap) costs {bwrap[0]} ms wall and {bwrap[1]} ms CPU per run** "
            "(trivial script, medians of bwrap − direct)"
        )
    if bwrap_import:
        facts.append(
            f"with `import numpy, pandas` the difference is {bwrap_import[0]} ms wall, {bwrap_import[1]} ms "
            "CPU (the read-only bind mounts serve the same page cache)"
        )
    if harness and sandbox and whole:
        facts.append(
            f"the test harness (pytest, the limits, the result pipe) adds {harness[0]} ms wall, "
            f"{harness[1]} ms CPU to a bare interpreter, and isolating it adds {sandbox[0]} ms wall, "
            f"{sandbox[1]} ms CPU: **a whole sandboxed test run costs {whole[0]} ms wall, {whole[1]} ms "
            "CPU more than running the script directly**"
        )
    if facts:
        lines += ["; ".join(facts) + ".", ""]
    lines += [
        "Each round runs every kind once (interleaved, so the machine's load hits all alike), after one "
        "unmeasured round. *Direct* = the runtime's interpreter (`python -I -B -c …`) started as the "
        "sandbox user with the sandbox's environment; *bubblewrap* = the same command in the command line "
        "`exams.sandbox.isolation.bwrap_command` builds (all namespaces, read-only `/usr` and runtime, "
        "tmpfs `/work` and `/tmp`, seccomp, `--die-with-parent`); *run_tests* = the whole runner with one "
        "trivial test. CPU = user + system time of this process and every process it started, "
        f"read from a {result.cpu_source}: it counts bubblewrap, the interpreter and pytest (isolated "
        "ones included), and nothing else that runs on the machine.",
    ]
    return lines


def _grading_lines(result: SandboxBench) -> list[str]:
    if not result.grading:
        return []
    header = ["grading", "tests", "samples", "wall p50 ms", "wall p90 ms", "CPU p50 ms", "CPU p90 ms"]
    rows = [_series_row(s, tests=True) for s in result.grading]
    return [
        f"### Grading one submission: ticket 3, “{result.task_title}” (`{RUNTIME}`)",
        "",
        markdown_table(header, rows, right={1, 2, 3, 4, 5, 6}),
        "",
        "In this process, through the services, on the seed course's ticket 3 (the student's "
        "`solution.py` trains a scikit-learn pipeline on `data.csv`, 200 rows, with pandas; every test "
        "runs the script and loads the saved pipeline): *check* and *submit* = `submission_create` "
        "(validation, the row) + the body of `submission_run_task` (the sandbox run, the TestResult rows "
        "and the score committed), each student sending the reference solution, so every test passes. "
        "The reference check is what publishing needs; it runs both test files. CPU as above "
        "(this process and the sandboxes; PostgreSQL's own work is not in it).",
    ]


def _throughput_lines(result: SandboxBench) -> list[str]:
    t = result.throughput
    if t is None:
        return []
    lines = ["### Grading throughput: a Celery worker on the sandbox queue", ""]
    if t.error and not t.graded:
        return [*lines, f"**✗ FAILED, not measured:** {t.error}"]
    rpm = t.runs_per_minute
    cores = len(os.sched_getaffinity(0))
    lines += [
        f"**{rpm:.1f} runs/minute** on {cores} cores: {t.graded} of {t.submissions} submits (hidden tests) "
        f"graded in {t.elapsed_s:.1f} s from the first enqueue to the last grade committed"
        + (f" ({len(t.errors)} not graded)" if t.errors else "")
        + ".",
        "",
        markdown_table(
            ["measure", "p50 ms", "p90 ms", "max ms"],
            [
                [label, _ms(percentile(v, 50)), _ms(percentile(v, 90)), _ms(max(v) if v else None)]
                for label, v in (
                    ("in the queue (created → the worker starts the run)", t.waits),
                    ("the run in the worker (started → grade committed)", t.runs),
                    ("submit → graded (created → grade committed)", t.latencies),
                )
            ],
            right={1, 2, 3},
        ),
        "",
    ]
    facts = [
        f"- **Worker:** Celery {t.celery}, `{t.worker_command}` (prefork with 2 processes as in "
        "`make run`, but on the sandbox queue only), "
        "late acks, prefetch multiplier 1; the submits are queued one after the other by "
        f"`submission_create` (on commit), {t.enqueue_s:.1f} s for all {t.submissions}; "
        f"{WARMUP_SUBMISSIONS} warm-up submits (one per pool process) graded first, not counted"
        + (f"; {t.purged} older messages dropped from the queue first." if t.purged else ".")
    ]
    if t.cpu_per_run_s:
        ceiling = 60 * cores / t.cpu_per_run_s
        facts.append(
            f"- **CPU per graded submit:** {t.cpu_per_run_s:.2f} s ("
            + (
                "the worker, its pool and the sandboxes they started, from the worker's own cgroup"
                if t.cpu_counts_sandboxes
                else "the worker and its pool from `/proc`, WITHOUT the sandboxes: no writable cgroup"
            )
            + f"): with nothing else running, {cores} cores could grade at most "
            f"**{ceiling:.0f} runs/minute** of this task."
            + (
                f" Over the window all cores were {t.machine_busy:.0%} busy (any process on the machine)."
                if t.machine_busy is not None
                else ""
            )
        )
    if t.error or t.errors:
        facts.append(f"- **Failures:** {t.error or ''} {'; '.join(t.errors[:5])}".rstrip())
    return [*lines, *facts]


def sandbox_section(result: SandboxBench) -> str:
    """The Markdown of the ``sandbox`` section."""
    lines = [
        "## Sandbox: overhead per run and grading throughput",
        "",
        f"Measured {result.started_at} by `{result.how}` (`bench/sandbox.py`), step "
        f"{result.elapsed_s / 60:.1f} min.",
        "",
    ]
    if result.machine:
        lines.append(f"- **Machine:** {result.machine}.")
    if result.sandbox:
        lines.append(f"- **Sandbox:** {result.sandbox}; runtime {result.runtime}.")
    lines += [
        f"- **Load average** (1/5/15 min) before: {_loads(result.load_before)}; after: "
        f"{_loads(result.load_after)} (the machine is shared: other processes competing for the cores "
        "lengthen every wall-clock figure; the CPU figures do not depend on them).",
        f"- **Runs:** BENCH_SANDBOX_RUNS={result.options.runs}, BENCH_SANDBOX_GRADINGS="
        f"{result.options.gradings}, BENCH_SANDBOX_SUBMISSIONS={result.options.submissions}.",
        "",
    ]
    if result.error and not (result.overhead or result.grading):
        return "\n".join([*lines, f"**✗ FAILED, not measured:** {result.error}"])
    for part in (_overhead_lines(result), _grading_lines(result), _throughput_lines(result)):
        if part:
            lines += [*part, ""]
    errors = [f"- {s.label}: {s.errors[0][:300]}" for s in [*result.overhead, *result.grading] if s.errors]
    if result.error or errors:
        lines += ["**Failures:**", ""]
        if result.error:
            lines.append(f"- the step: {result.error}")
        lines += [*errors, ""]
    if result.notes:
        lines += ["Setup: " + "; ".join(result.notes) + "."]
    return "\n".join(lines).rstrip()


# ---------------------------------------------------------------------------------------------
# Alone: python -m bench.sandbox


def _terminate(signum, frame):  # SIGTERM: unwind so the worker is stopped
    raise SystemExit(128 + signum)


def main() -> int:
    from bench import infra
    from bench.feedback_report import BenchError, Database, _manage
    from bench.report import section_write

    try:
        options = SandboxOptions.from_env()
    except ValueError as error:
        print(f"bench.sandbox: {error}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    database = Database(os.environ.get("BENCH_SANDBOX_DATABASE_URL", DEFAULT_DATABASE_URL))
    redis_url = os.environ.get("BENCH_SANDBOX_REDIS_URL", DEFAULT_REDIS_URL)
    log_dir = BASE_DIR / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        BENCH_DATABASE_URL=database.url,
        BENCH_REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
    )
    notes = []
    try:
        for done in infra.services_ensure():
            print(f"  {done}", flush=True)
        print(f"== database {database.name}", flush=True)
        if not database.exists():
            database.create()
        notes.append(
            f"database `{database.name}` migrated in {_manage('migrate', '--no-input', env=env):.0f}s"
        )
        machine = infra.machine_describe().describe()
    except (infra.InfraError, BenchError) as error:
        print(f"bench.sandbox: {error}", file=sys.stderr)
        return 2
    os.environ.update(env)
    import django

    django.setup()
    print("== sandbox: overhead per run, grading, throughput", flush=True)
    result = sandbox_bench_run(
        env=env,
        log_dir=log_dir,
        redis_url=redis_url,
        how="python -m bench.sandbox",
        options=options,
        machine=machine,
    )
    result.notes = [*notes, f"broker {redis_url}", *result.notes]
    output = Path(os.environ.get("BENCH_OUTPUT") or BASE_DIR / "BENCHMARKS.md")
    section_write(output, SECTION, sandbox_section(result))
    print(f"== {output}: section {SECTION} written", flush=True)
    return 1 if result.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
