"""The page benchmark: every scenario of ``bench.scenarios`` under wrk against one gunicorn,
side by side with the floor (a bare Django view) measured in the same run; written to the
``pages`` section of BENCHMARKS.md.

The floor runs before the first scenario and again after each one (floor, A, floor, B, floor,
…), and each scenario is compared with the mean of the two floor runs around it. On a machine
whose load changes during the run (other people's test suites, a CPU-throttled VM) this keeps
the ratio honest where a single floor measured at the start would not.
"""

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.cpu import cpu_snapshot, cpu_used_s, process_tree
from bench.infra import InfraError, Machine, database_backend_pids
from bench.options import Options
from bench.report import markdown_table, ratio
from bench.scenarios import FLOOR, LOGGED_IN_FLOOR, Context, Scenario
from bench.server import Server, http_get
from bench.wrk import WrkFailed, WrkResult, wrk_run

SECTION = "pages"
FLOOR_SPREAD_WARNING_PERCENT = 20  # (max - min) / mean of the floor runs
# Throughput targets, as a share of the floor (issue "Students in the browser").
RATIO_TARGETS = {"lecture page": 0.5}


@dataclass
class Measurement:
    label: str
    scenario: Scenario
    path: str
    size: int | None = None  # bytes of one response body
    user: str | None = None  # the username the requests logged in as, None: anonymous
    cpu_ms: tuple[float, float] | None = None  # server CPU per request: (gunicorn, PostgreSQL)
    result: WrkResult | None = None
    error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.result is None or not self.result.ok

    def failure(self) -> str:
        if self.error:
            return self.error
        if self.result is None:
            return "not measured"
        problems = []
        if self.result.requests == 0:
            problems.append("no request completed")
        if self.result.non2xx:
            problems.append(f"{self.result.non2xx} responses outside 2xx (e.g. {self.result.bad_status})")
        if self.result.socket_errors:
            r = self.result
            problems.append(
                f"socket errors: connect {r.connect_errors}, read {r.read_errors}, write {r.write_errors}, "
                f"timeout {r.timeouts}"
            )
        return "; ".join(problems)


def _slug(label: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in label).strip("-")


def _probe(server: Server, path: str, headers: dict[str, str]) -> tuple[int | None, str]:
    """One request before the load: (body size, error). Catches a 404 or a redirect to the
    login page before it turns into thousands of failed requests."""
    try:
        reply = http_get(server.port, path, headers=headers)
    except OSError as error:
        return None, f"GET {path} failed: {error}"
    if not 200 <= reply.status < 300:
        where = f" → {reply.location}" if reply.location else ""
        cause = ""
        if reply.status >= 500:
            exception = last_exception(server.log.read_text(errors="replace"))
            cause = f" ({exception})" if exception else ""
        return len(reply.body), f"GET {path} answered {reply.status}{where}{cause}"
    return len(reply.body), ""


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Match|DoesNotExist|Denied)): (.+)$")


def last_exception(log: str) -> str:
    """The last ``SomeError: message`` line of a server log (the cause of the latest 500), or ""."""
    for line in reversed(log.splitlines()):
        match = _EXCEPTION_LINE.match(line.strip())
        if match:
            return f"{match.group(1)}: {match.group(2)}"[:300]
    return ""


def sessions_check(*, server: Server, context: Context) -> dict[str, str]:
    """Each session cookie authenticates as its user: username → error for those that do not."""
    errors = {}
    for username, cookie in context.session_cookies.items():
        reply = http_get(server.port, "/bench/whoami/", headers={"Cookie": cookie})
        if reply.status != 200 or reply.body.decode(errors="replace") != username:
            errors[username] = (
                f"the session cookie for {username} does not log in (/bench/whoami/: {reply.status})"
            )
    return errors


def _server_cpu(server: Server) -> tuple[dict[int, float], dict[int, float]] | None:
    """CPU seconds so far of gunicorn's processes and of the database's backends."""
    if not server.pid:
        return None
    try:
        backends = database_backend_pids()
    except InfraError:
        return None
    return cpu_snapshot(process_tree(server.pid)), cpu_snapshot(backends)


def measure(
    scenario: Scenario, *, label: str, context: Context, server: Server, options: Options, log_dir: Path
) -> Measurement:
    path = scenario.resolve_path(context)
    headers = dict(scenario.headers(context))
    measurement = Measurement(label=label, scenario=scenario, path=path)
    if scenario.method == "GET":
        measurement.size, measurement.error = _probe(server, path, headers)
        if measurement.error:
            return measurement
    load = {
        "url": server.base_url + path,
        "connections": options.connections,
        "threads": options.threads,
        "timeout": options.timeout,
        "method": scenario.method,
        "body": scenario.body,
        "headers": headers,
    }
    try:
        if options.warmup:
            wrk_run(duration=options.warmup, **load)
        before = _server_cpu(server)
        measurement.result = wrk_run(
            duration=options.duration, log=log_dir / f"wrk-{_slug(label)}.txt", **load
        )
        after = _server_cpu(server)
        if before is not None and after is not None and measurement.result.requests:
            web, database = (
                cpu_used_s(b, a) * 1000 / measurement.result.requests
                for b, a in zip(before, after, strict=True)
            )
            measurement.cpu_ms = (web, database)
    except WrkFailed as error:
        measurement.error = str(error).splitlines()[0]
    return measurement


def _print(measurement: Measurement) -> None:
    r = measurement.result
    figures = (
        f"{r.requests_per_s:9.1f} req/s  p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms" if r else " " * 40
    )
    verdict = f"FAILED: {measurement.failure()}" if measurement.failed else "ok"
    print(f"  {measurement.label:<22} {figures}  {verdict}", flush=True)


def pages_run(
    *, scenarios: list[Scenario], context: Context, server: Server, options: Options, log_dir: Path
) -> list[Measurement]:
    """Floor, first scenario, floor, second scenario, …, floor: in the order they ran."""
    login_errors = sessions_check(server=server, context=context)
    floor = next(s for s in scenarios if s.name == FLOOR)
    others = [s for s in scenarios if s is not floor]
    plan: list[tuple[str, Scenario]] = [(f"{FLOOR} 1", floor)]
    for number, scenario in enumerate(others, start=2):
        plan += [(scenario.name, scenario), (f"{FLOOR} {number}", floor)]
    measurements = []
    for label, scenario in plan:
        username = scenario.login_user(context)
        if scenario.login is not None and username is None:
            measurement = Measurement(
                label=label,
                scenario=scenario,
                path=scenario.resolve_path(context),
                error="no user to log in as in the data (e.g. no student with an enrollment)",
            )
        elif username in login_errors:
            measurement = Measurement(
                label=label,
                scenario=scenario,
                path=scenario.resolve_path(context),
                user=username,
                error=login_errors[username],
            )
        else:
            # The workers are warm after the first floor run: the later ones need no warm-up.
            warm = options if scenario is not floor or not measurements else replace(options, warmup=0)
            measurement = measure(
                scenario, label=label, context=context, server=server, options=warm, log_dir=log_dir
            )
            measurement.user = username
        _print(measurement)
        measurements.append(measurement)
    return measurements


def _floor_ok(measurement: Measurement) -> bool:
    return measurement.scenario.name == FLOOR and not measurement.failed and measurement.result is not None


def adjacent_floor(measurements: list[Measurement], index: int) -> float | None:
    """The mean req/s of the successful floor runs just before and just after ``measurements[index]``
    (one of them when the other is missing or failed); None when neither succeeded."""
    before = next((m for m in reversed(measurements[:index]) if m.scenario.name == FLOOR), None)
    after = next((m for m in measurements[index + 1 :] if m.scenario.name == FLOOR), None)
    values = [m.result.requests_per_s for m in (before, after) if m is not None and _floor_ok(m)]
    return sum(values) / len(values) if values else None


def floor_runs(measurements: list[Measurement]) -> list[float]:
    """The req/s of every successful floor run, in order."""
    return [m.result.requests_per_s for m in measurements if _floor_ok(m)]


@dataclass
class RunInfo:
    started_at: str
    elapsed_s: float
    machine: Machine
    django: str
    gunicorn: str
    wrk: str
    workers: int
    options: Options
    course_slug: str
    course_summary: str
    row_counts: list[tuple[str, int]]
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)  # os.getloadavg() before the run
    data_notes: list[str] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)


def _loads(loads: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in loads)


def _number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}".replace(",", " ")


def _row(m: Measurement, *, floor: float | None) -> list[str]:
    r = m.result
    value = ratio(r.requests_per_s, floor) if r and floor and not m.failed else None
    return [
        f"**{m.label}** ✗ FAILED" if m.failed else m.label,
        f"`{m.path}`",
        f"{m.size / 1024:.1f}" if m.size is not None else "–",
        _number(r.requests_per_s) if r else "–",
        _number(r.p50_ms) if r else "–",
        _number(r.p99_ms) if r else "–",
        str(r.non2xx) if r else "–",
        str(r.socket_errors) if r else "–",
        _number(floor) if floor else "–",
        f"{value:.2f}" if value is not None else "–",
    ]


def _floor_row(measurements: list[Measurement]) -> list[str]:
    runs = [m for m in measurements if m.scenario.name == FLOOR]
    ok = [m.result for m in runs if _floor_ok(m) and m.result]
    failed = len(runs) - len(ok)
    if not ok:
        return [f"**{FLOOR}** ✗ FAILED", f"`{runs[0].path}`"] + ["–"] * 8
    rates = [r.requests_per_s for r in ok]
    mean = sum(rates) / len(rates)
    return [
        f"**{FLOOR}** ✗ {failed} of {len(runs)} runs FAILED"
        if failed
        else f"{FLOOR} (mean of {len(ok)} runs)",
        f"`{runs[0].path}`",
        f"{runs[0].size / 1024:.1f}" if runs[0].size is not None else "–",
        f"{_number(mean)} ({_number(min(rates), 0)}–{_number(max(rates), 0)})",
        _number(sum(r.p50_ms for r in ok) / len(ok)),
        _number(sum(r.p99_ms for r in ok) / len(ok)),
        str(sum(r.non2xx for r in ok)),
        str(sum(r.socket_errors for r in ok)),
        _number(mean),
        "1.00",
    ]


def cpu_lines(measurements: list[Measurement]) -> list[str]:
    """Server CPU per request: what each page costs the machine, whatever else competed for it."""
    measured = [m for m in measurements if m.cpu_ms is not None and not m.failed]
    floors = [sum(m.cpu_ms) for m in measured if m.scenario.name == FLOOR]
    if not floors or not any(m.scenario.name != FLOOR for m in measured):
        return []
    floor = sum(floors) / len(floors)
    rows = [
        [f"{FLOOR} (mean of {len(floors)} runs)", "–", "–", f"{floor:.2f}", "1.00"],
        *(
            [
                m.label,
                f"{m.cpu_ms[0]:.2f}",
                f"{m.cpu_ms[1]:.2f}",
                f"{sum(m.cpu_ms):.2f}",
                f"{floor / sum(m.cpu_ms):.2f}",
            ]
            for m in measured
            if m.scenario.name != FLOOR
        ),
    ]
    table = markdown_table(
        ["scenario", "gunicorn ms", "PostgreSQL ms", "server CPU ms / request", "floor ÷ scenario"],
        rows,
        right={1, 2, 3, 4},
    )
    return [
        "",
        "**Server CPU per request** (user + system CPU time of gunicorn's processes and of the "
        "database's backends during each measured run, from `/proc`, ÷ its requests; wrk's own CPU "
        "not included). It depends much less than req/s on what else runs on the machine (contention "
        "still inflates it somewhat, through caches and shared cores), so *floor ÷ scenario* is close to "
        "the ratio an otherwise idle server would show (minus the load generator's share):",
        "",
        table,
    ]


def target_lines(measurements: list[Measurement]) -> list[str]:
    """Whether each scenario with a target (``RATIO_TARGETS``) met it in this run."""
    lines = []
    for index, m in enumerate(measurements):
        target = RATIO_TARGETS.get(m.label)
        if target is None:
            continue
        floor = adjacent_floor(measurements, index)
        value = ratio(m.result.requests_per_s, floor) if m.result and floor and not m.failed else None
        if value is None:
            verdict = "not measured (failed)"
        else:
            verdict = f"{'met' if value >= target else 'NOT met'} (ratio {value:.2f})"
        lines.append(f"**Target: {m.label} ≥ {target:.0%} of the floor: {verdict}.**")
        lines += _logged_in_floor_lines(measurements, m, target)
    return ["", *lines] if lines else []


def _logged_in_floor_lines(measurements: list[Measurement], page: Measurement, target: float) -> list[str]:
    """For a page behind a login: its throughput against *floor + login* (the least any signed-in
    page does, reading the session and the user), and whether the target is within reach of a
    signed-in page at all in this run."""
    if page.scenario.login is None or page.failed or page.result is None:
        return []
    index = next((i for i, m in enumerate(measurements) if m.scenario.name == LOGGED_IN_FLOOR), None)
    if index is None:
        return []
    login = measurements[index]
    floor = adjacent_floor(measurements, index)
    if login.failed or login.result is None or not floor:
        return []
    to_login = ratio(page.result.requests_per_s, login.result.requests_per_s)
    login_to_floor = ratio(login.result.requests_per_s, floor)
    line = (
        f"Against *{LOGGED_IN_FLOOR}* ({login.result.requests_per_s:.0f} req/s): {page.label} "
        f"{to_login:.2f}; *{LOGGED_IN_FLOOR}* is itself {login_to_floor:.2f} of the floor"
    )
    if login_to_floor < target:
        line += (
            f", so no signed-in page can reach {target:.0%} of the (anonymous, database-free) floor "
            "on this machine"
        )
    return ["", line + "."]


def pages_section(measurements: list[Measurement], info: RunInfo) -> str:
    """The Markdown of the ``pages`` section."""
    rows = [_floor_row(measurements)]
    rows += [
        _row(m, floor=adjacent_floor(measurements, index))
        for index, m in enumerate(measurements)
        if m.scenario.name != FLOOR
    ]
    table = markdown_table(
        [
            "scenario", "URL", "KiB", "req/s", "p50 ms", "p99 ms", "non-2xx", "socket errors",
            "floor req/s", "ratio to floor",
        ],
        rows,
        right=set(range(2, 10)),
    )  # fmt: skip
    o = info.options
    rates = floor_runs(measurements)
    warning = ""
    if len(rates) > 1:
        mean = sum(rates) / len(rates)
        spread = 100 * (max(rates) - min(rates)) / mean
        if spread > FLOOR_SPREAD_WARNING_PERCENT:
            warning = (
                f"**Warning:** the floor's throughput varied by {spread:.0f}% across its {len(rates)} runs "
                f"({', '.join(_number(rate, 0) for rate in rates)} req/s): the machine was not quiet. "
                "Comparing each scenario with the floor runs around it absorbs slow drift, not fast "
                "fluctuations: treat differences of less than about a third as noise and rerun on an "
                "idle machine before drawing conclusions from them."
            )
    failures = [m for m in measurements if m.failed]
    logged_in = sorted(
        {f"{m.label} (`{m.user}`)" if m.user else m.label for m in measurements if m.scenario.login}
    )
    who = f"logged in for {', '.join(logged_in)}, anonymous otherwise" if logged_in else "anonymous"
    rows_loaded = ", ".join(f"{label} {_number(count, 0)}" for label, count in info.row_counts) or "none"
    lines = [
        "## Pages under load",
        "",
        f"Measured {info.started_at} by `make bench` (`python -m bench`, `bench/pages.py`), "
        f"whole run {info.elapsed_s / 60:.1f} min.",
        "",
        f"- **Machine:** {info.machine.describe()}.",
        f"- **Load average** (1/5/15 min) just before the run: {_loads(info.load_before)}, i.e. other "
        f"processes competing for the {info.machine.cores} cores.",
        f"- **Server:** gunicorn {info.gunicorn}, {info.workers} sync workers, Django {info.django}, "
        "`config.settings.bench` (DEBUG off, persistent DB connections, Redis cache, whitenoise "
        f"{'with manifest' if o.static_manifest else 'WITHOUT manifest'} static files); "
        "PostgreSQL database `kafedra_bench`, Redis db 14.",
        f"- **Load:** {info.wrk}, "
        f"`wrk -t{o.threads} -c{o.connections} -d{o.duration}s --timeout {o.timeout}s` per run, "
        f"{f'after a {o.warmup}s warm-up per URL' if o.warmup else 'without warm-up'}; requests {who}; "
        "wrk, gunicorn, PostgreSQL and Redis share the machine (loopback).",
        f"- **Data (rows):** {rows_loaded}.",
        f"- **Measured course:** `{info.course_slug}`: {info.course_summary or 'no stats'}.",
    ]
    lines += [f"- **Note:** {note}" for note in info.data_notes]
    lines += [
        "",
        table,
        "",
        "The *floor* is a bare Django view (`bench/views.py`) through the same middleware and URLconf "
        "on the same server; *floor + 1 query* adds one trivial ORM query; *floor + login* is the same "
        "bare view logged in (a session and a user lookup: the ceiling of any logged-in page). The floor "
        "runs before the "
        "first scenario and after each one; *floor req/s* is the mean of the two floor runs around a "
        "scenario and *ratio to floor* is the scenario's req/s ÷ that (1.00 = as fast as a bare view). "
        "Latencies include queueing: with sync workers, each of the "
        f"{o.connections} connections waits for a free worker. A scenario fails when any response is "
        "outside 2xx (wrk's own count would pass 3xx) or any socket error or timeout occurs.",
    ]
    lines += cpu_lines(measurements)
    lines += target_lines(measurements)
    if warning:
        lines += ["", warning]
    if failures:
        lines += ["", "**Failures:**", ""]
        lines += [f"- {m.label} (`{m.path}`): {m.failure()}" for m in failures]
    if info.timings:
        setup = ", ".join(f"{step} {seconds:.0f}s" for step, seconds in info.timings)
        lines += ["", f"Setup: {setup}."]
    return "\n".join(lines)
