"""The machine and its services: PostgreSQL and Redis on 127.0.0.1 (started the way .ci/run
starts them when they are down), the benchmark database, and what to say about the machine."""

import os
import platform
import shutil
import subprocess  # noqa: S404 - fixed local tools (pg_isready, psql, redis-cli, ...)
import time
from dataclasses import dataclass
from pathlib import Path

from bench.options import DB_NAME, PG_HOST, PG_PORT, PG_USER, REDIS_DB, REDIS_HOST, REDIS_PORT


class InfraError(RuntimeError):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise InfraError(f"{name} is not installed (it comes with the PostgreSQL / Redis Debian packages)")
    return path


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run([_tool(args[0]), *args[1:]], capture_output=True, text=True, check=False)  # noqa: S603
    if check and completed.returncode != 0:
        raise InfraError(f"{' '.join(args)} failed ({completed.returncode}):\n{completed.stderr.strip()}")
    return completed


def _postgres_up() -> bool:
    return _run("pg_isready", "-h", PG_HOST, "-p", str(PG_PORT), "-q", check=False).returncode == 0


def _redis_up() -> bool:
    completed = _run("redis-cli", "-h", REDIS_HOST, "-p", str(REDIS_PORT), "ping", check=False)
    return completed.returncode == 0 and "PONG" in completed.stdout


def _wait(check, what: str, seconds: int = 30) -> None:
    for _ in range(seconds):
        if check():
            return
        time.sleep(1)
    raise InfraError(f"{what} did not come up within {seconds}s")


def services_ensure() -> list[str]:
    """Start PostgreSQL and Redis if they are down. Returns what was done, for the log."""
    done = []
    if not _postgres_up():
        clusters = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if not clusters:
            raise InfraError("PostgreSQL is down and no cluster is configured under /etc/postgresql")
        _run("pg_ctlcluster", "--skip-systemctl-redirect", clusters[0], "main", "start")
        _wait(_postgres_up, "PostgreSQL")
        done.append(f"started PostgreSQL {clusters[0]}/main")
    if not _redis_up():
        _run(
            "redis-server", "--daemonize", "yes", "--bind", REDIS_HOST, "--port", str(REDIS_PORT),
            "--save", "", "--appendonly", "no",
        )  # fmt: skip
        _wait(_redis_up, "Redis")
        done.append("started Redis")
    return done


def _psql(sql: str, *, database: str = "postgres") -> str:
    return _run(
        "psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", database, "-v", "ON_ERROR_STOP=1",
        "-tAq", "-c", sql,
    ).stdout.strip()  # fmt: skip


def database_exists() -> bool:
    return _psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") == "1"  # noqa: S608 - a constant


def database_recreate() -> None:
    """Drop (closing any leftover connection of an interrupted run) and create ``kafedra_bench``."""
    _psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{DB_NAME}"')


def database_ensure() -> None:
    if not database_exists():
        _psql(f'CREATE DATABASE "{DB_NAME}"')


def database_backend_pids() -> list[int]:
    """The server processes of the connections to ``kafedra_bench`` (to read their CPU time)."""
    rows = _psql(
        f"SELECT pid FROM pg_stat_activity WHERE datname = '{DB_NAME}' AND backend_type = 'client backend'"  # noqa: S608 - a constant
    )
    return [int(row) for row in rows.split()]


def database_analyze() -> None:
    """Fresh planner statistics after bulk loading, as autovacuum would eventually provide."""
    _psql("VACUUM ANALYZE", database=DB_NAME)


def redis_flush() -> None:
    """Empty the benchmark's Redis database (db 14) only."""
    _run("redis-cli", "-h", REDIS_HOST, "-p", str(REDIS_PORT), "-n", str(REDIS_DB), "flushdb")


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    ram_gib: float
    os: str
    kernel: str
    python: str
    postgres: str
    redis: str

    def describe(self) -> str:
        return (
            f"{self.cores} CPU cores ({self.cpu}), {self.ram_gib:.1f} GiB RAM, "
            f"{self.os}, Linux {self.kernel}; "
            f"Python {self.python}, PostgreSQL {self.postgres}, Redis {self.redis}"
        )


def cpu_cores() -> int:
    return len(os.sched_getaffinity(0))


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_describe() -> Machine:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    mem_kib = next(
        (
            int(line.split()[1])
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    os_name = next(
        (
            line.split("=", 1)[1].strip().strip('"')
            for line in _read("/etc/os-release").splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        platform.system(),
    )
    redis_info = _run(
        "redis-cli", "-h", REDIS_HOST, "-p", str(REDIS_PORT), "info", "server", check=False
    ).stdout
    redis_version = next(
        (
            line.split(":", 1)[1].strip()
            for line in redis_info.splitlines()
            if line.startswith("redis_version:")
        ),
        "unknown",
    )
    return Machine(
        cpu=cpu,
        cores=cpu_cores(),
        ram_gib=mem_kib / 1024 / 1024,
        os=os_name,
        kernel=platform.release(),
        python=platform.python_version(),
        postgres=_psql("SHOW server_version"),
        redis=redis_version,
    )
