"""The server under test: gunicorn with sync workers on 127.0.0.1, as in production, started in
its own process group so that stopping it stops every worker, and stopped whatever happens."""

import http.client
import os
import signal
import socket
import subprocess  # noqa: S404 - starts our own gunicorn
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.options import BASE_DIR

HOST = "127.0.0.1"


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    location: str


def http_get(port: int, path: str, *, headers: Mapping[str, str] | None = None, timeout: float = 10) -> Reply:
    """One GET to our own server on 127.0.0.1 (redirects are not followed)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        return Reply(
            status=response.status, body=response.read(), location=response.getheader("Location") or ""
        )
    finally:
        connection.close()


@dataclass(frozen=True)
class Server:
    port: int
    workers: int
    log: Path
    pid: int = 0  # gunicorn's master process (its workers are its children)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's process group (graceful), SIGKILL to it if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


@contextmanager
def gunicorn_serving(*, workers: int, env: Mapping[str, str], log: Path, ready_path: str) -> Iterator[Server]:
    """gunicorn ``config.wsgi`` on a free 127.0.0.1 port, once ``ready_path`` answers 200."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        "--chdir", str(BASE_DIR),
        "--bind", f"{HOST}:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--timeout", "60",
        "--log-level", "warning",
        "--error-logfile", "-",
    ]  # fmt: skip
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=BASE_DIR,
            env=dict(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg reaches the workers too
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise ServerError(f"gunicorn exited with {process.returncode}:\n{_log_tail(log)}")
                try:
                    if http_get(port, ready_path, timeout=5).status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise ServerError(f"gunicorn did not answer {ready_path} within 60s:\n{_log_tail(log)}")
                time.sleep(0.3)
            yield Server(port=port, workers=workers, log=log, pid=process.pid)
        finally:
            _stop(process)
