"""Practice runs and exam grading through the REAL sandbox (bubblewrap, the sandbox user, the
python-basic runtime), in this process as the worker would run them. Skipped with the reason
when the sandbox is not available here (failed instead with SANDBOX_TESTS_REQUIRED=1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exams import sitting_grading, sitting_services
from exams.models import PracticalTask, Sitting, Submission, TestResult
from exams.practice_services import practice_run_create
from exams.services import submission_run, task_check_reference
from tests.exams.exam_builders import (
    HIDDEN_TESTS,
    SOLUTION,
    WRONG,
    exam_with_tickets,
    lesson_exercise,
    student_of,
)
from tests.exams.sandbox_support import require_sandbox

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _sandbox():
    require_sandbox()


def _outcomes(submission: Submission) -> dict[str, str]:
    return dict(TestResult.objects.filter(submission=submission).values_list("name", "outcome"))


def test_run_checks_runs_the_public_tests_only():
    # given
    _lesson, task = lesson_exercise()
    student = student_of(task.course)
    run = practice_run_create(task=task, user=student, files={"solution.py": SOLUTION}, kind="check")

    # when
    done = submission_run(submission=run)

    # then
    assert done.status == Submission.Status.DONE
    assert _outcomes(done) == {"test_add": "passed"}
    assert done.score is None


def test_submit_runs_the_hidden_tests_and_scores_them():
    # given
    _lesson, task = lesson_exercise()
    student = student_of(task.course)
    right = practice_run_create(task=task, user=student, files={"solution.py": SOLUTION}, kind="submit")
    wrong = practice_run_create(task=task, user=student, files={"solution.py": WRONG}, kind="submit")

    # when
    right, wrong = submission_run(submission=right), submission_run(submission=wrong)

    # then
    assert _outcomes(right) == {"test_add_negative": "passed", "test_add_large": "passed"}
    assert right.score == Decimal("100.00")
    assert _outcomes(wrong) == {"test_add_negative": "wrong_answer", "test_add_large": "wrong_answer"}
    assert wrong.score == Decimal("0.00")


def test_code_that_reads_the_hidden_tests_cannot_show_them_to_the_student(client):
    # given: a solution that raises the hidden test file's text when imported
    _lesson, task = lesson_exercise()
    student = student_of(task.course)
    thief = "raise ValueError(open('test_hidden.py').read())\n"
    run = submission_run(
        submission=practice_run_create(task=task, user=student, files={"solution.py": thief}, kind="submit")
    )
    client.force_login(student)

    # when
    html = client.get(reverse("exams:submission-detail", args=[run.pk])).content.decode()

    # then: the run failed, and no line of the hidden tests reached the page
    assert run.status == Submission.Status.DONE and run.score == Decimal("0.00")
    for line in HIDDEN_TESTS.splitlines():
        if len(line.strip()) >= 8:
            assert line.strip() not in html
    assert "test_add_negative" in html  # names and outcomes are shown


def test_a_submitted_sitting_is_graded_in_the_sandbox():
    # given: a ticket with only a practical task
    exam = exam_with_tickets(tickets=1, questions=0)
    sitting, _ = sitting_services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    sitting_services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})

    # when
    graded = sitting_grading.sitting_grade(sitting_id=sitting.pk)

    # then
    assert graded.status == Sitting.Status.GRADED
    assert (graded.score, graded.max_score) == (Decimal("10.00"), Decimal("10.00"))
    final = Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT)
    assert _outcomes(final) == {"test_add_negative": "passed", "test_add_large": "passed"}


def test_a_published_task_whose_reference_solution_fails_goes_back_to_draft():
    # given: published (as a bundle import publishes), with a reference solution that is wrong
    _lesson, task = lesson_exercise()
    task.files.filter(path="solution.py").update(reference=WRONG)

    # when
    checked = task_check_reference(task=task)

    # then: closed to students, and the log says why
    assert checked.reference_check == PracticalTask.ReferenceCheck.FAILED
    assert checked.status == PracticalTask.Status.DRAFT
    assert checked.reference_check_log.startswith("UNPUBLISHED: the reference solution fails its tests.")


def test_a_published_task_whose_reference_solution_passes_stays_published():
    # given
    _lesson, task = lesson_exercise()

    # when
    checked = task_check_reference(task=task)

    # then
    assert (checked.reference_check, checked.status) == (
        PracticalTask.ReferenceCheck.PASSED,
        PracticalTask.Status.PUBLISHED,
    )
