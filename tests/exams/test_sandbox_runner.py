"""The test runner, grading and the practical-task services around the sandbox.

Tests marked ``sandbox`` run code in the real sandbox; the rest need no sandbox at all.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from unittest import mock

import pytest
from django.test import override_settings

from config.celery_app import app as celery_app
from core.exceptions import ApplicationError
from exams import grading, services
from exams.models import PracticalTask, Submission, TaskFile, TestResult
from exams.sandbox import SandboxRefused, TestModule, expected_tests, run_tests, sandbox_status
from exams.sandbox.runner import Limits, RunReport, TestReport, validate_file_name
from exams.tasks import submission_run_task, task_check_reference_task
from tests.exams.factories import PracticalTaskFactory
from tests.exams.sandbox_support import (
    SubmissionFactory,
    TaskFileFactory,
    by_name,
    outcomes,
    require_sandbox,
    run_source,
)

sandbox = pytest.mark.sandbox

SOLUTION = "def add(a, b):\n    return a + b\n\n\ndef table(n):\n    return [i * i for i in range(n)]\n"
WRONG_SOLUTION = (
    "def add(a, b):\n    print('adding', a, b)\n    return a - b\n\n\n"
    "def table(n):\n    return list(range(n))\n"
)
PUBLIC_TESTS = """\
from solution import add


def test_add_small():
    assert add(1, 2) == 3
"""
HIDDEN_TESTS = """\
import pytest

from solution import add, table


def test_add():
    assert add(2, 3) == 5, "2 + 3 must be 5"


def test_table():
    assert table(4) == [0, 1, 4, 9]


@pytest.mark.parametrize("a", [0, 1])
def test_add_zero(a):
    assert add(a, 0) == a
"""


@pytest.fixture
def requires_sandbox():
    require_sandbox()


def make_task(**fields) -> PracticalTask:
    defaults = {
        "public_tests": PUBLIC_TESTS,
        "hidden_tests": HIDDEN_TESTS,
        "test_weights": {"test_table": 3},
        "status": PracticalTask.Status.PUBLISHED,
        "time_limit_seconds": 5,
        "memory_limit_mb": 256,
    }
    task = PracticalTaskFactory(**(defaults | fields))
    TaskFileFactory(task=task, path="solution.py", reference=SOLUTION, starter="def add(a, b):\n    pass\n")
    return task


# --- discovery and validation (no sandbox) ---------------------------------------------------------


def test_expected_tests_lists_functions_and_methods_but_not_fixtures_named_test():
    source = (
        "import pytest\n\n"
        "@pytest.fixture(scope='module')\ndef test_split():\n    return 1\n\n"
        "def test_a(test_split):\n    pass\n\n"
        "class TestGroup:\n    def test_b(self):\n        pass\n\n    def helper(self):\n        pass\n\n"
        "def helper():\n    pass\n"
    )
    assert expected_tests(source) == ["test_a", "TestGroup::test_b"]
    assert expected_tests("def test_x(:\n") == []


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("solution.py", True),
        ("data/train.csv", True),
        ("../etc/passwd", False),
        ("/etc/passwd", False),
        ("a/./b", False),
        ("test_hidden.py", False),
        ("conftest.py", False),
        ("", False),
    ],
)
def test_file_names_must_stay_inside_the_working_directory(name, ok):
    assert (validate_file_name(name) is None) is ok


def test_score_is_the_weighted_share_of_hidden_tests_passed():
    def report(name, outcome, visibility="hidden"):
        return TestReport(name=name, module=f"test_{visibility}.py", visibility=visibility, outcome=outcome)

    tests = [
        report("test_add", "passed"),
        report("test_table", "wrong_answer"),
        report("test_add_zero[0]", "passed"),
        report("test_add_zero[1]", "time_limit"),
        report("test_public_only", "passed", visibility="public"),
    ]
    weights = {"test_table": 3, "test_add_zero": 2}
    # passed: 1 + 2 = 3 of 1 + 3 + 2 + 2 = 8
    assert grading.hidden_score(tests=tests, weights=weights) == Decimal("37.50")
    assert grading.hidden_score(tests=tests[-1:], weights=weights) is None
    assert grading.test_weight(weights={"t": -1}, name="t") == 0


def test_the_command_line_isolates_everything(tmp_path):
    from exams.sandbox import isolation

    command = isolation.bwrap_command(
        bwrap="/usr/bin/bwrap",
        command=["/opt/runtime/bin/python"],
        runtime_dir=tmp_path,
        work_mb=16,
        capture_bytes=1024,
        env={"PATH": "/usr/bin"},
    )
    try:
        argv = command.argv
        for flag in (
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
        ):
            assert flag in argv
        assert argv[argv.index("--clearenv") + 1] != "--share-net"
        assert "--share-net" not in argv and "--bind" not in argv and "--dev-bind" not in argv
        assert ["--ro-bind", str(tmp_path), "/opt/runtime"] == argv[argv.index(str(tmp_path)) - 1 :][:3]
        assert argv[argv.index("--remount-ro") + 1] == "/usr/local"
        assert ["--remount-ro", "/"] == argv[argv.index("--chdir") - 2 : argv.index("--chdir")]
        assert argv[-2:] == ["--", "/opt/runtime/bin/python"]
        keep = isolation.bwrap_command(
            bwrap="/usr/bin/bwrap",
            command=["x"],
            runtime_dir=None,
            work_mb=1,
            capture_bytes=1,
            env={},
            hide_usr_local=False,
        )
        keep.close()
        assert "/usr/local" not in keep.argv
    finally:
        command.close()


# --- fail closed ---------------------------------------------------------------------------------------


@override_settings(SANDBOX_BWRAP_PATH="/nonexistent/bwrap", SANDBOX_ALLOW_UNISOLATED=False)
def test_without_bubblewrap_code_is_refused_with_the_reason():
    status = sandbox_status()
    assert not status.available and not status.usable
    assert "bubblewrap not found" in status.reason
    with pytest.raises(SandboxRefused, match="bubblewrap not found"):
        run_tests(
            runtime="python-basic",
            files={},
            modules=[TestModule("public", "def test_x():\n    pass\n")],
            limits=Limits(time_seconds=1, memory_mb=128),
        )


def test_a_missing_runtime_is_refused_with_the_make_target(tmp_path):
    with override_settings(SANDBOX_RUNTIMES_DIR=tmp_path), pytest.raises(SandboxRefused) as refused:
        run_tests(runtime="python-ml", files={}, modules=[], limits=Limits(time_seconds=1, memory_mb=128))
    assert "make runtime-python-ml" in str(refused.value)


def test_a_missing_sandbox_user_is_refused_when_the_worker_is_root():
    import os

    if os.geteuid() != 0:
        pytest.skip("only a root worker switches to SANDBOX_USER")
    with override_settings(SANDBOX_USER="no-such-user-kafedra"):
        status = sandbox_status()
    assert not status.available
    assert "make sandbox-user" in status.reason


def test_runtimes_mirror_the_task_model_choices():
    from exams.sandbox.runtimes import RUNTIMES

    assert set(RUNTIMES) == set(PracticalTask.Runtime.values)


@sandbox
def test_the_development_setting_runs_unisolated_and_warns_on_every_run(requires_sandbox, caplog):
    with override_settings(SANDBOX_BWRAP_PATH="/nonexistent/bwrap", SANDBOX_ALLOW_UNISOLATED=True):
        caplog.set_level(logging.WARNING, logger="exams.sandbox.runner")
        first = run_source("def test_ok():\n    assert True\n")
        second = run_source("def test_ok():\n    assert True\n")
    assert not first.isolated and not second.isolated
    assert outcomes(first) == outcomes(second) == {"test_ok": "passed"}
    warnings = [r for r in caplog.records if "WITHOUT isolation" in r.getMessage()]
    assert len(warnings) == 2


# --- the runner against the real sandbox ------------------------------------------------------------


@sandbox
def test_every_test_is_reported_with_its_kind_of_failure(requires_sandbox):
    report = run_source(
        """
        from solution import add, table

        def test_passes():
            print("checking add")
            assert add(1, 2) == 3

        def test_wrong_answer_has_a_diff():
            assert table(4) == [0, 1, 4, 9]

        def test_wrong_answer_keeps_the_message():
            assert add(2, 2) == 4, "2 + 2 must be 4"

        def test_error_shows_the_student_traceback():
            add(None, 1)

        def test_after_the_failures():
            assert add(0, 0) == 0
        """,
        files={"solution.py": WRONG_SOLUTION},
    )
    tests = by_name(report)
    assert report.isolated
    assert [t.name for t in report.tests] == [
        "test_passes",
        "test_wrong_answer_has_a_diff",
        "test_wrong_answer_keeps_the_message",
        "test_error_shows_the_student_traceback",
        "test_after_the_failures",
    ]
    assert outcomes(report) == {
        "test_passes": "wrong_answer",  # WRONG_SOLUTION subtracts
        "test_wrong_answer_has_a_diff": "wrong_answer",
        "test_wrong_answer_keeps_the_message": "wrong_answer",
        "test_error_shows_the_student_traceback": "error",
        "test_after_the_failures": "passed",
    }
    assert "At index 2 diff: 2 != 4" in tests["test_wrong_answer_has_a_diff"].message
    assert "2 + 2 must be 4" in tests["test_wrong_answer_keeps_the_message"].message
    assert "where 0 = add(2, 2)" in tests["test_wrong_answer_keeps_the_message"].message
    error = tests["test_error_shows_the_student_traceback"].message
    assert 'File "solution.py", line 3, in add' in error and "TypeError" in error
    assert tests["test_passes"].stdout == "checking add\nadding 1 2\n"
    for test in report.tests:
        assert test.duration_ms is not None and test.memory_kb and test.memory_kb > 1000


@sandbox
def test_long_output_is_trimmed_in_the_middle(requires_sandbox):
    report = run_source(
        """
        def test_chatty():
            for i in range(20_000):
                print(f"line {i}")
        """,
        keep_chars=2_000,
    )
    test = report.tests[0]
    assert test.outcome == "passed"
    assert len(test.stdout) < 2_200
    assert test.stdout.startswith("line 0\n") and test.stdout.endswith("line 19999\n")
    assert "characters trimmed" in test.stdout


@sandbox
def test_hidden_tests_keep_their_source_to_themselves(requires_sandbox):
    secret_line = 'assert table(3) == [0, 1, 4], "secret-expectation"'
    report = run_source(
        f"""
        from solution import table

        def test_checks_a_secret():
            {secret_line}

        def test_student_cannot_read_the_hidden_file():
            import solution
            assert solution.peek() == "FileNotFoundError"
        """,
        visibility="hidden",
        files={
            "solution.py": (
                "def table(n):\n    return []\n\n"
                "def peek():\n"
                "    try:\n        open('test_hidden.py').read()\n    except FileNotFoundError:\n"
                "        return 'FileNotFoundError'\n    return 'read it'\n"
            )
        },
    )
    tests = by_name(report)
    assert tests["test_checks_a_secret"].outcome == "wrong_answer"
    assert "secret-expectation" in tests["test_checks_a_secret"].message  # the author's message is shown
    assert tests["test_student_cannot_read_the_hidden_file"].outcome == "passed"
    crash = run_source(
        "from solution import boom\n\ndef test_x():\n    # hidden detail\n    boom()\n",
        visibility="hidden",
        files={"solution.py": "def boom():\n    raise ValueError('bad')\n"},
    )
    assert "hidden detail" not in crash.tests[0].message and "boom()" not in crash.tests[0].message
    assert 'File "solution.py", line 2, in boom' in crash.tests[0].message


@sandbox
def test_a_broken_solution_fails_every_test_of_the_module_that_imports_it(requires_sandbox):
    report = run_tests(
        runtime="python-basic",
        files={"solution.py": "def add(a, b)\n    return a + b\n"},
        modules=[
            TestModule("public", PUBLIC_TESTS),
            TestModule("hidden", HIDDEN_TESTS),
        ],
        limits=Limits(time_seconds=5, memory_mb=256),
    )
    assert {(t.visibility, t.name): t.outcome for t in report.tests} == {
        ("public", "test_add_small"): "error",
        ("hidden", "test_add"): "error",
        ("hidden", "test_table"): "error",
        ("hidden", "test_add_zero"): "error",
    }
    assert all("SyntaxError" in t.message for t in report.tests)


@sandbox
def test_parametrized_tests_are_reported_one_by_one(requires_sandbox):
    report = run_source(
        """
        import pytest

        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_odd(n):
            assert n % 2 == 1
        """
    )
    assert outcomes(report) == {
        "test_odd[1]": "passed",
        "test_odd[2]": "wrong_answer",
        "test_odd[3]": "passed",
    }


@sandbox
def test_a_module_fixture_that_times_out_fails_its_tests_at_once(requires_sandbox):
    report = run_source(
        """
        import pytest, time

        @pytest.fixture(scope="module")
        def trained():
            time.sleep(60)

        def test_one(trained):
            pass

        def test_two(trained):
            pass

        def test_independent():
            pass
        """,
        time_seconds=1,
        wall_factor=2,
    )
    assert outcomes(report) == {
        "test_one": "time_limit",
        "test_two": "time_limit",
        "test_independent": "passed",
    }
    assert "trained" in by_name(report)["test_two"].message
    assert report.wall_ms < 15_000  # the fixture hit the limit once, not once per test


@sandbox
def test_a_module_fixture_that_hangs_in_c_is_remembered_across_restarts(requires_sandbox):
    report = run_source(
        """
        import pytest, signal, time

        @pytest.fixture(scope="module")
        def stuck():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGXCPU})
            time.sleep(60)

        def test_one(stuck):
            pass

        def test_two(stuck):
            pass
        """,
        time_seconds=1,
        wall_factor=2,
    )
    assert outcomes(report) == {"test_one": "time_limit", "test_two": "time_limit"}
    assert report.processes == 2
    assert "stuck" in by_name(report)["test_two"].message


# --- services ------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestSubmissionCreate:
    def test_queues_a_run_on_commit_and_fills_missing_files_from_the_starter(
        self, student, django_capture_on_commit_callbacks
    ):
        task = make_task()
        TaskFileFactory(task=task, path="notes.md", starter="my notes\n", reference="")
        with mock.patch.object(submission_run_task, "delay") as delay:
            with django_capture_on_commit_callbacks(execute=True):
                submission = services.submission_create(
                    task=task, user=student, files={"solution.py": SOLUTION}, kind=Submission.Kind.CHECK
                )
        delay.assert_called_once_with(submission.pk)
        assert submission.status == Submission.Status.QUEUED
        assert submission.files == {"solution.py": SOLUTION, "notes.md": "my notes\n"}

    @pytest.mark.parametrize(
        ("files", "kind", "message"),
        [
            ({"other.py": "x = 1\n"}, "check", "cannot be submitted"),
            ({"solution.py": "#" * 300_000}, "check", "larger than"),
            ({"solution.py": b"binary"}, "check", "must be text"),
            ({"solution.py": SOLUTION}, "reference", "Unknown kind"),
        ],
    )
    def test_refuses_bad_files_and_kinds(self, student, files, kind, message):
        task = make_task()
        with pytest.raises(ApplicationError, match=message):
            services.submission_create(task=task, user=student, files=files, kind=kind)
        assert not Submission.objects.exists()

    def test_refuses_an_unpublished_task(self, student):
        task = make_task(status=PracticalTask.Status.DRAFT)
        with pytest.raises(ApplicationError, match="not open"):
            services.submission_create(task=task, user=student, files={}, kind=Submission.Kind.CHECK)

    @override_settings(SANDBOX_MAX_PENDING_PER_USER=2)
    def test_refuses_when_earlier_runs_are_still_queued(self, student):
        task = make_task()
        SubmissionFactory.create_batch(2, task=task, user=student, status=Submission.Status.QUEUED)
        with pytest.raises(ApplicationError, match="still in the queue"):
            services.submission_create(task=task, user=student, files={}, kind=Submission.Kind.CHECK)


@pytest.mark.django_db
class TestSubmissionRun:
    @sandbox
    def test_check_runs_the_public_tests_without_a_score(self, requires_sandbox):
        submission = SubmissionFactory(
            task=make_task(), kind=Submission.Kind.CHECK, files={"solution.py": SOLUTION}
        )
        submission = services.submission_run(submission=submission)
        assert submission.status == Submission.Status.DONE
        assert submission.score is None
        assert list(submission.results.values_list("name", "visibility", "outcome")) == [
            ("test_add_small", "public", "passed")
        ]

    @sandbox
    def test_submit_scores_the_weighted_share_of_hidden_tests(self, requires_sandbox):
        task = make_task()
        TaskFileFactory(task=task, path="squares.txt", kind=TaskFile.Kind.DATA, content="0 1 4 9\n")
        solution = (
            "def add(a, b):\n    return a + b\n\n\n"
            "def table(n):\n    return [int(x) for x in open('squares.txt').read().split()][:n]\n"
        )
        wrong_add = solution.replace("return a + b", "return a + b + 1")
        done = services.submission_run(
            submission=SubmissionFactory(
                task=task, kind=Submission.Kind.SUBMIT, files={"solution.py": solution}
            )
        )
        partial = services.submission_run(
            submission=SubmissionFactory(
                task=task, kind=Submission.Kind.SUBMIT, files={"solution.py": wrong_add}
            )
        )
        assert done.status == partial.status == Submission.Status.DONE
        assert done.score == Decimal("100.00")
        # hidden: test_add (1), test_table (3), test_add_zero[0] (1), test_add_zero[1] (1): only table passes
        assert partial.score == Decimal("50.00")
        results = {r.name: r for r in partial.results.all()}
        assert set(results) == {"test_add", "test_table", "test_add_zero[0]", "test_add_zero[1]"}
        assert results["test_table"].weight == Decimal("3") and results["test_table"].outcome == "passed"
        assert results["test_add"].outcome == TestResult.Outcome.WRONG_ANSWER
        assert "2 + 3 must be 5" in results["test_add"].message

    @override_settings(SANDBOX_BWRAP_PATH="/nonexistent/bwrap", SANDBOX_ALLOW_UNISOLATED=False)
    def test_without_a_sandbox_the_submission_errors_with_the_reason(self):
        submission = services.submission_run(submission=SubmissionFactory(task=make_task()))
        assert submission.status == Submission.Status.ERROR
        assert "bubblewrap not found" in submission.error
        assert not submission.results.exists()

    def test_a_done_submission_is_not_run_again(self):
        submission = SubmissionFactory(task=make_task(), status=Submission.Status.DONE, score=Decimal("50"))
        with mock.patch("exams.services.run_tests", side_effect=AssertionError("ran again")):
            assert services.submission_run(submission=submission).score == Decimal("50")

    def test_a_run_left_by_a_killed_worker_starts_over(self):
        submission = SubmissionFactory(task=make_task(), status=Submission.Status.RUNNING)
        TestResult.objects.create(
            submission=submission, name="test_stale", visibility="public", outcome="passed"
        )
        fresh = RunReport(
            tests=[
                TestReport(
                    name="test_add_small", module="test_public.py", visibility="public", outcome="passed"
                )
            ],
            runtime="python-basic",
            isolated=True,
            wall_ms=1,
            processes=1,
        )
        with mock.patch("exams.services.run_tests", return_value=fresh):
            submission = services.submission_run(submission=submission)
        assert submission.status == Submission.Status.DONE
        assert list(submission.results.values_list("name", flat=True)) == ["test_add_small"]

    def test_the_task_skips_a_deleted_submission(self):
        submission_run_task.run(987654)  # no error, nothing to do


@pytest.mark.django_db
class TestReferenceCheckAndPublishing:
    @sandbox
    def test_a_passing_reference_makes_the_task_publishable(self, requires_sandbox):
        task = make_task(status=PracticalTask.Status.DRAFT)
        task = services.task_check_reference(task=task)
        assert task.reference_check == PracticalTask.ReferenceCheck.PASSED, task.reference_check_log
        assert "[passed] hidden test_table" in task.reference_check_log
        assert services.task_publish(task=task).status == PracticalTask.Status.PUBLISHED

    @sandbox
    def test_a_failing_reference_blocks_publishing(self, requires_sandbox):
        task = make_task(status=PracticalTask.Status.DRAFT)
        TaskFile.objects.filter(task=task).update(reference=WRONG_SOLUTION)
        task = services.task_check_reference(task=task)
        assert task.reference_check == PracticalTask.ReferenceCheck.FAILED
        assert "tests fail with the reference solution" in task.reference_check_log
        assert "[wrong_answer] hidden test_add" in task.reference_check_log
        with pytest.raises(ApplicationError, match="cannot be published"):
            services.task_publish(task=task)
        task.refresh_from_db()
        assert task.status == PracticalTask.Status.DRAFT

    @sandbox
    def test_weights_must_name_hidden_tests(self, requires_sandbox):
        task = services.task_check_reference(task=make_task(test_weights={"test_missing": 2}))
        assert task.reference_check == PracticalTask.ReferenceCheck.FAILED
        assert "test_missing" in task.reference_check_log

    @override_settings(SANDBOX_BWRAP_PATH="/nonexistent/bwrap", SANDBOX_ALLOW_UNISOLATED=False)
    def test_without_a_sandbox_the_task_stays_unchecked(self):
        task = services.task_check_reference(task=make_task(status=PracticalTask.Status.DRAFT))
        assert task.reference_check == PracticalTask.ReferenceCheck.UNCHECKED
        assert "could not be run" in task.reference_check_log

    def test_an_edit_during_the_check_voids_it(self):
        task = make_task(status=PracticalTask.Status.DRAFT)

        def edit_while_running(**kwargs):
            PracticalTask.objects.filter(pk=task.pk).update(hidden_tests=HIDDEN_TESTS + "\n# edited\n")
            return RunReport(tests=[], runtime="python-basic", isolated=True, wall_ms=1, processes=1)

        with mock.patch("exams.services.run_tests", side_effect=edit_while_running):
            task = services.task_check_reference(task=task)
        assert task.reference_check == PracticalTask.ReferenceCheck.UNCHECKED

    def test_requesting_a_check_resets_it_and_queues_the_task(self, django_capture_on_commit_callbacks):
        task = make_task(reference_check=PracticalTask.ReferenceCheck.PASSED)
        with mock.patch.object(task_check_reference_task, "delay") as delay:
            with django_capture_on_commit_callbacks(execute=True):
                task = services.task_request_reference_check(task=task)
        delay.assert_called_once_with(task.pk)
        assert task.reference_check == PracticalTask.ReferenceCheck.UNCHECKED


def test_sandbox_tasks_go_to_the_sandbox_queue():
    for task in (submission_run_task, task_check_reference_task):
        route = celery_app.amqp.router.route({}, task.name)
        assert route["queue"].name == "sandbox"
        assert task.acks_late and task.reject_on_worker_lost
