"""The practice API: the task for a student, runs (check/submit), a run's status and results,
the history; roles, bad input (never a 500), hidden tests and reference solutions never exposed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from exams.models import Submission
from tests.accounts.factories import UserFactory
from tests.exams.exam_builders import (
    REFERENCE_MARK,
    SOLUTION,
    finished_run,
    instructor_of,
    lesson_exercise,
    practical_task,
    student_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def task():
    _lesson, task = lesson_exercise(
        extra_files={"Dockerfile": "FROM python\n"}, data_files={"d.csv": "DATA-SECRET"}
    )
    return task


@pytest.fixture
def learner(task):
    return student_of(task.course)


def url(name: str, *args) -> str:
    return reverse(f"exams-api:{name}", args=args)


def assert_error(response, status: int) -> None:
    assert response.status_code == status, response.content
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


def test_a_student_gets_the_task_without_hidden_tests_or_reference(api, task, learner):
    # given
    api.force_authenticate(learner)

    # when
    response = api.get(url("task-detail", task.pk))

    # then
    body = response.json()
    assert response.status_code == 200
    assert body["task"]["title"] == task.title and "add" in body["task"]["statement_html"]
    assert [(f["path"], f["mode"]) for f in body["files"]] == [
        ("solution.py", "python"),
        ("Dockerfile", "dockerfile"),
    ]
    assert "NotImplementedError" in body["files"][0]["content"]
    assert body["public_tests"] == ["test_add"] and body["data_files"] == ["d.csv"]
    assert body["can_run"] is True
    text = json.dumps(body)
    for secret in ("test_add_negative", "SECRET-HIDDEN-HINT", REFERENCE_MARK, "DATA-SECRET", "hidden_tests"):
        assert secret not in text


@pytest.mark.parametrize(("who", "status"), [("outsider", 403), ("instructor", 200), ("other course", 403)])
def test_who_may_read_the_task(api, task, who, status):
    # given
    users = {
        "outsider": lambda: UserFactory(),
        "instructor": lambda: instructor_of(task.course),
        "other course": lambda: student_of(practical_task().course),
    }
    api.force_authenticate(users[who]())

    # when
    response = api.get(url("task-detail", task.pk))

    # then
    assert response.status_code == status
    if status == 200:
        assert response.json()["can_run"] is False


def test_an_exam_task_is_not_found_in_practice(api):
    # given
    task = practical_task()
    api.force_authenticate(student_of(task.course))

    # when / then
    assert_error(api.get(url("task-detail", task.pk)), 404)


def test_a_check_run_is_queued(api, task, learner, django_capture_on_commit_callbacks):
    # given
    api.force_authenticate(learner)

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(
            url("run-create", task.pk), {"kind": "check", "files": {"solution.py": SOLUTION}}, format="json"
        )

    # then
    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["status"], body["queue_position"], body["results"]) == (
        "check",
        "queued",
        1,
        [],
    )
    assert Submission.objects.get().files == {"solution.py": SOLUTION, "Dockerfile": "FROM python\n"}
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "reference"},
        {"kind": "check", "files": "solution.py"},
        {"kind": "check", "files": {"solution.py": None}},
        {"kind": "check", "files": {"solution.py": {"nested": 1}}},
        {"kind": "check", "files": {"../x": "y"}},
        {"kind": "check", "files": {"solution.py": "x" * 300_000}},
        {"kind": "check", "files": {"solution.py": "nul\x00"}},
    ],
)
def test_bad_runs_are_400(api, task, learner, body):
    # given
    api.force_authenticate(learner)

    # when
    response = api.post(url("run-create", task.pk), body, format="json")

    # then
    assert_error(response, 400)
    assert not Submission.objects.exists()


def test_malformed_json_is_400(api, task, learner):
    api.force_authenticate(learner)
    response = api.post(url("run-create", task.pk), "{not json", content_type="application/json")
    assert_error(response, 400)


@pytest.mark.parametrize("who", ["outsider", "instructor"])
def test_only_enrolled_students_run(api, task, who):
    # given
    api.force_authenticate(UserFactory() if who == "outsider" else instructor_of(task.course))

    # when
    response = api.post(url("run-create", task.pk), {"kind": "check"}, format="json")

    # then
    assert_error(response, 403)


def test_a_run_shows_public_results_in_full_and_hidden_ones_reduced(api, task, learner):
    # given
    check = finished_run(task=task, user=learner, passed=False)
    submit = finished_run(task=task, user=learner, kind=Submission.Kind.SUBMIT, passed=False)
    api.force_authenticate(learner)

    # when
    public = api.get(url("run-detail", check.pk)).json()
    hidden = api.get(url("run-detail", submit.pk)).json()

    # then
    assert public["results"][0]["stdout"] == "public stdout" and public["results"][0]["duration_ms"] == 12
    result = hidden["results"][0]
    assert (result["name"], result["hidden"], result["outcome"]) == (
        "test_add_negative",
        True,
        "wrong_answer",
    )
    assert (result["stdout"], result["duration_ms"], result["memory_kb"]) == ("", None, None)
    assert "assert add(-1, 1)" not in result["message"]


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("instructor", 200), ("other", 404), ("staff", 404)]
)
def test_who_may_read_a_run(api, task, learner, who, status):
    # given
    run = finished_run(task=task, user=learner, kind=Submission.Kind.SUBMIT, passed=False)
    users = {
        "owner": lambda: learner,
        "instructor": lambda: instructor_of(task.course),
        "other": lambda: student_of(task.course),
        "staff": lambda: UserFactory(is_staff=True),
    }
    api.force_authenticate(users[who]())

    # when
    response = api.get(url("run-detail", run.pk))

    # then
    assert response.status_code == status
    if who == "instructor":
        assert response.json()["results"][0]["stdout"] == "HIDDEN-STDOUT"


def test_history_lists_the_students_own_runs_newest_first(api, task, learner, django_assert_max_num_queries):
    # given
    now = timezone.now()
    runs = [
        finished_run(task=task, user=learner, created_at=now - timedelta(minutes=60 - i)) for i in range(55)
    ]
    finished_run(task=task, user=student_of(task.course))
    api.force_authenticate(learner)

    # when
    with django_assert_max_num_queries(8):
        response = api.get(url("run-history", task.pk))

    # then
    body = response.json()
    assert [run["id"] for run in body["runs"]] == [run.pk for run in reversed(runs)][:50]
    assert body["runs"][0]["previous_id"] == runs[-2].pk
    assert body["runs"][0]["passed_count"] == 1


def test_out_of_range_ids_are_404(api, learner):
    api.force_authenticate(learner)
    assert api.get(url("run-detail", 99999999999999999999)).status_code == 404
    assert api.get(url("task-detail", 99999999999999999999)).status_code == 404
