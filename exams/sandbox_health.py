"""The sandbox's health: can untrusted code be run isolated, and in which runtimes.

Two views of it, because web processes never run code (the grading workers on the ``sandbox``
queue do, possibly on other hosts):

* *this process*: ``exams.sandbox.sandbox_status()`` probed here (bubblewrap, user namespaces,
  the unprivileged identity, the process limit, seccomp, each runtime), cached for a minute;
* *the sandbox workers*: each Celery worker probes when it starts (``worker_ready``, see
  ``exams.apps``) and records what it found in the cache, by host, for a week
  (``sandbox_health_record``).

Without isolation runs are refused (fail closed, ``exams.sandbox.runner.run_tests``): the page
says why, and what to install.

What students see is decided from the workers' reports only (``practical_runs_availability``):
web processes usually have no bubblewrap and are not the judge. One cache read per request,
never a probe:

* *available*: at least one sandbox worker found, when it started, a usable sandbox with the
  task's runtime installed;
* *unavailable*: workers have reported and none of them can run the runtime (no isolation, or
  the runtime not installed). Pages say so up front and disable the run buttons; the services
  refuse new runs (``RunsUnavailable``) instead of queueing runs that would only fail;
* *unknown*: no worker has reported (none started since the reports expired, a cache of its
  own in development, the cache unreachable). Runs are accepted and wait in the queue until a
  worker takes them; the worker still refuses to run code without isolation.

The reports are what each worker found at start-up: a worker that found no sandbox is counted
until it starts again (with bubblewrap installed) or its report expires, and a worker that
found one but stopped since is still counted (its runs then wait in the queue).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from exams.sandbox import sandbox_status
from exams.sandbox.runtimes import RUNTIMES

logger = logging.getLogger(__name__)

WORKERS_CACHE_KEY = "exams:sandbox-health:workers"
WORKER_REPORT_SECONDS = 7 * 24 * 3600
MAX_WORKER_REPORTS = 50


@dataclass(frozen=True)
class RuntimeHealth:
    name: str
    description: str
    problem: str  # "" when the runtime can be used

    @property
    def available(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class SandboxHealth:
    """What one process found. ``available``: code runs isolated; ``usable``: practical tasks
    can be run at all here (isolated, or in the explicit development mode without isolation)."""

    host: str
    checked_at: datetime
    available: bool
    usable: bool
    reason: str
    bwrap: str
    identity: str
    process_limit_enforced: bool
    seccomp: bool
    unisolated_allowed: bool
    overhead_ms: int | None
    runtimes: list[RuntimeHealth] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["checked_at"] = self.checked_at.isoformat()
        for runtime in data["runtimes"]:
            runtime["available"] = not runtime["problem"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SandboxHealth:
        runtimes = [
            RuntimeHealth(name=r["name"], description=r["description"], problem=r["problem"])
            for r in data.get("runtimes", [])
        ]
        values = {
            name: data[name] for name in cls.__dataclass_fields__ if name not in ("runtimes", "checked_at")
        }
        checked_at = parse_datetime(data["checked_at"]) or timezone.now()
        return cls(**values, checked_at=checked_at, runtimes=runtimes)


def sandbox_health_probe(*, refresh: bool = False) -> SandboxHealth:
    """The sandbox as this process sees it (the probe is cached for a minute unless ``refresh``).
    Never raises."""
    status = sandbox_status(refresh=refresh)
    return SandboxHealth(
        host=socket.gethostname(),
        checked_at=timezone.now(),
        available=status.available,
        usable=status.usable,
        reason=status.reason,
        bwrap=status.bwrap,
        identity=status.identity,
        process_limit_enforced=status.process_limit_enforced,
        seccomp=status.seccomp,
        unisolated_allowed=status.unisolated_allowed,
        overhead_ms=status.overhead_ms,
        runtimes=[
            RuntimeHealth(name=name, description=RUNTIMES[name], problem=problem or "")
            for name, problem in status.runtimes.items()
        ],
    )


def sandbox_health_of_workers() -> list[SandboxHealth]:
    """What each sandbox worker found when it last started, newest first (from the cache)."""
    reports = cache.get(WORKERS_CACHE_KEY) or {}
    health = []
    for data in reports.values():
        try:
            health.append(SandboxHealth.from_dict(data))
        except (KeyError, TypeError, ValueError):  # written by an older version: ignore it
            continue
    return sorted(health, key=lambda h: h.checked_at, reverse=True)


def sandbox_health_record(*, host: str | None = None) -> SandboxHealth:
    """Probe the sandbox afresh (a worker calls this when it starts), log the outcome and keep
    it in the cache under ``host`` for the health page. Never raises."""
    health = sandbox_health_probe(refresh=True)
    if host:
        health = replace(health, host=host)
    missing = [r.name for r in health.runtimes if not r.available]
    if not health.available:
        logger.error(
            "sandbox unavailable on %s: practical tasks will not be run here (%s)", health.host, health.reason
        )
    elif missing:
        logger.warning("sandbox on %s: runtimes not installed: %s", health.host, ", ".join(missing))
    else:
        logger.info("sandbox available on %s (%s, %s)", health.host, health.bwrap, health.identity)
    try:
        reports = cache.get(WORKERS_CACHE_KEY) or {}
        reports[health.host] = health.as_dict()
        newest = sorted(reports.items(), key=lambda item: item[1]["checked_at"], reverse=True)
        cache.set(WORKERS_CACHE_KEY, dict(newest[:MAX_WORKER_REPORTS]), WORKER_REPORT_SECONDS)
    except Exception:  # noqa: BLE001 - no cache must not stop a worker from starting
        logger.exception("could not record the sandbox status of %s", health.host)
    return health


# ---------------------------------------------------------------------------------------------
# Can students run practical tasks now (from the workers' reports)

RUNS_AVAILABLE = "available"
RUNS_UNAVAILABLE = "unavailable"
RUNS_UNKNOWN = "unknown"


class RunsUnavailable(ApplicationError):  # noqa: N818 - a state, like SandboxUnavailable
    """Practical tasks on this runtime cannot be run now: no sandbox worker can run them, so a
    run would only fail. Pages answer 503; the student's code is not lost (see the services)."""


@dataclass(frozen=True)
class RunAvailability:
    """Whether practical tasks on ``runtime`` can be run now, as the sandbox workers found it
    when they started. ``reason`` is for students (translated, no internals); ``detail`` is the
    technical reason from the newest report, for staff and logs."""

    runtime: str
    state: str  # RUNS_AVAILABLE, RUNS_UNAVAILABLE or RUNS_UNKNOWN
    reason: str = ""
    detail: str = ""
    checked_at: datetime | None = None  # the newest report the answer rests on

    @property
    def available(self) -> bool:
        return self.state == RUNS_AVAILABLE

    @property
    def unavailable(self) -> bool:
        return self.state == RUNS_UNAVAILABLE

    @property
    def unknown(self) -> bool:
        return self.state == RUNS_UNKNOWN

    @property
    def can_run(self) -> bool:
        """Runs are accepted: available, or unknown (they wait in the queue for a worker)."""
        return self.state != RUNS_UNAVAILABLE

    def refusal(self) -> RunsUnavailable:
        """The error a service raises for a run while unavailable."""
        return RunsUnavailable(
            _(
                "Practical tasks cannot be run right now: %(reason)s. "
                "Nothing was run and your code is kept; try again later."
            )
            % {"reason": self.reason}
        )


def _worker_reports() -> list[SandboxHealth]:
    try:
        return sandbox_health_of_workers()
    except Exception:  # noqa: BLE001 - an unreachable cache must not break the student's page
        logger.warning("could not read the sandbox workers' reports", exc_info=True)
        return []


def _runtime_problem(health: SandboxHealth, runtime: str) -> str | None:
    """Why this worker cannot run ``runtime``; None when it can."""
    if not health.usable:
        return health.reason or "the sandbox is unavailable"
    for reported in health.runtimes:
        if reported.name == runtime:
            return reported.problem or None
    return f"runtime {runtime!r} was not reported by this worker"


def _availability(runtime: str, reports: list[SandboxHealth]) -> RunAvailability:
    if not reports:
        return RunAvailability(runtime=runtime, state=RUNS_UNKNOWN)
    for health in reports:  # newest first
        if _runtime_problem(health, runtime) is None:
            return RunAvailability(runtime=runtime, state=RUNS_AVAILABLE, checked_at=health.checked_at)
    newest = reports[0]
    if any(health.usable for health in reports):
        reason = _("the environment this task runs in is not installed on the grading servers")
        newest = next(health for health in reports if health.usable)
    else:
        reason = _("the sandbox that runs code is not working on the grading servers")
    return RunAvailability(
        runtime=runtime,
        state=RUNS_UNAVAILABLE,
        reason=reason,
        detail=f"{newest.host}: {_runtime_problem(newest, runtime)}",
        checked_at=newest.checked_at,
    )


def practical_runs_availability(*, runtimes: Iterable[str]) -> dict[str, RunAvailability]:
    """Runtime name → whether practical tasks on it can be run now, from what the sandbox
    workers recorded at start-up (see the module's docstring for the three states). One cache
    read whatever the number of runtimes; never probes in this process; never raises."""
    names = set(runtimes)
    if not names:
        return {}
    reports = _worker_reports()
    return {name: _availability(name, reports) for name in names}


def practical_run_availability(*, runtime: str) -> RunAvailability:
    """``practical_runs_availability`` for one runtime."""
    return practical_runs_availability(runtimes=[runtime])[runtime]
