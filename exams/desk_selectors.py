"""Read queries for the grading desk (after Canvas SpeedGrader and Moodle's manual grading):
the queue of a course's work awaiting a person, and one item with everything needed to grade
it. Scoped to the desk's viewers: the course's team and superusers (who grade) and staff (who
look). Each selector runs a fixed number of queries whatever the size of the queue.

Kinds of items: ``quiz_answer`` (an open or code response of a quiz attempt awaiting manual
grading), ``exam_answer`` (a theory answer of an exam sitting), ``case`` (a submitted case
analysis, in practice or in an exam) and ``deliverable`` (a team's handed-in role-play
deliverable).

With ``Course.anonymous_grading`` the desk never names students: each is "Student N", where N
is the position of their enrollment in the course (stable: later enrollments get higher
numbers). The numbers are used by the student filter in both modes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from courses.models import Course, Enrollment
from courses.permissions import authored_course_ids, user_can_author_course
from exams.models import (
    CaseStudy,
    CaseSubmission,
    Exam,
    RolePlay,
    RolePlayAssignment,
    RolePlayDeliverable,
    Sitting,
    SittingAnswer,
)
from quizzes import grading as quiz_grading
from quizzes.models import Attempt, Quiz, Response

if TYPE_CHECKING:
    from accounts.models import User
    from courses.permissions import AnyUser

QUIZ_ANSWER, EXAM_ANSWER, CASE, DELIVERABLE = "quiz_answer", "exam_answer", "case", "deliverable"
KINDS = (QUIZ_ANSWER, EXAM_ANSWER, CASE, DELIVERABLE)
PENDING, GRADED, ALL = "pending", "graded", "all"
STATUSES = (PENDING, GRADED, ALL)
SOURCE_KINDS = ("quiz", "exam", "case", "roleplay")
QUEUE_LIMIT_PER_KIND = 1000  # a page beyond this is a sign to filter, not to scroll

# GradeAudit.target of each kind of graded object.
AUDIT_TARGETS = {
    QUIZ_ANSWER: "response",
    EXAM_ANSWER: "sitting_answer",
    CASE: "case_submission",
    DELIVERABLE: "deliverable",
}
AUDIT_RESPONSE, AUDIT_SUBMISSION = "response", "submission"


def kind_labels() -> dict[str, str]:
    return {
        QUIZ_ANSWER: _("Quiz answer"),
        EXAM_ANSWER: _("Exam answer"),
        CASE: _("Case analysis"),
        DELIVERABLE: _("Role-play deliverable"),
    }


def status_labels() -> dict[str, str]:
    return {PENDING: _("Awaiting grading"), GRADED: _("Graded"), ALL: _("All")}


# ---------------------------------------------------------------------------------------------
# Who may open the desk


def _is_staff(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def desk_can_view(*, user: AnyUser, course_id: int) -> bool:
    """The course's team, staff and superusers open its desk."""
    return _is_staff(user) or user_can_author_course(user, course_id)


def desk_can_grade(*, user: AnyUser, course_id: int) -> bool:
    """Only the course's team and superusers grade (staff look without grading)."""
    return user_can_author_course(user, course_id)


def desk_courses_for(*, user: AnyUser) -> list[Course]:
    """The courses whose desk the user opens, each with ``pending_count`` (items awaiting a
    person): five queries whatever the number of courses."""
    if not user.is_authenticated or not user.is_active:
        return []
    courses = (
        Course.objects.all() if _is_staff(user) else Course.objects.filter(pk__in=authored_course_ids(user))
    )
    courses_list = list(courses.order_by("title"))
    ids = [course.pk for course in courses_list]
    counts: dict[int, int] = dict.fromkeys(ids, 0)
    per_kind = [
        _pending_responses().filter(attempt__quiz__course_id__in=ids).values_list("attempt__quiz__course_id"),
        _pending_answers().filter(sitting__exam__course_id__in=ids).values_list("sitting__exam__course_id"),
        CaseSubmission.objects.filter(
            case__course_id__in=ids, status=CaseSubmission.Status.SUBMITTED
        ).values_list("case__course_id"),
        RolePlayDeliverable.objects.filter(
            team__session__role_play__course_id__in=ids, submitted_at__isnull=False, points__isnull=True
        ).values_list("team__session__role_play__course_id"),
    ]
    for rows in per_kind:
        for course_id, count in rows.annotate(n=Count("pk")).order_by():
            counts[course_id] = counts.get(course_id, 0) + count
    for course in courses_list:
        course.pending_count = counts.get(course.pk, 0)
        course.can_grade = desk_can_grade(user=user, course_id=course.pk)
    return courses_list


def desk_course_get(*, user: AnyUser, slug: str) -> Course:
    """The course by slug if the user opens its desk, with ``can_grade``. Raises
    Course.DoesNotExist (no such course) or PermissionError (not its team or staff)."""
    course = Course.objects.get(slug=slug)
    if not desk_can_view(user=user, course_id=course.pk):
        raise PermissionError
    course.can_grade = desk_can_grade(user=user, course_id=course.pk)
    return course


# ---------------------------------------------------------------------------------------------
# Student names and anonymous aliases


@dataclass
class StudentDirectory:
    """Labels of a course's students on the desk: names, or "Student N" when anonymous."""

    anonymous: bool
    numbers: dict[int, int]  # user id → the course's student number
    names: dict[int, str]

    def number(self, user_id: int | None) -> int | None:
        return self.numbers.get(user_id) if user_id is not None else None

    def label(self, user_id: int | None, user: User | None = None) -> str:
        number = self.number(user_id)
        if self.anonymous:
            if number is None:
                return _("Student (not enrolled)")
            return _("Student %(number)d") % {"number": number}
        if user_id in self.names:
            return self.names[user_id]
        return str(user) if user is not None else ""

    def user_for_number(self, number: int | None) -> int | None:
        if number is None:
            return None
        return next((uid for uid, n in self.numbers.items() if n == number), None)

    def choices(self) -> list[tuple[int, str]]:
        """(number, label) of every student, for the student filter."""
        by_number = sorted((n, uid) for uid, n in self.numbers.items())
        return [(n, self.label(uid)) for n, uid in by_number]


def student_directory(*, course: Course) -> StudentDirectory:
    """One query: the course's enrollments (any status) in enrollment order."""
    rows = (
        Enrollment.objects.filter(course=course)
        .select_related("user")
        .only("pk", "user__username", "user__first_name", "user__last_name", "user__display_name")
        .order_by("pk")
    )
    numbers: dict[int, int] = {}
    names: dict[int, str] = {}
    for index, enrollment in enumerate(rows, start=1):
        numbers[enrollment.user_id] = index
        if not course.anonymous_grading:
            names[enrollment.user_id] = str(enrollment.user)
    return StudentDirectory(anonymous=course.anonymous_grading, numbers=numbers, names=names)


# ---------------------------------------------------------------------------------------------
# The queue


@dataclass(frozen=True)
class DeskFilters:
    kind: str = ""
    source: str = ""  # "<quiz|exam|case|roleplay>:<id>"
    student: int | None = None  # the course's student number
    status: str = PENDING

    @property
    def source_kind(self) -> str:
        return self.source.partition(":")[0]

    @property
    def source_id(self) -> int | None:
        raw = self.source.partition(":")[2]
        return int(raw) if raw.isdigit() and len(raw) < 19 else None

    def querystring(self) -> str:
        params = {"kind": self.kind, "source": self.source, "status": self.status}
        if self.student is not None:
            params["student"] = str(self.student)
        return urlencode({k: v for k, v in params.items() if v})


def desk_filters_parse(params: Mapping[str, str]) -> DeskFilters:
    """Filters from a query string; anything unknown falls back to its default (never an error:
    the HTML desk shows what it can, the API validates first)."""
    kind = params.get("kind", "")
    source = params.get("source", "")
    status = params.get("status", PENDING)
    student = params.get("student", "")
    source_kind, _sep, source_id = source.partition(":")
    return DeskFilters(
        kind=kind if kind in KINDS else "",
        source=source if source_kind in SOURCE_KINDS and source_id.isdigit() and len(source_id) < 19 else "",
        student=int(student) if student.isdigit() and len(student) < 10 else None,
        status=status if status in STATUSES else PENDING,
    )


@dataclass
class DeskRow:
    kind: str
    pk: int
    course_id: int
    user_id: int | None  # None for a team's deliverable
    student: str
    student_number: int | None
    source_kind: str
    source_id: int
    source_title: str
    title: str
    submitted_at: datetime | None
    points: Decimal | None
    max_points: Decimal
    is_pending: bool

    @property
    def url(self) -> str:
        return reverse("desk:item", kwargs={"kind": self.kind, "item_id": self.pk})

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.pk)

    @property
    def kind_label(self) -> str:
        return kind_labels()[self.kind]


def _pending_responses() -> QuerySet[Response]:
    return Response.objects.filter(
        question__kind__in=quiz_grading.MANUAL_KINDS,
        attempt__status=Attempt.Status.AWAITING_MANUAL,
        points__isnull=True,
    )


def _pending_answers() -> QuerySet[SittingAnswer]:
    return SittingAnswer.objects.filter(sitting__status=Sitting.Status.AWAITING_MANUAL, points__isnull=True)


def _snippet(text: str, length: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _answer_rows(
    rows,
    *,
    parent: str,
    source: str,
    kind: str,
    awaiting_manual: str,
    course: Course,
    filters: DeskFilters,
    student_id: int | None,
    directory: StudentDirectory,
) -> list[DeskRow]:
    """Answers that need a human, of quiz attempts (``parent`` "attempt", ``source`` "quiz")
    or exam sittings ("sitting", "exam"): one query, whatever the filters."""
    if filters.status == PENDING:
        rows = rows.filter(**{f"{parent}__status": awaiting_manual, "points__isnull": True})
    elif filters.status == GRADED:
        rows = rows.filter(points__isnull=False)
    if filters.source_kind == source:
        rows = rows.filter(**{f"{parent}__{source}_id": filters.source_id})
    if student_id is not None:
        rows = rows.filter(**{f"{parent}__user_id": student_id})
    user = f"{parent}__user"
    rows = (
        rows.select_related(f"{parent}__{source}", user, "question")
        .only(
            "pk", "points", "max_points", f"{parent}__submitted_at", f"{user}_id",
            f"{parent}__{source}__title", f"{user}__username", f"{user}__first_name", f"{user}__last_name",
            f"{user}__display_name", "question__text_md",
        )
        .order_by(f"{parent}__submitted_at", "pk")[:QUEUE_LIMIT_PER_KIND]
    )  # fmt: skip
    result = []
    for row in rows:
        owner = getattr(row, parent)
        result.append(
            DeskRow(
                kind=kind,
                pk=row.pk,
                course_id=course.pk,
                user_id=owner.user_id,
                student=directory.label(owner.user_id, owner.user),
                student_number=directory.number(owner.user_id),
                source_kind=source,
                source_id=getattr(owner, f"{source}_id"),
                source_title=getattr(owner, source).title,
                title=_snippet(row.question.text_md),
                submitted_at=owner.submitted_at,
                points=row.points,
                max_points=row.max_points,
                is_pending=row.points is None,
            )
        )
    return result


def _quiz_rows(course: Course, filters: DeskFilters, student_id: int | None, directory: StudentDirectory):
    if filters.source_kind not in ("", "quiz"):
        return []
    rows = Response.objects.filter(
        attempt__quiz__course=course,
        question__kind__in=quiz_grading.MANUAL_KINDS,
        attempt__status__in=(Attempt.Status.AWAITING_MANUAL, Attempt.Status.GRADED),
    )
    return _answer_rows(
        rows,
        parent="attempt",
        source="quiz",
        kind=QUIZ_ANSWER,
        awaiting_manual=Attempt.Status.AWAITING_MANUAL,
        course=course,
        filters=filters,
        student_id=student_id,
        directory=directory,
    )


def _exam_rows(course: Course, filters: DeskFilters, student_id: int | None, directory: StudentDirectory):
    if filters.source_kind not in ("", "exam"):
        return []
    rows = SittingAnswer.objects.filter(
        sitting__exam__course=course,
        sitting__status__in=(Sitting.Status.AWAITING_MANUAL, Sitting.Status.GRADED),
    )
    return _answer_rows(
        rows,
        parent="sitting",
        source="exam",
        kind=EXAM_ANSWER,
        awaiting_manual=Sitting.Status.AWAITING_MANUAL,
        course=course,
        filters=filters,
        student_id=student_id,
        directory=directory,
    )


def _case_rows(course: Course, filters: DeskFilters, student_id: int | None, directory: StudentDirectory):
    if filters.source_kind not in ("", "case", "exam"):
        return []
    statuses = {
        PENDING: (CaseSubmission.Status.SUBMITTED,),
        GRADED: (CaseSubmission.Status.GRADED,),
        ALL: (CaseSubmission.Status.SUBMITTED, CaseSubmission.Status.GRADED),
    }[filters.status]
    rows = CaseSubmission.objects.filter(case__course=course, status__in=statuses)
    if filters.source_kind == "case":
        rows = rows.filter(case_id=filters.source_id)
    elif filters.source_kind == "exam":
        rows = rows.filter(sitting__exam_id=filters.source_id)
    if student_id is not None:
        rows = rows.filter(user_id=student_id)
    rows = (
        rows.select_related("case", "user", "sitting__exam")
        .only(
            "pk", "status", "score", "max_score", "submitted_at", "user_id", "sitting_id", "case__title",
            "user__username", "user__first_name", "user__last_name", "user__display_name",
            "sitting__exam__title",
        )
        .order_by("submitted_at", "pk")[:QUEUE_LIMIT_PER_KIND]
    )  # fmt: skip
    return [
        DeskRow(
            kind=CASE,
            pk=r.pk,
            course_id=course.pk,
            user_id=r.user_id,
            student=directory.label(r.user_id, r.user),
            student_number=directory.number(r.user_id),
            source_kind="exam" if r.sitting_id else "case",
            source_id=r.sitting.exam_id if r.sitting_id else r.case_id,
            source_title=r.sitting.exam.title if r.sitting_id else r.case.title,
            title=r.case.title,
            submitted_at=r.submitted_at,
            points=r.score,
            max_points=r.max_score,
            is_pending=r.status == CaseSubmission.Status.SUBMITTED,
        )
        for r in rows
    ]


def _deliverable_rows(
    course: Course, filters: DeskFilters, student_id: int | None, directory: StudentDirectory
):
    if filters.source_kind not in ("", "roleplay"):
        return []
    rows = RolePlayDeliverable.objects.filter(
        team__session__role_play__course=course, submitted_at__isnull=False
    )
    if filters.status == PENDING:
        rows = rows.filter(points__isnull=True)
    elif filters.status == GRADED:
        rows = rows.filter(points__isnull=False)
    if filters.source_kind == "roleplay":
        rows = rows.filter(team__session__role_play_id=filters.source_id)
    if student_id is not None:
        rows = rows.filter(
            Exists(RolePlayAssignment.objects.filter(team_id=OuterRef("team_id"), user_id=student_id))
        )
    rows = (
        rows.select_related("team__session__role_play", "stage")
        .only(
            "pk", "points", "max_points", "submitted_at", "team__name", "team__session__title",
            "team__session__role_play__title", "stage__title",
        )
        .order_by("submitted_at", "pk")[:QUEUE_LIMIT_PER_KIND]
    )  # fmt: skip
    return [
        DeskRow(
            kind=DELIVERABLE,
            pk=r.pk,
            course_id=course.pk,
            user_id=None,
            student=f"{r.team.name}" + (f" · {r.team.session.title}" if r.team.session.title else ""),
            student_number=None,
            source_kind="roleplay",
            source_id=r.team.session.role_play_id,
            source_title=r.team.session.role_play.title,
            title=r.stage.title,
            submitted_at=r.submitted_at,
            points=r.points,
            max_points=r.max_points,
            is_pending=r.points is None,
        )
        for r in rows
    ]


_ROW_BUILDERS = {
    QUIZ_ANSWER: _quiz_rows,
    EXAM_ANSWER: _exam_rows,
    CASE: _case_rows,
    DELIVERABLE: _deliverable_rows,
}


@dataclass
class DeskQueue:
    course: Course
    filters: DeskFilters
    directory: StudentDirectory
    rows: list[DeskRow]
    truncated: bool  # a kind had more than QUEUE_LIMIT_PER_KIND items
    sources: list[tuple[str, str]] = field(default_factory=list)  # (value, label) for the filter

    @property
    def anonymous(self) -> bool:
        return self.directory.anonymous

    @property
    def count(self) -> int:
        return len(self.rows)

    def neighbours(self, key: tuple[str, int]) -> tuple[DeskRow | None, DeskRow | None]:
        """The rows before and after ``key`` (or the first pending row when it is not listed)."""
        keys = [row.key for row in self.rows]
        if key not in keys:
            return None, next((row for row in self.rows if row.key != key), None)
        index = keys.index(key)
        return (
            self.rows[index - 1] if index > 0 else None,
            self.rows[index + 1] if index + 1 < len(keys) else None,
        )


def _source_choices(course: Course) -> list[tuple[str, str]]:
    """(value, label) of the course's quizzes, exams, cases and role plays: four queries."""
    choices = []
    for prefix, label, model in (
        ("quiz", _("Quiz"), Quiz),
        ("exam", _("Exam"), Exam),
        ("case", _("Case"), CaseStudy),
        ("roleplay", _("Role play"), RolePlay),
    ):
        for pk, title in (
            model.objects.filter(course=course).order_by("position", "pk").values_list("pk", "title")
        ):
            choices.append((f"{prefix}:{pk}", f"{label}: {title}"))
    return choices


def desk_queue(*, course: Course, filters: DeskFilters, with_sources: bool = True) -> DeskQueue:
    """The course's items for ``filters``, oldest submission first, each kind capped at
    QUEUE_LIMIT_PER_KIND. At most ten queries whatever the number of items."""
    directory = student_directory(course=course)
    student_id = directory.user_for_number(filters.student)
    rows: list[DeskRow] = []
    truncated = False
    if filters.student is not None and student_id is None:
        kinds: tuple[str, ...] = ()  # an unknown student number: nothing to show
    else:
        kinds = (filters.kind,) if filters.kind else KINDS
    for kind in kinds:
        built = _ROW_BUILDERS[kind](course, filters, student_id, directory)
        truncated = truncated or len(built) >= QUEUE_LIMIT_PER_KIND
        rows.extend(built)
    epoch = datetime.min.replace(tzinfo=timezone.get_current_timezone())
    rows.sort(key=lambda row: (row.submitted_at or epoch, KINDS.index(row.kind), row.pk))
    return DeskQueue(
        course=course,
        filters=filters,
        directory=directory,
        rows=rows,
        truncated=truncated,
        sources=_source_choices(course) if with_sources else [],
    )
