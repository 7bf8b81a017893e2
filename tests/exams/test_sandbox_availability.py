"""Practical tasks when the sandbox cannot run code (fail closed, up front): what the sandbox
workers recorded at start-up decides whether runs are available, unavailable (with a reason) or
unknown (no worker reported: runs are accepted and wait). While unavailable, the lesson panel,
the task page and the exam sitting say so and disable their run buttons, the services and the
API refuse runs (503) without losing the student's code, and an exam stays answerable and
submittable: its practical part waits for a worker instead of failing."""

from __future__ import annotations

import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Notification
from core.exceptions import PermissionDeniedError
from exams import sitting_grading
from exams import sitting_services as services
from exams.models import Sitting, Submission
from exams.practice_services import practice_run_create
from exams.sandbox import RunReport, SandboxRefused, SandboxStatus, TestReport
from exams.sandbox_health import (
    RUNS_AVAILABLE,
    RUNS_UNAVAILABLE,
    RUNS_UNKNOWN,
    RunsUnavailable,
    practical_run_availability,
    practical_runs_availability,
    sandbox_health_record,
)
from exams.services import submission_create, submission_run
from tests.exams.exam_builders import (
    SOLUTION,
    exam_with_tickets,
    instructor_of,
    lesson_exercise,
    student_of,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NO_BWRAP = "bubblewrap not found at '/usr/bin/bwrap': install it (`apt-get install bubblewrap`)"
NO_ML = "runtime 'python-ml' is not installed in /var/runtimes/python-ml: run `make runtime-python-ml`"
NOT_WORKING = "the sandbox that runs code is not working on the grading servers"
NOT_INSTALLED = "the environment this task runs in is not installed on the grading servers"
NOTICE = "Practical tasks cannot be run right now"
MY_CODE = "def add(a, b):\n    return b + a  # MY-UNRUN-CODE\n"


def _status(*, available: bool, unisolated_allowed: bool = False) -> SandboxStatus:
    return SandboxStatus(
        available=available,
        reason="" if available else NO_BWRAP,
        bwrap="/usr/bin/bwrap (bubblewrap 0.8.0)" if available else "",
        identity="kafedra-sandbox (uid 999, gid 995)" if available else "",
        process_limit_enforced=available,
        seccomp=True,
        unisolated_allowed=unisolated_allowed,
        runtimes={"python-basic": None, "python-ml": NO_ML},
        overhead_ms=30 if available else None,
        checked_at=0.0,
    )


def worker_reports(host: str, *, available: bool, unisolated_allowed: bool = False) -> None:
    """A sandbox worker starts on ``host`` and records what it found (python-ml not installed)."""
    status = _status(available=available, unisolated_allowed=unisolated_allowed)
    with mock.patch("exams.sandbox_health.sandbox_status", return_value=status):
        sandbox_health_record(host=host)


@pytest.fixture
def no_sandbox():
    worker_reports("celery@grader-1", available=False)


@pytest.fixture
def sandbox_ok():
    worker_reports("celery@grader-1", available=True)


def opening_tag(html: str, text: str) -> str:
    """The opening tag of the (single) button whose label is ``text``."""
    tags = re.findall(rf"(<button\b[^>]*>)\s*{re.escape(text)}\s*</button>", html)
    assert len(tags) == 1, (text, tags)
    return tags[0]


def is_disabled(html: str, text: str) -> bool:
    return re.search(r"\sdisabled(\s|>|=)", opening_tag(html, text)) is not None


# ---------------------------------------------------------------------------------------------
# The selector


def test_without_any_worker_report_runs_are_unknown_and_accepted():
    # when
    availability = practical_run_availability(runtime="python-basic")

    # then
    assert availability.state == RUNS_UNKNOWN
    assert availability.can_run is True and availability.unavailable is False
    assert availability.reason == ""


def test_a_worker_with_a_sandbox_and_the_runtime_makes_runs_available(sandbox_ok):
    # when
    availability = practical_run_availability(runtime="python-basic")

    # then
    assert availability.state == RUNS_AVAILABLE and availability.can_run is True
    assert availability.reason == "" and availability.checked_at is not None


def test_a_worker_without_bubblewrap_makes_runs_unavailable_with_a_reason(no_sandbox):
    # when
    availability = practical_run_availability(runtime="python-basic")

    # then: students get a plain reason, staff the technical one
    assert availability.state == RUNS_UNAVAILABLE and availability.can_run is False
    assert availability.reason == NOT_WORKING
    assert "celery@grader-1" in availability.detail and "bubblewrap not found" in availability.detail
    assert "bubblewrap" not in availability.reason


def test_a_runtime_no_worker_has_installed_is_unavailable_on_its_own(sandbox_ok):
    # when
    both = practical_runs_availability(runtimes=["python-basic", "python-ml"])

    # then
    assert both["python-basic"].state == RUNS_AVAILABLE
    assert both["python-ml"].state == RUNS_UNAVAILABLE
    assert both["python-ml"].reason == NOT_INSTALLED
    assert "make runtime-python-ml" in both["python-ml"].detail


def test_one_worker_that_can_run_is_enough():
    # given: an old worker without bubblewrap, a newer one with it
    worker_reports("celery@old", available=False)
    worker_reports("celery@new", available=True)

    # when
    availability = practical_run_availability(runtime="python-basic")

    # then
    assert availability.state == RUNS_AVAILABLE


def test_a_worker_restarted_with_bubblewrap_replaces_its_report():
    # given
    worker_reports("celery@grader-1", available=False)
    worker_reports("celery@grader-1", available=True)

    # when / then
    assert practical_run_availability(runtime="python-basic").state == RUNS_AVAILABLE


def test_the_explicit_development_mode_counts_as_available():
    # given
    worker_reports("celery@laptop", available=False, unisolated_allowed=True)

    # when / then
    assert practical_run_availability(runtime="python-basic").state == RUNS_AVAILABLE


def test_the_selector_reads_the_cache_once_and_never_probes_here(no_sandbox, django_assert_num_queries):
    # given
    probe = mock.patch("exams.sandbox_health.sandbox_status", side_effect=AssertionError("probed"))

    # when
    with probe, mock.patch.object(cache, "get", wraps=cache.get) as get, django_assert_num_queries(0):
        availability = practical_runs_availability(runtimes=["python-basic", "python-ml", "python-basic"])

    # then
    assert get.call_count == 1
    assert set(availability) == {"python-basic", "python-ml"}


def test_an_unreachable_cache_means_unknown_not_an_error():
    # when
    with mock.patch.object(cache, "get", side_effect=ConnectionError("redis is down")):
        availability = practical_run_availability(runtime="python-basic")

    # then
    assert availability.state == RUNS_UNKNOWN


# ---------------------------------------------------------------------------------------------
# The services


@pytest.fixture
def exercise():
    lesson, task = lesson_exercise()
    return lesson, task, student_of(task.course)


def test_a_practice_run_is_refused_while_unavailable_and_nothing_is_queued(
    exercise, no_sandbox, django_capture_on_commit_callbacks
):
    # given
    _lesson, task, learner = exercise

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RunsUnavailable) as refused:
            practice_run_create(task=task, user=learner, files={"solution.py": MY_CODE}, kind="check")

    # then
    assert NOT_WORKING in refused.value.message and "your code is kept" in refused.value.message
    assert not Submission.objects.exists()
    assert callbacks == []


def test_a_practice_run_is_queued_when_no_worker_has_reported(exercise, django_capture_on_commit_callbacks):
    # given
    _lesson, task, learner = exercise

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = submission_create(task=task, user=learner, files={"solution.py": MY_CODE}, kind="check")

    # then
    assert run.status == Submission.Status.QUEUED
    assert len(callbacks) == 1


def test_permission_refusals_come_before_the_sandbox(exercise, no_sandbox):
    # given
    _lesson, task, _learner = exercise

    # when / then: the team is told they do not run, not that the sandbox is down
    with pytest.raises(PermissionDeniedError) as refused:
        practice_run_create(task=task, user=instructor_of(task.course), files={}, kind="check")
    assert "runs are for students" in refused.value.message


@pytest.fixture
def sitting():
    exam = exam_with_tickets(tickets=1, questions=1)
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    return sitting


def test_a_refused_check_in_a_sitting_keeps_the_code(sitting, no_sandbox):
    # when
    with pytest.raises(RunsUnavailable):
        services.sitting_run_check(sitting=sitting, user=sitting.user, files={"solution.py": MY_CODE})

    # then
    sitting.refresh_from_db()
    assert sitting.code == {"solution.py": MY_CODE} and sitting.code_saved_at is not None
    assert not Submission.objects.filter(sitting=sitting).exists()
    assert sitting.status == Sitting.Status.IN_PROGRESS


def test_a_sitting_is_answered_and_submitted_while_unavailable(
    sitting, no_sandbox, django_capture_on_commit_callbacks
):
    # given
    question_id = sitting.answers.values_list("question_id", flat=True)[0]
    services.sitting_answer_save(sitting=sitting, user=sitting.user, question_id=question_id, text="theory")

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submitted, done = services.sitting_submit(
            sitting=sitting, user=sitting.user, files={"solution.py": MY_CODE}
        )

    # then: accepted, its practical part queued for grading with the code sent
    assert done is True and submitted.status == Sitting.Status.SUBMITTED
    final = Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT)
    assert final.files == {"solution.py": MY_CODE} and final.status == Submission.Status.QUEUED
    assert len(callbacks) == 1


def _report(score_passed: bool = True) -> RunReport:
    outcome = "passed" if score_passed else "failed"
    return RunReport(
        tests=[
            TestReport(
                name="test_add_negative", module="test_hidden.py", visibility="hidden", outcome=outcome
            )
        ],
        runtime="python-basic",
        isolated=True,
        wall_ms=1,
        processes=1,
    )


def test_an_exam_whose_code_cannot_be_run_waits_for_a_worker_instead_of_failing(sitting):
    # given
    services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})
    refused = SandboxRefused("code is not run without a sandbox: " + NO_BWRAP)

    # when: graded on a host without a sandbox
    with mock.patch("exams.services.run_tests", side_effect=refused):
        waiting = sitting_grading.sitting_grade(sitting_id=sitting.pk)

    # then: still grading, the run back in the queue, nobody notified, nothing lost
    assert waiting.status == Sitting.Status.GRADING
    final = Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT)
    assert (final.status, final.error, final.started_at) == (Submission.Status.QUEUED, "", None)
    assert final.files == {"solution.py": SOLUTION}
    assert not Notification.objects.filter(user=sitting.user).exists()

    # when: the sweep queues it again and a worker with a sandbox takes it
    with mock.patch("exams.services.run_tests", return_value=_report()):
        graded = sitting_grading.sitting_grade(sitting_id=sitting.pk)

    # then
    final.refresh_from_db()
    assert final.status == Submission.Status.DONE and final.score == Decimal("100.00")
    assert graded.status == Sitting.Status.AWAITING_MANUAL  # the theory answer waits for the desk
    assert Notification.objects.filter(user=sitting.user).count() == 1


def test_a_practice_run_the_sandbox_refuses_still_ends_in_error(exercise):
    # given: runs accepted (no report), then refused by the worker
    _lesson, task, learner = exercise
    run = submission_create(task=task, user=learner, files={"solution.py": SOLUTION}, kind="submit")

    # when
    with mock.patch("exams.services.run_tests", side_effect=SandboxRefused("no sandbox")):
        run = submission_run(submission=run)

    # then: a practice run is not an exam: the student sees it could not run and tries again
    assert run.status == Submission.Status.ERROR


# ---------------------------------------------------------------------------------------------
# The lesson's practice panel and the task page


def _run(client, task, *, kind="check", files=None, htmx=True):
    files = files if files is not None else {"solution.py": MY_CODE}
    data = {"kind": kind, "path": list(files), "content": list(files.values())}
    return client.post(reverse("exams:task-run", args=[task.pk]), data, **(HTMX if htmx else {}))


@pytest.mark.parametrize("page", ["lesson-exercises", "task-detail"])
def test_the_practice_panel_says_runs_are_off_and_disables_its_buttons(client, exercise, no_sandbox, page):
    # given
    lesson, task, learner = exercise
    client.force_login(learner)
    target = lesson.pk if page == "lesson-exercises" else task.pk

    # when
    response = client.get(
        reverse(f"exams:{page}", args=[target]), **(HTMX if page == "lesson-exercises" else {})
    )

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert NOTICE in html and NOT_WORKING in html
    assert is_disabled(html, "Run checks") and is_disabled(html, "Submit")
    assert "bubblewrap" not in html  # no internals for students
    assert 'name="content"' in html and " readonly" not in html  # the editor stays editable


@pytest.mark.parametrize("reports", ["available", "no report"])
def test_the_practice_panel_has_no_notice_when_runs_are_possible(client, exercise, reports):
    # given
    lesson, _task, learner = exercise
    if reports == "available":
        worker_reports("celery@grader-1", available=True)
    client.force_login(learner)

    # when
    html = client.get(reverse("exams:lesson-exercises", args=[lesson.pk]), **HTMX).content.decode()

    # then
    assert NOTICE not in html
    assert not is_disabled(html, "Run checks") and not is_disabled(html, "Submit")


def test_the_courses_team_sees_why_they_do_not_run_not_the_sandbox_notice(client, exercise, no_sandbox):
    # given
    lesson, task, _learner = exercise
    client.force_login(instructor_of(task.course))

    # when
    html = client.get(reverse("exams:lesson-exercises", args=[lesson.pk]), **HTMX).content.decode()

    # then
    assert "runs are for students" in html and NOTICE not in html


def test_a_run_posted_while_unavailable_is_refused_with_503_and_the_reason(client, exercise, no_sandbox):
    # given
    _lesson, task, learner = exercise
    client.force_login(learner)

    # when
    response = _run(client, task)

    # then: the message fragment goes to the run slot; the editor (not swapped) keeps the code
    assert response.status_code == 503
    html = response.content.decode()
    assert NOTICE in html and NOT_WORKING in html
    assert not Submission.objects.exists()


def test_without_javascript_a_refused_run_shows_the_page_with_the_code_that_was_sent(
    client, exercise, no_sandbox
):
    # given
    _lesson, task, learner = exercise
    client.force_login(learner)

    # when
    response = _run(client, task, kind="submit", htmx=False)

    # then
    html = response.content.decode()
    assert response.status_code == 503
    assert "MY-UNRUN-CODE" in html
    assert NOT_WORKING in html and is_disabled(html, "Submit")
    assert not Submission.objects.exists()


# ---------------------------------------------------------------------------------------------
# The exam sitting


def _detail(sitting) -> str:
    return reverse("exams:sitting-detail", args=[sitting.pk])


def test_the_sitting_says_checks_are_off_but_the_exam_can_be_answered_and_submitted(
    client, sitting, no_sandbox
):
    # given
    client.force_login(sitting.user)

    # when
    html = client.get(_detail(sitting)).content.decode()

    # then
    assert NOTICE in html and NOT_WORKING in html and "your code is kept" in html
    assert is_disabled(html, "Run checks")
    assert not is_disabled(html, "Submit the exam") and not is_disabled(html, "Save answers")
    assert 'name="answer-' in html  # the theory is answerable
    assert 'hx-post="{}"'.format(reverse("exams:sitting-code-save", args=[sitting.pk])) in html  # autosave on


@pytest.mark.parametrize("reports", ["available", "no report"])
def test_the_sitting_has_no_notice_when_runs_are_possible(client, sitting, reports):
    # given
    if reports == "available":
        worker_reports("celery@grader-1", available=True)
    client.force_login(sitting.user)

    # when
    html = client.get(_detail(sitting)).content.decode()

    # then
    assert NOTICE not in html and not is_disabled(html, "Run checks")


def test_run_checks_in_a_sitting_while_unavailable_answers_503_and_saves_the_code(
    client, sitting, no_sandbox
):
    # given
    client.force_login(sitting.user)

    # when
    response = client.post(
        reverse("exams:sitting-check", args=[sitting.pk]), {"path": "solution.py", "content": MY_CODE}, **HTMX
    )

    # then
    assert response.status_code == 503 and NOT_WORKING in response.content.decode()
    sitting.refresh_from_db()
    assert sitting.code == {"solution.py": MY_CODE}
    assert "MY-UNRUN-CODE" in client.get(_detail(sitting)).content.decode()  # a reload shows it


def test_without_javascript_a_refused_check_returns_to_the_sitting_with_the_code_saved(
    client, sitting, no_sandbox
):
    # given
    client.force_login(sitting.user)

    # when
    response = client.post(
        reverse("exams:sitting-check", args=[sitting.pk]),
        {"path": "solution.py", "content": MY_CODE},
        follow=True,
    )

    # then
    html = response.content.decode()
    assert NOT_WORKING in html and "MY-UNRUN-CODE" in html


def test_a_submitted_sitting_says_its_practical_part_waits_for_the_sandbox(client, sitting, no_sandbox):
    # given
    services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": MY_CODE})
    client.force_login(sitting.user)

    # when
    html = client.get(_detail(sitting)).content.decode()

    # then
    assert "Your practical task waits to be graded" in html and NOT_WORKING in html


# ---------------------------------------------------------------------------------------------
# The API


@pytest.fixture
def api():
    return APIClient()


def test_the_api_task_says_whether_it_can_run_now(api, exercise, no_sandbox):
    # given
    _lesson, task, learner = exercise
    api.force_authenticate(learner)

    # when
    body = api.get(reverse("exams-api:task-detail", args=[task.pk])).json()

    # then
    assert body["sandbox"] == {"state": "unavailable", "reason": NOT_WORKING}
    assert body["can_run"] is True  # the user may run it; the sandbox says whether it can now


def test_the_api_refuses_a_run_while_unavailable_with_503(api, exercise, no_sandbox):
    # given
    _lesson, task, learner = exercise
    api.force_authenticate(learner)

    # when
    response = api.post(
        reverse("exams-api:run-create", args=[task.pk]),
        {"kind": "check", "files": {"solution.py": MY_CODE}},
        format="json",
    )

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "sandbox_unavailable"
    assert NOTICE in body["detail"] and NOT_WORKING in body["detail"]
    assert not Submission.objects.exists()


def test_the_api_queues_runs_when_available(api, exercise, sandbox_ok):
    # given
    _lesson, task, learner = exercise
    api.force_authenticate(learner)

    # when
    response = api.post(
        reverse("exams-api:run-create", args=[task.pk]), {"kind": "check", "files": {}}, format="json"
    )

    # then
    assert response.status_code == 202


def test_the_api_sitting_check_is_503_the_code_saved_and_the_submit_accepted(api, sitting, no_sandbox):
    # given
    api.force_authenticate(sitting.user)

    # when
    check = api.post(
        reverse("exams-api:sitting-check", args=[sitting.pk]),
        {"files": {"solution.py": MY_CODE}},
        format="json",
    )
    state = api.get(reverse("exams-api:sitting-detail", args=[sitting.pk])).json()
    submit = api.post(reverse("exams-api:sitting-submit", args=[sitting.pk]), {}, format="json")

    # then
    assert check.status_code == 503 and check.json()["code"] == "sandbox_unavailable"
    assert state["practical"]["sandbox"] == {"state": "unavailable", "reason": NOT_WORKING}
    assert state["practical"]["files"][0]["content"] == MY_CODE
    assert submit.status_code == 202
    final = Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT)
    assert final.files == {"solution.py": MY_CODE}
