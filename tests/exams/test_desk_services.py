"""Grading-desk services: grading each kind of item, publishing (attempts, sittings, analyses,
deliverables), regrades and overrides with reasons, the audit trail and the notifications."""

from decimal import Decimal

import pytest

from accounts.models import Notification
from core.exceptions import ApplicationError, PermissionDeniedError
from exams import desk_services
from exams.desk_exceptions import InvalidInput
from exams.models import CaseSubmission, GradeAudit, RubricCriterion, RubricScore, Sitting, Submission
from quizzes.exceptions import AttemptClosed
from quizzes.models import Attempt
from quizzes.services import attempt_finalize_manual
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseStaffFactory
from tests.exams.desk_builders import (
    awaiting_attempt,
    awaiting_sitting,
    build_world,
    case_with_problems,
    enrolled,
    handed_in_deliverable,
    submitted_analysis,
)
from tests.exams.exam_builders import practical_task

pytestmark = pytest.mark.django_db


def _notifications(user, kind=None):
    rows = Notification.objects.filter(user=user)
    return list(rows.filter(kind=kind) if kind else rows)


# ---------------------------------------------------------------------------------------------
# attempt_finalize_manual (quizzes)


def test_finalize_waits_while_an_open_answer_is_ungraded():
    # given
    world = build_world()
    attempt, _opens, _auto = awaiting_attempt(world.course, world.student)
    # when
    result = attempt_finalize_manual(attempt=attempt, grader=world.instructor)
    # then
    assert result.status == Attempt.Status.AWAITING_MANUAL
    assert _notifications(world.student) == []


def test_finalize_totals_the_attempt_and_notifies_once():
    # given
    world = build_world()
    attempt, opens, _auto = awaiting_attempt(world.course, world.student)
    opens[0].points = Decimal("4")
    opens[0].save(update_fields=["points"])
    # when
    result = attempt_finalize_manual(attempt=attempt, grader=world.instructor)
    attempt_finalize_manual(attempt=attempt, grader=world.instructor)
    # then
    assert result.status == Attempt.Status.GRADED
    assert result.score == Decimal("5.00")
    assert result.max_score == Decimal("6.00")
    assert result.passed is True
    assert len(_notifications(world.student, Notification.Kind.ATTEMPT_GRADED)) == 1


def test_finalize_refuses_an_attempt_in_progress():
    world = build_world()
    attempt, _opens, _auto = awaiting_attempt(world.course, world.student)
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.IN_PROGRESS)

    with pytest.raises(AttemptClosed):
        attempt_finalize_manual(attempt=attempt, grader=world.instructor)


# ---------------------------------------------------------------------------------------------
# Quiz answers


def test_grading_the_last_open_answer_publishes_the_attempt_and_audits_it():
    # given
    world = build_world()
    attempt, opens, _auto = awaiting_attempt(world.course, world.student)
    # when
    desk_services.response_grade(
        response=opens[0], grader=world.instructor, points="3,5", comment="Good start."
    )
    # then
    opens[0].refresh_from_db()
    attempt.refresh_from_db()
    assert opens[0].points == Decimal("3.50")
    assert opens[0].graded_by == world.instructor
    assert opens[0].grader_comment == "Good start."
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == Decimal("4.50")
    audit = GradeAudit.objects.get(target="response", target_id=opens[0].pk)
    assert (audit.actor, audit.student, audit.old_points, audit.new_points) == (
        world.instructor,
        world.student,
        None,
        Decimal("3.50"),
    )
    [note] = _notifications(world.student, Notification.Kind.ATTEMPT_GRADED)
    assert note.dedupe_key == f"attempt-graded-{attempt.pk}"


def test_grading_one_of_two_open_answers_keeps_the_attempt_waiting():
    world = build_world()
    attempt, opens, _auto = awaiting_attempt(world.course, world.student, open_count=2)

    desk_services.response_grade(response=opens[0], grader=world.instructor, points=5)

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.AWAITING_MANUAL
    assert _notifications(world.student) == []


@pytest.mark.parametrize("points", ["-1", "5.01", "abc", "", None, True, "NaN", "1e400"])
def test_points_outside_the_range_are_refused(points):
    world = build_world()
    _attempt, opens, _auto = awaiting_attempt(world.course, world.student)

    with pytest.raises(InvalidInput):
        desk_services.response_grade(response=opens[0], grader=world.instructor, points=points)

    assert not GradeAudit.objects.exists()


@pytest.mark.parametrize("role", ["student", "other_instructor", "staff"])
def test_only_the_course_team_grades(role):
    world = build_world()
    _attempt, opens, _auto = awaiting_attempt(world.course, world.student)

    with pytest.raises(PermissionDeniedError):
        desk_services.response_grade(response=opens[0], grader=world.users[role], points=1)


def test_a_superuser_grades_any_course():
    world = build_world()
    _attempt, opens, _auto = awaiting_attempt(world.course, world.student)

    desk_services.response_grade(response=opens[0], grader=world.users["superuser"], points=1)

    assert GradeAudit.objects.filter(actor=world.users["superuser"]).count() == 1


def test_an_automatically_graded_answer_cannot_be_graded_by_hand():
    world = build_world()
    _attempt, _opens, auto = awaiting_attempt(world.course, world.student)

    with pytest.raises(ApplicationError):
        desk_services.response_grade(response=auto, grader=world.instructor, points=1)


def test_changing_a_published_grade_needs_a_reason():
    # given
    world = build_world()
    _attempt, opens, _auto = awaiting_attempt(world.course, world.student)
    desk_services.response_grade(response=opens[0], grader=world.instructor, points=2)
    # when / then
    with pytest.raises(InvalidInput):
        desk_services.response_grade(response=opens[0], grader=world.instructor, points=4)


def test_a_regrade_with_a_reason_retotals_audits_and_tells_the_student():
    # given
    world = build_world()
    attempt, opens, _auto = awaiting_attempt(world.course, world.student)
    desk_services.response_grade(response=opens[0], grader=world.instructor, points=2)
    # when
    desk_services.response_grade(
        response=opens[0], grader=world.instructor, points=4, reason="Missed a point."
    )
    # then
    attempt.refresh_from_db()
    assert attempt.score == Decimal("5.00")
    last = GradeAudit.objects.filter(target="response", target_id=opens[0].pk).order_by("-pk").first()
    assert (last.old_points, last.new_points, last.reason) == (
        Decimal("2.00"),
        Decimal("4.00"),
        "Missed a point.",
    )
    changed = [n for n in _notifications(world.student) if n.dedupe_key.startswith("grade-changed-")]
    assert len(changed) == 1


# ---------------------------------------------------------------------------------------------
# Exam theory answers and sittings


def test_grading_every_part_of_a_sitting_publishes_it():
    # given
    world = build_world()
    sitting, answers, case = awaiting_sitting(world.course, world.student, answers=2, with_case=True)
    # when
    desk_services.sitting_answer_grade(answer=answers[0], grader=world.instructor, points=7)
    desk_services.sitting_answer_grade(
        answer=answers[1], grader=world.instructor, points=10, comment="Exact."
    )
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.AWAITING_MANUAL  # the case is still waiting
    criteria = list(RubricCriterion.objects.filter(case=case.case).order_by("position"))
    desk_services.case_submission_grade(
        submission=case, grader=world.instructor, scores={criteria[0].pk: 5, criteria[1].pk: "2.5"}
    )
    # then
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.GRADED
    assert (sitting.score, sitting.max_score) == (Decimal("24.50"), Decimal("30.00"))
    assert sitting.graded_at is not None
    notes = _notifications(world.student, Notification.Kind.SUBMISSION_GRADED)
    assert [n.dedupe_key for n in notes] == [f"sitting-graded-{sitting.pk}"]
    assert GradeAudit.objects.filter(target="sitting_answer").count() == 2
    assert GradeAudit.objects.filter(target="case_submission").count() == 1


def test_a_sitting_still_being_auto_graded_cannot_be_graded():
    world = build_world()
    sitting, answers, _case = awaiting_sitting(world.course, world.student)
    Sitting.objects.filter(pk=sitting.pk).update(status=Sitting.Status.GRADING)

    with pytest.raises(ApplicationError):
        desk_services.sitting_answer_grade(answer=answers[0], grader=world.instructor, points=1)


def test_theory_points_are_capped_by_the_answer_maximum():
    world = build_world()
    _sitting, answers, _case = awaiting_sitting(world.course, world.student)

    with pytest.raises(InvalidInput):
        desk_services.sitting_answer_grade(answer=answers[0], grader=world.instructor, points="10.5")


# ---------------------------------------------------------------------------------------------
# Case analyses


def test_a_case_without_rubric_is_graded_with_the_default_rubric():
    # given
    world = build_world()
    submission = submitted_analysis(world.course, world.student)
    from exams.case_services import case_rubric_ensure

    criteria = case_rubric_ensure(case=submission.case)
    # when
    desk_services.case_submission_grade(
        submission=submission,
        grader=world.instructor,
        scores={c.pk: 4 for c in criteria},
        criterion_comments={criteria[0].pk: "Found it."},
        comment="Solid.",
    )
    # then
    submission.refresh_from_db()
    assert len(criteria) == 3  # two problems + conclusions
    assert submission.status == CaseSubmission.Status.GRADED
    assert (submission.score, submission.max_score) == (Decimal("12.00"), Decimal("15.00"))
    assert RubricScore.objects.get(submission=submission, criterion=criteria[0]).comment == "Found it."
    [note] = _notifications(world.student, Notification.Kind.SUBMISSION_GRADED)
    assert note.dedupe_key == f"case-graded-{submission.pk}"
    assert note.url.endswith(f"/cases/{submission.case_id}/analysis/")


def test_every_criterion_needs_points():
    world = build_world()
    submission = submitted_analysis(world.course, world.student)
    from exams.case_services import case_rubric_ensure

    criteria = case_rubric_ensure(case=submission.case)

    with pytest.raises(InvalidInput):
        desk_services.case_submission_grade(
            submission=submission, grader=world.instructor, scores={criteria[0].pk: 1}
        )
    with pytest.raises(InvalidInput):
        desk_services.case_submission_grade(
            submission=submission, grader=world.instructor, scores={**{c.pk: 1 for c in criteria}, 999999: 1}
        )


def test_a_draft_analysis_cannot_be_graded():
    world = build_world()
    submission = submitted_analysis(world.course, world.student)
    CaseSubmission.objects.filter(pk=submission.pk).update(status=CaseSubmission.Status.DRAFT)

    with pytest.raises(ApplicationError):
        desk_services.case_submission_grade(submission=submission, grader=world.instructor, scores={})


def test_regrading_a_case_needs_a_reason_and_is_audited():
    # given
    world = build_world()
    case = case_with_problems(world.course, problems=0)
    submission = submitted_analysis(world.course, world.student, case=case)
    from exams.case_services import case_rubric_ensure

    [criterion] = case_rubric_ensure(case=case)
    desk_services.case_submission_grade(
        submission=submission, grader=world.instructor, scores={criterion.pk: 3}
    )
    # when / then
    with pytest.raises(InvalidInput):
        desk_services.case_submission_grade(
            submission=submission, grader=world.instructor, scores={criterion.pk: 5}
        )
    desk_services.case_submission_grade(
        submission=submission, grader=world.instructor, scores={criterion.pk: 5}, reason="Re-read it."
    )
    submission.refresh_from_db()
    assert submission.score == Decimal("5.00")
    assert GradeAudit.objects.filter(target="case_submission", target_id=submission.pk).count() == 2


# ---------------------------------------------------------------------------------------------
# Role-play deliverables


def test_grading_a_deliverable_audits_and_notifies_every_member():
    # given
    world = build_world()
    members = [world.student, *enrolled(world.course, 3)]
    deliverable, _session = handed_in_deliverable(world.course, members, led_by=world.instructor)
    # when
    desk_services.deliverable_grade(
        deliverable=deliverable, grader=world.instructor, points=8, comment="Clear."
    )
    # then
    deliverable.refresh_from_db()
    assert deliverable.points == Decimal("8.00")
    assert GradeAudit.objects.filter(target="deliverable", target_id=deliverable.pk).count() == 4
    for member in members:
        assert len(_notifications(member, Notification.Kind.SUBMISSION_GRADED)) == 1


def test_a_deliverable_not_handed_in_cannot_be_graded():
    world = build_world()
    deliverable, _session = handed_in_deliverable(world.course, [world.student], led_by=world.instructor)
    deliverable.submitted_at = None
    deliverable.save(update_fields=["submitted_at"])

    with pytest.raises(ApplicationError):
        desk_services.deliverable_grade(deliverable=deliverable, grader=world.instructor, points=1)


# ---------------------------------------------------------------------------------------------
# Overrides


def test_overriding_an_automatic_answer_needs_a_reason():
    world = build_world()
    _attempt, _opens, auto = awaiting_attempt(world.course, world.student)

    with pytest.raises(InvalidInput):
        desk_services.grade_override(
            target="response", target_id=auto.pk, grader=world.instructor, points=0, reason=""
        )


def test_overriding_an_automatic_answer_of_a_graded_attempt_retotals_it():
    # given
    world = build_world()
    attempt, opens, auto = awaiting_attempt(world.course, world.student, auto_points="0")
    desk_services.response_grade(response=opens[0], grader=world.instructor, points=5)
    # when
    audit = desk_services.grade_override(
        target="response",
        target_id=auto.pk,
        grader=world.instructor,
        points=1,
        reason="Both readings are right.",
    )
    # then
    attempt.refresh_from_db()
    auto.refresh_from_db()
    assert attempt.score == Decimal("6.00")
    assert auto.points == Decimal("1.00") and auto.is_correct is True
    assert (audit.target, audit.old_points, audit.new_points) == (
        "response",
        Decimal("0.00"),
        Decimal("1.00"),
    )


def test_an_open_answer_is_not_overridden_but_graded():
    world = build_world()
    _attempt, opens, _auto = awaiting_attempt(world.course, world.student)

    with pytest.raises(ApplicationError):
        desk_services.grade_override(
            target="response", target_id=opens[0].pk, grader=world.instructor, points=1, reason="x"
        )


def test_overriding_a_practical_run_of_a_sitting_completes_it():
    # given
    world = build_world()
    sitting, answers, _case = awaiting_sitting(world.course, world.student, answers=1)
    task = practical_task(course=world.course)
    sitting.ticket.task = task
    sitting.ticket.save(update_fields=["task"])
    run = Submission.objects.create(
        task=task, user=world.student, sitting=sitting, kind=Submission.Kind.SUBMIT,
        status=Submission.Status.ERROR, error="Could not run.",
    )  # fmt: skip
    desk_services.sitting_answer_grade(answer=answers[0], grader=world.instructor, points=10)
    assert Sitting.objects.get(pk=sitting.pk).status == Sitting.Status.AWAITING_MANUAL
    # when
    desk_services.grade_override(
        target="submission", target_id=run.pk, grader=world.instructor, points=50, reason="Ran it by hand."
    )
    # then
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.GRADED
    assert (sitting.score, sitting.max_score) == (Decimal("15.00"), Decimal("20.00"))
    assert GradeAudit.objects.filter(target="submission", target_id=run.pk).exists()


def test_an_unknown_override_target_is_a_lookup_error():
    world = build_world()

    with pytest.raises(LookupError):
        desk_services.grade_override(
            target="response", target_id=999999, grader=world.instructor, points=1, reason="x"
        )
    with pytest.raises(LookupError):
        desk_services.grade_override(
            target="sitting", target_id=1, grader=world.instructor, points=1, reason="x"
        )


def test_an_instructor_of_another_course_cannot_override():
    world = build_world()
    _attempt, _opens, auto = awaiting_attempt(world.course, world.student)
    outsider = UserFactory()
    CourseStaffFactory(course=world.other_course, user=outsider)

    with pytest.raises(PermissionDeniedError):
        desk_services.grade_override(
            target="response", target_id=auto.pk, grader=outsider, points=0, reason="x"
        )
