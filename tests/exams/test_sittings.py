"""Exam sittings: drawing a ticket (random, stored, balanced, never redrawn), the server-side
deadline, autosave, submit (idempotent), the deadline sweep, grading the automatic part and
re-totalling the score."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Notification
from courses.models import Enrollment
from exams import sitting_grading
from exams import sitting_services as services
from exams.models import CaseSubmission, Exam, ExamTicket, Sitting, SittingAnswer, Submission, TaskFile
from exams.sitting_selectors import score_parts
from tests.accounts.factories import UserFactory
from tests.exams.exam_builders import (
    SOLUTION,
    STARTER,
    WRONG,
    enroll,
    exam_with_tickets,
    finished_run,
    student_of,
    tickets_of,
)
from tests.exams.factories import ExamFactory

pytestmark = pytest.mark.django_db


def _grade_queued(callbacks) -> int:
    """How many of the captured on-commit callbacks queue sitting grading."""
    return sum(1 for callback in callbacks if "sitting_grade_task" in repr(callback.__code__.co_names))


# ---------------------------------------------------------------------------------------------
# Drawing


def test_draw_starts_a_sitting_with_the_ticket_parts_and_a_server_deadline():
    # given
    exam = exam_with_tickets(tickets=2, questions=2, cases=1, duration_minutes=90)
    student = student_of(exam.course)
    now = timezone.now()

    # when
    sitting, created = services.sitting_draw_ticket(exam=exam, user=student, now=now)

    # then
    assert created is True
    assert sitting.status == Sitting.Status.IN_PROGRESS
    assert sitting.deadline_at == now + timedelta(minutes=90)
    assert SittingAnswer.objects.filter(sitting=sitting).count() == 2
    analysis = CaseSubmission.objects.get(sitting=sitting)
    assert (analysis.user, analysis.status, analysis.max_score) == (
        student,
        CaseSubmission.Status.DRAFT,
        Decimal("10"),
    )


def test_deadline_is_cut_at_the_exam_close():
    # given
    now = timezone.now()
    exam = exam_with_tickets(duration_minutes=120, closes_at=now + timedelta(minutes=30))
    student = student_of(exam.course)

    # when
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student, now=now)

    # then
    assert sitting.deadline_at == exam.closes_at


def test_a_second_draw_returns_the_same_sitting_and_never_redraws():
    # given
    exam = exam_with_tickets(tickets=6)
    student = student_of(exam.course)
    first, _created = services.sitting_draw_ticket(exam=exam, user=student)

    # when
    again = [services.sitting_draw_ticket(exam=exam, user=student, seed=seed) for seed in range(10)]

    # then
    assert {(sitting.pk, sitting.ticket_id, created) for sitting, created in again} == {
        (first.pk, first.ticket_id, False)
    }
    assert Sitting.objects.filter(exam=exam, user=student).count() == 1


def test_draws_use_tickets_evenly_thirty_students_six_tickets_five_each():
    # given
    exam = exam_with_tickets(tickets=6, questions=1, with_task=False)
    students = [student_of(exam.course) for _ in range(30)]

    # when
    for student in students:
        services.sitting_draw_ticket(exam=exam, user=student)

    # then
    used = Counter(Sitting.objects.filter(exam=exam).values_list("ticket__number", flat=True))
    assert used == {number: 5 for number in range(1, 7)}


def test_at_every_moment_ticket_use_differs_by_at_most_one():
    # given
    exam = exam_with_tickets(tickets=4, questions=0, with_task=False)

    for _ in range(11):
        # when
        services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))

        # then
        counts = Counter(Sitting.objects.filter(exam=exam).values_list("ticket_id", flat=True))
        counts.update({ticket.pk: 0 for ticket in tickets_of(exam)})
        assert max(counts.values()) - min(counts.values()) <= 1


def test_the_stored_seed_replays_the_draw():
    # given: two tickets already used once, two unused: only the unused are candidates
    exam = exam_with_tickets(tickets=4, questions=0, with_task=False)
    tickets = tickets_of(exam)
    for ticket in tickets[:2]:
        Sitting.objects.create(
            exam=exam, user=student_of(exam.course), ticket=ticket, draw_seed=1, deadline_at=timezone.now()
        )
    student = student_of(exam.course)

    # when
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student)

    # then: the ticket is a function of the stored seed and the candidates, in any order
    candidates = tickets[2:]
    assert services.ticket_for_seed(seed=sitting.draw_seed, candidates=candidates) == sitting.ticket
    shuffled = list(reversed(candidates))
    assert services.ticket_for_seed(seed=sitting.draw_seed, candidates=shuffled) == sitting.ticket


def test_ticket_for_seed_is_deterministic_and_spreads_over_the_candidates():
    # given
    exam = exam_with_tickets(tickets=5, questions=0, with_task=False)
    tickets = tickets_of(exam)

    # when
    picks = [services.ticket_for_seed(seed=seed, candidates=tickets).number for seed in range(500)]
    replay = [
        services.ticket_for_seed(seed=seed, candidates=random.sample(tickets, 5)).number
        for seed in range(500)
    ]

    # then
    assert picks == replay
    assert set(picks) == {1, 2, 3, 4, 5}


def test_an_explicit_seed_picks_the_ticket_ticket_for_seed_names():
    # given
    exam = exam_with_tickets(tickets=6, questions=0, with_task=False)
    student = student_of(exam.course)

    # when
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student, seed=123456789)

    # then
    assert sitting.draw_seed == 123456789
    assert sitting.ticket == services.ticket_for_seed(seed=123456789, candidates=tickets_of(exam))


@pytest.mark.parametrize("enrollment_status", [None, Enrollment.Status.DROPPED, Enrollment.Status.COMPLETED])
def test_only_actively_enrolled_students_draw(enrollment_status):
    # given
    exam = exam_with_tickets()
    user = UserFactory()
    if enrollment_status:
        enroll(user, exam.course, status=enrollment_status)

    # when / then
    with pytest.raises(services.NotEnrolled):
        services.sitting_draw_ticket(exam=exam, user=user)
    assert not Sitting.objects.exists()


@pytest.mark.parametrize(
    ("status", "opens_in_hours", "closes_in_hours", "message"),
    [
        (Exam.Status.DRAFT, -1, 24, "not open"),
        (Exam.Status.PUBLISHED, 1, 24, "opens on"),
        (Exam.Status.PUBLISHED, -48, -1, "closed on"),
    ],
)
def test_draw_is_refused_outside_the_window_or_unpublished(status, opens_in_hours, closes_in_hours, message):
    # given
    now = timezone.now()
    exam = exam_with_tickets(
        status=status,
        opens_at=now + timedelta(hours=opens_in_hours),
        closes_at=now + timedelta(hours=closes_in_hours),
    )
    student = student_of(exam.course)

    # when / then
    with pytest.raises(services.ExamUnavailable, match=message):
        services.sitting_draw_ticket(exam=exam, user=student, now=now)
    assert not Sitting.objects.exists()


def test_an_exam_without_tickets_cannot_be_drawn():
    # given
    exam = ExamFactory(opens_at=None, closes_at=None)
    student = student_of(exam.course)

    # when / then
    with pytest.raises(services.ExamUnavailable, match="no tickets"):
        services.sitting_draw_ticket(exam=exam, user=student)


# ---------------------------------------------------------------------------------------------
# Answering and the deadline


@pytest.fixture
def sitting(db):
    exam = exam_with_tickets(tickets=1, questions=2, cases=1)
    student = student_of(exam.course)
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student)
    return sitting


def _question_ids(sitting: Sitting) -> list[int]:
    return list(
        SittingAnswer.objects.filter(sitting=sitting).order_by("id").values_list("question_id", flat=True)
    )


def test_answers_and_analyses_are_saved_before_the_deadline(sitting):
    # given
    question_id = _question_ids(sitting)[0]
    case_id = CaseSubmission.objects.get(sitting=sitting).case_id

    # when
    answer = services.sitting_answer_save(
        sitting=sitting, user=sitting.user, question_id=question_id, text="Bias."
    )
    analysis = services.sitting_case_save(
        sitting=sitting, user=sitting.user, case_id=case_id, analysis_md="**Leak**"
    )

    # then
    assert (answer.text, answer.saved_at is not None) == ("Bias.", True)
    analysis.refresh_from_db()
    assert "<strong>Leak</strong>" in analysis.analysis_html


def test_a_late_answer_is_rejected_and_the_sitting_is_submitted_as_saved(
    sitting, django_capture_on_commit_callbacks
):
    # given
    question_id = _question_ids(sitting)[0]
    services.sitting_answer_save(sitting=sitting, user=sitting.user, question_id=question_id, text="in time")
    late = sitting.deadline_at + timedelta(seconds=1)

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(services.SittingDeadlinePassed, match="Time is up"):
            services.sitting_answer_save(
                sitting=sitting, user=sitting.user, question_id=question_id, text="late", now=late
            )

    # then
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED
    assert SittingAnswer.objects.get(sitting=sitting, question_id=question_id).text == "in time"
    assert _grade_queued(callbacks) == 1


def test_a_late_check_run_is_rejected(sitting):
    # when / then
    with pytest.raises(services.SittingDeadlinePassed):
        services.sitting_run_check(
            sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION}, now=sitting.deadline_at
        )
    assert not Submission.objects.filter(sitting=sitting, kind=Submission.Kind.CHECK).exists()


def test_answers_to_questions_outside_the_ticket_or_too_long_are_refused(sitting):
    # given
    question_id = _question_ids(sitting)[0]

    # when / then
    with pytest.raises(services.InvalidWork, match="not part of your ticket"):
        services.sitting_answer_save(sitting=sitting, user=sitting.user, question_id=10**30, text="x")
    with pytest.raises(services.InvalidWork, match="at most"):
        services.sitting_answer_save(
            sitting=sitting,
            user=sitting.user,
            question_id=question_id,
            text="x" * (services.ANSWER_MAX_CHARS + 1),
        )


def test_another_students_sitting_cannot_be_written(sitting):
    # given
    other = student_of(sitting.exam.course)

    # when / then
    with pytest.raises(Sitting.DoesNotExist):
        services.sitting_answer_save(
            sitting=sitting, user=other, question_id=_question_ids(sitting)[0], text="x"
        )
    with pytest.raises(Sitting.DoesNotExist):
        services.sitting_submit(sitting=sitting, user=other)


def test_a_student_who_left_the_course_cannot_answer(sitting):
    # given
    Enrollment.objects.filter(user=sitting.user).update(status=Enrollment.Status.DROPPED)

    # when / then
    with pytest.raises(services.NotEnrolled):
        services.sitting_answer_save(
            sitting=sitting, user=sitting.user, question_id=_question_ids(sitting)[0], text="x"
        )


def test_check_runs_belong_to_the_sitting(sitting, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.sitting_run_check(sitting=sitting, user=sitting.user, files={"solution.py": WRONG})

    # then
    assert (run.sitting_id, run.kind, run.files) == (
        sitting.pk,
        Submission.Kind.CHECK,
        {"solution.py": WRONG},
    )
    assert len(callbacks) == 1


# ---------------------------------------------------------------------------------------------
# The practical task's code (autosave)


def test_code_is_saved_on_the_sitting(sitting):
    # when
    saved = services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": WRONG})

    # then
    sitting.refresh_from_db()
    assert sitting.code == saved.code == {"solution.py": WRONG}
    assert sitting.code_saved_at is not None and sitting.code_saved_at == saved.code_saved_at
    assert not Submission.objects.filter(sitting=sitting).exists()  # saving runs nothing


def test_a_file_left_out_keeps_its_saved_code():
    # given: a task with two editable files, one of them saved
    exam = exam_with_tickets(tickets=1, questions=0)
    task = exam.tickets.get().task
    TaskFile.objects.create(task=task, path="helpers.py", kind=TaskFile.Kind.EDITABLE, starter="# help\n")
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"helpers.py": "X = 1\n"})

    # when
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})

    # then
    sitting.refresh_from_db()
    assert sitting.code == {"solution.py": SOLUTION, "helpers.py": "X = 1\n"}


def test_the_saved_code_is_submitted_when_the_submit_sends_none(sitting):
    # given: a run of older code, then newer code autosaved
    services.sitting_run_check(sitting=sitting, user=sitting.user, files={"solution.py": WRONG})
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})

    # when
    services.sitting_submit(sitting=sitting, user=sitting.user)

    # then
    assert Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": SOLUTION
    }


def test_a_check_run_saves_its_code(sitting):
    # given
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})

    # when
    services.sitting_run_check(sitting=sitting, user=sitting.user, files={"solution.py": WRONG})

    # then
    sitting.refresh_from_db()
    assert sitting.code == {"solution.py": WRONG}


def test_a_check_run_without_a_file_runs_its_saved_code():
    # given: a task with two editable files, one of them saved
    exam = exam_with_tickets(tickets=1, questions=0)
    task = exam.tickets.get().task
    TaskFile.objects.create(task=task, path="helpers.py", kind=TaskFile.Kind.EDITABLE, starter="# help\n")
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"helpers.py": "X = 1\n"})

    # when
    run = services.sitting_run_check(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})

    # then
    assert run.files == {"solution.py": SOLUTION, "helpers.py": "X = 1\n"}
    sitting.refresh_from_db()
    assert sitting.code == run.files


def test_the_code_sent_with_the_submit_becomes_the_saved_code(sitting):
    # given
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": WRONG})

    # when
    services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})

    # then
    sitting.refresh_from_db()
    assert sitting.code == {"solution.py": SOLUTION}


def test_a_late_code_save_is_rejected_and_the_sitting_is_submitted_with_the_code_saved_before(
    sitting, django_capture_on_commit_callbacks
):
    # given
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})
    late = sitting.deadline_at + timedelta(seconds=1)

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(services.SittingDeadlinePassed, match="Time is up"):
            services.sitting_save_code(
                sitting=sitting, user=sitting.user, files={"solution.py": WRONG}, now=late
            )

    # then
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED
    assert sitting.code == {"solution.py": SOLUTION}
    assert Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": SOLUTION
    }
    assert _grade_queued(callbacks) == 1


def test_code_saved_exactly_at_the_deadline_is_rejected(sitting):
    # when / then: the deadline is the first moment that is too late (as for answers and runs)
    with pytest.raises(services.SittingDeadlinePassed):
        services.sitting_save_code(
            sitting=sitting, user=sitting.user, files={"solution.py": WRONG}, now=sitting.deadline_at
        )
    sitting.refresh_from_db()
    assert sitting.code == {}


def test_code_cannot_be_saved_after_the_submit(sitting):
    # given
    services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})

    # when / then
    with pytest.raises(services.SittingClosed, match="already submitted"):
        services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": WRONG})
    sitting.refresh_from_db()
    assert sitting.code == {"solution.py": SOLUTION}


def test_another_students_code_cannot_be_written(sitting):
    # given
    other = student_of(sitting.exam.course)

    # when / then
    with pytest.raises(Sitting.DoesNotExist):
        services.sitting_save_code(sitting=sitting, user=other, files={"solution.py": WRONG})
    sitting.refresh_from_db()
    assert sitting.code == {}


def test_a_student_who_left_the_course_cannot_save_code(sitting):
    # given
    Enrollment.objects.filter(user=sitting.user).update(status=Enrollment.Status.DROPPED)

    # when / then
    with pytest.raises(services.NotEnrolled):
        services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": WRONG})


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"../etc/passwd": "x"}, "cannot be submitted"),
        ({"solution.py": None}, "must be text"),
        ({"solution.py": "x" * 300_000}, "larger than"),
    ],
)
def test_invalid_code_is_refused_and_nothing_is_saved(sitting, files, message):
    # when / then
    with pytest.raises(services.InvalidWork, match=message):
        services.sitting_save_code(sitting=sitting, user=sitting.user, files=files)
    sitting.refresh_from_db()
    assert (sitting.code, sitting.code_saved_at) == ({}, None)


def test_code_for_a_ticket_without_a_practical_task_is_refused():
    # given
    exam = exam_with_tickets(tickets=1, questions=1, with_task=False)
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))

    # when / then
    with pytest.raises(services.InvalidWork, match="no practical task"):
        services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})


# ---------------------------------------------------------------------------------------------
# Submitting


def test_submit_locks_the_sitting_stores_the_code_and_queues_grading_once(
    sitting, django_capture_on_commit_callbacks
):
    # given
    question_id = _question_ids(sitting)[0]

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.sitting_submit(
            sitting=sitting,
            user=sitting.user,
            answers={question_id: "final"},
            files={"solution.py": SOLUTION},
        )
        second = services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": WRONG})

    # then
    assert (first[1], second[1]) == (True, False)
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED and sitting.submitted_at is not None
    final = Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT)
    assert final.files == {"solution.py": SOLUTION}
    assert SittingAnswer.objects.get(sitting=sitting, question_id=question_id).text == "final"
    assert CaseSubmission.objects.get(sitting=sitting).status == CaseSubmission.Status.SUBMITTED
    assert _grade_queued(callbacks) == 1
    with pytest.raises(services.SittingClosed):
        services.sitting_answer_save(
            sitting=sitting, user=sitting.user, question_id=question_id, text="after"
        )


def test_submit_without_code_uses_the_last_run_or_the_starter(sitting):
    # given
    finished_run(task=sitting.ticket.task, user=sitting.user, sitting=sitting, files={"solution.py": WRONG})

    # when
    services.sitting_submit(sitting=sitting, user=sitting.user)

    # then
    assert Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": WRONG
    }


def test_submit_with_nothing_saved_submits_the_starter():
    # given
    exam = exam_with_tickets(tickets=1)
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))

    # when
    services.sitting_submit(sitting=sitting, user=sitting.user)

    # then
    assert Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": STARTER
    }


def test_work_sent_with_a_late_submit_is_ignored(sitting):
    # given
    question_id = _question_ids(sitting)[0]
    late = sitting.deadline_at + services.SUBMIT_GRACE + timedelta(seconds=1)

    # when
    _sitting, submitted = services.sitting_submit(
        sitting=sitting,
        user=sitting.user,
        answers={question_id: "late"},
        files={"solution.py": SOLUTION},
        now=late,
    )

    # then
    assert submitted is True
    assert SittingAnswer.objects.get(sitting=sitting, question_id=question_id).text == ""
    assert Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": STARTER
    }


def test_work_sent_with_the_deadline_submit_within_the_grace_is_kept(sitting):
    # given
    question_id = _question_ids(sitting)[0]

    # when
    services.sitting_submit(
        sitting=sitting, user=sitting.user, answers={question_id: "just in time"},
        files={"solution.py": SOLUTION}, now=sitting.deadline_at + timedelta(seconds=2),
    )  # fmt: skip

    # then
    assert SittingAnswer.objects.get(sitting=sitting, question_id=question_id).text == "just in time"
    assert Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": SOLUTION
    }


def test_submit_with_invalid_files_leaves_the_sitting_open(sitting):
    # when / then
    with pytest.raises(services.InvalidWork, match="cannot be submitted"):
        services.sitting_submit(sitting=sitting, user=sitting.user, files={"../etc/passwd": "x"})
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.IN_PROGRESS
    assert not Submission.objects.filter(sitting=sitting).exists()


def test_the_submit_is_never_refused_for_runs_still_waiting(sitting, settings):
    # given: the student has as many runs waiting as allowed
    settings.SANDBOX_MAX_PENDING_PER_USER = 1
    services.sitting_run_check(sitting=sitting, user=sitting.user, files={"solution.py": WRONG})

    # when
    _sitting, submitted = services.sitting_submit(
        sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION}
    )

    # then
    assert submitted is True


# ---------------------------------------------------------------------------------------------
# The deadline sweep


def test_the_sweep_submits_only_expired_sittings_and_is_idempotent(django_capture_on_commit_callbacks):
    # given
    exam = exam_with_tickets(tickets=2, questions=1)
    expired, _ = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    running, _ = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    finished_run(task=expired.ticket.task, user=expired.user, sitting=expired, files={"solution.py": WRONG})
    later = expired.deadline_at + timedelta(seconds=1)
    Sitting.objects.filter(pk=running.pk).update(deadline_at=later + timedelta(minutes=5))

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        closed = services.sittings_close_expired(now=later)
        closed_again = services.sittings_close_expired(now=later)

    # then
    assert (closed, closed_again) == (1, 0)
    assert Sitting.objects.get(pk=expired.pk).status == Sitting.Status.SUBMITTED
    assert Sitting.objects.get(pk=running.pk).status == Sitting.Status.IN_PROGRESS
    assert Submission.objects.get(sitting=expired, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": WRONG
    }
    assert _grade_queued(callbacks) == 1


def test_the_sweep_task_runs_the_service():
    # given
    from exams.tasks import sittings_close_expired_task

    exam = exam_with_tickets(tickets=1, questions=0, with_task=False)
    sitting, _ = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    Sitting.objects.filter(pk=sitting.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))

    # when
    closed = sittings_close_expired_task.apply().get()

    # then
    assert closed == 1
    assert Sitting.objects.get(pk=sitting.pk).status == Sitting.Status.SUBMITTED


def test_the_sweep_is_scheduled_every_minute_on_the_default_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["exams-close-expired-sittings"]
    assert entry["task"] == "exams.tasks.sittings_close_expired_task"
    assert entry["schedule"] == 60.0
    assert entry["options"]["queue"] == "default"


# ---------------------------------------------------------------------------------------------
# Grading the automatic part


@pytest.fixture
def fake_sandbox(monkeypatch):
    """Stands in for the sandbox run: the final submission is done with ``score`` (or errors)."""
    calls = []
    outcome = {"score": Decimal("75.00"), "error": ""}

    def run(*, submission):
        calls.append(submission.pk)
        status = Submission.Status.ERROR if outcome["error"] else Submission.Status.DONE
        Submission.objects.filter(pk=submission.pk).update(
            status=status, score=None if outcome["error"] else outcome["score"], error=outcome["error"]
        )
        return Submission.objects.get(pk=submission.pk)

    monkeypatch.setattr(sitting_grading, "submission_run", run)
    return calls, outcome


def test_grading_runs_the_practical_part_and_waits_for_the_desk(sitting, fake_sandbox):
    # given
    calls, _outcome = fake_sandbox
    services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})

    # when
    graded = sitting_grading.sitting_grade(sitting_id=sitting.pk)

    # then: 75% of the practical's 10 points; two theory answers (10 each) and a case (10) wait
    assert graded.status == Sitting.Status.AWAITING_MANUAL
    assert (graded.score, graded.max_score) == (Decimal("7.50"), Decimal("40.00"))
    assert graded.graded_at is None
    assert len(calls) == 1
    notification = Notification.objects.get(user=sitting.user)
    assert notification.kind == Notification.Kind.SUBMISSION_GRADED
    assert "7.50" in notification.body


def test_grading_twice_grades_once(sitting, fake_sandbox):
    # given
    calls, _outcome = fake_sandbox
    services.sitting_submit(sitting=sitting, user=sitting.user)

    # when
    first = sitting_grading.sitting_grade(sitting_id=sitting.pk)
    second = sitting_grading.sitting_grade(sitting_id=sitting.pk)

    # then
    assert first.status == second.status == Sitting.Status.AWAITING_MANUAL
    assert len(calls) == 1
    assert Notification.objects.filter(user=sitting.user).count() == 1


def test_a_ticket_with_only_a_practical_task_is_graded_at_once(fake_sandbox):
    # given
    exam = exam_with_tickets(tickets=1, questions=0)
    sitting, _ = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})

    # when
    graded = sitting_grading.sitting_grade(sitting_id=sitting.pk)

    # then
    assert graded.status == Sitting.Status.GRADED
    assert graded.graded_at is not None
    assert (graded.score, graded.max_score) == (Decimal("7.50"), Decimal("10.00"))


def test_code_the_sandbox_could_not_run_goes_to_the_desk(fake_sandbox):
    # given
    _calls, outcome = fake_sandbox
    outcome["error"] = "the sandbox is unavailable"
    exam = exam_with_tickets(tickets=1, questions=0)
    sitting, _ = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    services.sitting_submit(sitting=sitting, user=sitting.user)

    # when
    graded = sitting_grading.sitting_grade(sitting_id=sitting.pk)

    # then
    assert graded.status == Sitting.Status.AWAITING_MANUAL


def test_grading_a_sitting_in_progress_or_missing_does_nothing(sitting, fake_sandbox):
    # when
    unchanged = sitting_grading.sitting_grade(sitting_id=sitting.pk)
    missing = sitting_grading.sitting_grade(sitting_id=10**9)

    # then
    assert unchanged.status == Sitting.Status.IN_PROGRESS
    assert missing is None
    assert fake_sandbox[0] == []


def test_recompute_totals_the_graded_parts(sitting, fake_sandbox):
    # given: auto part graded, then the desk grades the theory and the case
    services.sitting_submit(sitting=sitting, user=sitting.user)
    sitting_grading.sitting_grade(sitting_id=sitting.pk)
    SittingAnswer.objects.filter(sitting=sitting).update(points=Decimal("6"))
    CaseSubmission.objects.filter(sitting=sitting).update(score=Decimal("8"))

    # when
    recomputed = services.sitting_recompute_score(sitting=sitting)

    # then: 6 + 6 + 8 + 7.5
    assert (recomputed.score, recomputed.max_score) == (Decimal("27.50"), Decimal("40.00"))
    assert recomputed.status == Sitting.Status.AWAITING_MANUAL  # publishing is the desk's
    assert score_parts(sitting=recomputed).is_complete is True


def test_stuck_sittings_are_queued_again(sitting, monkeypatch):
    # given
    queued = []
    monkeypatch.setattr(sitting_grading.sitting_grade_task, "delay", queued.append)
    services.sitting_submit(sitting=sitting, user=sitting.user, now=timezone.now() - timedelta(hours=1))

    # when
    count = sitting_grading.sittings_requeue_stuck_grading(older_than_minutes=15)

    # then
    assert (count, queued) == (1, [sitting.pk])


def test_tickets_are_not_deleted_from_under_a_sitting(sitting):
    # a drawn ticket stays: sittings keep their ticket (RESTRICT)
    from django.db.models import RestrictedError

    with pytest.raises(RestrictedError):
        ExamTicket.objects.filter(pk=sitting.ticket_id).delete()
