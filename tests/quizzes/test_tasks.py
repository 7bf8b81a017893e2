"""Quiz Celery tasks (run in-process here; a real worker runs them in tests/integration/) and
their periodic schedule."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery_app import GradingFirstCycle, app
from quizzes import services
from quizzes.models import Attempt
from quizzes.tasks import attempt_grade_task, attempts_close_expired_task, attempts_requeue_stuck_grading_task
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory
from tests.quizzes import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted():
    course = CourseFactory()
    quiz, questions = builders.every_kind_quiz(course)
    student = UserFactory()
    builders.enroll(student, course)
    attempt, _ = services.attempt_start(quiz=quiz, user=student)
    services.responses_save(attempt=attempt, user=student, answers=builders.correct_answers(questions))
    return services.attempt_submit(attempt=attempt, user=student)


def test_grade_task_grades_the_attempt_once(submitted):
    # when
    attempt_grade_task(submitted.pk)
    attempt_grade_task(submitted.pk)

    # then
    submitted.refresh_from_db()
    assert submitted.status == Attempt.Status.GRADED
    assert submitted.user.notifications.count() == 1


def test_grade_task_for_a_deleted_attempt_does_nothing():
    attempt_grade_task(123456789)


def test_grade_task_survives_a_killed_worker():
    assert attempt_grade_task.acks_late is True
    assert attempt_grade_task.reject_on_worker_lost is True


def test_close_expired_task_submits_attempts_past_their_deadline(submitted, grade_queue):
    # given
    Attempt.objects.filter(pk=submitted.pk).update(
        status=Attempt.Status.IN_PROGRESS, deadline_at=timezone.now() - timedelta(minutes=2)
    )

    # when
    closed = attempts_close_expired_task()

    # then
    assert closed == 1
    assert Attempt.objects.get(pk=submitted.pk).status == Attempt.Status.SUBMITTED


def test_requeue_task_queues_stuck_attempts(submitted, grade_queue):
    Attempt.objects.filter(pk=submitted.pk).update(submitted_at=timezone.now() - timedelta(hours=1))

    assert attempts_requeue_stuck_grading_task() == 1
    assert grade_queue == [submitted.pk]


def test_beat_runs_the_expiry_sweep_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["quizzes-close-expired-attempts"]

    assert entry["task"] == attempts_close_expired_task.name
    assert entry["schedule"] == 60.0
    assert entry["task"] in app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["quizzes-requeue-stuck-grading"]["task"] in app.tasks


def test_grading_is_routed_to_its_own_queue():
    # when
    grading = app.amqp.router.route({}, attempt_grade_task.name)
    sweep = app.amqp.router.route({}, attempts_close_expired_task.name)

    # then
    assert grading["queue"].name == "grading"
    assert sweep["queue"].name == "default"


def test_a_worker_reads_grading_first_and_its_other_queues_in_turn():
    # given: the cycle the Redis transport is configured with
    from kombu.utils.scheduling import cycle_by_name

    cycle = cycle_by_name(settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"])()
    cycle.update(["default", "sandbox", "grading"])

    # when / then
    assert isinstance(cycle, GradingFirstCycle)
    assert cycle.consume(3) == ["grading", "default", "sandbox"]
    cycle.rotate("grading")
    assert cycle.consume(3) == ["grading", "default", "sandbox"]
    cycle.rotate("default")
    assert cycle.consume(3) == ["grading", "sandbox", "default"]
    cycle.rotate("sandbox")
    assert cycle.consume(3) == ["grading", "default", "sandbox"]
