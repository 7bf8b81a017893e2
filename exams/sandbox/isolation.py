"""How untrusted code is isolated: the bubblewrap command line, the identity it runs as, the
seccomp filter, and the status probe a health page shows.

One run is one ``bwrap`` process started by the worker:

* every namespace is new (``--unshare-all``: user, mount, PID, network, IPC, UTS, cgroup) and
  no more user namespaces can be made inside (``--disable-userns``): no network at all (the
  new network namespace has only a loopback), no view of the worker's processes;
* the file system is a fresh tmpfs root, remounted read-only, with ``/usr`` (the system
  interpreter and shared libraries; ``/usr/local`` hidden unless the runtime's interpreter
  lives there) and the runtime's venv bound read-only at ``/opt/runtime``, a generated
  ``/etc/passwd``/``group``/``hosts`` and nothing else of the host: not the application, its
  settings, ``var/``, the database, ``/home``, ``/root``, ``/sys`` or the host's ``/proc``;
* ``/work`` (the working directory), ``/tmp`` and ``/dev/shm`` are size-limited tmpfs mounts
  that vanish with the run; pytest's capture files live in a tmpfs the size of the output limit;
* the process runs as an unprivileged user (``SANDBOX_USER`` when the worker is root, the
  worker's own non-root user otherwise; never uid 0, where ``RLIMIT_NPROC`` does not apply)
  with no capabilities, a cleared environment and a new session (no terminal injection);
* a seccomp filter (when libseccomp is present) refuses kernel interfaces a test never needs
  and exploits often do: ptrace, bpf, io_uring, userfaultfd, perf events, keyrings, mounts, …;
* ``--die-with-parent``: if the worker dies, the sandbox and everything in it die too.

Resource limits (CPU, memory, processes, file size, open files) are set by the harness inside
the sandbox, after the user namespace exists, so the process limit counts only this run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

WORKDIR = "/work"
TMPDIR = "/tmp"  # noqa: S108 - a private tmpfs inside the sandbox, not the host's /tmp
CAPTURE_DIR = "/capture"
RUNTIME_MOUNT = "/opt/runtime"
SANDBOX_UID = 1000  # the identity seen inside; outside it is the unprivileged user below
SANDBOX_GID = 1000
STATUS_TTL_SECONDS = 60.0

# Syscalls refused with EPERM. None of them is needed to run Python, numpy or torch on a CPU.
DENIED_SYSCALLS = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "bpf",
    "userfaultfd",
    "perf_event_open",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "setns",
    "unshare",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "acct",
    "quotactl",
    "open_by_handle_at",
    "name_to_handle_at",
    "lookup_dcookie",
    "fanotify_init",
    "vhangup",
)


class SandboxUnavailable(Exception):  # noqa: N818 - a state, not an error in our code
    """Isolated runs are impossible here; the message says why and what to do."""


@dataclass(frozen=True)
class Identity:
    """Who the sandboxed code runs as, seen from the host."""

    uid: int
    gid: int
    name: str
    switch: bool  # True: the (root) worker switches to this user to start bwrap

    def popen_kwargs(self) -> dict:
        if not self.switch:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def sandbox_identity() -> Identity:
    """The unprivileged user that runs sandboxed code. Raises SandboxUnavailable when it would
    be root (the process limit does not apply to root, so a fork bomb would not be contained)."""
    if os.geteuid() == 0:
        name = settings.SANDBOX_USER
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise SandboxUnavailable(
                f"the sandbox user {name!r} does not exist: create it with `make sandbox-user`"
            ) from None
        if entry.pw_uid == 0 or entry.pw_gid == 0:
            raise SandboxUnavailable(f"the sandbox user {name!r} must not be root (uid/gid 0)")
        return Identity(uid=entry.pw_uid, gid=entry.pw_gid, name=name, switch=True)
    uid = os.geteuid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    return Identity(uid=uid, gid=os.getegid(), name=name, switch=False)


def bwrap_path() -> str | None:
    """The bubblewrap binary from settings, if it exists and is executable."""
    configured = settings.SANDBOX_BWRAP_PATH
    path = configured if os.path.isabs(configured) else shutil.which(configured)
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return None


@functools.lru_cache(maxsize=1)
def seccomp_program() -> bytes | None:
    """The compiled BPF filter (EPERM for DENIED_SYSCALLS), or None without libseccomp."""
    name = ctypes.util.find_library("seccomp")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    act_allow = 0x7FFF0000
    act_eperm = 0x00050000 | errno.EPERM
    ctx = lib.seccomp_init(act_allow)
    if not ctx:
        return None
    try:
        for syscall in DENIED_SYSCALLS:
            number = lib.seccomp_syscall_resolve_name(syscall.encode())
            if number < 0:  # not on this architecture
                continue
            if lib.seccomp_rule_add(ctx, act_eperm, number, 0) != 0:
                logger.warning("sandbox: seccomp rule for %s could not be added", syscall)
                return None
        with tempfile.TemporaryFile() as out:
            if lib.seccomp_export_bpf(ctx, out.fileno()) != 0:
                return None
            out.seek(0)
            return out.read()
    finally:
        lib.seccomp_release(ctx)


def data_fd(content: bytes, name: str) -> int:
    """A sealed-in-memory file descriptor holding ``content`` (no host file involved)."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    os.write(fd, content)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


PASSWD = (
    "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
    f"sandbox:x:{SANDBOX_UID}:{SANDBOX_GID}:sandbox:{TMPDIR}:/usr/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
)
GROUP = f"root:x:0:\nsandbox:x:{SANDBOX_GID}:\nnogroup:x:65534:\n"
HOSTS = "127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost\n"


def sandbox_environment(*, threads: int) -> dict[str, str]:
    """The whole environment of sandboxed code: nothing of the worker's is passed through."""
    n = str(max(1, threads))
    return {
        "PATH": f"{RUNTIME_MOUNT}/bin:/usr/bin:/bin",
        "HOME": TMPDIR,
        "TMPDIR": TMPDIR,
        "USER": "sandbox",
        "LOGNAME": "sandbox",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUTF8": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{TMPDIR}/matplotlib",
        "NUMBA_CACHE_DIR": f"{TMPDIR}/numba",
        "XDG_CACHE_HOME": f"{TMPDIR}/.cache",
        "SCIKIT_LEARN_DATA": f"{TMPDIR}/scikit_learn_data",
        # Few threads per run: several runs share a grading host, and RLIMIT_NPROC counts threads.
        "OMP_NUM_THREADS": n,
        "OPENBLAS_NUM_THREADS": n,
        "MKL_NUM_THREADS": n,
        "NUMEXPR_NUM_THREADS": n,
        "VECLIB_MAXIMUM_THREADS": n,
        # glibc makes a 64 MB arena per thread, which eats into the address-space limit.
        "MALLOC_ARENA_MAX": "2",
    }


@dataclass
class SandboxCommand:
    """An argv for ``subprocess.Popen`` and the descriptors it must inherit."""

    argv: list[str]
    pass_fds: list[int] = field(default_factory=list)

    def close(self) -> None:
        for fd in self.pass_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.pass_fds = []


def bwrap_command(
    *,
    bwrap: str,
    command: Sequence[str],
    runtime_dir: Path | None,
    work_mb: int,
    capture_bytes: int,
    env: Mapping[str, str],
    keep_fds: Sequence[int] = (),
    use_seccomp: bool = True,
    hide_usr_local: bool = True,
) -> SandboxCommand:
    """The bwrap command line that runs ``command`` isolated (see the module docstring).
    The caller closes the returned descriptors (``SandboxCommand.close``) after starting it."""
    mib = 1024 * 1024
    fds: list[int] = []
    argv = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_GID),
        "--hostname",
        "sandbox",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    if hide_usr_local:
        # What was installed by hand on the host is not the sandbox's business (unless the
        # runtime's own interpreter lives there, as in the python:* Docker images).
        argv += ["--perms", "0755", "--size", "65536", "--tmpfs", "/usr/local", "--remount-ro", "/usr/local"]
    argv += [
        "--symlink",
        "usr/bin",
        "/bin",
        "--symlink",
        "usr/sbin",
        "/sbin",
        "--symlink",
        "usr/lib",
        "/lib",
    ]
    if os.path.isdir("/usr/lib64"):
        argv += ["--symlink", "usr/lib64", "/lib64"]
    argv += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    for dest, content in (("/etc/passwd", PASSWD), ("/etc/group", GROUP), ("/etc/hosts", HOSTS)):
        fd = data_fd(content.encode(), dest)
        fds.append(fd)
        argv += ["--perms", "0444", "--ro-bind-data", str(fd), dest]
    if runtime_dir is not None:
        argv += ["--ro-bind", str(runtime_dir), RUNTIME_MOUNT]
    argv += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(64 * mib),
        "--tmpfs",
        "/dev/shm",  # noqa: S108 - the sandbox's own, size-limited
        "--perms",
        "1777",
        "--size",
        str(work_mb * mib),
        "--tmpfs",
        TMPDIR,
        "--perms",
        "0755",
        "--size",
        str(work_mb * mib),
        "--tmpfs",
        WORKDIR,
        "--perms",
        "0755",
        "--size",
        str(capture_bytes),
        "--tmpfs",
        CAPTURE_DIR,
        "--remount-ro",
        "/",
        "--chdir",
        WORKDIR,
    ]
    for name, value in env.items():
        argv += ["--setenv", name, value]
    program = seccomp_program() if use_seccomp else None
    if program is not None:
        fd = data_fd(program, "seccomp")
        fds.append(fd)
        argv += ["--seccomp", str(fd)]
    argv += ["--", *command]
    for fd in fds:
        os.set_inheritable(fd, True)
    return SandboxCommand(argv=argv, pass_fds=[*fds, *keep_fds])


# --- the status probe ------------------------------------------------------------------------


@dataclass(frozen=True)
class SandboxStatus:
    """What a health page shows: can code be run isolated here, and if not, why."""

    available: bool
    reason: str
    bwrap: str
    identity: str
    process_limit_enforced: bool
    seccomp: bool
    unisolated_allowed: bool
    runtimes: dict[str, str | None]
    overhead_ms: int | None
    checked_at: float

    @property
    def usable(self) -> bool:
        """Whether practical tasks can run at all (isolated, or in the explicit dev mode)."""
        return self.available or self.unisolated_allowed


NPROC_PROBE_UNSUPPORTED = 3
NPROC_PROBE = (
    # prlimit (util-linux) where there is one; else the shell's own ulimit (-u in bash, -p in dash).
    "if command -v prlimit >/dev/null 2>&1; then "
    "exec prlimit --nproc=2:2 /bin/sh -c '(exit 0) && echo forked'; fi; "
    f"ulimit -u 2 2>/dev/null || ulimit -p 2 2>/dev/null || exit {NPROC_PROBE_UNSUPPORTED}; "
    "(exit 0) && echo forked"
)
_status_lock = threading.Lock()
_status_cache: SandboxStatus | None = None


def _probe_run(bwrap: str, identity: Identity, shell: str) -> subprocess.CompletedProcess:
    command = bwrap_command(
        bwrap=bwrap,
        command=["/bin/sh", "-c", shell],
        runtime_dir=None,
        work_mb=1,
        capture_bytes=1024 * 1024,
        env={"PATH": "/usr/bin:/bin"},
    )
    try:
        return subprocess.run(  # noqa: S603 - a fixed command line
            command.argv,
            pass_fds=command.pass_fds,
            env={"PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
            **identity.popen_kwargs(),
        )
    finally:
        command.close()


def probe_isolation() -> tuple[str, Identity | None, str, bool, int | None]:
    """(reason or "", identity, bwrap description, process limit enforced, overhead in ms)."""
    bwrap = bwrap_path()
    if bwrap is None:
        return (
            f"bubblewrap not found at {settings.SANDBOX_BWRAP_PATH!r}: "
            "install it (`apt-get install bubblewrap`)",
            None,
            "",
            False,
            None,
        )
    try:
        version = subprocess.run(  # noqa: S603
            [bwrap, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap at {bwrap} cannot be started: {exc}", None, bwrap, False, None
    description = f"{bwrap} ({version or 'unknown version'})"
    try:
        identity = sandbox_identity()
    except SandboxUnavailable as exc:
        return str(exc), None, description, False, None
    try:
        started = time.monotonic()
        ok = _probe_run(bwrap, identity, "exit 0")
        overhead_ms = int((time.monotonic() - started) * 1000)
        if ok.returncode != 0:
            detail = (ok.stderr or ok.stdout).strip()[:500]
            return (
                f"bubblewrap cannot create the sandbox (are unprivileged user namespaces enabled?): {detail}",
                identity,
                description,
                False,
                None,
            )
        # With a process limit of 2 the shell must not be able to fork. If it can, the limit
        # is not enforced (uid 0 or CAP_SYS_RESOURCE) and a fork bomb would not be contained.
        nproc = _probe_run(bwrap, identity, NPROC_PROBE)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap probe failed: {exc}", identity, description, False, None
    if nproc.returncode == NPROC_PROBE_UNSUPPORTED:
        return (
            "cannot verify that the process limit is enforced (no prlimit or ulimit in the sandbox)",
            identity,
            description,
            False,
            overhead_ms,
        )
    if "forked" in nproc.stdout:
        return (
            "the process limit is not enforced for the sandbox user (is it root?)",
            identity,
            description,
            False,
            overhead_ms,
        )
    return "", identity, description, True, overhead_ms


def sandbox_status(*, refresh: bool = False) -> SandboxStatus:
    """Whether untrusted code can be run here, cached for a minute. Never raises."""
    global _status_cache
    from exams.sandbox.runtimes import runtime_problems

    with _status_lock:
        now = time.monotonic()
        if not refresh and _status_cache is not None and now - _status_cache.checked_at < STATUS_TTL_SECONDS:
            return _status_cache
        reason, identity, bwrap, nproc_ok, overhead_ms = probe_isolation()
        if identity is None:
            who = ""
        elif identity.switch:
            who = f"{identity.name} (uid {identity.uid}, gid {identity.gid})"
        else:
            who = f"{identity.name} (uid {identity.uid}, the worker's own user)"
        _status_cache = SandboxStatus(
            available=not reason,
            reason=reason,
            bwrap=bwrap,
            identity=who,
            process_limit_enforced=nproc_ok,
            seccomp=seccomp_program() is not None,
            unisolated_allowed=bool(settings.SANDBOX_ALLOW_UNISOLATED),
            runtimes=runtime_problems(),
            overhead_ms=overhead_ms,
            checked_at=now,
        )
        return _status_cache


def sandbox_status_clear() -> None:
    """Forget the cached probe (tests, or after installing bubblewrap)."""
    global _status_cache
    with _status_lock:
        _status_cache = None
