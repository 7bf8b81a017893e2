"""Read queries for one item of the grading desk: the student's work beside the reference and
the rubric, the automatic results of the same attempt or sitting (overridable), links to its
other parts, and the audit trail. Scoped like the queue (``exams.desk_selectors``); names are
hidden under anonymous grading. A fixed number of queries per item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from courses.models import Course
from exams.desk_selectors import (
    AUDIT_RESPONSE,
    AUDIT_SUBMISSION,
    AUDIT_TARGETS,
    CASE,
    DELIVERABLE,
    EXAM_ANSWER,
    KINDS,
    QUIZ_ANSWER,
    StudentDirectory,
    _snippet,
    desk_can_grade,
    desk_can_view,
    kind_labels,
    student_directory,
)
from exams.models import (
    CaseProblem,
    CaseSubmission,
    GradeAudit,
    RolePlayAssignment,
    RolePlayDeliverable,
    RubricCriterion,
    RubricScore,
    Sitting,
    SittingAnswer,
)
from exams.sitting_selectors import final_submission
from quizzes import grading as quiz_grading
from quizzes.models import Attempt, Question, Response

if TYPE_CHECKING:
    from courses.permissions import AnyUser


@dataclass(frozen=True)
class RubricLine:
    criterion: RubricCriterion | None  # None: the single "points" line of an answer
    title: str
    description: str
    max_points: Decimal
    points: Decimal | None
    comment: str
    field_prefix: str = "grade"  # form fields: "<prefix>-points", "<prefix>-comment"


@dataclass(frozen=True)
class AutoResult:
    """An automatically graded part shown beside the item, overridable with a reason."""

    target: str  # GradeAudit target: "response" or "submission"
    pk: int
    title: str
    answer: str
    points: Decimal | None
    max_points: Decimal
    is_correct: bool | None
    overridden: bool


@dataclass(frozen=True)
class SiblingLink:
    kind: str
    pk: int
    title: str
    is_pending: bool

    @property
    def url(self) -> str:
        return reverse("desk:item", kwargs={"kind": self.kind, "item_id": self.pk})


@dataclass
class DeskItem:
    kind: str
    obj: object
    course: Course
    student_id: int | None
    student: str
    team_members: list[str]
    source_title: str
    title: str
    prompt_html: str  # the question / case task / stage brief
    answer_html: str  # the student's work (rendered Markdown), or ""
    answer_text: str  # the student's work as plain text (open/code answers)
    answer_is_code: bool
    reference_html: str
    reference_problems: list[CaseProblem]
    reference_conclusions: list[str]
    stage_deliverables: list[str]
    lines: list[RubricLine]
    comment: str
    points: Decimal | None
    max_points: Decimal
    is_pending: bool
    submitted_at: datetime | None
    graded_at: datetime | None
    graded_by: str
    auto_results: list[AutoResult]
    siblings: list[SiblingLink]
    audit: list[GradeAudit]
    can_grade: bool
    anonymous: bool
    needs_rubric: bool = False  # a case whose default rubric is not created yet

    @property
    def audit_target(self) -> str:
        return AUDIT_TARGETS[self.kind]

    @property
    def kind_label(self) -> str:
        return kind_labels()[self.kind]

    @property
    def has_rubric(self) -> bool:
        return self.kind == CASE

    @property
    def is_regrade(self) -> bool:
        return not self.is_pending


def _graded_by(user) -> str:
    return str(user) if user is not None else ""


def _audit(target: str, pk: int) -> list[GradeAudit]:
    return list(
        GradeAudit.objects.filter(target=target, target_id=pk).select_related("actor").order_by("-created_at")
    )


def _response_answer_text(response: Response) -> str:
    kind = response.question.kind
    if kind in quiz_grading.CHOICE_KINDS:
        return ", ".join(choice.text for choice in response.selected_choices.all())
    if kind == "true_false":
        return (
            "" if response.boolean_answer is None else (_("True") if response.boolean_answer else _("False"))
        )
    if kind == "numeric":
        return "" if response.numeric_answer is None else f"{response.numeric_answer.normalize():f}"
    return response.text_answer


def _build_quiz_item(response: Response, course: Course, directory: StudentDirectory) -> DeskItem:
    attempt = response.attempt
    others = list(
        Response.objects.filter(attempt=attempt)
        .exclude(pk=response.pk)
        .select_related("question")
        .prefetch_related("selected_choices")
        .order_by("position")
    )
    overridden = set(
        GradeAudit.objects.filter(target=AUDIT_RESPONSE, target_id__in=[r.pk for r in others]).values_list(
            "target_id", flat=True
        )
    )
    auto = [
        AutoResult(
            target=AUDIT_RESPONSE,
            pk=r.pk,
            title=_snippet(r.question.text_md),
            answer=_response_answer_text(r),
            points=r.points,
            max_points=r.max_points,
            is_correct=r.is_correct,
            overridden=r.pk in overridden,
        )
        for r in others
        if r.question.kind not in quiz_grading.MANUAL_KINDS
    ]
    siblings = [
        SiblingLink(
            kind=QUIZ_ANSWER, pk=r.pk, title=_snippet(r.question.text_md), is_pending=r.points is None
        )
        for r in others
        if r.question.kind in quiz_grading.MANUAL_KINDS
    ]
    question = response.question
    return _points_item(
        kind=QUIZ_ANSWER,
        obj=response,
        course=course,
        directory=directory,
        user_id=attempt.user_id,
        user=attempt.user,
        source_title=attempt.quiz.title,
        question=question,
        answer_text=response.text_answer,
        answer_is_code=question.kind == "code",
        comment=response.grader_comment,
        submitted_at=attempt.submitted_at,
        graded_at=attempt.graded_at,
        graded_by=response.graded_by,
        auto_results=auto,
        siblings=siblings,
        audit=_audit("response", response.pk),
    )


def _sitting_parts(
    sitting: Sitting, *, exclude: tuple[str, int]
) -> tuple[list[AutoResult], list[SiblingLink]]:
    answers = SittingAnswer.objects.filter(sitting=sitting).select_related("question").order_by("pk")
    cases = CaseSubmission.objects.filter(sitting=sitting).select_related("case").order_by("pk")
    siblings = [
        SiblingLink(
            kind=EXAM_ANSWER, pk=a.pk, title=_snippet(a.question.text_md), is_pending=a.points is None
        )
        for a in answers
        if (EXAM_ANSWER, a.pk) != exclude
    ] + [
        SiblingLink(
            kind=CASE, pk=c.pk, title=c.case.title, is_pending=c.status != CaseSubmission.Status.GRADED
        )
        for c in cases
        if (CASE, c.pk) != exclude
    ]
    final = final_submission(sitting=sitting)
    submissions = [final] if final is not None else []
    overridden = set(
        GradeAudit.objects.filter(
            target=AUDIT_SUBMISSION, target_id__in=[s.pk for s in submissions]
        ).values_list("target_id", flat=True)
    )
    auto = [
        AutoResult(
            target=AUDIT_SUBMISSION,
            pk=s.pk,
            title=s.task.title,
            answer=_("Practical task: hidden tests passed, per cent") if s.error == "" else s.error[:300],
            points=s.score,
            max_points=Decimal(100),
            is_correct=None,
            overridden=s.pk in overridden,
        )
        for s in submissions
    ]
    return auto, siblings


def _build_exam_item(answer: SittingAnswer, course: Course, directory: StudentDirectory) -> DeskItem:
    sitting = answer.sitting
    auto, siblings = _sitting_parts(sitting, exclude=(EXAM_ANSWER, answer.pk))
    return _points_item(
        kind=EXAM_ANSWER,
        obj=answer,
        course=course,
        directory=directory,
        user_id=sitting.user_id,
        user=sitting.user,
        source_title=sitting.exam.title,
        question=answer.question,
        answer_text=answer.text,
        answer_is_code=False,
        comment=answer.comment,
        submitted_at=sitting.submitted_at,
        graded_at=answer.graded_at,
        graded_by=answer.graded_by,
        auto_results=auto,
        siblings=siblings,
        audit=_audit("sitting_answer", answer.pk),
    )


def _points_item(
    *,
    kind: str,
    obj: Response | SittingAnswer,
    course: Course,
    directory: StudentDirectory,
    user_id: int,
    user: AnyUser,
    source_title: str,
    question: Question,
    answer_text: str,
    answer_is_code: bool,
    comment: str,
    submitted_at: datetime | None,
    graded_at: datetime | None,
    graded_by: AnyUser | None,
    auto_results: list[AutoResult],
    siblings: list[SiblingLink],
    audit: list[GradeAudit],
) -> DeskItem:
    """An answer graded with points alone (an open quiz answer, an exam theory answer): the
    question and its reference beside the answer, one "Points" line instead of a rubric."""
    return DeskItem(
        kind=kind,
        obj=obj,
        course=course,
        student_id=user_id,
        student=directory.label(user_id, user),
        team_members=[],
        source_title=source_title,
        title=_snippet(question.text_md),
        prompt_html=question.text_html,
        answer_html="",
        answer_text=answer_text,
        answer_is_code=answer_is_code,
        reference_html=question.answer_html,
        reference_problems=[],
        reference_conclusions=[],
        stage_deliverables=[],
        lines=[
            RubricLine(
                criterion=None,
                title=_("Points"),
                description="",
                max_points=obj.max_points,
                points=obj.points,
                comment="",
            )
        ],
        comment=comment,
        points=obj.points,
        max_points=obj.max_points,
        is_pending=obj.points is None,
        submitted_at=submitted_at,
        graded_at=graded_at,
        graded_by=_graded_by(graded_by),
        auto_results=auto_results,
        siblings=siblings,
        audit=audit,
        can_grade=False,
        anonymous=directory.anonymous,
    )


def _build_case_item(submission: CaseSubmission, course: Course, directory: StudentDirectory) -> DeskItem:
    case = submission.case
    criteria = list(RubricCriterion.objects.filter(case=case).order_by("position", "id"))
    problems = list(CaseProblem.objects.filter(case=case).order_by("position", "id"))
    scores = {s.criterion_id: s for s in RubricScore.objects.filter(submission=submission)}
    needs_rubric = not criteria
    if needs_rubric:  # shown as it will be created when graded
        from exams.case_services import default_rubric

        criteria = default_rubric(case=case, problems=problems)
    lines = [
        RubricLine(
            criterion=c if c.pk else None,
            title=c.title,
            description=c.description,
            max_points=c.max_points,
            points=scores[c.pk].points if c.pk in scores else None,
            comment=scores[c.pk].comment if c.pk in scores else "",
            field_prefix=f"criterion-{c.pk}" if c.pk else f"position-{index}",
        )
        for index, c in enumerate(criteria)
    ]
    auto: list[AutoResult] = []
    siblings: list[SiblingLink] = []
    source_title = case.title
    if submission.sitting_id:
        auto, siblings = _sitting_parts(submission.sitting, exclude=(CASE, submission.pk))
        source_title = submission.sitting.exam.title
    return DeskItem(
        kind=CASE,
        obj=submission,
        course=course,
        student_id=submission.user_id,
        student=directory.label(submission.user_id, submission.user),
        team_members=[],
        source_title=source_title,
        title=case.title,
        prompt_html=case.task_html,
        answer_html=submission.analysis_html,
        answer_text="",
        answer_is_code=False,
        reference_html="",
        reference_problems=problems,
        reference_conclusions=list(case.conclusions or []),
        stage_deliverables=[],
        lines=lines,
        comment=submission.comment,
        points=submission.score,
        max_points=submission.max_score or sum((line.max_points for line in lines), Decimal(0)),
        is_pending=submission.status == CaseSubmission.Status.SUBMITTED,
        submitted_at=submission.submitted_at,
        graded_at=submission.graded_at,
        graded_by=_graded_by(submission.graded_by),
        auto_results=auto,
        siblings=siblings,
        audit=_audit("case_submission", submission.pk),
        can_grade=False,
        anonymous=directory.anonymous,
        needs_rubric=needs_rubric,
    )


def _build_deliverable_item(
    deliverable: RolePlayDeliverable, course: Course, directory: StudentDirectory
) -> DeskItem:
    team = deliverable.team
    members = list(
        RolePlayAssignment.objects.filter(team=team)
        .select_related("user", "role")
        .order_by("role__position", "pk")
    )
    stage = deliverable.stage
    return DeskItem(
        kind=DELIVERABLE,
        obj=deliverable,
        course=course,
        student_id=None,
        student=team.name,
        team_members=[f"{directory.label(m.user_id, m.user)} — {m.role.name}" for m in members],
        source_title=team.session.role_play.title,
        title=stage.title,
        prompt_html=stage.brief_html,
        answer_html=deliverable.text_html,
        answer_text="",
        answer_is_code=False,
        reference_html="",
        reference_problems=[],
        reference_conclusions=[],
        stage_deliverables=list(stage.deliverables or []),
        lines=[
            RubricLine(
                criterion=None,
                title=_("Points"),
                description="",
                max_points=deliverable.max_points,
                points=deliverable.points,
                comment="",
            )
        ],
        comment=deliverable.comment,
        points=deliverable.points,
        max_points=deliverable.max_points,
        is_pending=deliverable.points is None,
        submitted_at=deliverable.submitted_at,
        graded_at=deliverable.graded_at,
        graded_by=_graded_by(deliverable.graded_by),
        auto_results=[],
        siblings=[],
        audit=_audit("deliverable", deliverable.pk),
        can_grade=False,
        anonymous=directory.anonymous,
    )


def desk_item_object(*, kind: str, item_id: int):
    """The graded object of an item with its course: (object, course). Raises LookupError for
    an unknown kind or a missing object, and for an item not (yet) on the desk: an attempt
    or sitting in progress, a draft analysis, a deliverable not handed in."""
    if kind not in KINDS or not 0 < item_id < 2**63:
        raise LookupError(kind)
    try:
        if kind == QUIZ_ANSWER:
            obj = Response.objects.select_related(
                "attempt__quiz__course", "attempt__user", "question", "graded_by"
            ).get(
                pk=item_id,
                question__kind__in=quiz_grading.MANUAL_KINDS,
                attempt__status__in=(Attempt.Status.AWAITING_MANUAL, Attempt.Status.GRADED),
            )
            return obj, obj.attempt.quiz.course
        if kind == EXAM_ANSWER:
            obj = SittingAnswer.objects.select_related(
                "sitting__exam__course", "sitting__user", "question", "graded_by"
            ).get(pk=item_id, sitting__status__in=(Sitting.Status.AWAITING_MANUAL, Sitting.Status.GRADED))
            return obj, obj.sitting.exam.course
        if kind == CASE:
            obj = CaseSubmission.objects.select_related(
                "case__course", "user", "graded_by", "sitting__exam"
            ).get(pk=item_id, status__in=(CaseSubmission.Status.SUBMITTED, CaseSubmission.Status.GRADED))
            return obj, obj.case.course
        obj = RolePlayDeliverable.objects.select_related(
            "team__session__role_play__course", "stage", "graded_by"
        ).get(pk=item_id, submitted_at__isnull=False)
        return obj, obj.team.session.role_play.course
    except (Response.DoesNotExist, SittingAnswer.DoesNotExist, CaseSubmission.DoesNotExist,
            RolePlayDeliverable.DoesNotExist):  # fmt: skip
        raise LookupError(kind) from None


_ITEM_BUILDERS = {
    QUIZ_ANSWER: _build_quiz_item,
    EXAM_ANSWER: _build_exam_item,
    CASE: _build_case_item,
    DELIVERABLE: _build_deliverable_item,
}


def desk_item_get(*, user: AnyUser, kind: str, item_id: int) -> DeskItem:
    """One item with the student's work, the reference, the rubric (with the points given so
    far), the automatically graded parts beside it, links to the other parts of the same
    attempt or sitting, and the audit trail. Names are hidden under anonymous grading.
    Raises LookupError when the item is missing, not on the desk, or of a course whose desk
    the user does not open (so another course's items look missing)."""
    obj, course = desk_item_object(kind=kind, item_id=item_id)
    if not desk_can_view(user=user, course_id=course.pk):
        raise LookupError(kind)
    directory = student_directory(course=course)
    item = _ITEM_BUILDERS[kind](obj, course, directory)
    item.can_grade = desk_can_grade(user=user, course_id=course.pk)
    return item
