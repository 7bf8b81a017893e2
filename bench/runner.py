"""``python -m bench``: services up, a fresh ``kafedra_bench`` database loaded with the seed
bundles and large demo data, gunicorn started, every scenario measured with wrk, then quiz
submit → graded measured with a real Celery worker next to gunicorn (``bench.quiz_latency``),
gunicorn stopped, then the sandbox's overhead per run and grading throughput with a real worker
on the sandbox queue (``bench.sandbox``), the ``pages``, ``quiz-latency`` and ``sandbox``
sections of BENCHMARKS.md rewritten, gunicorn and the workers stopped whatever happens.

Exit status: 0 when every scenario, the quiz step and the sandbox step passed, 1 when one failed
(BENCHMARKS.md still written, showing the failure), 2 when the run could not start (wrk missing,
bad BENCH_* value, no services, a failed migration).
"""

import os
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version

from bench import data, infra, pages, quiz_latency
from bench import sandbox as sandbox_bench
from bench.options import BASE_DIR, OptionError, Options, options_from_env
from bench.report import section_write
from bench.scenarios import SCENARIOS, scenarios_selected
from bench.server import ServerError, gunicorn_serving
from bench.wrk import WrkMissing, wrk_path, wrk_version

SETTINGS_MODULE = "config.settings.bench"


def _terminate(signum, frame):  # SIGTERM (e.g. make interrupted): unwind so gunicorn is stopped
    raise SystemExit(128 + signum)


def _bench_env(options: Options, static_root: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        BENCH_DATABASE_URL=options.database_url,
        BENCH_REDIS_URL=options.redis_url,
        BENCH_STATIC_ROOT=static_root,
        BENCH_STATIC_MANIFEST="1" if options.static_manifest else "0",
        PYTHONUNBUFFERED="1",
    )
    return env


def _load_data(*, options: Options, env: dict[str, str], log_dir, log: data.DataLog) -> None:
    if options.reuse_db and data.database_has_courses():
        log.note(
            "BENCH_REUSE_DB=1: measured the data already in kafedra_bench (nothing imported or generated)"
        )
        return
    imported = data.seed_import(options=options, env=env, log_dir=log_dir, log=log)
    generated = data.demo_data_make(options=options, env=env, log_dir=log_dir, log=log)
    if not imported:
        # The catalog still gets its length from synthetic courses when make_demo_data did not run.
        data.fallback_build(extra_courses=0 if generated else options.courses, log=log)


def run(options: Options) -> int:
    started = time.monotonic()
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()
    log_dir = BASE_DIR / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    scenarios = scenarios_selected(SCENARIOS, options.only)

    print("== services", flush=True)
    for done in infra.services_ensure():
        print(f"  {done}", flush=True)
    static_root = tempfile.mkdtemp(prefix="kafedra-bench-static-")
    quiz: quiz_latency.QuizLatency | None = None
    sandbox: sandbox_bench.SandboxBench | None = None
    env = _bench_env(options, static_root)
    try:
        print(
            f"== database kafedra_bench ({'reused' if options.reuse_db else 'dropped and created'})",
            flush=True,
        )
        if options.reuse_db:
            infra.database_ensure()
        else:
            infra.database_recreate()
        infra.redis_flush()
        log = data.DataLog()
        if not options.static_manifest:
            log.note(
                "BENCH_STATIC_MANIFEST=0: static files served without a manifest (unhashed URLs), unlike "
                "production, where a page linking a static file missing from the manifest is a 500"
            )
        data.schema_and_static(env=env, log_dir=log_dir, log=log)

        # The rest of the setup runs in this process, against the same settings as the server.
        os.environ.update(env)
        import django
        from django.db import connections

        django.setup()
        print("== data", flush=True)
        _load_data(options=options, env=env, log_dir=log_dir, log=log)
        connections.close_all()
        infra.database_analyze()
        context = data.context_build(scenarios=scenarios)
        course_summary = data.course_summary(context.course_slug)
        row_counts = data.row_counts()
        connections.close_all()
        infra.redis_flush()  # every run starts from a cold cache; the warm-up fills it

        machine = infra.machine_describe()
        workers = options.gunicorn_workers(machine.cores)
        print(f"== gunicorn: {workers} sync workers; wrk -t{options.threads} -c{options.connections} "
              f"-d{options.duration}s (+{options.warmup}s warm-up) per scenario", flush=True)  # fmt: skip
        with gunicorn_serving(
            workers=workers, env=env, log=log_dir / "gunicorn.log", ready_path="/bench/bare/"
        ) as server:
            measurements = pages.pages_run(
                scenarios=scenarios, context=context, server=server, options=options, log_dir=log_dir
            )
            if quiz_latency.selected(options):
                print(
                    f"== quiz submit → graded: Celery worker, {options.quiz_rounds} rounds × "
                    f"{options.quiz_clients} concurrent students",
                    flush=True,
                )
                quiz = quiz_latency.quiz_latency_run(
                    server=server, env=env, options=options, log_dir=log_dir, course_slug=context.course_slug
                )
        info = pages.RunInfo(
            started_at=started_at,
            elapsed_s=time.monotonic() - started,
            machine=machine,
            django=django.get_version(),
            gunicorn=version("gunicorn"),
            wrk=wrk_version(),
            workers=workers,
            options=options,
            course_slug=context.course_slug,
            course_summary=course_summary,
            row_counts=row_counts,
            load_before=load_before,
            data_notes=log.notes,
            timings=log.timings,
        )
        section_write(options.output, pages.SECTION, pages.pages_section(measurements, info))
        if quiz is not None:
            section_write(options.output, quiz_latency.SECTION, quiz_latency.quiz_section(quiz))
        if sandbox_bench.selected(options.only):  # gunicorn stopped: the worker has the cores
            print("== sandbox: overhead per run, grading, throughput (a worker on its queue)", flush=True)
            sandbox = sandbox_bench.sandbox_bench_run(
                env=env,
                log_dir=log_dir,
                redis_url=options.redis_url,
                how="make bench",
                options=sandbox_bench.SandboxOptions.from_env(),
                machine=machine.describe(),
            )
            section_write(options.output, sandbox_bench.SECTION, sandbox_bench.sandbox_section(sandbox))
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    failed = [m.label for m in measurements if m.failed]
    if quiz is not None and quiz.failed:
        failed.append(quiz_latency.STEP_NAME)
    if sandbox is not None and sandbox.failed:
        failed.append(sandbox_bench.STEP_NAME)
    print(f"== wrote {options.output} in {(time.monotonic() - started) / 60:.1f} min", flush=True)
    if failed:
        print(f"FAILED: {', '.join(failed)} (see {options.output})", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    try:
        options = options_from_env()
        sandbox_bench.SandboxOptions.from_env()  # a bad BENCH_SANDBOX_* value stops the run now
        wrk_path()
    except (OptionError, ValueError, WrkMissing) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(options)
    except (infra.InfraError, data.DataError, ServerError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
