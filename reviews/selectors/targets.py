"""What feedback is about (lessons, questions, cases, exam tickets), who may leave it, and the
student's own items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    JSONField,
    TextField,
)
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from courses.models import Course
from courses.selectors import course_viewer
from exams.models import CaseStudy, Exam, ExamTicket
from lessons.models import Lesson
from quizzes.models import Question
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback
from reviews.permissions import (
    user_can_handle_feedback,
)

if TYPE_CHECKING:
    from courses.permissions import AnyUser


TARGET_KINDS = ("lesson", "question", "case", "ticket")
REVIEW_KIND = "review"
ITEM_KINDS = (*TARGET_KINDS, REVIEW_KIND)
# Tags with this key prefix are the problem kinds of item reports ("this question is wrong"),
# kept apart from the lecture tags a course chooses.
REPORT_TAG_PREFIX = "item-"
OPEN_STATUSES = (
    FeedbackResponse.Status.NEW,
    FeedbackResponse.Status.ACKNOWLEDGED,
    FeedbackResponse.Status.PLANNED,
)
CLOSED_STATUSES = (FeedbackResponse.Status.DONE, FeedbackResponse.Status.DECLINED)
LABEL_CHARS = 90


def kind_labels() -> dict[str, str]:
    return {
        "lesson": _("Lecture"),
        "question": _("Question"),
        "case": _("Case"),
        "ticket": _("Exam ticket"),
        REVIEW_KIND: _("Course review"),
    }


def heavy_fields(prefix: str, model: type, keep: tuple[str, ...] = ()) -> list[str]:
    """The long text and JSON columns of ``model`` (bodies, rendered HTML): lists never need them."""
    return [
        f"{prefix}{f.name}"
        for f in model._meta.concrete_fields
        if isinstance(f, TextField | JSONField) and f.name not in keep
    ]


@dataclass(frozen=True)
class FeedbackTarget:
    """The lesson, question, case or exam ticket an item is about, with its course loaded."""

    kind: str
    obj: Lesson | Question | CaseStudy | ExamTicket
    course: Course

    @property
    def lookup(self) -> dict[str, Any]:
        return {self.kind: self.obj}

    @property
    def label(self) -> str:
        return target_label(self.kind, self.obj)


def target_label(kind: str, obj: Any) -> str:
    if kind == "question":
        text = Truncator(obj.text_md or "").chars(LABEL_CHARS)
        return f"{obj.key}: {text}" if text else str(obj.key)
    return str(obj)


def target_url(kind: str, obj: Any, *, for_team: bool) -> str:
    """Where the item is: the lecture or case page; questions and tickets in the authoring admin
    for the team (students reach them only inside a quiz or an exam)."""
    if kind == "lesson":
        return reverse("lessons:lesson-detail", args=[obj.pk])
    if kind == "case":
        return reverse("exams:case-detail", args=[obj.pk])
    if for_team and kind == "question":
        return reverse("admin:quizzes_question_change", args=[obj.pk])
    if for_team and kind == "ticket":
        return reverse("admin:exams_examticket_change", args=[obj.pk])
    return ""


def feedback_target_get(*, kind: str, target_id: int) -> FeedbackTarget:
    """The target with its course. Raises ObjectDoesNotExist for an unknown kind or id."""
    if kind == "lesson":
        lesson = (
            Lesson.objects.select_related("module__course")
            .defer(*heavy_fields("", Lesson), *heavy_fields("module__course__", Course))
            .get(pk=target_id)
        )
        return FeedbackTarget(kind=kind, obj=lesson, course=lesson.module.course)
    if kind == "question":
        question = Question.objects.select_related("course").get(pk=target_id)
        return FeedbackTarget(kind=kind, obj=question, course=question.course)
    if kind == "case":
        case = (
            CaseStudy.objects.select_related("course").defer(*heavy_fields("", CaseStudy)).get(pk=target_id)
        )
        return FeedbackTarget(kind=kind, obj=case, course=case.course)
    if kind == "ticket":
        ticket = ExamTicket.objects.select_related("exam__course").get(pk=target_id)
        return FeedbackTarget(kind=kind, obj=ticket, course=ticket.exam.course)
    raise ObjectDoesNotExist(f"Unknown feedback target kind: {kind!r}")


def feedback_refusal(*, user: AnyUser, target: FeedbackTarget) -> str | None:
    """Why ``user`` may not leave feedback on ``target`` now, or None. Only students enrolled
    (active or completed) in a readable course, who may open the target, leave feedback."""
    if target.kind == "lesson":
        from lessons.selectors import lesson_get_for_viewer

        try:
            access = lesson_get_for_viewer(user=user, lesson_id=target.obj.pk)
        except Lesson.DoesNotExist:
            return _("This lecture is not available.")
        viewer, refusal = access.viewer, access.refusal
    else:
        viewer = course_viewer(user=user, course=target.course)
        refusal = viewer.read_refusal()
    if viewer.is_reviewer and not viewer.is_learner:
        return _("Students of the course leave feedback here; the team answers it in the feedback inbox.")
    if refusal is not None:
        return refusal
    if not viewer.is_learner:
        return _("Only students enrolled in the course can leave feedback.")
    return None


def feedback_tags_for(*, course: Course | int, kind: str) -> list[FeedbackTag]:
    """The tags students choose from: the course's lecture tags for a lecture, the problem
    kinds ("wrong", "unclear") for a report on a question, case or ticket. One query."""
    course_id = course.pk if isinstance(course, Course) else course
    tags = FeedbackTag.objects.filter(course_id=course_id)
    if kind == "lesson":
        tags = tags.exclude(key__startswith=REPORT_TAG_PREFIX)
    else:
        tags = tags.filter(key__startswith=REPORT_TAG_PREFIX)
    return list(tags.order_by("position", "id"))


def feedback_own(*, user: AnyUser, target: FeedbackTarget) -> LectureFeedback | None:
    """The user's item on ``target`` with its tags and the team's response, or None."""
    if not user.is_authenticated:
        return None
    return (
        LectureFeedback.objects.filter(user=user, **target.lookup)
        .select_related("response")
        .prefetch_related("tags")
        .first()
    )


@dataclass
class FeedbackFormState:
    """Everything the feedback widget (or report form) shows for one user and target."""

    target: FeedbackTarget
    feedback: LectureFeedback | None
    tags: list[FeedbackTag]
    refusal: str | None
    is_team: bool

    @property
    def can_submit(self) -> bool:
        return self.refusal is None

    @property
    def response(self) -> FeedbackResponse | None:
        if self.feedback is None:
            return None
        try:
            return self.feedback.response
        except FeedbackResponse.DoesNotExist:
            return None


def feedback_form_state(
    *, user: AnyUser, target: FeedbackTarget, tags: list[FeedbackTag]
) -> FeedbackFormState:
    refusal = feedback_refusal(user=user, target=target)
    return FeedbackFormState(
        target=target,
        feedback=feedback_own(user=user, target=target) if refusal is None else None,
        tags=tags,
        refusal=refusal,
        is_team=user_can_handle_feedback(user, target.course),
    )


@dataclass(frozen=True)
class OwnItem:
    """One of the student's own items, as "My feedback" shows it."""

    feedback: LectureFeedback
    kind_label: str
    target_label: str
    target_url: str
    response: FeedbackResponse | None


def feedback_own_list(*, user: AnyUser) -> list[OwnItem]:
    """The user's own feedback and reports, newest first, with targets, tags and responses.
    Two queries."""
    if not user.is_authenticated:
        return []
    feedback_list = (
        LectureFeedback.objects.filter(user=user)
        .select_related("course", "lesson", "question", "case", "ticket__exam", "response")
        .defer(
            *heavy_fields("course__", Course),
            *heavy_fields("lesson__", Lesson),
            *heavy_fields("question__", Question, keep=("text_md",)),
            *heavy_fields("case__", CaseStudy),
            *heavy_fields("ticket__exam__", Exam),
        )
        .prefetch_related("tags")
        .order_by("-updated_at", "-id")
    )
    labels = kind_labels()
    rows = []
    for feedback in feedback_list:
        kind = feedback_kind_of(feedback)
        obj = getattr(feedback, kind)
        try:
            response = feedback.response
        except FeedbackResponse.DoesNotExist:
            response = None
        rows.append(
            OwnItem(
                feedback=feedback,
                kind_label=labels[kind],
                target_label=target_label(kind, obj),
                target_url=target_url(kind, obj, for_team=False),
                response=response,
            )
        )
    return rows


def feedback_kind_of(feedback: LectureFeedback) -> str:
    return next(kind for kind in TARGET_KINDS if getattr(feedback, f"{kind}_id") is not None)
