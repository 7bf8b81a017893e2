"""The gradebook: each student's grades in a course, per item and per category, and the
weighted total (after Open edX's grading policy and Canvas's assignment-group weights).

Categories and their items:

- ``quizzes``: the course's published quizzes; the grade is the quiz's grade by its grading
  method, exactly as ``quizzes.selectors.quiz_grade_for`` computes it.
- ``practicals``: published practical tasks not used by an exam ticket or a code question;
  the grade is the best score of the student's ``submit`` runs outside exams.
- ``exams``: published exams; the grade is the graded sitting's score in percent.
- ``cases``: published case studies not used by an exam ticket; the grade is the graded
  analysis (outside exams) in percent.

Weighting rule:

1. Raw weights come from ``Course.grade_weights`` ({"quizzes": 30, ...}); when it is empty,
   every category weighs the same. A category missing from a non-empty setting, or with a
   weight that is not a non-negative number, weighs 0.
2. A category without items in the course drops out, and the weights of the remaining
   categories are renormalized to sum to 1 (when they all weigh 0, they weigh the same).
3. A category's grade is the mean of its items' grades, where an item the student has no
   (final) grade for yet counts 0 — like Open edX, the total says where the student stands
   on the whole course. Cells show "—" for such items.
4. The total is the weighted sum of the category grades, in percent (0.01 precision).

Every function here runs a fixed number of queries (one per category for items, one per
category for grades, one for the roster) whatever the number of students and items.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db.models import Max
from django.utils.translation import gettext as _

from courses.models import Course, Enrollment
from courses.permissions import user_can_author_course
from exams.models import CaseStudy, CaseSubmission, Exam, PracticalTask, Sitting, Submission
from quizzes import grading as quiz_grading
from quizzes.models import Attempt, Quiz
from quizzes.permissions import FINISHED_STATUSES

if TYPE_CHECKING:
    from accounts.models import User
    from courses.permissions import AnyUser

QUIZZES, PRACTICALS, EXAMS, CASES = "quizzes", "practicals", "exams", "cases"
CATEGORIES = (QUIZZES, PRACTICALS, EXAMS, CASES)
CENTS = Decimal("0.01")
ROSTER_STATUSES = (Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)


def category_labels() -> dict[str, str]:
    return {
        QUIZZES: _("Quizzes"),
        PRACTICALS: _("Practical tasks"),
        EXAMS: _("Exams"),
        CASES: _("Case studies"),
    }


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Weights (pure)


def _raw_weight(value: object) -> Decimal:
    if isinstance(value, bool):
        return Decimal(0)
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return weight if weight.is_finite() and weight > 0 else Decimal(0)


def effective_weights(*, setting: object, present: Iterable[str]) -> dict[str, Decimal]:
    """Each present category's share of the total (summing to 1), by the weighting rule in the
    module docstring. Categories not in ``present`` are left out."""
    present = [category for category in CATEGORIES if category in set(present)]
    if not present:
        return {}
    if isinstance(setting, dict) and setting:
        raw = {category: _raw_weight(setting.get(category, 0)) for category in present}
    else:
        raw = dict.fromkeys(present, Decimal(1))
    total = sum(raw.values(), Decimal(0))
    if total <= 0:
        raw, total = dict.fromkeys(present, Decimal(1)), Decimal(len(present))
    return {category: raw[category] / total for category in present}


# ---------------------------------------------------------------------------------------------
# Items and grades


@dataclass(frozen=True)
class GradeItem:
    category: str
    pk: int
    course_id: int
    title: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.category, self.pk)

    @property
    def category_label(self) -> str:
        return category_labels()[self.category]


@dataclass(frozen=True)
class ItemGrade:
    item: GradeItem
    percent: Decimal | None


def _items(course_ids: Sequence[int]) -> dict[int, list[GradeItem]]:
    """The graded items of each course, in category then outline order. Four queries."""
    by_course: dict[int, list[GradeItem]] = defaultdict(list)
    sources = (
        (
            QUIZZES,
            Quiz.objects.filter(course_id__in=course_ids, status=Quiz.Status.PUBLISHED).order_by(
                "position", "pk"
            ),
        ),
        (
            PRACTICALS,
            PracticalTask.objects.filter(
                course_id__in=course_ids,
                status=PracticalTask.Status.PUBLISHED,
                tickets__isnull=True,
                questions__isnull=True,
            ).order_by("key", "pk"),
        ),
        (
            EXAMS,
            Exam.objects.filter(course_id__in=course_ids, status=Exam.Status.PUBLISHED).order_by(
                "position", "pk"
            ),
        ),
        (
            CASES,
            CaseStudy.objects.filter(
                course_id__in=course_ids, is_published=True, ticket_slots__isnull=True
            ).order_by("position", "pk"),
        ),
    )
    for category, rows in sources:
        seen: set[int] = set()
        for pk, course_id, title in rows.values_list("pk", "course_id", "title"):
            if pk not in seen:  # reverse joins above could repeat a row
                seen.add(pk)
                by_course[course_id].append(
                    GradeItem(category=category, pk=pk, course_id=course_id, title=title)
                )
    return by_course


def _user_filter(rows, user_id: int | None):
    return rows.filter(user_id=user_id) if user_id is not None else rows


def _quiz_grades(items: list[GradeItem], user_id: int | None) -> dict[tuple[int, int], Decimal | None]:
    """(quiz id, user id) → the quiz grade by its grading method (None: pending). Two queries."""
    quiz_ids = [item.pk for item in items if item.category == QUIZZES]
    if not quiz_ids:
        return {}
    methods = dict(Quiz.objects.filter(pk__in=quiz_ids).values_list("pk", "grading_method"))
    attempts = _user_filter(
        Attempt.objects.filter(quiz_id__in=quiz_ids, status__in=FINISHED_STATUSES), user_id
    )
    results: dict[tuple[int, int], list[quiz_grading.AttemptResult]] = defaultdict(list)
    for quiz_id, uid, number, status, score, max_score in attempts.values_list(
        "quiz_id", "user_id", "number", "status", "score", "max_score"
    ):
        percent = (
            quiz_grading.percent_of(score=score, max_score=max_score)
            if status == Attempt.Status.GRADED and score is not None
            else None
        )
        results[(quiz_id, uid)].append(quiz_grading.AttemptResult(number=number, percent=percent))
    return {
        key: quiz_grading.aggregate_grade(method=methods[key[0]], results=attempt_results)
        for key, attempt_results in results.items()
    }


def _practical_grades(items: list[GradeItem], user_id: int | None) -> dict[tuple[int, int], Decimal | None]:
    task_ids = [item.pk for item in items if item.category == PRACTICALS]
    if not task_ids:
        return {}
    rows = _user_filter(
        Submission.objects.filter(
            task_id__in=task_ids,
            kind=Submission.Kind.SUBMIT,
            sitting__isnull=True,
            status=Submission.Status.DONE,
            score__isnull=False,
        ),
        user_id,
    )
    return {
        (task_id, uid): _q(best)
        for task_id, uid, best in rows.values("task_id", "user_id")
        .annotate(best=Max("score"))
        .values_list("task_id", "user_id", "best")
    }


def _percent(score: Decimal | None, max_score: Decimal) -> Decimal | None:
    return None if score is None else quiz_grading.percent_of(score=score, max_score=max_score)


def _exam_grades(items: list[GradeItem], user_id: int | None) -> dict[tuple[int, int], Decimal | None]:
    exam_ids = [item.pk for item in items if item.category == EXAMS]
    if not exam_ids:
        return {}
    rows = _user_filter(Sitting.objects.filter(exam_id__in=exam_ids, status=Sitting.Status.GRADED), user_id)
    return {
        (exam_id, uid): _percent(score, max_score)
        for exam_id, uid, score, max_score in rows.values_list("exam_id", "user_id", "score", "max_score")
    }


def _case_grades(items: list[GradeItem], user_id: int | None) -> dict[tuple[int, int], Decimal | None]:
    case_ids = [item.pk for item in items if item.category == CASES]
    if not case_ids:
        return {}
    rows = _user_filter(
        CaseSubmission.objects.filter(
            case_id__in=case_ids, sitting__isnull=True, status=CaseSubmission.Status.GRADED
        ),
        user_id,
    )
    return {
        (case_id, uid): _percent(score, max_score)
        for case_id, uid, score, max_score in rows.values_list("case_id", "user_id", "score", "max_score")
    }


_GRADERS = {QUIZZES: _quiz_grades, PRACTICALS: _practical_grades, EXAMS: _exam_grades, CASES: _case_grades}


# ---------------------------------------------------------------------------------------------
# Rows


@dataclass
class CategoryGrade:
    category: str
    label: str
    weight: Decimal  # share of the total, 0..1
    percent: Decimal  # mean of the items, missing ones counted 0

    @property
    def weight_percent(self) -> Decimal:
        return _q(self.weight * 100)


@dataclass
class GradebookRow:
    user: User
    cells: list[Decimal | None]  # in the order of the gradebook's items
    categories: list[CategoryGrade]
    total: Decimal | None  # None when the course has no graded items
    items: list[ItemGrade] = field(default_factory=list)  # the cells with their items


@dataclass
class Gradebook:
    course: Course
    items: list[GradeItem]
    weights: dict[str, Decimal]
    rows: list[GradebookRow] = field(default_factory=list)

    @property
    def category_columns(self) -> list[tuple[str, str, Decimal]]:
        """(category, label, weight in percent) of the categories that count."""
        labels = category_labels()
        return [(c, labels[c], _q(w * 100)) for c, w in self.weights.items()]


def _row(
    *,
    user: User,
    items: list[GradeItem],
    grades: dict[str, dict[tuple[int, int], Decimal | None]],
    weights: dict,
) -> GradebookRow:
    labels = category_labels()
    cells = [grades[item.category].get((item.pk, user.pk)) for item in items]
    categories = []
    total = Decimal(0)
    for category, weight in weights.items():
        values = [
            cell or Decimal(0) for item, cell in zip(items, cells, strict=True) if item.category == category
        ]
        percent = _q(sum(values, Decimal(0)) / len(values)) if values else Decimal(0)
        categories.append(
            CategoryGrade(category=category, label=labels[category], weight=weight, percent=percent)
        )
        total += weight * percent
    return GradebookRow(
        user=user,
        cells=cells,
        categories=categories,
        total=_q(total) if weights else None,
        items=[ItemGrade(item=item, percent=cell) for item, cell in zip(items, cells, strict=True)],
    )


def _build(*, courses: list[Course], roster: dict[int, list[User]], user_id: int | None) -> list[Gradebook]:
    items_by_course = _items([course.pk for course in courses])
    all_items = [item for items in items_by_course.values() for item in items]
    grades = {category: _GRADERS[category](all_items, user_id) for category in CATEGORIES}
    books = []
    for course in courses:
        items = items_by_course.get(course.pk, [])
        weights = effective_weights(setting=course.grade_weights, present={item.category for item in items})
        book = Gradebook(course=course, items=items, weights=weights)
        book.rows = [
            _row(user=user, items=items, grades=grades, weights=weights) for user in roster.get(course.pk, [])
        ]
        books.append(book)
    return books


def gradebook_can_view(*, user: AnyUser, course: Course) -> bool:
    """A course's gradebook is for its team, staff and superusers."""
    staff = bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))
    return staff or user_can_author_course(user, course)


def gradebook_for_course(*, course: Course) -> Gradebook:
    """Every active or completed student of the course (by name) with their grades. The caller
    checks ``gradebook_can_view``. Ten queries at most, whatever the size of the course."""
    enrollments = (
        Enrollment.objects.filter(course=course, status__in=ROSTER_STATUSES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    roster = {course.pk: [enrollment.user for enrollment in enrollments]}
    return _build(courses=[course], roster=roster, user_id=None)[0]


def gradebook_for_student(*, user: User) -> list[Gradebook]:
    """The user's own row in each course they are (or were, to completion) enrolled in."""
    if not user.is_authenticated:
        return []
    enrollments = list(
        Enrollment.objects.filter(user=user, status__in=ROSTER_STATUSES)
        .select_related("course")
        .order_by("course__title")
    )
    courses = [enrollment.course for enrollment in enrollments]
    roster = {course.pk: [user] for course in courses}
    return _build(courses=courses, roster=roster, user_id=user.pk)


# ---------------------------------------------------------------------------------------------
# CSV


def _cell(value: object) -> str:
    """A CSV cell that spreadsheets do not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def gradebook_csv(book: Gradebook) -> str:
    """The gradebook as CSV: one row per student; per-item percents (empty: no grade yet), the
    category grades and the total."""
    labels = category_labels()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Username"), _("Name"), _("E-mail")]
        + [_cell(f"{labels[item.category]}: {item.title}") for item in book.items]
        + [_cell(f"{label} ({weight}%)") for _c, label, weight in book.category_columns]
        + [_("Total (percent)")]
    )
    for row in book.rows:
        writer.writerow(
            [_cell(row.user.username), _cell(row.user.get_full_name()), _cell(row.user.email)]
            + ["" if cell is None else str(cell) for cell in row.cells]
            + [str(category.percent) for category in row.categories]
            + ["" if row.total is None else str(row.total)]
        )
    return out.getvalue()
