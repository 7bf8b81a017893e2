"""Writes of the grading desk: grading open quiz answers, exam theory answers, case analyses
(with the case's rubric) and role-play deliverables, and overriding automatic results.

Rules every grade follows:

- Only the course's team and superusers grade (PermissionDeniedError otherwise).
- Points are between 0 and the item's maximum, at 0.01 precision (InvalidInput otherwise).
- Changing points that were already given needs a reason; overriding an automatic result
  always does (InvalidInput without one).
- Every grade and every override writes a ``GradeAudit`` row (who, whom, what, old → new,
  why), in the same transaction as the grade.
- Publishing: a quiz attempt is finalized (``quizzes.services.attempt_finalize_manual``) once
  all its open/code answers are graded; an exam sitting once every theory answer, case and
  the practical task have points (``exams.sitting_services.sitting_recompute_score``, then
  status graded); a case analysis outside exams and a team deliverable at once. The student
  (each team member for a deliverable) is notified then, once; a later change of a published
  grade sends a "grade changed" notification.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Notification, User
from core.exceptions import ApplicationError, PermissionDeniedError
from courses.permissions import user_can_author_course
from exams.case_services import case_rubric_ensure
from exams.desk_exceptions import InvalidInput
from exams.desk_selectors import (
    AUDIT_RESPONSE,
    AUDIT_SUBMISSION,
    AUDIT_TARGETS,
    CASE,
    DELIVERABLE,
    EXAM_ANSWER,
)
from exams.models import (
    CaseSubmission,
    GradeAudit,
    RolePlayAssignment,
    RolePlayDeliverable,
    RubricScore,
    Sitting,
    SittingAnswer,
    Submission,
)
from exams.sitting_selectors import score_parts
from exams.sitting_services import sitting_recompute_score
from quizzes import grading as quiz_grading
from quizzes.models import Attempt, Response
from quizzes.services import attempt_finalize_manual

CENTS = Decimal("0.01")
COMMENT_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 2_000


# ---------------------------------------------------------------------------------------------
# Shared checks


def _grader_check(*, user: User, course_id: int) -> None:
    if not user_can_author_course(user, course_id):
        raise PermissionDeniedError(_("Only the course's team grades its work."))


def points_parse(raw: object, *, max_points: Decimal) -> Decimal:
    """``raw`` (a number or a numeric string, "," or "." as the separator) as points between 0
    and ``max_points``, rounded to 0.01. Raises InvalidInput."""
    if isinstance(raw, bool) or raw is None or raw == "":
        raise InvalidInput(_("Enter the points."))
    try:
        value = (
            Decimal(str(raw).strip().replace(",", "."))
            if isinstance(raw, str | int | float | Decimal)
            else None
        )
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise InvalidInput(_("Points must be a number."))
    if value < 0 or value > max_points:  # before rounding: 1e400 cannot be quantized
        raise InvalidInput(
            _("Points must be between 0 and %(max)s.") % {"max": f"{max_points.normalize():f}"}
        )
    value = value.quantize(CENTS, rounding=ROUND_HALF_UP)
    if value > max_points:
        raise InvalidInput(
            _("Points must be between 0 and %(max)s.") % {"max": f"{max_points.normalize():f}"}
        )
    return value


def _text_check(value: object, *, limit: int, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(what)s must be text.") % {"what": what})
    if len(value) > limit:
        raise InvalidInput(
            _("%(what)s is too long (at most %(limit)d characters).") % {"what": what, "limit": limit}
        )
    return value.strip()


def _reason_check(*, changed: bool, reason: str) -> None:
    if changed and not reason:
        raise InvalidInput(_("Give a reason for changing a grade that was already given."))


def _audit(
    *,
    course_id: int,
    actor: User,
    student_id: int,
    target: str,
    target_id: int,
    old: Decimal | None,
    new: Decimal | None,
    reason: str,
) -> GradeAudit:
    entry = GradeAudit(
        course_id=course_id,
        actor=actor,
        student_id=student_id,
        target=target,
        target_id=target_id,
        old_points=old,
        new_points=new,
        reason=reason,
    )
    entry.save()
    return entry


def _url(name: str, *args: object) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the page belongs to another part of the site that may be absent
        return ""


def _notify(*, user: User, kind: str, title: str, body: str, url: str, dedupe_key: str) -> None:
    from accounts.notifications import notification_send

    notification_send(user=user, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key)


def _language(user: User) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def _notify_changed(
    *, user: User, what: str, old: Decimal | None, new: Decimal | None, url: str, audit: GradeAudit
) -> None:
    with translation.override(_language(user)):
        _notify(
            user=user,
            kind=Notification.Kind.SUBMISSION_GRADED,
            title=_("Your grade for “%(what)s” was changed") % {"what": what},
            body=_("Points: %(old)s → %(new)s. Reason: %(reason)s")
            % {"old": old if old is not None else "—", "new": new, "reason": audit.reason},
            url=url,
            dedupe_key=f"grade-changed-{audit.pk}",
        )


# ---------------------------------------------------------------------------------------------
# Exam sittings


@transaction.atomic
def sitting_publish_if_complete(*, sitting_id: int, now: datetime | None = None) -> Sitting:
    """Re-total a sitting waiting for the desk (or already graded) after one of its parts was
    graded; once every part has points, publish it: status graded, ``graded_at``, and the
    "exam graded" notification (once). Sittings in progress or being auto-graded are left
    alone. Idempotent."""
    now = now or timezone.now()
    sitting = (
        Sitting.objects.select_for_update(of=("self",))
        .select_related("exam", "user", "ticket")
        .get(pk=sitting_id)
    )
    if sitting.status not in (Sitting.Status.AWAITING_MANUAL, Sitting.Status.GRADED):
        return sitting
    sitting = sitting_recompute_score(sitting=sitting)
    if sitting.status == Sitting.Status.GRADED or not score_parts(sitting=sitting).is_complete:
        return sitting
    sitting.status, sitting.graded_at = Sitting.Status.GRADED, now
    sitting.save(update_fields=["status", "graded_at", "updated_at"])
    user = sitting.user
    with translation.override(_language(user)):
        _notify(
            user=user,
            kind=Notification.Kind.SUBMISSION_GRADED,
            title=_("Your exam “%(exam)s” is graded") % {"exam": sitting.exam.title},
            body=_("Score: %(score)s of %(max)s.") % {"score": sitting.score, "max": sitting.max_score},
            url=_url("exams:sitting-detail", sitting.pk),
            dedupe_key=f"sitting-graded-{sitting.pk}",
        )
    return sitting


# ---------------------------------------------------------------------------------------------
# Quiz answers (open and code questions)


@transaction.atomic
def response_grade(
    *, response: Response, grader: User, points: object, comment: str = "", reason: str = ""
) -> Response:
    """Grade an open or code answer of a quiz attempt awaiting manual grading (or regrade one
    of a graded attempt, with a reason). Finalizes the attempt when it was the last one.
    Raises PermissionDeniedError, InvalidInput, or ApplicationError (an automatically graded
    question: use ``grade_override``; an attempt not submitted)."""
    attempt = (
        Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=response.attempt_id)
    )
    response = Response.objects.select_for_update(of=("self",)).select_related("question").get(pk=response.pk)
    _grader_check(user=grader, course_id=attempt.quiz.course_id)
    if response.question.kind not in quiz_grading.MANUAL_KINDS:
        raise ApplicationError(_("This answer is graded automatically: override it with a reason instead."))
    if attempt.status not in (Attempt.Status.AWAITING_MANUAL, Attempt.Status.GRADED):
        raise ApplicationError(_("This attempt is not waiting for grading."))
    value = points_parse(points, max_points=response.max_points)
    comment = _text_check(comment, limit=COMMENT_MAX_LENGTH, what=_("The comment"))
    reason = _text_check(reason, limit=REASON_MAX_LENGTH, what=_("The reason"))
    old = response.points
    _reason_check(changed=old is not None and old != value, reason=reason)
    response.points, response.is_correct = value, value == response.max_points
    response.graded_by, response.grader_comment = grader, comment
    response.save(update_fields=["points", "is_correct", "graded_by", "grader_comment", "updated_at"])
    audit = _audit(
        course_id=attempt.quiz.course_id,
        actor=grader,
        student_id=attempt.user_id,
        target=AUDIT_TARGETS["quiz_answer"],
        target_id=response.pk,
        old=old,
        new=value,
        reason=reason,
    )
    was_published = attempt.status == Attempt.Status.GRADED
    attempt = attempt_finalize_manual(attempt=attempt, grader=grader)
    if was_published and old != value:
        _notify_changed(
            user=attempt.user,
            what=attempt.quiz.title,
            old=old,
            new=value,
            url=_url("quizzes:attempt-result", attempt.pk),
            audit=audit,
        )
    return response


# ---------------------------------------------------------------------------------------------
# Exam theory answers


@transaction.atomic
def sitting_answer_grade(
    *, answer: SittingAnswer, grader: User, points: object, comment: str = "", reason: str = ""
) -> SittingAnswer:
    """Grade a theory answer of an exam sitting waiting for the desk (or regrade one, with a
    reason); publishes the sitting when it was its last part. Raises PermissionDeniedError,
    InvalidInput or ApplicationError (the sitting is not waiting for grading)."""
    sitting = Sitting.objects.select_for_update(of=("self",)).select_related("exam").get(pk=answer.sitting_id)
    answer = SittingAnswer.objects.select_for_update().get(pk=answer.pk)
    _grader_check(user=grader, course_id=sitting.exam.course_id)
    if sitting.status not in (Sitting.Status.AWAITING_MANUAL, Sitting.Status.GRADED):
        raise ApplicationError(_("This exam is not waiting for grading."))
    value = points_parse(points, max_points=answer.max_points)
    comment = _text_check(comment, limit=COMMENT_MAX_LENGTH, what=_("The comment"))
    reason = _text_check(reason, limit=REASON_MAX_LENGTH, what=_("The reason"))
    old = answer.points
    _reason_check(changed=old is not None and old != value, reason=reason)
    answer.points, answer.comment, answer.graded_by, answer.graded_at = value, comment, grader, timezone.now()
    answer.save(update_fields=["points", "comment", "graded_by", "graded_at", "updated_at"])
    audit = _audit(
        course_id=sitting.exam.course_id,
        actor=grader,
        student_id=sitting.user_id,
        target=AUDIT_TARGETS[EXAM_ANSWER],
        target_id=answer.pk,
        old=old,
        new=value,
        reason=reason,
    )
    was_published = sitting.status == Sitting.Status.GRADED
    sitting = sitting_publish_if_complete(sitting_id=sitting.pk)
    if was_published and old != value:
        _notify_changed(
            user=sitting.user,
            what=sitting.exam.title,
            old=old,
            new=value,
            url=_url("exams:sitting-detail", sitting.pk),
            audit=audit,
        )
    return answer


# ---------------------------------------------------------------------------------------------
# Case analyses


@transaction.atomic
def case_submission_grade(
    *,
    submission: CaseSubmission,
    grader: User,
    scores: Mapping[int, object],
    criterion_comments: Mapping[int, str] | None = None,
    comment: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> CaseSubmission:
    """Grade a submitted case analysis with the case's rubric (the default one is created if
    the case has none): ``scores`` maps every criterion id to its points, with an optional
    comment per criterion. The score is their sum, ``max_score`` the rubric's total. An
    analysis outside exams is published at once (the student is notified and sees the
    reference analysis); one of an exam publishes its sitting when it was the last part.
    Raises PermissionDeniedError, InvalidInput (a criterion missing or unknown, points out of
    range, a regrade without a reason) or ApplicationError (a draft)."""
    now = now or timezone.now()
    submission = (
        CaseSubmission.objects.select_for_update(of=("self",))
        .select_related("case__course", "user")
        .get(pk=submission.pk)
    )
    case = submission.case
    _grader_check(user=grader, course_id=case.course_id)
    if submission.status not in (CaseSubmission.Status.SUBMITTED, CaseSubmission.Status.GRADED):
        raise ApplicationError(_("This analysis has not been submitted yet."))
    criteria = case_rubric_ensure(case=case)
    by_id = {criterion.pk: criterion for criterion in criteria}
    unknown = set(scores) - set(by_id)
    if unknown:
        raise InvalidInput(_("A criterion is not part of this case's rubric."))
    missing = [criterion for criterion in criteria if criterion.pk not in scores]
    if missing:
        raise InvalidInput(
            _("Give points for every criterion: “%(title)s” has none.") % {"title": missing[0].title}
        )
    comments = criterion_comments or {}
    values = {}
    for criterion in criteria:
        try:
            values[criterion.pk] = points_parse(scores[criterion.pk], max_points=criterion.max_points)
        except InvalidInput as exc:
            raise InvalidInput(f"{criterion.title}: {exc.message}") from None
    texts = {
        pk: _text_check(comments.get(pk, ""), limit=COMMENT_MAX_LENGTH, what=_("The comment")) for pk in by_id
    }
    comment = _text_check(comment, limit=COMMENT_MAX_LENGTH, what=_("The comment"))
    reason = _text_check(reason, limit=REASON_MAX_LENGTH, what=_("The reason"))

    existing = {
        score.criterion_id: score
        for score in RubricScore.objects.select_for_update().filter(submission=submission)
    }
    was_published = submission.status == CaseSubmission.Status.GRADED
    changed = any(pk in existing and existing[pk].points != value for pk, value in values.items()) or (
        was_published and any(pk not in existing for pk in values)
    )
    _reason_check(changed=was_published and changed, reason=reason)
    to_update, to_create = [], []
    for pk, value in values.items():
        if pk in existing:
            row = existing[pk]
            row.points, row.comment, row.updated_at = value, texts[pk], now
            to_update.append(row)
        else:
            to_create.append(
                RubricScore(submission=submission, criterion_id=pk, points=value, comment=texts[pk])
            )
    RubricScore.objects.bulk_update(to_update, ["points", "comment", "updated_at"])
    RubricScore.objects.bulk_create(to_create)

    old = submission.score if was_published else None
    total = sum(values.values(), Decimal(0))
    submission.score = total
    submission.max_score = sum((criterion.max_points for criterion in criteria), Decimal(0))
    submission.comment, submission.graded_by, submission.graded_at = comment, grader, now
    submission.status = CaseSubmission.Status.GRADED
    submission.save(
        update_fields=["score", "max_score", "comment", "graded_by", "graded_at", "status", "updated_at"]
    )
    audit = _audit(
        course_id=case.course_id,
        actor=grader,
        student_id=submission.user_id,
        target=AUDIT_TARGETS[CASE],
        target_id=submission.pk,
        old=old,
        new=total,
        reason=reason,
    )
    user = submission.user
    if submission.sitting_id is not None:
        sitting = sitting_publish_if_complete(sitting_id=submission.sitting_id, now=now)
        if was_published and changed:
            _notify_changed(
                user=user, what=sitting.exam.title, old=old, new=total,
                url=_url("exams:sitting-detail", sitting.pk), audit=audit,
            )  # fmt: skip
        return submission
    url = _url("exams:case-analysis", case.pk)
    if was_published:
        if changed:
            _notify_changed(user=user, what=case.title, old=old, new=total, url=url, audit=audit)
        return submission
    with translation.override(_language(user)):
        _notify(
            user=user,
            kind=Notification.Kind.SUBMISSION_GRADED,
            title=_("Your analysis of “%(case)s” is graded") % {"case": case.title},
            body=_("Score: %(score)s of %(max)s. The reference analysis is open now.")
            % {"score": total, "max": submission.max_score},
            url=url,
            dedupe_key=f"case-graded-{submission.pk}",
        )
    return submission


# ---------------------------------------------------------------------------------------------
# Role-play deliverables


@transaction.atomic
def deliverable_grade(
    *,
    deliverable: RolePlayDeliverable,
    grader: User,
    points: object,
    comment: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> RolePlayDeliverable:
    """Grade a team's handed-in deliverable (or regrade it, with a reason). Every member of the
    team gets an audit row and a notification. Raises PermissionDeniedError, InvalidInput, or
    ApplicationError (not handed in)."""
    now = now or timezone.now()
    deliverable = (
        RolePlayDeliverable.objects.select_for_update(of=("self",))
        .select_related("team__session__role_play", "stage")
        .get(pk=deliverable.pk)
    )
    role_play = deliverable.team.session.role_play
    _grader_check(user=grader, course_id=role_play.course_id)
    if deliverable.submitted_at is None:
        raise ApplicationError(_("This deliverable has not been handed in yet."))
    value = points_parse(points, max_points=deliverable.max_points)
    comment = _text_check(comment, limit=COMMENT_MAX_LENGTH, what=_("The comment"))
    reason = _text_check(reason, limit=REASON_MAX_LENGTH, what=_("The reason"))
    old = deliverable.points
    changed = old is not None and old != value
    _reason_check(changed=changed, reason=reason)
    deliverable.points, deliverable.comment, deliverable.graded_by, deliverable.graded_at = (
        value,
        comment,
        grader,
        now,
    )
    deliverable.save(update_fields=["points", "comment", "graded_by", "graded_at", "updated_at"])
    members = list(RolePlayAssignment.objects.filter(team_id=deliverable.team_id).select_related("user"))
    audits = GradeAudit.objects.bulk_create(
        GradeAudit(
            course_id=role_play.course_id,
            actor=grader,
            student_id=member.user_id,
            target=AUDIT_TARGETS[DELIVERABLE],
            target_id=deliverable.pk,
            old_points=old,
            new_points=value,
            reason=reason,
        )
        for member in members
    )
    url = _url("exams:roleplay-session", deliverable.team.session_id)
    what = f"{role_play.title}: {deliverable.stage.title}"
    for member, audit in zip(members, audits, strict=True):
        if changed:
            _notify_changed(user=member.user, what=what, old=old, new=value, url=url, audit=audit)
        elif old is None:
            with translation.override(_language(member.user)):
                _notify(
                    user=member.user,
                    kind=Notification.Kind.SUBMISSION_GRADED,
                    title=_("Your team's deliverable for “%(what)s” is graded") % {"what": what},
                    body=_("Points: %(points)s of %(max)s.")
                    % {"points": value, "max": deliverable.max_points},
                    url=url,
                    dedupe_key=f"deliverable-graded-{deliverable.pk}-{member.user_id}",
                )
    return deliverable


# ---------------------------------------------------------------------------------------------
# Overrides of automatic results


@transaction.atomic
def grade_override(*, target: str, target_id: int, grader: User, points: object, reason: str) -> GradeAudit:
    """Override an automatic result, always with a reason:

    - ``response``: an automatically graded answer of a submitted quiz attempt (points of its
      max points); a graded attempt is re-totalled.
    - ``submission``: the practical ``submit`` run of an exam sitting or of a practice task
      (its score in percent, 0–100); a run that could not run gets the score the grader
      gives (status done, the error kept). The sitting is re-totalled and published when
      complete.

    A changed published grade notifies the student. Raises LookupError (no such target),
    PermissionDeniedError, InvalidInput (points, no reason) or ApplicationError (not an
    automatic result, not submitted).
    """
    reason = _text_check(reason, limit=REASON_MAX_LENGTH, what=_("The reason"))
    if not reason:
        raise InvalidInput(_("Give a reason for overriding an automatic result."))
    if target == AUDIT_RESPONSE:
        return _response_override(response_id=target_id, grader=grader, points=points, reason=reason)
    if target == AUDIT_SUBMISSION:
        return _submission_override(submission_id=target_id, grader=grader, points=points, reason=reason)
    raise LookupError(target)


def _response_override(*, response_id: int, grader: User, points: object, reason: str) -> GradeAudit:
    response = Response.objects.filter(pk=response_id).select_related("question").first()
    if response is None:
        raise LookupError(response_id)
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz", "user")
        .get(pk=response.attempt_id)
    )
    response = Response.objects.select_for_update(of=("self",)).select_related("question").get(pk=response_id)
    _grader_check(user=grader, course_id=attempt.quiz.course_id)
    if response.question.kind in quiz_grading.MANUAL_KINDS:
        raise ApplicationError(_("This answer is graded by hand: grade it on the desk."))
    if attempt.status not in (Attempt.Status.AWAITING_MANUAL, Attempt.Status.GRADED):
        raise ApplicationError(_("This attempt is not graded yet."))
    value = points_parse(points, max_points=response.max_points)
    old = response.points
    response.points, response.is_correct, response.graded_by = value, value == response.max_points, grader
    response.save(update_fields=["points", "is_correct", "graded_by", "updated_at"])
    audit = _audit(
        course_id=attempt.quiz.course_id,
        actor=grader,
        student_id=attempt.user_id,
        target=AUDIT_RESPONSE,
        target_id=response.pk,
        old=old,
        new=value,
        reason=reason,
    )
    was_published = attempt.status == Attempt.Status.GRADED
    attempt_finalize_manual(attempt=attempt, grader=grader)
    if was_published and old != value:
        _notify_changed(
            user=attempt.user, what=attempt.quiz.title, old=old, new=value,
            url=_url("quizzes:attempt-result", attempt.pk), audit=audit,
        )  # fmt: skip
    return audit


def _submission_override(*, submission_id: int, grader: User, points: object, reason: str) -> GradeAudit:
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("task", "user")
        .filter(pk=submission_id, kind=Submission.Kind.SUBMIT)
        .first()
    )
    if submission is None:
        raise LookupError(submission_id)
    _grader_check(user=grader, course_id=submission.task.course_id)
    if submission.status not in (Submission.Status.DONE, Submission.Status.ERROR):
        raise ApplicationError(_("This run has not finished yet."))
    value = points_parse(points, max_points=Decimal(100))
    old = submission.score
    submission.score, submission.status = value, Submission.Status.DONE
    submission.save(update_fields=["score", "status", "updated_at"])
    audit = _audit(
        course_id=submission.task.course_id,
        actor=grader,
        student_id=submission.user_id,
        target=AUDIT_SUBMISSION,
        target_id=submission.pk,
        old=old,
        new=value,
        reason=reason,
    )
    if submission.sitting_id is None:
        if old != value:
            _notify_changed(
                user=submission.user, what=submission.task.title, old=old, new=value, url="", audit=audit
            )
        return audit
    was_published = Sitting.objects.filter(pk=submission.sitting_id, status=Sitting.Status.GRADED).exists()
    sitting = sitting_publish_if_complete(sitting_id=submission.sitting_id)
    if was_published and old != value:
        _notify_changed(
            user=submission.user, what=sitting.exam.title, old=old, new=value,
            url=_url("exams:sitting-detail", sitting.pk), audit=audit,
        )  # fmt: skip
    return audit


# ---------------------------------------------------------------------------------------------
# One entry point for the desk's pages and API


def desk_grade(
    *,
    kind: str,
    obj: object,
    grader: User,
    points: object = None,
    scores: Mapping[int, object] | None = None,
    criterion_comments: Mapping[int, str] | None = None,
    comment: str = "",
    reason: str = "",
) -> object:
    """Grade a desk item of ``kind`` (see ``exams.desk_selectors.KINDS``): ``points`` for an
    answer or a deliverable, ``scores`` per rubric criterion for a case analysis."""
    if kind == CASE:
        return case_submission_grade(
            submission=obj,
            grader=grader,
            scores=scores or {},
            criterion_comments=criterion_comments,
            comment=comment,
            reason=reason,
        )
    if kind == EXAM_ANSWER:
        return sitting_answer_grade(answer=obj, grader=grader, points=points, comment=comment, reason=reason)
    if kind == DELIVERABLE:
        return deliverable_grade(
            deliverable=obj, grader=grader, points=points, comment=comment, reason=reason
        )
    return response_grade(response=obj, grader=grader, points=points, comment=comment, reason=reason)
