"""Driving wrk (the load generator) and reading its results.

wrk itself counts only status >= 400 as errors and treats 3xx as success, so every run goes
through a Lua script that counts every response outside 2xx itself and prints one
machine-readable result line (``BENCH_RESULT {json}``) from wrk's ``done()`` hook, with the
latency percentiles in microseconds.
"""

import json
import shutil
import subprocess  # noqa: S404 - wrk is a fixed local binary
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

RESULT_PREFIX = "BENCH_RESULT "

INSTALL_HINT = "wrk is not installed. Install it with: sudo apt-get install -y wrk   (Debian/Ubuntu)"


class WrkMissing(RuntimeError):
    pass


class WrkFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    bytes: int
    non2xx: int
    bad_status: int  # the last status outside 2xx seen, 0 if none
    connect_errors: int
    read_errors: int
    write_errors: int
    timeouts: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def socket_errors(self) -> int:
        return self.connect_errors + self.read_errors + self.write_errors + self.timeouts

    @property
    def ok(self) -> bool:
        """Every request was answered, and every answer was 2xx."""
        return self.requests > 0 and self.non2xx == 0 and self.socket_errors == 0


def wrk_path() -> str:
    """The wrk executable. Raises WrkMissing with how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing(INSTALL_HINT)
    return path


def wrk_version() -> str:
    completed = subprocess.run([wrk_path(), "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    first = (completed.stdout or completed.stderr).strip().splitlines()
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"
    return first[0].split(" Copyright")[0].strip() if first else "wrk (unknown version)"


def lua_string(value: str) -> str:
    """``value`` as a Lua string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def lua_script(
    *, method: str = "GET", body: str | None = None, headers: Mapping[str, str] | None = None
) -> str:
    """The Lua script for one scenario: the request to send, the non-2xx counter, the result line."""
    lines = [f"wrk.method = {lua_string(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body)}")
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    lines.append(
        """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  bad_status = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    bad_status = status
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  local bad = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    local status = thread:get("bad_status")
    if status ~= 0 then bad = status end
  end
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,"non2xx":%.0f,"bad_status":%.0f,' ..
    '"connect":%.0f,"read":%.0f,"write":%.0f,"timeout":%.0f,' ..
    '"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f,"max_us":%.1f,"mean_us":%.1f}\\n',
    "RESULT_PREFIX", summary.requests, summary.duration, summary.bytes, non2xx_total, bad,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
""".replace("RESULT_PREFIX", RESULT_PREFIX)
    )
    return "\n".join(lines)


def parse_result(output: str) -> WrkResult:
    """The result line printed by the script of ``lua_script()``. Raises WrkFailed without one."""
    for line in reversed(output.splitlines()):
        if line.startswith(RESULT_PREFIX):
            data = json.loads(line[len(RESULT_PREFIX) :])
            break
    else:
        raise WrkFailed("wrk printed no result line:\n" + output[-2000:])
    return WrkResult(
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        bytes=int(data["bytes"]),
        non2xx=int(data["non2xx"]),
        bad_status=int(data["bad_status"]),
        connect_errors=int(data["connect"]),
        read_errors=int(data["read"]),
        write_errors=int(data["write"]),
        timeouts=int(data["timeout"]),
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
    )


def wrk_command(
    *, url: str, script: Path, duration: int, connections: int, threads: int, timeout: int
) -> list[str]:
    return [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        f"--timeout={timeout}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]


def wrk_run(
    *,
    url: str,
    duration: int,
    connections: int,
    threads: int,
    timeout: int,
    method: str = "GET",
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
    log: Path | None = None,
) -> WrkResult:
    """Load ``url`` for ``duration`` seconds. Only ever call it with a 127.0.0.1 URL.

    Raises WrkFailed when wrk fails or prints no result. ``log`` gets wrk's full output.
    """
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"refusing to load anything but 127.0.0.1: {url}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-") as script:
        script.write(lua_script(method=method, body=body, headers=headers))
        script.flush()
        command = wrk_command(
            url=url,
            script=Path(script.name),
            duration=duration,
            connections=connections,
            threads=threads,
            timeout=timeout,
        )
        try:
            completed = subprocess.run(  # noqa: S603
                command, capture_output=True, text=True, check=False, timeout=duration + timeout + 30
            )
        except subprocess.TimeoutExpired as error:
            raise WrkFailed(f"wrk did not finish: {' '.join(command)}") from error
    output = completed.stdout + completed.stderr
    if log is not None:
        log.write_text(" ".join(command) + "\n\n" + output)
    if completed.returncode != 0:
        raise WrkFailed(f"wrk exited with {completed.returncode}:\n{output[-2000:]}")
    return parse_result(output)
