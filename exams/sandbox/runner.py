"""Run a task's tests against a set of files in the sandbox and report every test.

``run_tests`` starts the harness (``harness.py``) in a fresh sandbox, feeds it the files and
test modules on stdin and follows its event stream. It enforces what the harness cannot
enforce on itself: a wall-clock deadline per test (the harness's own alarm comes first; this
one kills the whole sandbox when the code ignores it or is stuck in C), a deadline for start-up
and for importing the test modules, and caps on everything the sandbox writes back.

When the sandbox has to be killed, or dies (CPU limit, memory, a crash, ``os._exit``), the test
that was running gets the verdict (time limit, memory limit, output limit, error) and a new
sandbox runs the tests that had not run yet, so every test is reported, never only the first
failure. A module/session fixture that was being set up when it happened is remembered, and
the tests that need it fail at once with the same verdict instead of hitting it again.

Limits (see ``Limits``): ``time_seconds`` is the CPU time one test may use (its fixtures'
set-up included), and ``wall_factor`` times that its wall-clock time (sleeping, waiting, a
busy host); ``memory_mb`` is the address-space limit of the test process; ``processes``
counts this run's processes and threads; ``output_bytes`` is what one test may print.
"""

from __future__ import annotations

import ast
import functools
import json
import logging
import os
import re
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

from exams.sandbox import isolation
from exams.sandbox.runtimes import Runtime, RuntimeUnavailable, runtime_get

logger = logging.getLogger(__name__)

PASSED = "passed"
WRONG_ANSWER = "wrong_answer"
ERROR = "error"
TIME_LIMIT = "time_limit"
MEMORY_LIMIT = "memory_limit"
OUTPUT_LIMIT = "output_limit"
OUTCOMES = (PASSED, WRONG_ANSWER, ERROR, TIME_LIMIT, MEMORY_LIMIT, OUTPUT_LIMIT)

MIB = 1024 * 1024
RESERVED_NAMES = {
    "test_public.py",
    "test_hidden.py",
    "conftest.py",
    "pytest.ini",
    "pyproject.toml",
    "setup.cfg",
}
MEMORY_PATTERNS = re.compile(r"bad_alloc|cannot allocate memory|out of memory|MemoryError", re.IGNORECASE)
SIGNAL_NAMES = {int(s): s.name for s in signal.Signals}
LOG_CHARS = 20_000


@dataclass(frozen=True)
class TestModule:
    """One test file: ``public`` tests (run by "Check") or ``hidden`` ones (run at submit)."""

    __test__ = False

    visibility: str
    source: str

    @property
    def path(self) -> str:
        return f"test_{self.visibility}.py"


@dataclass(frozen=True)
class Limits:
    """Per-run limits. ``time_seconds``: CPU time per test; ``wall_factor`` × that: its wall
    time. ``memory_mb``: address space of the test process. ``processes``: processes and
    threads of the run. ``output_bytes``: what one test may print; ``keep_chars``: what is kept
    of it. ``work_mb``: size of /work and of /tmp, and the largest file. ``startup_seconds``:
    CPU time for start-up and importing the test modules (× ``wall_factor`` of wall time)."""

    time_seconds: float
    memory_mb: int
    processes: int = 64
    output_bytes: int = 1_000_000
    keep_chars: int = 8_000
    work_mb: int = 256
    threads: int = 1
    startup_seconds: float = 30.0
    open_files: int = 512
    wall_factor: float = 3.0
    run_memory_factor: float = 2.0

    @classmethod
    def from_settings(cls, *, time_seconds: float, memory_mb: int) -> Limits:
        """A task's own time and memory limits with the platform-wide ones from settings."""
        return cls(
            time_seconds=float(time_seconds),
            memory_mb=int(memory_mb),
            processes=settings.SANDBOX_PROCESS_LIMIT,
            output_bytes=settings.SANDBOX_OUTPUT_LIMIT_BYTES,
            keep_chars=settings.SANDBOX_OUTPUT_KEEP_CHARS,
            work_mb=settings.SANDBOX_DISK_LIMIT_MB,
            threads=settings.SANDBOX_CPU_THREADS,
            startup_seconds=float(settings.SANDBOX_STARTUP_SECONDS),
            wall_factor=float(settings.SANDBOX_WALL_TIME_FACTOR),
        )

    @property
    def run_memory_kb(self) -> int:
        """What all the run's processes together may hold (RLIMIT_AS bounds each one alone)."""
        return int(self.memory_mb * self.run_memory_factor * 1024)

    @property
    def wall_seconds(self) -> float:
        """The wall-clock limit per test: waiting (sleep, a blocked read) and a loaded host."""
        return self.time_seconds * self.wall_factor

    @property
    def grace_seconds(self) -> float:
        """How long after the harness's own alarm the runner kills the sandbox."""
        return min(5.0, max(1.0, self.wall_seconds * 0.1))


@dataclass
class TestReport:
    """The verdict on one test."""

    __test__ = False

    name: str
    module: str
    visibility: str
    outcome: str
    message: str = ""
    stdout: str = ""
    stderr: str = ""
    duration_ms: int | None = None  # wall clock, set-up and teardown included
    memory_kb: int | None = None  # peak resident memory of the test process during the test
    cpu_ms: int | None = None  # CPU time of the test process (not stored: for logs and tuning)

    @property
    def passed(self) -> bool:
        return self.outcome == PASSED


@dataclass
class RunReport:
    tests: list[TestReport]
    runtime: str
    isolated: bool
    wall_ms: int
    processes: int  # sandboxes started: 1 + restarts after a kill
    log: str = ""  # the harness's own output and the runner's notes, for staff

    def by_visibility(self, visibility: str) -> list[TestReport]:
        return [t for t in self.tests if t.visibility == visibility]


class SandboxError(Exception):
    """The run could not be done at all (not a verdict on the student's code)."""


class SandboxRefused(SandboxError):  # noqa: N818
    """Fail closed: no isolation (or no runtime) here, and the dev override is off."""


# --- test discovery on the host ----------------------------------------------------------------


def expected_tests(source: str) -> list[str]:
    """The test names pytest will find in ``source`` (top-level ``test*`` functions and
    ``Test*`` classes' ``test*`` methods), read without running it. Parametrized tests appear
    once, under the function's name. A module that does not parse has none."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            if not _is_fixture(node):
                names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and sub.name.startswith("test"):
                    names.append(f"{node.name}::{sub.name}")
    return names


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``@pytest.fixture``/``@fixture(...)``: a fixture named ``test_*`` is not a test."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "fixture":
            return True
    return False


def test_base_name(name: str) -> str:
    """``test_x[param]`` → ``test_x`` (weights are given per function)."""
    return name.split("[", 1)[0]


def validate_file_name(name: str) -> str | None:
    """Why ``name`` cannot be a file in the working directory, or None."""
    if not name or len(name) > 200 or "\x00" in name or "\\" in name:
        return "invalid file name"
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")):
        return "file names must be relative, without '..'"
    if name in RESERVED_NAMES:
        return f"{name!r} is reserved by the test runner"
    return None


@functools.lru_cache(maxsize=1)
def harness_source() -> str:
    return Path(__file__).with_name("harness.py").read_text(encoding="utf-8")


# --- one sandboxed process ---------------------------------------------------------------------


@dataclass
class _Exit:
    events: list[dict] = field(default_factory=list)
    returncode: int | None = None
    killed: str | None = None  # TIME_LIMIT / OUTPUT_LIMIT when the runner killed it
    kill_note: str = ""
    cpu_seconds: float = 0.0
    maxrss_kb: int = 0
    stdout: str = ""
    stderr: str = ""
    exit_info: dict | None = None  # how the test process ended, from the in-sandbox monitor
    current: str | None = None  # node id of the test running when it ended
    collecting: str | None = None  # module being imported when it ended
    collected: list[str] | None = None
    open_fixtures: dict[str, str] = field(default_factory=dict)  # key → fixture name
    done: bool = False


class _Capped:
    """Bytes read from a pipe, keeping at most ``keep`` and counting the rest."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.data = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.keep - len(self.data)
        if room > 0:
            self.data += chunk[:room]

    def text(self) -> str:
        text = self.data.decode("utf-8", "replace")
        if self.total > len(self.data):
            text += f"\n… [{self.total - len(self.data)} more bytes dropped] …"
        return text


MEMORY_POLL_SECONDS = 0.1
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _process_memory_kb(pid: int) -> int:
    """Proportional set size of a process (shared pages split between their users, so forked
    copies are not counted twice); the private resident memory when PSS cannot be read."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            fields = f.read().split()
        return max(0, int(fields[1]) - int(fields[2])) * PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def _tree_memory_kb(root: int) -> int:
    """Memory held by ``root`` and all its descendants (seen from the host's /proc): a run's
    processes each stay under RLIMIT_AS, but sixty of them together must not exhaust the host."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                data = f.read()
            ppid = int(data[data.rfind(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, ()))
        total += _process_memory_kb(pid)
    return total


def _execute(
    *,
    argv: list[str],
    pass_fds: list[int],
    results_w: int,
    results_r: int,
    payload: bytes,
    popen_kwargs: dict,
    env: dict[str, str],
    cwd: str,
    limits: Limits,
    n_tests: int,
) -> _Exit:
    """Start one sandbox, follow its events, enforce the deadlines, reap it."""
    result = _Exit()
    stdin_fd = isolation.data_fd(payload, "payload")
    started = time.monotonic()
    try:
        process = subprocess.Popen(  # noqa: S603 - argv is built by us, never by a shell
            argv,
            stdin=stdin_fd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=[*pass_fds, results_w],
            env=env,
            cwd=cwd,
            start_new_session=True,
            **popen_kwargs,
        )
    except OSError as exc:
        os.close(results_r)
        raise SandboxRefused(f"the sandbox could not be started: {exc}") from exc
    finally:
        os.close(stdin_fd)
        os.close(results_w)
    assert process.stdout is not None and process.stderr is not None
    out_cap = _Capped(LOG_CHARS)
    err_cap = _Capped(LOG_CHARS)
    results_buffer = bytearray()
    results_total = 0
    results_cap = 8 * MIB + n_tests * (16 * limits.keep_chars + 64 * 1024)
    streams_cap = 4 * limits.output_bytes + 4 * MIB

    selector = selectors.DefaultSelector()
    for fd, tag in ((process.stdout.fileno(), "out"), (process.stderr.fileno(), "err"), (results_r, "res")):
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ, tag)

    test_deadline = limits.wall_seconds + limits.grace_seconds
    deadline = started + limits.startup_seconds * limits.wall_factor
    hard_deadline = deadline + max(1, n_tests) * test_deadline + 10
    idle_seconds = 10.0 + limits.startup_seconds

    def kill(reason: str, note: str) -> None:
        if result.killed is None:
            result.killed, result.kill_note = reason, note
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def handle(event: dict) -> None:
        nonlocal deadline
        kind = event.get("event")
        now = time.monotonic()
        if kind == "collect":
            result.collecting = str(event.get("module"))
        elif kind == "collected":
            result.collecting = None
            result.collected = [str(n) for n in event.get("nodeids", [])]
            deadline = now + idle_seconds
        elif kind == "start":
            result.current = str(event.get("nodeid"))
            deadline = now + test_deadline
        elif kind == "result":
            result.current = None
            deadline = now + idle_seconds
        elif kind == "fixture":
            key = str(event.get("key"))
            if event.get("phase") == "start":
                result.open_fixtures[key] = str(event.get("name"))
            else:
                result.open_fixtures.pop(key, None)
        elif kind == "done":
            result.done = True
        elif kind == "exit":
            result.exit_info = event
        result.events.append(event)

    open_fds = 3
    exited_at: float | None = None
    memory_checked = 0.0
    while True:
        now = time.monotonic()
        if exited_at is None and result.killed is None and now - memory_checked >= MEMORY_POLL_SECONDS:
            memory_checked = now
            used_kb = _tree_memory_kb(process.pid)
            if used_kb > limits.run_memory_kb:
                kill(
                    MEMORY_LIMIT,
                    f"memory limit exceeded: the run's processes together used {used_kb // 1024} MB "
                    f"(at most {limits.run_memory_kb // 1024} MB)",
                )
        if exited_at is not None and (not open_fds or now - exited_at > 1.0):
            break  # whatever still holds the pipes dies with the process group below
        if exited_at is None and result.killed is None:
            if now > deadline or now > hard_deadline:
                if result.current is not None:
                    kill(
                        TIME_LIMIT,
                        f"time limit exceeded: the test ran longer than {limits.wall_seconds:g} s "
                        "(wall clock)",
                    )
                elif result.collected is None:
                    kill(TIME_LIMIT, "time limit exceeded while starting up and importing the test modules")
                else:
                    kill(TIME_LIMIT, "time limit exceeded between tests")
        for key, _ in selector.select(timeout=0.05) if open_fds else []:
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                selector.unregister(key.fd)
                open_fds -= 1
                continue
            if key.data == "out":
                out_cap.add(chunk)
            elif key.data == "err":
                err_cap.add(chunk)
            else:
                results_total += len(chunk)
                results_buffer += chunk
                while b"\n" in results_buffer:
                    line, _, rest = bytes(results_buffer).partition(b"\n")
                    results_buffer = bytearray(rest)
                    try:
                        event = json.loads(line.decode("utf-8", "replace"))
                    except ValueError:
                        continue
                    if isinstance(event, dict):
                        handle(event)
            if out_cap.total + err_cap.total > streams_cap or results_total > results_cap:
                kill(OUTPUT_LIMIT, "output limit exceeded: the test process wrote too much")
        if not open_fds and exited_at is None:
            time.sleep(0.05)  # the code closed its pipes but runs on: keep enforcing the deadlines
        if exited_at is None and os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
            # Exited but not reaped yet, so its process group id cannot have been reused: stop
            # the stragglers of an unisolated run (in the sandbox the PID namespace is gone).
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            _, status, rusage = os.wait4(process.pid, 0)
            exited_at = time.monotonic()
            result.cpu_seconds = rusage.ru_utime + rusage.ru_stime
            result.maxrss_kb = rusage.ru_maxrss
            process.returncode = os.waitstatus_to_exitcode(status)
    selector.close()
    process.stdout.close()
    process.stderr.close()
    os.close(results_r)
    result.returncode = process.returncode
    result.stdout = out_cap.text()
    result.stderr = err_cap.text()
    return result


# --- the verdict when a sandbox ended early ------------------------------------------------------


def _crash_verdict(exit_: _Exit, limits: Limits, *, n_tests: int) -> tuple[str, str]:
    """(outcome, message) for the test that was running when the sandbox ended."""
    if exit_.killed:
        return exit_.killed, exit_.kill_note
    info = exit_.exit_info
    if info is not None:  # the monitor saw the test process end
        code = int(info.get("code", -1))
        signum = -code if code < 0 else None
        cpu_seconds = float(info.get("cpu_seconds") or 0)
        maxrss_kb = int(info.get("maxrss_kb") or 0)
    else:  # the monitor is gone too: only bwrap's status (128 + signal) is left
        code = exit_.returncode if exit_.returncode is not None else -1
        signum = code - 128 if code > 128 else (-code if code < 0 else None)
        cpu_seconds, maxrss_kb = exit_.cpu_seconds, exit_.maxrss_kb
    near_memory_limit = maxrss_kb >= 0.8 * limits.memory_mb * 1024
    tail = exit_.stderr.strip()[-1500:]
    if signum == signal.SIGXCPU or (
        signum == signal.SIGKILL and cpu_seconds >= limits.startup_seconds + n_tests * limits.time_seconds
    ):
        return TIME_LIMIT, f"time limit exceeded: more than {limits.time_seconds:g} s of CPU time"
    if signum == signal.SIGKILL:
        if near_memory_limit:
            return MEMORY_LIMIT, f"memory limit exceeded ({limits.memory_mb} MB): the process was killed"
        return ERROR, "the test process was killed (SIGKILL)"
    if signum == signal.SIGXFSZ:
        return OUTPUT_LIMIT, f"file size limit exceeded ({limits.work_mb} MB)"
    if signum is not None:
        name = SIGNAL_NAMES.get(signum, f"signal {signum}")
        if near_memory_limit or MEMORY_PATTERNS.search(tail):
            return (
                MEMORY_LIMIT,
                f"memory limit exceeded ({limits.memory_mb} MB): the process crashed ({name})",
            )
        return ERROR, f"the test process crashed ({name})" + (f"\n\n{tail}" if tail else "")
    if MEMORY_PATTERNS.search(tail):
        return MEMORY_LIMIT, f"memory limit exceeded ({limits.memory_mb} MB)\n\n{tail}"
    return ERROR, (
        f"the test process exited (code {code}) before the test finished: "
        "sys.exit()/os._exit() in the code under test?" + (f"\n\n{tail}" if tail else "")
    )


# --- the whole run -------------------------------------------------------------------------------


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit // 2] + f"\n… [{len(text) - limit} characters trimmed] …\n" + text[-limit // 2 :]


def _split_nodeid(nodeid: str) -> tuple[str, str]:
    module, _, name = nodeid.partition("::")
    return module, name


def run_tests(
    *,
    runtime: str,
    files: Mapping[str, str],
    modules: Sequence[TestModule],
    limits: Limits,
) -> RunReport:
    """Run every test of ``modules`` against ``files`` (name → text: the student's editable
    files and the task's data files) in the sandbox, one verdict per test.

    Raises SandboxRefused when code cannot be run isolated here (no bubblewrap, no user
    namespaces, root-only identity, runtime not installed) unless SANDBOX_ALLOW_UNISOLATED is
    on, and SandboxError for a bad request (file names). Never raises for anything the code
    under test does: that is a verdict.
    """
    for name in files:
        problem = validate_file_name(name)
        if problem:
            raise SandboxError(f"{name!r}: {problem}")
    try:
        rt = runtime_get(runtime)
    except RuntimeUnavailable as exc:
        raise SandboxRefused(str(exc)) from None
    status = isolation.sandbox_status()
    isolated = status.available
    if not isolated:
        if not status.unisolated_allowed:
            raise SandboxRefused(f"code is not run without a sandbox: {status.reason}")
        logger.warning(
            "sandbox: running untrusted code WITHOUT isolation because SANDBOX_ALLOW_UNISOLATED_DEV_ONLY "
            "is on (never do this in production); isolation is unavailable: %s",
            status.reason,
        )

    started = time.monotonic()
    if not modules:  # nothing to run (pytest given no paths would collect the student's files)
        return RunReport(tests=[], runtime=rt.name, isolated=isolated, wall_ms=0, processes=0)
    expected = {m.path: expected_tests(m.source) for m in modules}
    visibility = {m.path: m.visibility for m in modules}
    n_tests = sum(len(v) for v in expected.values()) or 1
    reports: dict[str, TestReport] = {}  # node id → report
    poisoned: dict[str, dict] = {}
    log: list[str] = []
    collected: list[str] | None = None
    failed_modules: set[str] = set()
    targets: list[str] | None = None
    processes = 0

    def record(nodeid: str, outcome: str, message: str, **extra) -> None:
        module, name = _split_nodeid(nodeid)
        reports[nodeid] = TestReport(
            name=name,
            module=module,
            visibility=visibility.get(module, "public"),
            outcome=outcome,
            message=_trim(message, 8000),
            **extra,
        )

    while True:
        processes += 1
        exit_ = _run_once(
            rt=rt,
            files=files,
            modules=modules,
            limits=limits,
            isolated=isolated,
            targets=targets,
            poisoned=poisoned,
            n_tests=n_tests,
        )
        for event in exit_.events:
            kind = event.get("event")
            if kind == "result" and event.get("outcome") in OUTCOMES:
                record(
                    str(event["nodeid"]),
                    str(event["outcome"]),
                    str(event.get("message", "")),
                    stdout=str(event.get("stdout", "")),
                    stderr=str(event.get("stderr", "")),
                    duration_ms=_int_or_none(event.get("duration_ms")),
                    memory_kb=_int_or_none(event.get("memory_kb")),
                    cpu_ms=_int_or_none(event.get("cpu_ms")),
                )
            elif kind == "collect_error":
                module = str(event.get("module"))
                failed_modules.add(module)
                message = "the test module could not be imported:\n" + str(event.get("message", ""))
                for name in expected.get(module, []):
                    record(f"{module}::{name}", ERROR, message)
        if exit_.collected is not None and collected is None:
            collected = exit_.collected
        if exit_.stderr.strip() or exit_.stdout.strip():
            log.append(f"[sandbox process {processes}]\n{exit_.stdout}\n{exit_.stderr}".strip())
        if exit_.done:
            break

        # The sandbox ended early: judge what was running, then run what is left.
        if isolated and not exit_.events and exit_.stderr.lstrip().startswith("bwrap:"):
            raise SandboxRefused(f"the sandbox could not start: {exit_.stderr.strip()[:500]}")
        outcome, message = _crash_verdict(exit_, limits, n_tests=n_tests)
        log.append(f"[sandbox process {processes}] ended early: {outcome}: {message.splitlines()[0]}")
        if exit_.current is not None:
            record(exit_.current, outcome, message)
            for key, fixture in exit_.open_fixtures.items():
                poisoned[key] = {
                    "outcome": outcome,
                    "message": f"{message.splitlines()[0]} (in fixture '{fixture}')",
                }
        elif exit_.collected is None:
            module = exit_.collecting
            stage = (
                f"while importing the test module {module}" if module else "while starting the test process"
            )
            for path in [module] if module else list(expected):
                failed_modules.add(path)
                for name in expected.get(path, []):
                    record(f"{path}::{name}", outcome, f"{message}\n({stage})")
        remaining = [n for n in (collected or []) if n not in reports]
        remaining += [
            p
            for p in expected
            if p not in failed_modules and not any(n.startswith(p + "::") for n in (collected or []))
        ]
        if not remaining or processes > n_tests + 2:
            break
        if targets == remaining:  # no progress: do not loop
            break
        targets = remaining

    # Every expected test gets a verdict, even one that never ran.
    for path, names in expected.items():
        for name in names:
            present = any(
                r.module == path and test_base_name(r.name) == test_base_name(name) for r in reports.values()
            )
            if not present:
                record(f"{path}::{name}", ERROR, "the test did not run")
    order = {path: i for i, path in enumerate(expected)}
    tests = sorted(reports.values(), key=lambda r: order.get(r.module, len(order)))
    return RunReport(
        tests=tests,
        runtime=rt.name,
        isolated=isolated,
        wall_ms=int((time.monotonic() - started) * 1000),
        processes=processes,
        log=_trim("\n\n".join(log), LOG_CHARS),
    )


def _int_or_none(value: object) -> int | None:
    try:
        return None if value is None else max(0, int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _run_once(
    *,
    rt: Runtime,
    files: Mapping[str, str],
    modules: Sequence[TestModule],
    limits: Limits,
    isolated: bool,
    targets: list[str] | None,
    poisoned: dict[str, dict],
    n_tests: int,
) -> _Exit:
    results_r, results_w = os.pipe()
    os.set_inheritable(results_w, True)
    cpu_total = limits.startup_seconds + n_tests * (limits.time_seconds + 1) + 5
    payload = {
        "files": dict(files),
        "modules": [{"path": m.path, "visibility": m.visibility, "source": m.source} for m in modules],
        "targets": targets,
        "poisoned": poisoned,
        "results_fd": results_w,
        "isolated": isolated,
        "limits": {
            "time_seconds": limits.time_seconds,
            "wall_seconds": limits.wall_seconds,
            "startup_seconds": limits.startup_seconds,
            "memory_mb": limits.memory_mb,
            "processes": limits.processes,
            "output_bytes": limits.output_bytes,
            "keep_chars": limits.keep_chars,
            "file_size_bytes": limits.work_mb * MIB,
            "open_files": limits.open_files,
            "cpu_seconds_total": cpu_total,
        },
    }
    python_flags = ["-I", "-B", "-X", "utf8", "-c", harness_source()]
    env = isolation.sandbox_environment(threads=limits.threads)
    if isolated:
        bwrap = isolation.bwrap_path()
        if bwrap is None:
            os.close(results_r)
            os.close(results_w)
            isolation.sandbox_status_clear()
            raise SandboxRefused("bubblewrap disappeared")
        identity = isolation.sandbox_identity()
        payload.update(workdir=isolation.WORKDIR, capture_dir=isolation.CAPTURE_DIR)
        command = isolation.bwrap_command(
            bwrap=bwrap,
            command=[f"{isolation.RUNTIME_MOUNT}/bin/python", *python_flags],
            runtime_dir=rt.path,
            work_mb=limits.work_mb,
            capture_bytes=limits.output_bytes + 256 * 1024,
            env=env,
            hide_usr_local=not rt.base_home.startswith("/usr/local/"),
        )
        try:
            return _execute(
                argv=command.argv,
                pass_fds=command.pass_fds,
                results_w=results_w,
                results_r=results_r,
                payload=json.dumps(payload).encode(),
                popen_kwargs=identity.popen_kwargs(),
                env={"PATH": "/usr/bin:/bin"},
                cwd="/",
                limits=limits,
                n_tests=n_tests,
            )
        finally:
            command.close()
    # Development only (SANDBOX_ALLOW_UNISOLATED): the same harness and limits, as the
    # worker's own user, in a temporary directory, with nothing of the worker's environment.
    with tempfile.TemporaryDirectory(prefix="kafedra-unisolated-") as tmp:
        for sub in ("work", "tmp", "capture"):
            os.mkdir(os.path.join(tmp, sub))
        private_tmp = os.path.join(tmp, "tmp")
        env.update(
            PATH=f"{rt.path}/bin:/usr/bin:/bin",
            HOME=private_tmp,
            TMPDIR=private_tmp,
            MPLCONFIGDIR=os.path.join(private_tmp, "matplotlib"),
            NUMBA_CACHE_DIR=os.path.join(private_tmp, "numba"),
            XDG_CACHE_HOME=os.path.join(private_tmp, ".cache"),
            SCIKIT_LEARN_DATA=os.path.join(private_tmp, "scikit_learn_data"),
        )
        payload.update(workdir=f"{tmp}/work", capture_dir=f"{tmp}/capture")
        return _execute(
            argv=[str(rt.python), *python_flags],
            pass_fds=[],
            results_w=results_w,
            results_r=results_r,
            payload=json.dumps(payload).encode(),
            popen_kwargs={},
            env=env,
            cwd=f"{tmp}/work",
            limits=limits,
            n_tests=n_tests,
        )
