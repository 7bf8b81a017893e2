"""Read queries for courses, shaped for the pages and endpoints that use them."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from courses.models import Course, CourseOutcome, CourseStaff, Module

CATALOG_STATUSES = (Course.Status.PUBLISHED, Course.Status.ANNOUNCED)


def course_list_for_catalog() -> QuerySet[Course]:
    """Published and announced courses, published first, with their module count."""
    return (
        Course.objects.filter(status__in=CATALOG_STATUSES)
        .annotate(module_count=Count("modules", distinct=True))
        .order_by("-status", "title")  # "published" sorts after "announced": published first
    )


def course_get_public(*, slug: str) -> Course:
    """A catalog course with its outcomes and team. Raises Course.DoesNotExist for drafts."""
    return (
        Course.objects.filter(status__in=(*CATALOG_STATUSES, Course.Status.ARCHIVED))
        .prefetch_related(
            Prefetch("outcomes", queryset=CourseOutcome.objects.order_by("kind", "position")),
            Prefetch("staff", queryset=CourseStaff.objects.select_related("user")),
        )
        .get(slug=slug)
    )


@dataclass
class OutlineItem:
    kind: str  # lesson | quiz | case | roleplay | exam | flashcards
    key: str
    title: str
    position: int
    detail: str = ""


@dataclass
class OutlineModule:
    module: Module
    items: list[OutlineItem] = field(default_factory=list)


def course_outline(*, course: Course) -> list[OutlineModule]:
    """The syllabus: modules with their items of every kind, in outline order.

    A fixed number of queries whatever the size of the course: one per item kind.
    """
    from exams.models import CaseStudy, Exam, RolePlay
    from lessons.models import Lesson
    from quizzes.models import QuestionCategory, Quiz

    modules = list(course.modules.order_by("position", "id"))
    by_id = {m.pk: OutlineModule(module=m) for m in modules}

    def add(kind: str, rows, detail=lambda row: "") -> None:
        for row in rows:
            if row.module_id in by_id:
                by_id[row.module_id].items.append(
                    OutlineItem(kind=kind, key=row.key, title=row.title, position=row.position, detail=detail(row))
                )

    add(
        "lesson",
        Lesson.objects.filter(module__course=course, is_published=True).only(
            "module_id", "key", "title", "position", "kind", "estimated_minutes"
        ),
        lambda row: row.get_kind_display(),
    )
    add(
        "quiz",
        Quiz.objects.filter(course=course, status=Quiz.Status.PUBLISHED).annotate(slot_count=Count("slots")),
        lambda row: str(row.slot_count),
    )
    add("case", CaseStudy.objects.filter(course=course, is_published=True))
    add("roleplay", RolePlay.objects.filter(course=course, is_published=True))
    add(
        "exam",
        Exam.objects.filter(course=course, status=Exam.Status.PUBLISHED).annotate(ticket_count=Count("tickets")),
        lambda row: str(row.ticket_count),
    )
    add(
        "flashcards",
        QuestionCategory.objects.filter(course=course, is_flashcard_deck=True).annotate(
            card_count=Count("questions", filter=Q(questions__kind="open"))
        ),
        lambda row: str(row.card_count),
    )
    for outline_module in by_id.values():
        outline_module.items.sort(key=lambda item: item.position)
    return [by_id[m.pk] for m in modules]
