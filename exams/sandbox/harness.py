"""The test harness that runs *inside* the sandbox (stdlib + pytest only, no Django).

The runner starts it as ``<runtime>/bin/python -I -B -X utf8 -c <this file's source>`` with a
JSON payload on stdin. It writes the task's files into the working directory and forks:

* the child lowers its resource limits (inside the sandbox's user namespace, so the process
  limit counts only this run's processes), runs the test modules with pytest and streams one
  JSON event per line to the results descriptor: ``collect`` (a test module is being
  imported), ``collect_error``, ``collected`` (node ids), ``start`` (a test began),
  ``fixture`` (a module/session fixture began or ended: if the runner has to kill the process
  there, the other tests that need it can fail at once), ``result`` (one per test: outcome,
  message, trimmed output, time, peak memory) and ``done``;
* the parent, a small monitor, waits for it and reports how it ended (``exit``: exit code or
  signal, CPU time, peak memory), which the runner cannot learn through bwrap.

Per test: the CPU-time limit (RLIMIT_CPU's soft limit, moved per test; SIGXCPU) and a
wall-clock alarm raise ``TimeLimitExceeded`` (the runner kills the whole sandbox a little
later if the code blocks or ignores them); the peak RSS is reset before the test and read
after it; the captured stdout/stderr are checked against the output limit (pytest captures
into a tmpfs the size of that limit, so an endless ``print`` hits ENOSPC instead of memory).

Hidden test files are deleted once collected and their source lines are never put in a
message. The code under test runs in this process and could tamper with all of this (fake
its own results, for one): none of it is a security boundary — the sandbox around it is.
"""

import json
import os
import re
import signal
import sys
import traceback

import pytest

MAIN_PID = os.getpid()  # the pytest process (reset after the monitor forks it)
MONITOR_PID = os.getpid()
MEMORY_PATTERNS = re.compile(
    r"bad_alloc|cannot allocate memory|can't allocate memory|out of memory|failed to allocate|"
    r"unable to allocate|memoryerror",
    re.IGNORECASE,
)
MAX_FRAMES = 12


class TimeLimitExceeded(BaseException):  # noqa: N818 - reads best in a student's traceback
    """Raised by the per-test alarm. A BaseException, so ``except Exception`` cannot swallow it."""


class Harness:
    def __init__(self, payload, results):
        self.payload = payload
        self.limits = payload["limits"]
        self.results = results
        self.workdir = payload["workdir"]
        self.hidden_paths = {
            os.path.join(self.workdir, m["path"]) for m in payload["modules"] if m["visibility"] == "hidden"
        }
        self.visibility = {m["path"]: m["visibility"] for m in payload["modules"]}
        self.poisoned = dict(payload.get("poisoned") or {})  # fixture key -> {outcome, message}
        self.in_phase = False
        self.phases = {}
        self.cpu_at_start = 0.0

    # --- plumbing -------------------------------------------------------------------------

    def emit(self, event, **data):
        if os.getpid() != MAIN_PID:  # a forked copy of this process must not report
            os._exit(0)
        data["event"] = event
        self.results.write(json.dumps(data, ensure_ascii=False) + "\n")
        self.results.flush()

    def trim(self, text, limit=None):
        limit = limit or self.limits["keep_chars"]
        if len(text) <= limit:
            return text
        head = text[: limit // 2]
        tail = text[-(limit // 2) :]
        return f"{head}\n… [{len(text) - len(head) - len(tail)} characters trimmed] …\n{tail}"

    def short_path(self, filename):
        if filename.startswith(self.workdir + "/"):
            return filename[len(self.workdir) + 1 :]
        marker = "/site-packages/"
        if marker in filename:
            return "site-packages/" + filename.split(marker, 1)[1]
        return filename

    # --- limits ---------------------------------------------------------------------------

    def on_alarm(self, signum, frame):
        if not self.in_phase:  # between phases pytest itself is running: try again shortly
            return
        raise TimeLimitExceeded(
            f"time limit exceeded: the test ran longer than {self.limits['wall_seconds']:g} s (wall clock)"
        )

    def on_cpu_limit(self, signum, frame):
        # The kernel repeats SIGXCPU every second past the soft limit, up to the hard one.
        if not self.in_phase:
            return
        raise TimeLimitExceeded(
            f"time limit exceeded: the test used more than {self.limits['time_seconds']:g} s of CPU time"
        )

    def arm(self):
        signal.signal(signal.SIGALRM, self.on_alarm)
        signal.signal(signal.SIGXCPU, self.on_cpu_limit)
        # Fires again every 0.2 s after the limit, in case the code catches the first one.
        signal.setitimer(signal.ITIMER_REAL, float(self.limits["wall_seconds"]), 0.2)
        try:  # the CPU limit of this test: the soft limit, moved per test; the hard one caps the run
            import resource

            used = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
            _, hard = resource.getrlimit(resource.RLIMIT_CPU)
            soft = int(used + float(self.limits["time_seconds"]) + 0.999)
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        except (ValueError, OSError):
            pass

    def disarm(self):
        signal.setitimer(signal.ITIMER_REAL, 0, 0)

    @staticmethod
    def cpu_seconds():
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    @staticmethod
    def reset_peak_memory():
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass

    @staticmethod
    def peak_memory_kb():
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def kill_strays(self):
        """After a limit was hit, stop whatever the test left running (a fork bomb's
        children): every other process of this sandbox's PID namespace but its init, the
        monitor and this one. Only inside the sandbox, where /proc lists nothing else."""
        if not self.payload.get("isolated"):
            return
        spare = {1, MONITOR_PID, os.getpid()}
        for _ in range(3):
            for entry in os.listdir("/proc"):
                if entry.isdigit() and int(entry) not in spare:
                    try:
                        os.kill(int(entry), signal.SIGKILL)
                    except OSError:
                        pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass

    # --- classification -------------------------------------------------------------------

    def chain(self, exc):
        seen = []
        while exc is not None and exc not in seen and len(seen) < 5:
            seen.append(exc)
            exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        return seen

    def classify(self, exc):
        chain = self.chain(exc)
        if any(isinstance(e, TimeLimitExceeded) for e in chain):
            return "time_limit"
        if any(isinstance(e, MemoryError) for e in chain):
            return "memory_limit"
        if any(isinstance(e, (RuntimeError, OSError)) and MEMORY_PATTERNS.search(str(e)) for e in chain):
            return "memory_limit"
        if isinstance(exc, (AssertionError, pytest.fail.Exception)):
            return "wrong_answer"
        return "error"

    def format_exception_only(self, exc):
        if isinstance(exc, pytest.fail.Exception):
            return exc.msg or "failed"
        if isinstance(exc, AssertionError):
            text = str(exc)
            return text if text else "assertion failed"
        return "".join(traceback.format_exception_only(type(exc), exc)).strip()

    def format_traceback(self, exc):
        lines = []
        for i, e in enumerate(reversed(self.chain(exc))):
            if i:
                lines.append("\nThe above exception was the direct cause of the following exception:\n")
            frames = [
                fs
                for fs in traceback.extract_tb(e.__traceback__)
                if "/_pytest/" not in fs.filename
                and "/pluggy/" not in fs.filename
                and fs.filename != "<string>"
            ]
            if frames:
                lines.append("Traceback (most recent call last):")
                if len(frames) > MAX_FRAMES:
                    lines.append(f"  … {len(frames) - MAX_FRAMES} frames hidden …")
                    frames = frames[-MAX_FRAMES:]
                for fs in frames:
                    lines.append(f'  File "{self.short_path(fs.filename)}", line {fs.lineno}, in {fs.name}')
                    if fs.line and fs.filename not in self.hidden_paths:
                        lines.append(f"    {fs.line.strip()}")
            lines.append("".join(traceback.format_exception_only(type(e), e)).strip())
        return "\n".join(lines)

    def location(self, exc):
        """Where in a test file the failure surfaced: ``test_public.py:12``."""
        tb = exc.__traceback__
        where = None
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.startswith(self.workdir + "/") and os.path.basename(filename) in self.visibility:
                where = f"{self.short_path(filename)}:{tb.tb_lineno}"
            tb = tb.tb_next
        return where

    def describe(self, exc, kind):
        if kind == "wrong_answer":
            message = self.format_exception_only(exc)
            where = self.location(exc)
            return f"{message}\n\n({where})" if where else message
        if kind == "time_limit":
            message = next((str(e) for e in self.chain(exc) if isinstance(e, TimeLimitExceeded)), str(exc))
            fixture = getattr(exc, "kafedra_fixture", None)
            return message + (f" (in fixture '{fixture}')" if fixture else "")
        if kind == "error" and any(
            isinstance(e, BlockingIOError) or "can't start new thread" in str(e) for e in self.chain(exc)
        ):
            return (
                "process limit reached: a run may have at most "
                f"{self.limits['processes']} processes and threads "
                f"(and {self.limits['memory_mb']} MB of address space, of which every thread's stack takes "
                "a share)\n\n" + self.trim(self.format_traceback(exc), 8000)
            )
        if kind == "memory_limit":
            return f"memory limit exceeded ({self.limits['memory_mb']} MB)\n\n" + self.trim(
                self.format_traceback(exc), 4000
            )
        return self.trim(self.format_traceback(exc), 8000)

    # --- pytest hooks ---------------------------------------------------------------------

    def fixture_key(self, fixturedef):
        return f"{fixturedef.baseid}::{fixturedef.argname}"

    def pytest_configure(self, config):
        import tempfile

        # pytest's capture files were created in the small capture tmpfs; everything else
        # (tmp_path, tempfile in student code) goes to /tmp again.
        tempfile.tempdir = None

    def pytest_collectstart(self, collector):
        if isinstance(collector, pytest.Module):
            self.emit("collect", module=os.path.basename(str(collector.path)))

    def pytest_collectreport(self, report):
        if report.failed:
            text = str(report.longrepr)
            module = report.nodeid.split("::")[0] or "?"
            if os.path.join(self.workdir, module) in self.hidden_paths:
                # The long report quotes the hidden module's source; keep only the error lines.
                text = "\n".join(
                    line for line in text.splitlines() if line.startswith("E ") or "Error" in line
                )
            self.emit("collect_error", module=module, message=self.trim(text, 8000))

    def pytest_collection_finish(self, session):
        self.emit("collected", nodeids=[item.nodeid for item in session.items])
        for path in self.hidden_paths:  # collected and rewritten: the source is not needed any more
            try:
                os.unlink(path)
            except OSError:
                pass

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.phases[item.nodeid] = []
        self.emit("start", nodeid=item.nodeid)
        self.cpu_at_start = self.cpu_seconds()
        self.reset_peak_memory()
        self.arm()
        try:
            return (yield)
        finally:
            self.disarm()
            self.in_phase = False

    def _phase(self):
        self.in_phase = True
        try:
            return (yield)
        except BaseException as exc:
            if os.getpid() == MAIN_PID and any(
                isinstance(e, (TimeLimitExceeded, MemoryError, BlockingIOError))
                or "can't start new thread" in str(e)
                for e in self.chain(exc)
            ):
                self.kill_strays()  # now, before pytest formats the report: a fork bomb would starve it
            raise
        finally:
            if os.getpid() != MAIN_PID:  # a fork of the test process returning into pytest
                os._exit(1)
            self.in_phase = False

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item):
        # A module/session fixture that hit a limit in an earlier test (in this process or one
        # the runner had to kill) would only hit it again: fail at once with the same kind.
        info = getattr(item, "_fixtureinfo", None)
        for name in item.fixturenames:
            defs = info.name2fixturedefs.get(name) if info is not None else None
            if not defs:
                continue
            key = self.fixture_key(defs[-1])
            if key in self.poisoned:
                verdict = self.poisoned[key]
                exc_type = {"time_limit": TimeLimitExceeded, "memory_limit": MemoryError}.get(
                    verdict["outcome"], RuntimeError
                )
                exc = exc_type(f"fixture '{name}' already failed in an earlier test: {verdict['message']}")
                raise exc
        return (yield from self._phase())

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item):
        return (yield from self._phase())

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item, nextitem):
        return (yield from self._phase())

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_fixture_setup(self, fixturedef, request):
        if fixturedef.scope == "function":
            return (yield)
        key = self.fixture_key(fixturedef)
        self.emit("fixture", key=key, name=fixturedef.argname, phase="start")
        try:
            return (yield)
        except BaseException as exc:
            kind = self.classify(exc)
            if kind in ("time_limit", "memory_limit"):
                exc.kafedra_fixture = fixturedef.argname
                self.poisoned[key] = {"outcome": kind, "message": str(exc)}
            raise
        finally:
            self.emit("fixture", key=key, name=fixturedef.argname, phase="end")

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if os.getpid() != MAIN_PID:
            os._exit(0)
        kind = None
        exc = None
        if call.excinfo is not None and report.failed:
            exc = call.excinfo.value
            kind = self.classify(exc)
        self.phases.setdefault(item.nodeid, []).append((call.when, report, kind, exc))
        if call.when == "teardown":
            self.finish(item)
        return report

    def finish(self, item):
        phases = self.phases.pop(item.nodeid, [])
        duration_ms = int(round(sum(report.duration for _, report, _, _ in phases) * 1000))
        memory_kb = self.peak_memory_kb()
        cpu_ms = int(round((self.cpu_seconds() - self.cpu_at_start) * 1000))
        sections = phases[-1][1].sections if phases else []  # the last report holds every phase's capture
        stdout = "".join(content for name, content in sections if name.startswith("Captured stdout"))
        stderr = "".join(content for name, content in sections if name.startswith("Captured stderr"))
        printed = len(stdout.encode("utf-8", "replace")) + len(stderr.encode("utf-8", "replace"))
        outcome, message = "passed", ""
        for when, report, kind, exc in phases:  # the first failing phase decides
            if kind is not None:
                outcome, message = kind, self.describe(exc, kind)
                if when == "teardown" and kind in ("wrong_answer", "error"):
                    message = "error in teardown:\n" + message
                break
            if report.skipped and not hasattr(report, "wasxfail"):
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                outcome, message = "error", f"the test was skipped: {reason}"
                break
        if printed >= self.limits["output_bytes"]:
            earlier = message if outcome != "passed" else ""
            outcome = "output_limit"
            message = (
                "output limit exceeded: the test printed more than "
                f"{self.limits['output_bytes']} bytes\n\n{earlier}"
            ).strip()
        self.emit(
            "result",
            nodeid=item.nodeid,
            outcome=outcome,
            message=message,
            stdout=self.trim(stdout),
            stderr=self.trim(stderr),
            duration_ms=duration_ms,
            cpu_ms=cpu_ms,
            memory_kb=memory_kb,
        )
        if outcome in ("time_limit", "memory_limit", "output_limit") or message.startswith("process limit"):
            self.kill_strays()


def _set_limits(limits, isolated):
    import resource

    def both(res, value):
        value = int(value)
        try:
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError) as exc:
            sys.stderr.write(f"harness: cannot set limit {res}: {exc}\n")
            if isolated:
                raise

    both(resource.RLIMIT_CORE, 0)
    both(resource.RLIMIT_AS, limits["memory_mb"] * 1024 * 1024)
    both(resource.RLIMIT_FSIZE, limits["file_size_bytes"])
    both(resource.RLIMIT_NOFILE, limits["open_files"])
    # Soft: start-up and collection (each test moves it, see Harness.arm); hard: the whole run.
    resource.setrlimit(
        resource.RLIMIT_CPU, (int(limits["startup_seconds"]), int(limits["cpu_seconds_total"]))
    )
    if isolated:
        # Counted per user namespace (Linux >= 5.14): this run's processes and threads only.
        both(resource.RLIMIT_NPROC, limits["processes"])


def _run_pytest(payload, results):
    workdir = payload["workdir"]
    _set_limits(payload["limits"], payload["isolated"])
    if workdir not in sys.path:
        sys.path.insert(0, workdir)

    import tempfile

    harness = Harness(payload, results)
    signal.signal(signal.SIGXCPU, harness.on_cpu_limit)

    # pytest creates its capture files at start-up: put them in the capture tmpfs, whose size
    # is the output limit (pytest_configure sets this back).
    if payload.get("capture_dir"):
        tempfile.tempdir = payload["capture_dir"]
    targets = payload.get("targets") or [m["path"] for m in payload["modules"]]
    if not targets:  # without paths pytest would collect whatever is in the working directory
        harness.emit("done", exit_code=5)
        os._exit(0)
    args = [
        *targets,
        "-c",
        os.devnull,
        "--rootdir",
        workdir,
        "-p",
        "no:cacheprovider",
        "-p",
        "no:stepwise",
        "-p",
        "no:terminal",
        "--noconftest",
        "--continue-on-collection-errors",
        "--capture=fd",
        "-o",
        "verbosity_assertions=2",  # full diffs in assertion messages (they are trimmed later)
        # The test modules are collected because they are named above; this pattern decides
        # which *imported* modules pytest rewrites for assertion introspection. "*.py" would
        # rewrite all of pandas and scikit-learn at every run (-B: nothing is cached), several
        # seconds of CPU per run; the test modules' own names keep it to them.
        "-o",
        "python_files=" + " ".join(sorted({os.path.basename(m["path"]) for m in payload["modules"]})),
        "-W",
        "ignore::DeprecationWarning",
    ]
    code = pytest.main(args, plugins=[harness])
    harness.emit("done", exit_code=int(code))
    results.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown: student objects' __del__ must not run after "done"


def main():
    global MAIN_PID
    payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    results = os.fdopen(payload["results_fd"], "w", encoding="utf-8")

    workdir = payload["workdir"]
    os.makedirs(workdir, exist_ok=True)
    os.chdir(workdir)
    for relpath, content in list(payload["files"].items()) + [
        (m["path"], m["source"]) for m in payload["modules"]
    ]:
        path = os.path.normpath(os.path.join(workdir, relpath))
        if not path.startswith(workdir + os.sep):
            raise SystemExit(f"harness: bad file name {relpath!r}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
    del payload["files"]

    # The monitor: a small parent that outlives the test process and reports how it ended
    # (exit code or signal, CPU time, peak memory), which bwrap alone cannot tell.
    child = os.fork()
    if child == 0:
        MAIN_PID = os.getpid()
        try:
            _run_pytest(payload, results)
        except BaseException:
            traceback.print_exc()
            os._exit(70)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            _, status, usage = os.wait4(child, 0)
            break
        except InterruptedError:
            continue
    try:
        results.write(
            json.dumps(
                {
                    "event": "exit",
                    "code": os.waitstatus_to_exitcode(status),
                    "cpu_seconds": usage.ru_utime + usage.ru_stime,
                    "maxrss_kb": usage.ru_maxrss,
                }
            )
            + "\n"
        )
        results.flush()
    except OSError:
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
