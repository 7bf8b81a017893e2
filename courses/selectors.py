"""Read queries for courses, shaped for the pages and endpoints that use them.

Every selector here runs a fixed number of queries whatever the size of the course or the
number of the user's enrollments (pinned by tests on large data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.access import (
    LEARNING_STATUSES,
    READABLE_COURSE_STATUSES,
    CourseViewer,
    module_lock_reason,
    viewer_lock_reason,
)
from courses.models import Course, CourseOutcome, CourseStaff, Enrollment, Module, Resource
from courses.permissions import authored_course_ids, user_can_author_course

if TYPE_CHECKING:
    from courses.permissions import AnyUser
    from reviews.models import Review

CATALOG_STATUSES = (Course.Status.PUBLISHED, Course.Status.ANNOUNCED)
SEARCH_CONFIG = "russian"  # PostgreSQL's Russian configuration also stems Latin words (English)
SEARCH_MAX_LENGTH = 200
DUE_SOON = timedelta(days=14)
DUE_LIMIT = 20
REVIEWS_SHOWN = 5


# ---------------------------------------------------------------------------------------------
# Catalog and search


def _module_count() -> Coalesce:
    modules = Module.objects.filter(course=OuterRef("pk")).order_by().values("course").annotate(n=Count("pk"))
    return Coalesce(Subquery(modules.values("n")[:1], output_field=IntegerField()), Value(0))


def course_search(courses: QuerySet[Course], *, query: str) -> QuerySet[Course]:
    """``courses`` matching ``query`` in title, summary or description, best matches first.

    On PostgreSQL: full-text search with the Russian configuration (stemming: "модели" finds
    "модель"), ranked title > summary > description; ``websearch`` syntax, so any input is a
    valid query. Elsewhere (SQLite in development and tests): a substring match; SQLite's LIKE
    folds only ASCII case, so the lower-case, capitalized and upper-case forms are tried too.
    """
    query = query.strip()[:SEARCH_MAX_LENGTH]
    if not query:
        return courses
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
            + SearchVector("description_md", weight="C", config=SEARCH_CONFIG)
        )
        search_query = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        return (
            courses.annotate(search=vector, rank=SearchRank(vector, search_query))
            .filter(search=search_query)
            .order_by("-rank", "title")
        )
    condition = Q()
    for variant in {query, query.lower(), query.capitalize(), query.upper()}:
        for name in ("title", "summary", "description_md"):
            condition |= Q(**{f"{name}__icontains": variant})
    return courses.filter(condition)


def course_list_for_catalog(*, query: str = "") -> QuerySet[Course]:
    """Published and announced courses with their module count; with ``query``, only those
    matching it (see ``course_search``). Published first, then by relevance or title."""
    courses = Course.objects.filter(status__in=CATALOG_STATUSES).annotate(module_count=_module_count())
    if query.strip():
        courses = course_search(courses, query=query)
        ordering = courses.query.order_by or ("title",)
        # "published" sorts after "announced" alphabetically: descending puts it first
        return courses.order_by("-status", *ordering)
    return courses.order_by("-status", "title")


# ---------------------------------------------------------------------------------------------
# One course, and the viewer's standing in it


_OUTCOME_ORDER = Case(
    *(When(kind=kind, then=Value(index)) for index, kind in enumerate(CourseOutcome.Kind.values)),
    default=Value(len(CourseOutcome.Kind.values)),
    output_field=IntegerField(),
)


def _course_with_people() -> QuerySet[Course]:
    return Course.objects.prefetch_related(
        # What the course covers, then what graduates can do, then what they know.
        Prefetch("outcomes", queryset=CourseOutcome.objects.order_by(_OUTCOME_ORDER, "position", "id")),
        Prefetch("staff", queryset=CourseStaff.objects.select_related("user")),
    )


def course_get_public(*, slug: str) -> Course:
    """A catalog course with its outcomes and team. Raises Course.DoesNotExist for drafts."""
    return _course_with_people().filter(status__in=(*CATALOG_STATUSES, Course.Status.ARCHIVED)).get(slug=slug)


def course_get_for_viewer(*, slug: str, user: AnyUser) -> Course:
    """Like ``course_get_public``, but the course's team and staff also see a draft (preview).
    Raises Course.DoesNotExist otherwise."""
    course = _course_with_people().get(slug=slug)
    if course.status == Course.Status.DRAFT and not _is_reviewer(user, course):
        raise Course.DoesNotExist
    return course


def _is_staff(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def _is_reviewer(user: AnyUser, course: Course) -> bool:
    return _is_staff(user) or user_can_author_course(user, course)


def course_viewer(*, user: AnyUser, course: Course) -> CourseViewer:
    """The user's standing in ``course``: enrollment (any status), team, staff. At most two
    queries (the enrollment, and the user's team memberships, cached per request)."""
    if not user.is_authenticated:
        return CourseViewer(course=course, user=user, enrollment=None, is_team=False, is_staff=False)
    enrollment = (
        Enrollment.objects.filter(user=user, course=course)
        .select_related("last_lesson")
        # "Continue where I left off" needs the last lesson's id and title, not its text.
        .defer(*(f"last_lesson__{name}" for name in ("body_md", "body_html", "mind_map", "corrections")))
        .first()
    )
    if enrollment is not None:
        enrollment.course = course
    return CourseViewer(
        course=course,
        user=user,
        enrollment=enrollment,
        is_team=course.pk in authored_course_ids(user),
        is_staff=_is_staff(user),
    )


# ---------------------------------------------------------------------------------------------
# Reviews and reading list


@dataclass
class ReviewSummary:
    count: int
    rated_count: int
    average: Decimal | None
    reviews: list[Review]


def course_review_summary(*, course: Course, with_reviews: bool = True) -> ReviewSummary:
    """Published reviews: how many, the average rating of those that give one, and (with
    ``with_reviews``) the latest few, imported ones with their source. One or two queries."""
    from reviews.models import Review

    published = Review.objects.filter(course=course, status=Review.Status.PUBLISHED)
    totals = published.aggregate(count=Count("pk"), rated=Count("rating"), average=Avg("rating"))
    average = totals["average"]
    return ReviewSummary(
        count=totals["count"],
        rated_count=totals["rated"],
        average=None if average is None else Decimal(str(average)).quantize(Decimal("0.1")),
        reviews=(
            list(published.select_related("user").order_by("-created_at", "-pk")[:REVIEWS_SHOWN])
            if with_reviews
            else []
        ),
    )


def course_resources(*, course: Course | int) -> list[Resource]:
    """The course's literature and reading list, in order. One query."""
    course_id = course.pk if isinstance(course, Course) else course
    return list(Resource.objects.filter(course_id=course_id).order_by("collection", "position", "id"))


# ---------------------------------------------------------------------------------------------
# Outline (syllabus) and the learning path


class ItemState:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    LOCKED = "locked"
    AVAILABLE = "available"  # open, but nothing is tracked for this kind of item yet


STATE_LABELS = {
    ItemState.NOT_STARTED: _("Not started"),
    ItemState.IN_PROGRESS: _("In progress"),
    ItemState.DONE: _("Done"),
    ItemState.LOCKED: _("Locked"),
    ItemState.AVAILABLE: "",
}
KIND_LABELS = {
    "quiz": _("Quiz"),
    "case": _("Case study"),
    "roleplay": _("Role play"),
    "exam": _("Exam"),
    "flashcards": _("Flashcards"),
}


@dataclass
class OutlineItem:
    kind: str  # lesson | quiz | case | roleplay | exam | flashcards
    key: str
    title: str
    position: int
    detail: str = ""  # lesson: its kind's label; others: how many questions/tickets/cards
    pk: int = 0
    subkind: str = ""  # lesson: lecture | reading | mind_map
    minutes: int = 0  # lesson: estimated minutes
    url: str = ""
    state: str = ""
    lock_reason: str = ""

    @property
    def kind_label(self) -> str:
        return self.detail if self.kind == "lesson" else str(KIND_LABELS.get(self.kind, ""))

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.state, ""))

    @property
    def is_link(self) -> bool:
        """Whether the viewer gets a link: the item has a page and is not locked for them."""
        return bool(self.url) and self.state != ItemState.LOCKED


@dataclass
class OutlineModule:
    module: Module
    items: list[OutlineItem] = field(default_factory=list)
    lock_reason: str = ""
    lesson_count: int = 0
    done_count: int = 0

    @property
    def is_locked(self) -> bool:
        return bool(self.lock_reason)


_URL_SENTINEL = 987654321
_ITEM_URL_NAMES = {
    "lesson": "lessons:lesson-detail",
    "quiz": "quizzes:quiz-detail",
    "case": "exams:case-detail",
    "roleplay": "exams:roleplay-detail",
    "exam": "exams:exam-detail",
    "flashcards": "flashcards:deck-study",
}


def _url_makers() -> dict[str, tuple[str, str]]:
    # One reverse() per kind instead of one per item: a 600-lesson outline stays cheap.
    makers = {}
    for kind, name in _ITEM_URL_NAMES.items():
        url = reverse(name, args=[_URL_SENTINEL])
        head, _sep, tail = url.partition(str(_URL_SENTINEL))
        makers[kind] = (head, tail)
    return makers


def _outline_rows(course: Course) -> list[dict]:
    """Every published item of the course's outline in one UNION query:
    pk, module_id, key, title, position, item_kind, item_detail, item_count."""
    from exams.models import CaseStudy, Exam, RolePlay
    from lessons.models import Lesson
    from quizzes.models import QuestionCategory, Quiz

    columns = ("pk", "module_id", "key", "title", "position", "item_kind", "item_detail", "item_count")

    def part(queryset: QuerySet, kind: str, detail=None, count=None) -> QuerySet:
        return (
            queryset.filter(module__isnull=False)
            .annotate(
                item_kind=Value(kind, output_field=CharField()),
                item_detail=detail if detail is not None else Value("", output_field=CharField()),
                item_count=count if count is not None else Value(0, output_field=IntegerField()),
            )
            .order_by()
            .values(*columns)
        )

    lessons = part(
        Lesson.objects.filter(module__course=course, is_published=True),
        "lesson",
        detail=F("kind"),
        count=F("estimated_minutes"),
    )
    quizzes = part(
        Quiz.objects.filter(course=course, status=Quiz.Status.PUBLISHED), "quiz", count=Count("slots")
    )
    cases = part(CaseStudy.objects.filter(course=course, is_published=True), "case")
    roleplays = part(RolePlay.objects.filter(course=course, is_published=True), "roleplay")
    exams = part(
        Exam.objects.filter(course=course, status=Exam.Status.PUBLISHED), "exam", count=Count("tickets")
    )
    decks = part(
        QuestionCategory.objects.filter(course=course, is_flashcard_deck=True),
        "flashcards",
        count=Count("questions", filter=Q(questions__kind="open")),
    )
    return list(lessons.union(quizzes, cases, roleplays, exams, decks, all=True))


def course_outline(*, course: Course) -> list[OutlineModule]:
    """The syllabus: modules with their published items of every kind, in outline order, each
    with the URL of its page (where one exists). Two queries whatever the size of the course."""
    from lessons.models import Lesson

    modules = list(course.modules.select_related("prerequisite").order_by("position", "id"))
    by_id = {m.pk: OutlineModule(module=m) for m in modules}
    makers = _url_makers()
    lesson_labels = dict(Lesson.Kind.choices)
    for row in _outline_rows(course):
        outline_module = by_id.get(row["module_id"])
        if outline_module is None:
            continue
        kind = row["item_kind"]
        is_lesson = kind == "lesson"
        head, tail = makers.get(kind, ("", ""))
        outline_module.items.append(
            OutlineItem(
                kind=kind,
                key=row["key"],
                title=row["title"],
                position=row["position"],
                pk=row["pk"],
                detail=str(lesson_labels.get(row["item_detail"], ""))
                if is_lesson
                else str(row["item_count"]),
                subkind=row["item_detail"] if is_lesson else "",
                minutes=row["item_count"] if is_lesson else 0,
                url=f"{head}{row['pk']}{tail}" if head else "",
            )
        )
        if is_lesson:
            outline_module.lesson_count += 1
    for outline_module in by_id.values():
        outline_module.items.sort(key=lambda item: (item.position, item.kind, item.pk))
    return [by_id[m.pk] for m in modules]


@dataclass
class LearningPath:
    """The course outline as one viewer sees it: item states, module locks, progress."""

    viewer: CourseViewer
    modules: list[OutlineModule]
    progress_percent: int = 0
    continue_item: OutlineItem | None = None
    lessons_done: int = 0
    lesson_count: int = 0


def _learner_states(
    *, user: AnyUser, course: Course
) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """The learner's lesson progress, quiz attempts and exam sittings in this course, as
    {object id: ItemState}. Three queries."""
    from exams.models import Sitting
    from lessons.selectors import lesson_progress_states
    from quizzes.models import Attempt

    lessons = lesson_progress_states(user=user, course=course)
    quizzes: dict[int, str] = {}
    for quiz_id, passed in Attempt.objects.filter(user=user, quiz__course=course).values_list(
        "quiz_id", "passed"
    ):
        if passed or quizzes.get(quiz_id) != ItemState.DONE:
            quizzes[quiz_id] = ItemState.DONE if passed else ItemState.IN_PROGRESS
    exams: dict[int, str] = {}
    for exam_id, status in Sitting.objects.filter(user=user, exam__course=course).values_list(
        "exam_id", "status"
    ):
        exams[exam_id] = ItemState.DONE if status == Sitting.Status.GRADED else ItemState.IN_PROGRESS
    return lessons, quizzes, exams


def course_learning_path(
    *, course: Course, viewer: CourseViewer, now: datetime | None = None
) -> LearningPath:
    """The outline with, for a learner, each item's state (not started / in progress / done /
    locked with the reason), module locks, the stored progress and where to continue. For
    reviewers: the locks as information, no states. A fixed number of queries."""
    now = now or timezone.now()
    modules = course_outline(course=course)
    path = LearningPath(viewer=viewer, modules=modules)
    path.lesson_count = sum(m.lesson_count for m in modules)
    lessons: dict[int, str] = {}
    quizzes: dict[int, str] = {}
    exams: dict[int, str] = {}
    if viewer.is_learner:
        lessons, quizzes, exams = _learner_states(user=viewer.user, course=course)
        path.progress_percent = viewer.enrollment.progress_percent

    by_module = {m.module.pk: m for m in modules}
    for outline_module in modules:
        outline_module.done_count = sum(
            1
            for item in outline_module.items
            if item.kind == "lesson" and lessons.get(item.pk) == ItemState.DONE
        )
    path.lessons_done = sum(m.done_count for m in modules)
    for outline_module in modules:
        module = outline_module.module
        prerequisite = by_module.get(module.prerequisite_id) if module.prerequisite_id else None
        reason = module_lock_reason(
            module=module,
            prerequisite=module.prerequisite,
            prerequisite_done=prerequisite is None or prerequisite.done_count >= prerequisite.lesson_count,
            now=now,
        )
        outline_module.lock_reason = reason or ""
        locked = viewer_lock_reason(viewer=viewer, module_reason=reason)
        for item in outline_module.items:
            if not viewer.is_learner:
                continue
            if locked:
                item.state, item.lock_reason = ItemState.LOCKED, locked
            elif item.kind == "lesson":
                item.state = lessons.get(item.pk, ItemState.NOT_STARTED)
            elif item.kind == "quiz":
                item.state = quizzes.get(item.pk, ItemState.NOT_STARTED)
            elif item.kind == "exam":
                item.state = exams.get(item.pk, ItemState.NOT_STARTED)
            else:
                item.state = ItemState.AVAILABLE
    if viewer.is_learner:
        path.continue_item = _continue_item(modules, last_lesson_id=viewer.enrollment.last_lesson_id)
    return path


def _continue_item(modules: list[OutlineModule], *, last_lesson_id: int | None) -> OutlineItem | None:
    """Where "continue" leads: the last lesson opened unless it is done; then the next lesson
    not done after it; then the first lesson not done; None when every open lesson is done."""
    lessons = [
        item for m in modules for item in m.items if item.kind == "lesson" and item.state != ItemState.LOCKED
    ]
    for index, item in enumerate(lessons):
        if item.pk == last_lesson_id:
            if item.state != ItemState.DONE:
                return item
            later = [other for other in lessons[index + 1 :] if other.state != ItemState.DONE]
            if later:
                return later[0]
            break
    return next((item for item in lessons if item.state != ItemState.DONE), None)


# ---------------------------------------------------------------------------------------------
# Dashboard


@dataclass
class DueItem:
    kind: str  # quiz
    pk: int
    title: str
    course: Course
    closes_at: datetime
    opens_at: datetime | None
    url: str


@dataclass
class Dashboard:
    enrollments: list[Enrollment]
    due: list[DueItem]


def dashboard_for(*, user: AnyUser, now: datetime | None = None) -> Dashboard:
    """The student's courses (active and completed enrollments of readable courses) with the
    stored progress and the last lesson opened, and what is due soon: published quizzes that
    close within ``DUE_SOON`` and that the student has not passed. Two queries."""
    from quizzes.models import Attempt, Quiz

    now = now or timezone.now()
    enrollments = list(
        Enrollment.objects.filter(
            user=user, status__in=LEARNING_STATUSES, course__status__in=READABLE_COURSE_STATUSES
        )
        .select_related("course", "last_lesson")
        .order_by("-updated_at", "-pk")
    )
    quizzes = (
        Quiz.objects.filter(
            course__enrollments__user=user,
            course__enrollments__status=Enrollment.Status.ACTIVE,
            course__status=Course.Status.PUBLISHED,
            status=Quiz.Status.PUBLISHED,
            closes_at__gt=now,
            closes_at__lte=now + DUE_SOON,
        )
        .exclude(Exists(Attempt.objects.filter(quiz=OuterRef("pk"), user=user, passed=True)))
        .select_related("course")
        .order_by("closes_at", "pk")[:DUE_LIMIT]
    )
    head, tail = _url_makers()["quiz"]
    due = [
        DueItem(
            kind="quiz",
            pk=quiz.pk,
            title=quiz.title,
            course=quiz.course,
            closes_at=quiz.closes_at,
            opens_at=quiz.opens_at,
            url=f"{head}{quiz.pk}{tail}",
        )
        for quiz in quizzes
    ]
    return Dashboard(enrollments=enrollments, due=due)
