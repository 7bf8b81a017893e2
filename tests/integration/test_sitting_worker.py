"""Exam grading through a real Celery worker on the sandbox queue (Redis, PostgreSQL, the real
sandbox): a submitted sitting is graded, and a worker killed in the middle of the sandbox run
→ the run starts over on the next worker and the sitting is graded exactly once."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from accounts.models import Notification
from exams import sitting_services
from exams.models import PracticalTask, Sitting, Submission, TestResult
from exams.tasks import sitting_grade_task
from tests.exams.exam_builders import SOLUTION, exam_with_tickets, student_of
from tests.exams.sandbox_support import require_sandbox
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.sandbox]

GRADE_TASK_DONE = "exams.tasks.sitting_grade_task["
SLOW_HIDDEN_TESTS = (
    "import time\n\nfrom solution import add\n\n\n"
    "def test_add_slowly():\n    time.sleep(6)\n    assert add(2, 2) == 4\n\n\n"
    "def test_add_negative():\n    assert add(-1, 1) == 0\n"
)


@pytest.fixture(autouse=True)
def _sandbox():
    require_sandbox()


def _submitted_sitting(*, hidden_tests: str | None = None) -> Sitting:
    exam = exam_with_tickets(tickets=1, questions=0)
    if hidden_tests is not None:
        PracticalTask.objects.filter(tickets__exam=exam).update(
            hidden_tests=hidden_tests, time_limit_seconds=10
        )
    sitting, _created = sitting_services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    sitting_services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})
    return sitting


def _status(sitting: Sitting) -> str:
    return Sitting.objects.values_list("status", flat=True).get(pk=sitting.pk)


def _final(sitting: Sitting) -> Submission:
    return Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT)


def _grade_tasks_succeeded(worker) -> int:
    return sum(1 for line in worker.output().splitlines() if GRADE_TASK_DONE in line and "succeeded" in line)


def test_a_submitted_sitting_is_graded_by_the_sandbox_worker(celery_worker):
    # given
    celery_worker.start(queues="sandbox")

    # when: submitting commits, and the commit queues the grading on the sandbox queue
    sitting = _submitted_sitting()

    # then
    wait_for(
        lambda: _status(sitting) == Sitting.Status.GRADED, timeout=60, what="the worker to grade the sitting"
    )
    sitting.refresh_from_db()
    assert (sitting.score, sitting.max_score) == (Decimal("10.00"), Decimal("10.00"))
    assert _final(sitting).status == Submission.Status.DONE
    assert (
        Notification.objects.filter(user=sitting.user, kind=Notification.Kind.SUBMISSION_GRADED).count() == 1
    )


def test_a_worker_killed_mid_run_reruns_the_code_and_grades_once(celery_worker):
    # given: a worker in the middle of a slow sandbox run
    slow = celery_worker.start(queues="sandbox")
    sitting = _submitted_sitting(hidden_tests=SLOW_HIDDEN_TESTS)
    wait_for(
        lambda: _final(sitting).status == Submission.Status.RUNNING,
        timeout=60,
        what="the sandbox run to start",
    )
    first_start = _final(sitting).started_at
    time.sleep(1)

    # when: the worker dies (SIGKILL, no chance to clean up) and another one starts
    slow.kill()
    left_behind = (
        _status(sitting),
        _final(sitting).status,
        TestResult.objects.filter(submission__sitting=sitting).count(),
        Notification.objects.filter(user=sitting.user).count(),
    )
    fresh = celery_worker.start(queues="sandbox")
    wait_for(
        lambda: _status(sitting) == Sitting.Status.GRADED,
        timeout=90,
        what="the re-delivered grading task to re-run the code on the new worker",
    )
    graded_at = Sitting.objects.get(pk=sitting.pk).graded_at
    # ... and one more delivery of the same task (a duplicate) changes nothing
    sitting_grade_task.delay(sitting.pk)
    wait_for(lambda: _grade_tasks_succeeded(fresh) >= 2, timeout=60, what="the duplicate task to run")

    # then
    assert left_behind == (Sitting.Status.GRADING, Submission.Status.RUNNING, 0, 0)
    final = _final(sitting)
    assert final.status == Submission.Status.DONE
    assert final.started_at > first_start  # the run started over
    assert sorted(TestResult.objects.filter(submission=final).values_list("name", "outcome")) == [
        ("test_add_negative", "passed"),
        ("test_add_slowly", "passed"),
    ]
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.GRADED and sitting.graded_at == graded_at
    assert sitting.score == Decimal("10.00")
    assert Submission.objects.filter(sitting=sitting, kind=Submission.Kind.SUBMIT).count() == 1
    assert Notification.objects.filter(user=sitting.user).count() == 1
