"""Read queries for a student's case analysis page: the draft or submitted analysis, and once
it is graded the rubric scores and the reference analysis. A fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from exams.models import CaseProblem, CaseStudy, CaseSubmission, RubricCriterion, RubricScore
from exams.selectors import CaseAccess, case_get_for_viewer

if TYPE_CHECKING:
    from courses.permissions import AnyUser


@dataclass(frozen=True)
class CriterionResult:
    criterion: RubricCriterion
    points: Decimal | None
    comment: str


@dataclass
class CaseAnalysisPage:
    access: CaseAccess
    submission: CaseSubmission | None
    problems: list[CaseProblem] = field(default_factory=list)  # the reference: empty unless shown
    results: list[CriterionResult] = field(default_factory=list)  # only once graded

    @property
    def case(self) -> CaseStudy:
        return self.access.case

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else CaseSubmission.Status.DRAFT

    @property
    def can_edit(self) -> bool:
        return self.access.viewer.is_learner and self.status == CaseSubmission.Status.DRAFT

    @property
    def is_submitted(self) -> bool:
        return self.status == CaseSubmission.Status.SUBMITTED

    @property
    def is_graded(self) -> bool:
        return self.status == CaseSubmission.Status.GRADED

    @property
    def show_reference(self) -> bool:
        """The reference analysis: to the student once graded, to the course's team always."""
        return self.is_graded or self.access.viewer.is_reviewer

    @property
    def analysis_md(self) -> str:
        return self.submission.analysis_md if self.submission else ""

    @property
    def percent(self) -> Decimal | None:
        submission = self.submission
        if not self.is_graded or submission is None or submission.score is None:
            return None
        if submission.max_score <= 0:
            return Decimal(100)
        return (submission.score * 100 / submission.max_score).quantize(Decimal("0.01"))


def case_analysis_for(*, user: AnyUser, case_id: int, now: datetime | None = None) -> CaseAnalysisPage:
    """The viewer's own analysis of the case outside exams (None before the first save), its
    rubric results once graded, and the reference analysis when it may be shown. Raises
    CaseStudy.DoesNotExist like ``case_get_for_viewer``; the caller answers 403 on a refusal."""
    access = case_get_for_viewer(user=user, case_id=case_id, now=now)
    submission = None
    if user.is_authenticated and access.refusal is None:
        submission = (
            CaseSubmission.objects.filter(case=access.case, user=user, sitting__isnull=True)
            .select_related("graded_by")
            .first()
        )
    page = CaseAnalysisPage(access=access, submission=submission)
    if page.show_reference:
        page.problems = access.problems or list(
            CaseProblem.objects.filter(case=access.case).order_by("position", "id")
        )
    if page.is_graded and submission is not None:
        scores = {score.criterion_id: score for score in RubricScore.objects.filter(submission=submission)}
        criteria = list(RubricCriterion.objects.filter(case=access.case).order_by("position", "id"))
        page.results = [
            CriterionResult(
                criterion=criterion,
                points=scores[criterion.pk].points if criterion.pk in scores else None,
                comment=scores[criterion.pk].comment if criterion.pk in scores else "",
            )
            for criterion in criteria
        ]
    return page
