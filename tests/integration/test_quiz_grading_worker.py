"""Quiz grading through a real Celery worker on Redis and PostgreSQL: submit → graded, and a
worker killed in the middle of grading → the attempt is graded exactly once by the next one."""

import time

import pytest

from accounts.models import Notification
from accounts.tasks import notification_email_task
from quizzes import services
from quizzes.models import Attempt, Response
from quizzes.tasks import attempt_grade_task
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory
from tests.integration.conftest import wait_for
from tests.quizzes import builders

pytestmark = pytest.mark.integration

GRADE_TASK_DONE = "quizzes.tasks.attempt_grade_task["


def _answered_attempt() -> Attempt:
    course = CourseFactory()
    quiz, questions = builders.every_kind_quiz(course, pass_mark=60)
    student = UserFactory()
    builders.enroll(student, course)
    attempt, _created = services.attempt_start(quiz=quiz, user=student)
    answers = builders.correct_answers(questions)
    answers[questions["true_false"].pk] = False  # one wrong: 4 of 5
    services.responses_save(attempt=attempt, user=student, answers=answers)
    return attempt


def _status(attempt: Attempt) -> str:
    return Attempt.objects.values_list("status", flat=True).get(pk=attempt.pk)


def _grade_tasks_succeeded(worker) -> int:
    return sum(1 for line in worker.output().splitlines() if GRADE_TASK_DONE in line and "succeeded" in line)


def test_submitted_attempt_is_graded_by_the_worker(celery_worker):
    # given
    celery_worker.start()
    attempt = _answered_attempt()

    # when: submitting commits, and the commit enqueues the grading on Redis
    services.attempt_submit(attempt=attempt, user=attempt.user)

    # then
    wait_for(
        lambda: _status(attempt) == Attempt.Status.GRADED, timeout=20, what="the worker to grade the attempt"
    )
    attempt.refresh_from_db()
    assert (str(attempt.score), str(attempt.max_score), attempt.passed) == ("4.00", "5.00", True)
    assert attempt.graded_at is not None
    assert Notification.objects.filter(user=attempt.user, kind=Notification.Kind.ATTEMPT_GRADED).count() == 1


def test_worker_killed_mid_grading_grades_exactly_once_after_a_restart(celery_worker):
    # given: a worker that stalls in the middle of grading, after writing the response scores
    slow = celery_worker.start(grading_delay=30)
    attempt = _answered_attempt()
    services.attempt_submit(attempt=attempt, user=attempt.user)
    wait_for(lambda: _status(attempt) == Attempt.Status.GRADING, timeout=20, what="grading to start")
    time.sleep(0.5)

    # when: the worker is killed (SIGKILL, no chance to clean up) and another one starts
    slow.kill()
    left_behind = (
        _status(attempt),
        Response.objects.filter(attempt=attempt, points__isnull=False).count(),
        Notification.objects.filter(user=attempt.user).count(),
    )
    fresh = celery_worker.start()
    wait_for(
        lambda: _status(attempt) == Attempt.Status.GRADED,
        timeout=30,
        what="the re-delivered grading task to finish on the new worker",
    )
    graded_at = Attempt.objects.get(pk=attempt.pk).graded_at
    # ... and one more delivery of the same task (a duplicate) changes nothing
    attempt_grade_task.delay(attempt.pk)
    wait_for(lambda: _grade_tasks_succeeded(fresh) >= 2, timeout=20, what="the duplicate task to run")

    # then
    assert left_behind == (Attempt.Status.GRADING, 0, 0)  # the killed transaction left nothing
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.graded_at == graded_at
    assert str(attempt.score) == "4.00"
    responses = list(Response.objects.filter(attempt=attempt))
    assert len(responses) == 5
    assert sum(response.points for response in responses) == attempt.score
    assert Notification.objects.filter(user=attempt.user, kind=Notification.Kind.ATTEMPT_GRADED).count() == 1


def test_the_worker_grades_before_it_sends_the_emails_queued_earlier(celery_worker):
    # given: e-mails waiting on the default queue (a digest, say), then a submit
    attempt = _answered_attempt()
    for _ in range(5):
        notification_email_task.delay(987_654_321)  # a deleted notification: nothing to send
    services.attempt_submit(attempt=attempt, user=attempt.user)

    # when: a worker that lists "default" first
    worker = celery_worker.start(queues="default,grading")
    wait_for(
        lambda: _status(attempt) == Attempt.Status.GRADED, timeout=20, what="the worker to grade the attempt"
    )
    wait_for(
        lambda: worker.output().count("notification_email_task[") >= 10,  # received and succeeded
        timeout=20,
        what="the worker to run the e-mail tasks",
    )

    # then
    received = [line for line in worker.output().splitlines() if "] received" in line]
    assert GRADE_TASK_DONE in received[0], received
