"""Content and activity counts per course, for ``manage.py course_stats`` and for checking
imported bundles and generated demo data.

Every count is one grouped query per table (``GROUP BY course``), never a query per course, so
the number of queries is the same for one course and for a thousand.
"""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet

from courses.models import Course, Enrollment, Module, Resource

# The keys of a course's stats, in display order. ``status`` is a string, the rest are integers.
STAT_KEYS: tuple[str, ...] = (
    "status",
    "modules",
    "lessons_lecture",
    "lessons_reading",
    "lessons_mind_map",
    "questions_single",
    "questions_multiple",
    "questions_true_false",
    "questions_short_text",
    "questions_numeric",
    "questions_open",
    "questions_code",
    "flashcard_decks",
    "flashcards",
    "quizzes",
    "quiz_slots",
    "exam_tickets",
    "practical_tasks",
    "case_studies",
    "case_problems",
    "role_plays",
    "role_play_roles",
    "resources",
    "resources_literature",
    "resources_reading_list",
    "announcements",
    "enrollments",
    "reviews",
    "feedback",
)

CourseStats = dict[str, Any]


class _Counts:
    """Row counts of one table grouped by course and, optionally, by one more column."""

    def __init__(
        self, queryset: QuerySet, *, course_field: str, courses: QuerySet[Course], by: str = ""
    ) -> None:
        group = [course_field, by] if by else [course_field]
        rows = (
            queryset.filter(**{f"{course_field}__in": courses.order_by().values("pk")})
            .order_by()
            .values(*group)
            .annotate(n=Count("pk"))
            .values_list(*group, "n")
        )
        self._counts: dict[int, dict[str, int]] = defaultdict(dict)
        for row in rows:
            self._counts[row[0]][row[1] if by else ""] = row[-1]

    def total(self, course_id: int) -> int:
        return sum(self._counts.get(course_id, {}).values())

    def of(self, course_id: int, value: str) -> int:
        return self._counts.get(course_id, {}).get(value, 0)


def course_stats(*, courses: QuerySet[Course]) -> dict[str, CourseStats]:
    """Counts of every kind of content and activity of ``courses``, keyed by slug, in slug order.

    ``flashcards`` are the open questions of flashcard-deck categories; ``announcements`` the
    upcoming courses announced with the course; ``feedback`` its lecture-feedback items. Runs
    one query per counted table (18) plus one for the courses, whatever their number.
    """
    from exams.models import CaseProblem, CaseStudy, ExamTicket, PracticalTask, RolePlay, RolePlayRole
    from lessons.models import Lesson
    from quizzes.models import Question, QuestionCategory, Quiz, QuizQuestion
    from reviews.models import LectureFeedback, Review

    def counts(queryset: QuerySet, course_field: str = "course_id", by: str = "") -> _Counts:
        return _Counts(queryset, course_field=course_field, courses=courses, by=by)

    modules = counts(Module.objects.all())
    lessons = counts(Lesson.objects.all(), "module__course_id", by="kind")
    questions = counts(Question.objects.all(), by="kind")
    decks = counts(QuestionCategory.objects.filter(is_flashcard_deck=True))
    flashcards = counts(Question.objects.filter(kind=Question.Kind.OPEN, category__is_flashcard_deck=True))
    quizzes = counts(Quiz.objects.all())
    quiz_slots = counts(QuizQuestion.objects.all(), "quiz__course_id")
    tickets = counts(ExamTicket.objects.all(), "exam__course_id")
    tasks = counts(PracticalTask.objects.all())
    cases = counts(CaseStudy.objects.all())
    case_problems = counts(CaseProblem.objects.all(), "case__course_id")
    role_plays = counts(RolePlay.objects.all())
    roles = counts(RolePlayRole.objects.all(), "role_play__course_id")
    resources = counts(Resource.objects.all(), by="collection")
    announcements = counts(Course.objects.filter(~Q(announced_with=None)), "announced_with_id")
    enrollments = counts(Enrollment.objects.all())
    reviews = counts(Review.objects.all())
    feedback = counts(LectureFeedback.objects.all())

    stats: dict[str, CourseStats] = {}
    for course in courses.order_by("slug").only("pk", "slug", "status"):
        pk = course.pk
        stats[course.slug] = {
            "status": course.status,
            "modules": modules.total(pk),
            **{f"lessons_{kind}": lessons.of(pk, kind) for kind in Lesson.Kind.values},
            **{f"questions_{kind}": questions.of(pk, kind) for kind in Question.Kind.values},
            "flashcard_decks": decks.total(pk),
            "flashcards": flashcards.total(pk),
            "quizzes": quizzes.total(pk),
            "quiz_slots": quiz_slots.total(pk),
            "exam_tickets": tickets.total(pk),
            "practical_tasks": tasks.total(pk),
            "case_studies": cases.total(pk),
            "case_problems": case_problems.total(pk),
            "role_plays": role_plays.total(pk),
            "role_play_roles": roles.total(pk),
            "resources": resources.total(pk),
            "resources_literature": resources.of(pk, Resource.Collection.LITERATURE),
            "resources_reading_list": resources.of(pk, Resource.Collection.READING_LIST),
            "announcements": announcements.total(pk),
            "enrollments": enrollments.total(pk),
            "reviews": reviews.total(pk),
            "feedback": feedback.total(pk),
        }
    return stats
