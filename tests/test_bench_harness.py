"""The benchmark harness's pure helpers: option parsing, wrk result parsing, ratios, the
BENCHMARKS.md sections. No load, no server and no timing here."""

import pytest

from bench.options import OptionError, options_from_env
from bench.pages import Measurement, adjacent_floor, floor_runs, last_exception
from bench.report import ratio, section_replace
from bench.scenarios import CSRF_SECRET, FLOOR, SCENARIOS, Context, Scenario, scenarios_selected
from bench.wrk import RESULT_PREFIX, WrkFailed, lua_script, lua_string, parse_result

RESULT_LINE = (
    RESULT_PREFIX + '{"requests":4210,"duration_us":10012345,"bytes":99999,"non2xx":0,"bad_status":0,'
    '"connect":0,"read":0,"write":0,"timeout":0,'
    '"p50_us":7512.0,"p90_us":9000.5,"p99_us":15250.0,"max_us":30100.0,"mean_us":7600.2}'
)


def test_result_line_is_read_into_requests_per_second_and_milliseconds():
    output = (
        "Running 10s test @ http://127.0.0.1:8000/\n  2 threads and 32 connections\n" + RESULT_LINE + "\n"
    )

    result = parse_result(output)

    assert result.requests == 4210
    assert result.requests_per_s == pytest.approx(4210 / 10.012345)
    assert result.p50_ms == pytest.approx(7.512)
    assert result.p99_ms == pytest.approx(15.25)
    assert result.ok


def test_any_non_2xx_response_fails_the_result():
    line = RESULT_LINE.replace('"non2xx":0,"bad_status":0', '"non2xx":3,"bad_status":302')

    result = parse_result(line)

    assert not result.ok
    assert result.bad_status == 302


def test_socket_errors_fail_the_result():
    result = parse_result(RESULT_LINE.replace('"timeout":0', '"timeout":2'))

    assert result.socket_errors == 2
    assert not result.ok


def test_output_without_a_result_line_is_an_error():
    with pytest.raises(WrkFailed):
        parse_result("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_lua_strings_are_escaped():
    assert lua_string('a "b"\\c\n') == '"a \\"b\\"\\\\c\\n"'


def test_lua_script_sets_method_body_and_headers():
    script = lua_script(method="POST", body="x=1", headers={"Cookie": "sessionid=abc"})

    assert 'wrk.method = "POST"' in script
    assert 'wrk.body = "x=1"' in script
    assert 'wrk.headers["Cookie"] = "sessionid=abc"' in script
    assert RESULT_PREFIX in script


def test_options_have_defaults_and_read_bench_variables():
    assert options_from_env({}).duration == 10
    options = options_from_env({"BENCH_DURATION": "5s", "BENCH_CONNECTIONS": "8", "BENCH_REUSE_DB": "1"})

    assert (options.duration, options.connections, options.reuse_db) == (5, 8, True)
    assert options.gunicorn_workers(cores=2) == 4


@pytest.mark.parametrize(
    "environ",
    [{"BENCH_DURATION": "ten"}, {"BENCH_CONNECTIONS": "0"}, {"BENCH_THREADS": "4", "BENCH_CONNECTIONS": "2"}],
)
def test_unusable_options_are_refused(environ):
    with pytest.raises(OptionError):
        options_from_env(environ)


def test_section_is_appended_to_a_document_without_it_and_the_rest_is_kept():
    document = "# Benchmarks\n\n<!-- bench:reports -->\nreport figures\n<!-- /bench:reports -->\n"

    updated = section_replace(document, "pages", "page figures")

    assert "report figures" in updated
    assert updated.endswith("<!-- bench:pages -->\npage figures\n<!-- /bench:pages -->\n")


def test_section_is_replaced_in_place():
    document = "intro\n<!-- bench:pages -->\nold\n<!-- /bench:pages -->\noutro\n"

    updated = section_replace(document, "pages", "new")

    assert updated == "intro\n<!-- bench:pages -->\nnew\n<!-- /bench:pages -->\noutro\n"


def test_empty_document_gets_a_header():
    assert section_replace("", "pages", "x").startswith("# Benchmarks")


def test_floor_is_kept_when_scenarios_are_filtered():
    names = [s.name for s in scenarios_selected(SCENARIOS, ("catalog API",))]

    assert names == [FLOOR, "catalog API"]


def test_logged_in_post_carries_session_and_csrf():
    scenario = Scenario(
        "submit", lambda c: f"/courses/{c.course_slug}/x/", login="student", method="POST", body="a=1"
    )
    context = Context(course_slug="c", session_cookies={"student": "sessionid=s"})

    headers = scenario.headers(context)

    assert scenario.resolve_path(context) == "/courses/c/x/"
    assert headers["Cookie"] == f"sessionid=s; csrftoken={CSRF_SECRET}"
    assert headers["X-CSRFToken"] == CSRF_SECRET


def test_ratio_is_requests_per_second_over_the_floor():
    assert ratio(250.0, 1000.0) == pytest.approx(0.25)
    assert ratio(250.0, 0.0) is None


def _measurement(
    name: str, requests_per_s: float, *, non2xx: int = 0, login: str | None = None
) -> Measurement:
    result = parse_result(
        RESULT_LINE.replace('"requests":4210', f'"requests":{requests_per_s * 10:.0f}')
        .replace('"duration_us":10012345', '"duration_us":10000000')
        .replace('"non2xx":0', f'"non2xx":{non2xx}')
    )
    return Measurement(label=name, scenario=Scenario(name, "/", login=login), path="/", result=result)


def test_each_scenario_is_compared_with_the_floor_runs_around_it():
    runs = [
        _measurement(FLOOR, 1000),
        _measurement("catalog", 300),
        _measurement(FLOOR, 800),
        _measurement("course page", 100),
        _measurement(FLOOR, 600),
    ]

    assert adjacent_floor(runs, 1) == pytest.approx(900)
    assert adjacent_floor(runs, 3) == pytest.approx(700)
    assert floor_runs(runs) == pytest.approx([1000, 800, 600])


def test_a_failed_floor_run_is_left_out_of_the_comparison():
    runs = [_measurement(FLOOR, 1000, non2xx=5), _measurement("catalog", 300), _measurement(FLOOR, 800)]

    assert adjacent_floor(runs, 1) == pytest.approx(800)


def test_the_cause_of_a_500_is_the_last_exception_in_the_server_log():
    log = (
        "2026-11-23 22:06:46,767 ERROR django.request: Internal Server Error: /\n"
        "Traceback (most recent call last):\n"
        "KeyError: 'lessons'\n"
        "During handling of the above exception, another exception occurred:\n"
        "django.urls.exceptions.NoReverseMatch: 'lessons' is not a registered namespace\n"
    )

    assert (
        last_exception(log)
        == "django.urls.exceptions.NoReverseMatch: 'lessons' is not a registered namespace"
    )
    assert last_exception("[INFO] Booting worker with pid: 12\n") == ""


def test_a_login_picked_from_the_data_resolves_against_the_context():
    scenario = Scenario("dashboard", "/dashboard/", login=lambda c: c.busiest_student)
    context = Context(course_slug="c", busiest_student="s7", session_cookies={"s7": "sessionid=x"})

    assert scenario.login_user(context) == "s7"
    assert scenario.headers(context)["Cookie"] == f"sessionid=x; csrftoken={CSRF_SECRET}"


def test_the_lecture_target_is_judged_against_the_floor_runs_around_it():
    from bench.pages import target_lines

    runs = [_measurement(FLOOR, 1000), _measurement("lecture page", 300), _measurement(FLOOR, 800)]

    assert target_lines(runs) == ["", "**Target: lecture page ≥ 50% of the floor: NOT met (ratio 0.33).**"]


def test_a_signed_in_page_is_also_compared_with_the_logged_in_floor():
    from bench.pages import target_lines
    from bench.scenarios import LOGGED_IN_FLOOR

    # given: the logged-in floor at 40% of the floor, the lecture page at half of it
    runs = [
        _measurement(FLOOR, 1000),
        _measurement(LOGGED_IN_FLOOR, 400, login="s"),
        _measurement(FLOOR, 1000),
        _measurement("lecture page", 200, login="s"),
        _measurement(FLOOR, 1000),
    ]

    # when
    lines = target_lines(runs)

    # then
    assert lines[1] == "**Target: lecture page ≥ 50% of the floor: NOT met (ratio 0.20).**"
    assert lines[3] == (
        "Against *floor + login* (400 req/s): lecture page 0.50; *floor + login* is itself 0.40 of the "
        "floor, so no signed-in page can reach 50% of the (anonymous, database-free) floor on this machine."
    )


def test_quiz_latency_percentiles_are_nearest_rank():
    from bench.quiz_latency import percentile

    values = [float(v) for v in range(1, 101)]

    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([0.3], 99) == 0.3
    assert percentile([], 50) is None


def test_the_benchmark_polls_when_the_page_would():
    from bench.quiz_latency import PagePolling
    from quizzes.polling import status_poll_times_ms

    # given: the page's triggers (ms after its pending fragment loaded at t = 100 s)
    t = [100 + ms / 1000 for ms, _ in zip(status_poll_times_ms(), range(5), strict=False)]
    schedule = PagePolling(100.0)

    # when / then: each poll answered at once goes at its trigger ...
    assert schedule.next_send(100.0) == pytest.approx(t[0])
    assert schedule.next_send(t[0] + 0.01) == pytest.approx(t[1])
    # ... triggers that fire while a poll is in flight send one poll as soon as it answers ...
    assert schedule.next_send(t[3] + 0.01) == pytest.approx(t[3] + 0.01)
    # ... and the next one waits for the next trigger
    assert schedule.next_send(t[3] + 0.02) == pytest.approx(t[4])


def test_the_benchmark_worker_consumes_the_queues_of_the_production_worker():
    import shlex
    from pathlib import Path

    import yaml

    from bench.quiz_latency import WORKER_QUEUES

    command = yaml.safe_load((Path(__file__).parent.parent / "docker-compose.yml").read_text())["services"][
        "worker"
    ]["command"]
    args = shlex.split(command) if isinstance(command, str) else command

    assert WORKER_QUEUES == args[args.index("-Q") + 1]


def test_the_quiz_step_runs_unless_only_other_scenarios_are_asked_for():
    from bench.quiz_latency import selected

    assert selected(options_from_env({}))
    assert selected(options_from_env({"BENCH_ONLY": "quiz"}))
    assert not selected(options_from_env({"BENCH_ONLY": "lecture"}))
    assert not selected(options_from_env({"BENCH_QUIZ_ROUNDS": "0"}))


def test_server_cpu_per_request_is_compared_with_the_floor():
    from bench.pages import cpu_lines

    floor, page = _measurement(FLOOR, 1000), _measurement("lecture page", 100)
    floor.cpu_ms, page.cpu_ms = (1.5, 0.5), (16.0, 4.0)

    lines = cpu_lines([floor, page])

    assert "| lecture page | 16.00 | 4.00 | 20.00 | 0.10 |" in lines[-1]


def _sandbox_result(**changes):
    from bench.sandbox import Sample, SandboxBench, SandboxOptions, Series, Throughput

    def series(label: str, wall_ms: list[float], cpu_ms: list[float], **extra) -> Series:
        samples = [Sample(wall_s=w / 1000, cpu_s=c / 1000) for w, c in zip(wall_ms, cpu_ms, strict=True)]
        return Series(label=label, detail=f"{label} runs", samples=samples, **extra)

    result = SandboxBench(
        started_at="2026-11-23 22:00 UTC",
        how="python -m bench.sandbox",
        options=SandboxOptions(runs=3, gradings=1, submissions=4),
        machine="2 CPU cores",
        sandbox="bubblewrap 0.8.0",
        runtime="`python-basic`",
        overhead=[
            series("direct", [20, 22, 30], [15, 16, 17]),
            series("bwrap", [50, 52, 60], [20, 21, 25]),
            series("harness", [250, 260, 270], [180, 190, 200]),
            series("sandbox", [330, 340, 400], [190, 200, 210]),
        ],
        grading=[series("submit", [3000], [1600], tests=5)],
        throughput=Throughput(
            submissions=4,
            graded=4,
            elapsed_s=8.0,
            waits=[0.1, 0.2, 2.0, 2.1],
            runs=[3.0, 3.1, 3.2, 3.3],
            latencies=[3.1, 3.3, 5.2, 5.4],
            worker_cpu_s=8.0,
            cpu_counts_sandboxes=True,
            worker_command="celery -A config.celery_app worker -Q sandbox --concurrency 2",
            celery="5.7.0",
        ),
        task_title="Pipeline",
        elapsed_s=120.0,
        cpu_source="cgroup",
    )
    for name, value in changes.items():
        setattr(result, name, value)
    return result


def test_the_sandbox_section_reports_overhead_grading_and_runs_per_minute():
    from bench.sandbox import sandbox_section

    # when
    section = sandbox_section(_sandbox_result())

    # then: medians and differences (bwrap − direct, sandbox − direct), runs per minute, the ceiling
    assert "| direct runs | 3 | 22 | 30 | 16 | 17 |" in section
    assert "**Isolation (bubblewrap) costs 30 ms wall and 5 ms CPU per run**" in section
    assert "a whole sandboxed test run costs 318 ms wall, 184 ms CPU more" in section
    assert "| submit runs | 5 | 1 | 3 000 | 3 000 | 1 600 | 1 600 |" in section
    assert "**30.0 runs/minute** on" in section
    assert "**CPU per graded submit:** 2.00 s" in section


def test_the_sandbox_section_says_why_nothing_was_measured():
    from bench.sandbox import sandbox_section

    # when
    section = sandbox_section(
        _sandbox_result(error="the sandbox is unavailable here: no bwrap", overhead=[], grading=[])
    )

    # then
    assert "**✗ FAILED, not measured:** the sandbox is unavailable here: no bwrap" in section
    assert "runs/minute" not in section


def test_a_failed_sandbox_step_fails_the_run():
    from bench.sandbox import Throughput

    assert not _sandbox_result().failed
    assert _sandbox_result(error="worker died").failed
    assert _sandbox_result(throughput=Throughput(submissions=4, errors=["error score None"])).failed


def test_sandbox_options_are_read_from_bench_sandbox_variables():
    from bench.sandbox import SandboxOptions

    assert SandboxOptions.from_env({}) == SandboxOptions()
    assert SandboxOptions.from_env({"BENCH_SANDBOX_RUNS": "5", "BENCH_SANDBOX_SUBMISSIONS": "0"}) == (
        SandboxOptions(runs=5, submissions=0)
    )
    with pytest.raises(ValueError, match="BENCH_SANDBOX_GRADINGS"):
        SandboxOptions.from_env({"BENCH_SANDBOX_GRADINGS": "-1"})


def test_the_sandbox_step_runs_unless_only_other_scenarios_are_asked_for():
    from bench.sandbox import selected

    assert selected(())
    assert selected(("sandbox",))
    assert not selected(("lecture", "quiz"))


def test_a_negative_difference_keeps_its_sign():
    from bench.sandbox import _delta_ms

    assert _delta_ms(0.0305) == "30"
    assert _delta_ms(-0.041) == "−41"
