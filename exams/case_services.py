"""Writes for case-study analyses (кейсы) written outside exams, and the cases' rubrics.

A student's analysis is one ``CaseSubmission`` per case (``sitting`` empty): drafts are
autosaved while its status is draft; submitting freezes it (status submitted) and puts it on
the grading desk, where it is graded with the case's rubric (``exams.desk_services``). A case
without rubric rows gets the default rubric from ``case_rubric_ensure``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import ApplicationError, PermissionDeniedError
from exams.desk_exceptions import InvalidInput
from exams.models import CaseProblem, CaseStudy, CaseSubmission, RubricCriterion
from exams.selectors import case_get_for_viewer

ANALYSIS_MAX_LENGTH = 50_000
DEFAULT_CRITERION_POINTS = Decimal("5")
_TITLE_MAX_LENGTH = RubricCriterion._meta.get_field("title").max_length


# ---------------------------------------------------------------------------------------------
# Rubric


def default_rubric(*, case: CaseStudy, problems: Sequence[CaseProblem]) -> list[RubricCriterion]:
    """The default rubric of a case (unsaved rows): one criterion per reference problem ("found
    the problem, its symptom and cause, proposed a solution") and one for the conclusions,
    each worth DEFAULT_CRITERION_POINTS. Titles are in the course's language."""
    with translation.override(case.course.language if case.course_id else None):
        rows = [
            RubricCriterion(
                case=case,
                position=index,
                title=(_("Problem %(number)d: %(title)s") % {"number": index + 1, "title": problem.title})[
                    :_TITLE_MAX_LENGTH
                ],
                description=_("Identified the problem, its symptom and its cause, and proposed a solution."),
                max_points=DEFAULT_CRITERION_POINTS,
            )
            for index, problem in enumerate(problems)
        ]
        rows.append(
            RubricCriterion(
                case=case,
                position=len(rows),
                title=_("Conclusions and recommendations"),
                description=_("Drew conclusions from the analysis and gave recommendations."),
                max_points=DEFAULT_CRITERION_POINTS,
            )
        )
    return rows


@transaction.atomic
def case_rubric_ensure(*, case: CaseStudy) -> list[RubricCriterion]:
    """The case's rubric in order; when it has none, the default rubric is created first (once:
    the case row is locked, so concurrent calls do not duplicate it)."""
    case = CaseStudy.objects.select_for_update(of=("self",)).select_related("course").get(pk=case.pk)
    existing = list(RubricCriterion.objects.filter(case=case).order_by("position", "id"))
    if existing:
        return existing
    problems = list(CaseProblem.objects.filter(case=case).order_by("position", "id"))
    rows = default_rubric(case=case, problems=problems)
    for row in rows:
        row.full_clean()
    RubricCriterion.objects.bulk_create(rows)
    return list(RubricCriterion.objects.filter(case=case).order_by("position", "id"))


# ---------------------------------------------------------------------------------------------
# Student's analysis


def _learner_check(*, case: CaseStudy, user: User) -> CaseStudy:
    """The case as the student may write to it. Raises CaseStudy.DoesNotExist (not visible),
    PermissionDeniedError (not a student of the course, module locked)."""
    access = case_get_for_viewer(user=user, case_id=case.pk)
    if access.refusal is not None:
        raise PermissionDeniedError(access.refusal)
    if not access.viewer.is_learner:
        raise PermissionDeniedError(_("Only the course's students write case analyses."))
    return access.case


def _text_check(analysis_md: str) -> None:
    if not isinstance(analysis_md, str):
        raise InvalidInput(_("The analysis must be text."))
    if len(analysis_md) > ANALYSIS_MAX_LENGTH:
        raise InvalidInput(
            _("The analysis is too long (at most %(limit)d characters).") % {"limit": ANALYSIS_MAX_LENGTH}
        )


def _practice_submission_locked(*, case: CaseStudy, user: User) -> CaseSubmission:
    """The student's analysis of ``case`` outside exams, created empty if missing, locked."""
    rows = CaseSubmission.objects.select_for_update().filter(case=case, user=user, sitting__isnull=True)
    submission = rows.first()
    if submission is not None:
        return submission
    try:
        with transaction.atomic():  # a concurrent autosave may create it first
            return CaseSubmission.objects.create(case=case, user=user)
    except IntegrityError:
        return rows.get()


def _refuse_if_frozen(submission: CaseSubmission) -> None:
    if submission.status != CaseSubmission.Status.DRAFT:
        raise ApplicationError(_("This analysis was already submitted; it can no longer be changed."))


@transaction.atomic
def case_submission_save(
    *, case: CaseStudy, user: User, analysis_md: str, now: datetime | None = None
) -> CaseSubmission:
    """Save the student's draft analysis of ``case`` (autosave), creating it on first save.

    Needs a student of the course with the case's module open. Raises CaseStudy.DoesNotExist,
    PermissionDeniedError, InvalidInput (not text, longer than ANALYSIS_MAX_LENGTH) or
    ApplicationError (already submitted).
    """
    now = now or timezone.now()
    case = _learner_check(case=case, user=user)
    _text_check(analysis_md)
    submission = _practice_submission_locked(case=case, user=user)
    _refuse_if_frozen(submission)
    submission.analysis_md = analysis_md
    submission.saved_at = now
    submission.full_clean()
    submission.save(update_fields=["analysis_md", "saved_at", "updated_at"])
    return submission


@transaction.atomic
def case_submission_submit(
    *, case: CaseStudy, user: User, analysis_md: str | None = None, now: datetime | None = None
) -> CaseSubmission:
    """Submit the student's analysis for grading (with ``analysis_md``, saved first): status
    submitted, ``submitted_at``, and ``max_score`` = the rubric's total (the default rubric is
    created if the case has none). Nothing can change it afterwards.

    Raises what ``case_submission_save`` raises, and ApplicationError for an empty analysis.
    """
    now = now or timezone.now()
    case = _learner_check(case=case, user=user)
    if analysis_md is not None:
        _text_check(analysis_md)
    submission = _practice_submission_locked(case=case, user=user)
    _refuse_if_frozen(submission)
    if analysis_md is not None:
        submission.analysis_md = analysis_md
        submission.saved_at = now
    if not submission.analysis_md.strip():
        raise ApplicationError(_("Write your analysis before submitting it."))
    rubric = case_rubric_ensure(case=case)
    submission.status = CaseSubmission.Status.SUBMITTED
    submission.submitted_at = now
    submission.max_score = sum((criterion.max_points for criterion in rubric), Decimal(0))
    submission.full_clean()
    submission.save(
        update_fields=["analysis_md", "saved_at", "status", "submitted_at", "max_score", "updated_at"]
    )
    return submission
