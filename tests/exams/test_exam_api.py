"""The exam API: draw, sitting, answer autosave, checks, submit; roles, bad input (never a 500),
hidden tests and reference answers never exposed before their time."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from exams import sitting_services as services
from exams.models import Sitting, SittingAnswer, Submission
from tests.accounts.factories import UserFactory
from tests.exams.exam_builders import (
    REFERENCE_MARK,
    SOLUTION,
    exam_with_tickets,
    finished_run,
    instructor_of,
    student_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def exam():
    return exam_with_tickets(tickets=2, questions=2, cases=1)


@pytest.fixture
def sitting(exam):
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    return sitting


def url(name: str, *args) -> str:
    return reverse(f"exams-api:{name}", args=args)


def assert_error(response, status: int) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]


def _question_id(sitting) -> int:
    return (
        SittingAnswer.objects.filter(sitting=sitting).order_by("id").values_list("question_id", flat=True)[0]
    )


# ---------------------------------------------------------------------------------------------
# Draw and read


def test_draw_creates_the_sitting_then_returns_the_same_one(api, exam):
    # given
    api.force_authenticate(student_of(exam.course))

    # when
    first = api.post(url("exam-draw", exam.pk))
    second = api.post(url("exam-draw", exam.pk))

    # then
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    body = first.json()
    assert body["status"] == "in_progress" and body["can_write"] is True
    assert 0 < body["seconds_left"] <= 3600
    assert len(body["theory"]) == 2 and len(body["cases"]) == 1
    assert body["practical"]["public_tests"] == ["test_add"]
    assert [f["path"] for f in body["practical"]["files"]] == ["solution.py"]
    assert body["score"] is None
    assert all(item["reference_html"] is None for item in body["theory"])


@pytest.mark.parametrize(("who", "status"), [("outsider", 403), ("instructor", 403)])
def test_only_enrolled_students_draw(api, exam, who, status):
    # given
    api.force_authenticate(UserFactory() if who == "outsider" else instructor_of(exam.course))

    # when
    response = api.post(url("exam-draw", exam.pk))

    # then
    assert_error(response, status)


def test_draw_outside_the_window_is_a_conflict(api):
    # given
    now = timezone.now()
    exam = exam_with_tickets(opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=3))
    api.force_authenticate(student_of(exam.course))

    # when
    response = api.post(url("exam-draw", exam.pk))

    # then
    assert_error(response, 409)
    assert "opens on" in response.json()["detail"]


def test_unknown_and_out_of_range_ids_are_404_not_500(api, sitting):
    # given
    api.force_authenticate(sitting.user)

    # when
    responses = [
        api.post(url("exam-draw", 99999999999999999999)),
        api.get(url("sitting-detail", 99999999999999999999)),
        api.put(url("sitting-answer-save", sitting.pk, 99999999999999999999), {"text": "x"}, format="json"),
    ]

    # then
    assert [r.status_code for r in responses] == [404, 404, 400]


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("instructor", 200), ("other student", 404), ("other instructor", 404), ("staff", 404)],
)
def test_who_may_read_a_sitting(api, sitting, who, status):
    # given
    users = {
        "owner": lambda: sitting.user,
        "instructor": lambda: instructor_of(sitting.exam.course),
        "other student": lambda: student_of(sitting.exam.course),
        "other instructor": lambda: instructor_of(exam_with_tickets(tickets=1).course),
        "staff": lambda: UserFactory(is_staff=True),
    }
    api.force_authenticate(users[who]())

    # when
    response = api.get(url("sitting-detail", sitting.pk))

    # then
    assert response.status_code == status


def test_anonymous_requests_are_refused(api, sitting):
    assert api.get(url("sitting-detail", sitting.pk)).status_code in (401, 403)


def test_the_sitting_never_exposes_hidden_tests_or_reference_solutions(api, sitting):
    # given
    api.force_authenticate(sitting.user)

    # when
    text = json.dumps(api.get(url("sitting-detail", sitting.pk)).json())

    # then
    for secret in (
        "REFERENCE-ANSWER",
        "test_add_negative",
        "SECRET-HIDDEN-HINT",
        REFERENCE_MARK,
        "hidden_tests",
    ):
        assert secret not in text


# ---------------------------------------------------------------------------------------------
# Writes


def test_answer_save(api, sitting):
    # given
    api.force_authenticate(sitting.user)
    question_id = _question_id(sitting)

    # when
    response = api.put(
        url("sitting-answer-save", sitting.pk, question_id), {"text": "  keep spaces  "}, format="json"
    )

    # then
    assert response.status_code == 200
    assert response.json()["question_id"] == question_id
    assert SittingAnswer.objects.get(sitting=sitting, question_id=question_id).text == "  keep spaces  "


@pytest.mark.parametrize(
    "body",
    [{}, {"text": None}, {"text": ["a"]}, {"text": {"a": 1}}, {"text": "x" * 50_001}, "not json"],
)
def test_bad_answer_bodies_are_400(api, sitting, body):
    # given
    api.force_authenticate(sitting.user)

    # when
    if body == "not json":
        response = api.put(
            url("sitting-answer-save", sitting.pk, _question_id(sitting)),
            "{oops",
            content_type="application/json",
        )
    else:
        response = api.put(url("sitting-answer-save", sitting.pk, _question_id(sitting)), body, format="json")

    # then
    assert_error(response, 400)


def test_an_answer_to_a_question_outside_the_ticket_is_400(api, sitting):
    # given
    api.force_authenticate(sitting.user)

    # when
    response = api.put(url("sitting-answer-save", sitting.pk, 987654), {"text": "x"}, format="json")

    # then
    assert_error(response, 400)


def test_a_late_answer_is_409_and_submits_the_sitting(api, sitting):
    # given
    Sitting.objects.filter(pk=sitting.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    api.force_authenticate(sitting.user)

    # when
    response = api.put(
        url("sitting-answer-save", sitting.pk, _question_id(sitting)), {"text": "late"}, format="json"
    )

    # then
    assert_error(response, 409)
    assert "Time is up" in response.json()["detail"]
    assert Sitting.objects.get(pk=sitting.pk).status == Sitting.Status.SUBMITTED


def test_instructors_read_but_do_not_write(api, sitting):
    # given
    api.force_authenticate(instructor_of(sitting.exam.course))

    # when
    responses = [
        api.put(url("sitting-answer-save", sitting.pk, _question_id(sitting)), {"text": "x"}, format="json"),
        api.post(url("sitting-check", sitting.pk), {"files": {}}, format="json"),
        api.post(url("sitting-submit", sitting.pk), {}, format="json"),
    ]

    # then
    for response in responses:
        assert_error(response, 403)
    assert Sitting.objects.get(pk=sitting.pk).status == Sitting.Status.IN_PROGRESS


def test_other_students_cannot_write(api, sitting):
    # given
    api.force_authenticate(student_of(sitting.exam.course))

    # when
    response = api.post(url("sitting-submit", sitting.pk), {}, format="json")

    # then
    assert_error(response, 404)


def test_case_analysis_save(api, sitting):
    # given
    api.force_authenticate(sitting.user)
    case_id = sitting.case_submissions.get().case_id

    # when
    response = api.put(
        url("sitting-case-save", sitting.pk, case_id), {"analysis_md": "**why**"}, format="json"
    )

    # then
    assert response.status_code == 200
    assert "<strong>why</strong>" in sitting.case_submissions.get().analysis_html


def test_code_save_and_the_sitting_reopens_with_it(api, sitting):
    # given
    api.force_authenticate(sitting.user)
    code = "def add(a, b):\n    return b + a  # SAVED\n"

    # when
    response = api.put(url("sitting-code-save", sitting.pk), {"files": {"solution.py": code}}, format="json")
    state = api.get(url("sitting-detail", sitting.pk)).json()

    # then
    assert response.status_code == 200, response.content
    assert response.json()["files"] == {"solution.py": code}
    assert response.json()["saved_at"]
    assert state["practical"]["files"][0]["content"] == code
    assert state["practical"]["saved_at"] == response.json()["saved_at"]
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"files": ["solution.py"]},
        {"files": {"solution.py": None}},
        {"files": {"../escape.py": "x"}},
        {"files": {"solution.py": "x" * 300_000}},
    ],
)
def test_bad_code_bodies_are_400(api, sitting, body):
    # given
    api.force_authenticate(sitting.user)

    # when
    response = api.put(url("sitting-code-save", sitting.pk), body, format="json")

    # then
    assert_error(response, 400)
    assert Sitting.objects.get(pk=sitting.pk).code == {}


def test_a_late_code_save_is_409_and_submits_the_sitting_with_the_code_saved_before(api, sitting):
    # given
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})
    Sitting.objects.filter(pk=sitting.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    api.force_authenticate(sitting.user)

    # when
    response = api.put(url("sitting-code-save", sitting.pk), {"files": {"solution.py": "x"}}, format="json")

    # then
    assert_error(response, 409)
    assert "Time is up" in response.json()["detail"]
    assert Sitting.objects.get(pk=sitting.pk).status == Sitting.Status.SUBMITTED
    assert Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": SOLUTION
    }


def test_a_code_save_after_the_submit_is_409(api, sitting):
    # given
    services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})
    api.force_authenticate(sitting.user)

    # when
    response = api.put(url("sitting-code-save", sitting.pk), {"files": {"solution.py": "x"}}, format="json")

    # then
    assert_error(response, 409)
    assert Sitting.objects.get(pk=sitting.pk).code == {"solution.py": SOLUTION}


@pytest.mark.parametrize(("who", "status"), [("instructor", 403), ("other student", 404)])
def test_only_the_student_saves_the_code(api, sitting, who, status):
    # given
    user = instructor_of(sitting.exam.course) if who == "instructor" else student_of(sitting.exam.course)
    api.force_authenticate(user)

    # when
    response = api.put(url("sitting-code-save", sitting.pk), {"files": {"solution.py": "x"}}, format="json")

    # then
    assert_error(response, status)
    assert Sitting.objects.get(pk=sitting.pk).code == {}


def test_another_student_cannot_read_the_saved_code(api, sitting):
    # given
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": "# MINE\n"})
    api.force_authenticate(student_of(sitting.exam.course))

    # when
    response = api.get(url("sitting-detail", sitting.pk))

    # then
    assert response.status_code == 404
    assert "MINE" not in response.content.decode()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"files": {"solution.py": SOLUTION}}, 202),
        ({"files": {"../escape.py": "x"}}, 400),
        ({"files": {"solution.py": 5}}, 202),  # a number is text for JSON clients: "5"
        ({"files": {"solution.py": None}}, 400),
        ({"files": ["solution.py"]}, 400),
        ({"files": {"solution.py": "x" * 300_000}}, 400),
    ],
)
def test_checks_in_a_sitting(api, sitting, body, status):
    # given
    api.force_authenticate(sitting.user)

    # when
    response = api.post(url("sitting-check", sitting.pk), body, format="json")

    # then
    assert response.status_code == status, response.content
    if status == 202:
        assert response.json()["status"] == "queued" and response.json()["sitting_id"] == sitting.pk
        assert response.json()["queue_position"] == 1


def test_submit_is_idempotent(api, sitting, django_capture_on_commit_callbacks):
    # given
    api.force_authenticate(sitting.user)
    body = {"answers": {str(_question_id(sitting)): "final"}, "files": {"solution.py": SOLUTION}}

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = api.post(url("sitting-submit", sitting.pk), body, format="json")
        second = api.post(url("sitting-submit", sitting.pk), body, format="json")

    # then
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["status"] == "submitted"
    assert len(callbacks) == 1
    assert Submission.objects.filter(sitting=sitting, kind=Submission.Kind.SUBMIT).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"abc": "x"}},
        {"answers": {"1": ["x"]}},
        {"answers": ["x"]},
        {"cases": {"-1": "x"}},
        {"files": {"nope.py": "x"}},
        {"answers": {"99999999": "x"}},
    ],
)
def test_bad_submit_bodies_are_400_and_leave_the_sitting_open(api, sitting, body):
    # given
    api.force_authenticate(sitting.user)

    # when
    response = api.post(url("sitting-submit", sitting.pk), body, format="json")

    # then
    assert_error(response, 400)
    assert Sitting.objects.get(pk=sitting.pk).status == Sitting.Status.IN_PROGRESS


def test_reference_answers_appear_once_the_grade_is_published(api, sitting):
    # given
    services.sitting_submit(sitting=sitting, user=sitting.user)
    api.force_authenticate(sitting.user)
    before = api.get(url("sitting-detail", sitting.pk)).json()
    SittingAnswer.objects.filter(sitting=sitting).update(points=Decimal("5"))
    finished_run(task=sitting.ticket.task, user=sitting.user, sitting=sitting, kind=Submission.Kind.SUBMIT,
                 score=Decimal("100"))  # fmt: skip
    Sitting.objects.filter(pk=sitting.pk).update(status=Sitting.Status.GRADED, score=Decimal("25"))

    # when
    after = api.get(url("sitting-detail", sitting.pk)).json()

    # then
    assert before["status"] == "submitted"
    assert all(item["reference_html"] is None for item in before["theory"])
    assert after["score"] == "25.00"
    assert all("REFERENCE-ANSWER" in item["reference_html"] for item in after["theory"])
    assert REFERENCE_MARK not in json.dumps(after)
    assert [r["hidden"] for r in after["practical"]["final_run"]["results"]] == [True]
    assert after["practical"]["final_run"]["results"][0]["stdout"] == ""


def test_schema_describes_the_exam_operations_with_unique_components(api, sitting):
    # given
    api.force_authenticate(sitting.user)

    # when
    schema = api.get(reverse("api-schema"), {"format": "json"}).json()

    # then
    paths = schema["paths"]
    put = paths["/api/v1/sittings/{sitting_id}/answers/{question_id}/"]["put"]
    assert {"200", "400", "403", "404", "409"} <= set(put["responses"])
    code_put = paths["/api/v1/sittings/{sitting_id}/code/"]["put"]
    assert {"200", "400", "403", "404", "409"} <= set(code_put["responses"])
    assert "/api/v1/exams/{exam_id}/draw/" in paths
    assert "/api/v1/practice/tasks/{task_id}/runs/" in paths
    components = schema["components"]["schemas"]
    assert {
        "ExamSitting",
        "PracticeRun",
        "PracticeTask",
        "ExamSittingSubmitInput",
        "ExamSittingCodeInput",
    } <= set(components)
    assert "Output" not in components and "Input" not in components
