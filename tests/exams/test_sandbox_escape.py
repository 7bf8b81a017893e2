"""The escape suite: hostile code against the REAL sandbox (bubblewrap, the sandbox user, the
python-basic runtime). Each attack is a test module run in the sandbox; the probes inside
pass only when the attack is contained, and the outer test checks the verdict. After every
attack this process — standing in for the worker — must still be able to run code and have
no sandboxed process left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from exams.sandbox import isolation, sandbox_status
from tests.exams.sandbox_support import by_name, outcomes, require_sandbox, run_source

pytestmark = pytest.mark.sandbox


def _stat(pid: str) -> tuple[int, int] | None:
    """(uid, parent pid) of a host process, None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["Uid"].split()[0]), int(fields["PPid"])


def _our_sandbox_pids() -> set[int]:
    """Processes of the sandbox user that this test process started (its descendants) or that
    escaped their sandbox (orphans adopted by the host's init). Other workers' runs on this
    host, descendants of other processes, are not ours to judge."""
    uid = isolation.sandbox_identity().uid
    table = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p)) is not None}

    def ours(pid: int) -> bool:
        seen = set()
        while pid not in seen and pid in table:
            seen.add(pid)
            pid = table[pid][1]
            if pid == os.getpid():
                return True
        return False

    return {pid for pid, (owner, ppid) in table.items() if owner == uid and (ppid == 1 or ours(pid))}


def _describe(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200]
    except OSError:
        return f"{pid} (gone)"
    return f"{pid} ppid={(_stat(str(pid)) or (0, 0))[1]} {cmdline.decode(errors='replace')}"


@pytest.fixture(autouse=True)
def contained():
    """Before: the sandbox is there. After: nothing of the run survives, and a trivial run passes."""
    require_sandbox()
    before = _our_sandbox_pids()
    yield
    deadline = time.monotonic() + 5
    while (left := _our_sandbox_pids() - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"sandboxed processes outlived the run: {[_describe(pid) for pid in sorted(left)]}"
    follow_up = run_source("def test_still_works():\n    assert sum(range(4)) == 6\n")
    assert outcomes(follow_up) == {"test_still_works": "passed"}


def test_the_status_probe_shows_full_isolation():
    status = sandbox_status()
    assert status.available and status.usable and not status.reason
    assert status.process_limit_enforced
    assert "bubblewrap" in status.bwrap
    assert status.runtimes["python-basic"] is None
    assert status.overhead_ms is not None and status.overhead_ms < 5_000


# --- network ------------------------------------------------------------------------------------


def test_no_network_local_services_or_internet_and_it_fails_fast():
    report = run_source(
        """
        import socket, time

        def _refused(host, port):
            started = time.monotonic()
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(5)
            try:
                s.connect((host, port))
            except OSError as exc:
                return time.monotonic() - started, exc
            finally:
                s.close()
            raise AssertionError(f"connected to {host}:{port}")

        def test_postgres_on_loopback():
            took, _ = _refused("127.0.0.1", 5432)
            assert took < 1

        def test_redis_on_loopback():
            took, _ = _refused("127.0.0.1", 6379)
            assert took < 1

        def test_internet():
            took, exc = _refused("1.1.1.1", 80)
            assert took < 1 and exc.errno == 101  # ENETUNREACH: there is no route at all

        def test_udp_dns_to_the_outside():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.sendto(b"x", ("8.8.8.8", 53))
            except OSError as exc:
                assert exc.errno == 101
            else:
                raise AssertionError("a UDP packet left the sandbox")

        def test_name_resolution():
            try:
                socket.getaddrinfo("example.com", 80)
            except OSError:
                return
            raise AssertionError("resolved a name")

        def test_only_loopback_interface():
            names = [line.split(":")[0].strip() for line in open("/proc/net/dev").read().splitlines()[2:]]
            assert names == ["lo"]
        """
    )
    assert set(outcomes(report).values()) == {"passed"}, [(t.name, t.message) for t in report.tests]


# --- the application's files, settings, secrets, processes ----------------------------------------


def test_no_access_to_the_application_settings_secrets_or_database(monkeypatch):
    canary = f"canary-{uuid.uuid4()}"
    monkeypatch.setenv("SECRET_KEY", canary)
    monkeypatch.setenv("DATABASE_URL", f"postgres://kafedra:{canary}@127.0.0.1/kafedra")
    base = str(settings.BASE_DIR)
    report = run_source(
        f"""
        import glob, os

        CANARY = {canary!r}
        BASE = {base!r}

        def test_environment_is_the_sandbox_one():
            assert CANARY not in repr(os.environ)
            for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
                assert name not in os.environ

        def test_no_process_environment_holds_the_secret():
            for path in glob.glob("/proc/*/environ"):
                try:
                    assert CANARY.encode() not in open(path, "rb").read()
                except PermissionError:
                    pass

        def test_application_tree_is_not_there():
            for path in (BASE, BASE + "/config/settings/base.py", BASE + "/var/kafedra.sqlite3"):
                assert not os.path.exists(path), path

        def test_locally_installed_software_is_hidden():
            assert os.listdir("/usr/local") == []

        def test_host_secrets_are_not_there():
            for path in ("/etc/shadow", "/root", "/home", "/var", "/srv", "/run", "/sys", "/etc/ssl/private"):
                assert not os.path.exists(path), path

        def test_root_shows_only_the_sandbox():
            assert set(os.listdir("/")) <= {{
                "usr", "bin", "sbin", "lib", "lib64", "etc", "opt", "proc", "dev", "tmp", "work", "capture",
            }}
            assert set(os.listdir("/etc")) <= {{"passwd", "group", "hosts", "ld.so.cache"}}
        """
    )
    assert set(outcomes(report).values()) == {"passed"}, [(t.name, t.message) for t in report.tests]


def test_processes_outside_cannot_be_seen_or_signalled():
    # A process of the sandbox user's own uid on the host: the same uid, yet out of reach.
    identity = isolation.sandbox_identity()
    canary = subprocess.Popen(["/bin/sleep", "60"], **identity.popen_kwargs())  # noqa: S603
    try:
        report = run_source(
            f"""
            import os, signal

            def test_host_processes_are_invisible():
                pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
                assert len(pids) < 10, pids  # bwrap's init, the monitor, the test process

            def test_the_worker_does_not_exist_here():
                try:
                    os.kill({os.getpid()}, 0)  # signal 0: only asks whether the process exists
                except ProcessLookupError:
                    return
                raise AssertionError("the worker process is visible")

            def test_a_host_process_of_the_same_uid_cannot_be_killed():
                try:
                    os.kill({canary.pid}, signal.SIGKILL)
                except ProcessLookupError:
                    return
                raise AssertionError("signalled the canary")

            def test_pid_1_is_the_sandbox_init_and_ignores_signals():
                assert open("/proc/1/cmdline", "rb").read().startswith(b"/usr/bin/bwrap")
                os.kill(1, signal.SIGKILL)
                assert os.path.exists("/proc/1")
            """
        )
        assert canary.poll() is None, "the canary process was killed from inside the sandbox"
        assert set(outcomes(report).values()) == {"passed"}, [(t.name, t.message) for t in report.tests]
    finally:
        canary.kill()
        canary.wait()


def test_writes_outside_the_private_dirs_fail_and_private_tmp_is_invisible():
    marker = f"kafedra-escape-{uuid.uuid4()}"
    report = run_source(
        f"""
        import errno, os

        def _read_only(path):
            try:
                with open(path, "w") as f:
                    f.write("x")
            except OSError as exc:
                assert exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT), exc
            else:
                raise AssertionError(f"wrote {{path}}")

        def test_system_and_runtime_are_read_only():
            for path in ("/usr/pwned", "/opt/runtime/pwned", "/pwned", "/etc/passwd", "/bin/sh"):
                _read_only(path)

        def test_private_tmp_and_workdir_are_writable():
            with open("/tmp/{marker}", "w") as f:
                f.write("inside")
            with open("/work/{marker}", "w") as f:
                f.write("inside")
        """
    )
    assert set(outcomes(report).values()) == {"passed"}, [(t.name, t.message) for t in report.tests]
    assert not Path(f"/tmp/{marker}").exists()  # noqa: S108 - checking the host's /tmp is untouched
    assert not Path(f"/work/{marker}").exists()


def test_privileges_cannot_be_raised_with_ctypes_or_syscalls():
    seccomp = isolation.seccomp_program() is not None
    report = run_source(
        f"""
        import ctypes, ctypes.util, errno, os, pytest

        SECCOMP = {seccomp!r}

        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x00020000, 0x40000000

        def _fails(result):
            assert result == -1
            assert ctypes.get_errno() in (errno.EPERM, errno.EINVAL, errno.ENOSPC, errno.EACCES)

        def test_not_root_and_setuid_0_fails():
            assert os.getuid() != 0 and os.geteuid() != 0
            _fails(libc.setuid(0))
            _fails(libc.setgid(0))

        def test_new_namespaces_are_refused():
            for flags in (CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNS):
                _fails(libc.unshare(flags))

        def test_mount_and_chroot_are_refused():
            _fails(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
            _fails(libc.chroot(b"/tmp"))

        def test_ptrace_and_bpf_are_refused_by_seccomp():
            if not SECCOMP:
                pytest.xfail("no libseccomp on this host")
            _fails(libc.ptrace(0, 0, None, None))  # PTRACE_TRACEME
            _fails(libc.syscall(321, 0, None, 0))  # bpf(2) on x86_64

        def test_no_capabilities():
            for line in open("/proc/self/status"):
                if line.startswith(("CapEff:", "CapPrm:")):
                    assert int(line.split()[1], 16) == 0, line
        """
    )
    assert set(outcomes(report).values()) == {"passed"}, [(t.name, t.message) for t in report.tests]


def test_subprocesses_run_within_limits_and_see_only_the_sandbox():
    report = run_source(
        """
        import subprocess, sys

        def test_shell_and_python_children_work():
            out = subprocess.run(["/bin/sh", "-c", "echo hi; ls /"], capture_output=True, text=True)
            assert out.stdout.startswith("hi")
            assert "work" in out.stdout.split() and "root" not in out.stdout.split()
            code = "import os; print(os.getuid(), sorted(os.listdir('/proc'))[:3])"
            child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            assert child.stdout.startswith("1000 ")

        def test_children_see_no_host_processes():
            out = subprocess.run(["ps", "-e", "-o", "pid="], capture_output=True, text=True, check=True)
            assert len(out.stdout.split()) < 10
        """
    )
    assert set(outcomes(report).values()) == {"passed"}, [(t.name, t.message) for t in report.tests]


# --- resource exhaustion ------------------------------------------------------------------------------


def test_fork_bomb_is_stopped_by_the_process_limit():
    report = run_source(
        """
        import os

        def test_fork_bomb():
            while True:
                os.fork()

        def test_next_one_runs():
            assert True
        """
    )
    tests = by_name(report)
    assert tests["test_fork_bomb"].outcome == "error"
    assert "process limit" in tests["test_fork_bomb"].message
    assert tests["test_next_one_runs"].outcome == "passed"


def test_fork_bomb_that_swallows_errors_is_stopped_by_the_time_limit():
    report = run_source(
        """
        import os

        def test_stubborn_fork_bomb():
            while True:
                try:
                    os.fork()
                except BaseException:
                    pass
        """,
        time_seconds=1,
        wall_factor=2,
    )
    assert outcomes(report) == {"test_stubborn_fork_bomb": "time_limit"}


def test_memory_bomb_is_a_memory_limit():
    report = run_source(
        """
        def test_memory_bomb():
            hog = []
            while True:
                hog.append(bytearray(32 * 1024 * 1024))

        def test_numpy_sized_allocation():
            bytearray(2 * 1024 ** 3)
        """,
        memory_mb=256,
    )
    assert outcomes(report) == {
        "test_memory_bomb": "memory_limit",
        "test_numpy_sized_allocation": "memory_limit",
    }
    assert "256 MB" in by_name(report)["test_memory_bomb"].message


def test_tmpfs_cannot_be_used_to_exhaust_host_memory():
    report = run_source(
        """
        import errno

        def test_fill_tmp():
            chunk = b"x" * (1024 * 1024)
            with open("/dev/shm/fill", "wb") as f:
                try:
                    for _ in range(200):
                        f.write(chunk)
                        f.flush()
                except OSError as exc:
                    assert exc.errno in (errno.ENOSPC, errno.EFBIG)
                    return
            raise AssertionError("wrote 200 MB to /dev/shm")
        """,
        work_mb=32,
    )
    assert outcomes(report) == {"test_fill_tmp": "passed"}, report.tests[0].message


def test_infinite_loop_is_a_cpu_time_limit():
    report = run_source(
        """
        def test_spin():
            while True:
                pass
        """,
        time_seconds=1,
        wall_factor=30,  # so that the CPU limit, not the wall clock of a busy host, stops it
    )
    assert outcomes(report) == {"test_spin": "time_limit"}
    assert "CPU" in report.tests[0].message


def test_sleeping_past_the_wall_time_is_a_time_limit():
    report = run_source(
        """
        import time

        def test_sleep():
            time.sleep(60)
        """,
        time_seconds=1,
        wall_factor=2,
    )
    assert outcomes(report) == {"test_sleep": "time_limit"}
    assert "wall clock" in report.tests[0].message
    assert report.wall_ms < 30_000


def test_code_that_blocks_the_alarm_is_killed_by_the_runner():
    report = run_source(
        """
        import signal, time

        def test_blocks_signals_and_sleeps():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGXCPU})
            time.sleep(60)

        def test_runs_after_the_kill():
            assert True
        """,
        time_seconds=1,
        wall_factor=2,
    )
    assert outcomes(report) == {
        "test_blocks_signals_and_sleeps": "time_limit",
        "test_runs_after_the_kill": "passed",
    }
    assert report.processes == 2


def test_huge_output_is_an_output_limit():
    report = run_source(
        """
        import sys

        def test_print_forever():
            while True:
                print("spam" * 1000)

        def test_c_level_writes():
            import os
            while True:
                os.write(2, b"x" * 65536)
        """,
        output_bytes=200_000,
    )
    assert outcomes(report) == {"test_print_forever": "output_limit", "test_c_level_writes": "output_limit"}
    assert len(by_name(report)["test_print_forever"].stdout) < 20_000  # trimmed


def test_writing_around_the_capture_into_the_runner_pipes_is_an_output_limit():
    report = run_source(
        """
        import os, stat

        def test_flood_every_pipe():
            fds = [fd for fd in range(3, 64) if _is_pipe(fd)]
            assert fds
            while True:
                for fd in fds:
                    os.write(fd, b"{" * 65536)

        def _is_pipe(fd):
            try:
                return stat.S_ISFIFO(os.fstat(fd).st_mode)
            except OSError:
                return False
        """,
        output_bytes=100_000,
    )
    assert outcomes(report) == {"test_flood_every_pipe": "output_limit"}


def test_exiting_the_interpreter_is_an_error_and_later_tests_still_run():
    report = run_source(
        """
        import os

        def test_exit():
            os._exit(0)

        def test_after():
            assert True
        """
    )
    assert outcomes(report) == {"test_exit": "error", "test_after": "passed"}
    assert "exited" in by_name(report)["test_exit"].message


def test_killing_everything_inside_is_contained():
    report = run_source(
        """
        import os, signal

        def test_kill_all():
            os.kill(-1, signal.SIGKILL)  # every process of this sandbox but init and itself
        """
    )
    # The test process may report before the sandbox collapses around it; either way nothing
    # outside was touched (the fixture checks this process is fine and nothing is left behind).
    assert outcomes(report)["test_kill_all"] in ("passed", "error")


def test_segfault_is_an_error():
    report = run_source(
        """
        import ctypes

        def test_crash():
            ctypes.string_at(0)
        """
    )
    assert outcomes(report) == {"test_crash": "error"}
    assert "SIGSEGV" in report.tests[0].message


def test_worker_killing_itself_out_of_band_leaves_no_sandbox(tmp_path):
    # given a run in a child process of ours that we kill mid-test, as a dying worker would be
    script = tmp_path / "run.py"
    script.write_text(
        "import django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.test')\n"
        "django.setup()\n"
        "from tests.exams.sandbox_support import run_source\n"
        "run_source('import time\\ndef test_sleep():\\n    time.sleep(60)\\n', time_seconds=30)\n"
    )
    worker = subprocess.Popen(  # noqa: S603
        [str(Path(settings.BASE_DIR) / ".venv/bin/python"), str(script)], cwd=settings.BASE_DIR
    )
    time.sleep(4)
    # when the worker dies with SIGKILL
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    # then bwrap's --die-with-parent takes the sandbox down (checked by the fixture)


def test_a_fork_bomb_does_not_starve_a_concurrent_run():
    """The process limit is counted per sandbox (per user namespace), not per host user: a fork
    bomb holding all its slots leaves another student's run, as the same uid, unaffected."""
    from concurrent.futures import ThreadPoolExecutor

    bomb = """
        import os, time

        def test_hold_every_slot():
            while True:
                try:
                    os.fork()
                except BaseException:
                    time.sleep(0.01)
        """
    busy = """
        import subprocess, threading, time

        def test_threads_and_processes():
            time.sleep(1.5)  # the bomb is at its limit by now
            threads = [threading.Thread(target=time.sleep, args=(0.2,)) for _ in range(40)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for _ in range(5):
                subprocess.run(["/bin/true"], check=True)
        """
    with ThreadPoolExecutor(max_workers=2) as pool:
        bombing = pool.submit(run_source, bomb, time_seconds=2, wall_factor=3)
        time.sleep(0.3)
        working = pool.submit(run_source, busy, time_seconds=5, memory_mb=1024)  # 40 thread stacks
        assert outcomes(working.result()) == {"test_threads_and_processes": "passed"}, working.result().tests
        assert outcomes(bombing.result()) == {"test_hold_every_slot": "time_limit"}


def test_many_processes_cannot_add_up_to_more_memory_than_the_run_may_hold():
    # Each child stays under the per-process limit (RLIMIT_AS); together they would not.
    report = run_source(
        """
        import os, time

        def test_memory_across_processes():
            for _ in range(12):
                if os.fork() == 0:
                    hog = bytearray(150 * 1024 * 1024)  # touched: resident, not just reserved
                    time.sleep(60)
                    os._exit(0)
            time.sleep(60)
        """,
        memory_mb=256,
        time_seconds=5,
    )
    assert outcomes(report) == {"test_memory_across_processes": "memory_limit"}
    assert "together" in report.tests[0].message
