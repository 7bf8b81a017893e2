"""Read queries for lessons, scoped to what the viewer may see, each with a fixed number of
queries whatever the size of the course."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.html import strip_tags

from courses.access import CourseViewer, module_lock_reason, viewer_lock_reason
from courses.models import Course, Module, Resource
from courses.selectors import ItemState, course_resources, course_viewer
from lessons.models import Lesson, LessonProgress

if TYPE_CHECKING:
    from courses.permissions import AnyUser

_PUBLIC_COURSE_STATUSES = (Course.Status.PUBLISHED, Course.Status.ARCHIVED)


# ---------------------------------------------------------------------------------------------
# Progress


def lesson_progress_states(*, user: AnyUser, course: Course | int) -> dict[int, str]:
    """{lesson id: "in_progress" | "done"} of the user's progress in the course. One query."""
    rows = LessonProgress.objects.filter(user=user, lesson__module__course=course).values_list(
        "lesson_id", "status"
    )
    return {
        lesson_id: ItemState.DONE if status == LessonProgress.Status.DONE else ItemState.IN_PROGRESS
        for lesson_id, status in rows
    }


def _done_and_total(lessons, user: AnyUser | int) -> tuple[int, int]:
    # EXISTS per lesson, not a join: the join would fan out over every student's progress.
    done = Exists(
        LessonProgress.objects.filter(lesson=OuterRef("pk"), user=user, status=LessonProgress.Status.DONE)
    )
    totals = lessons.filter(is_published=True).aggregate(total=Count("pk"), done=Count("pk", filter=Q(done)))
    return totals["done"], totals["total"]


def lesson_counts_for(*, user: AnyUser | int, course: Course | int) -> tuple[int, int]:
    """(done, total) over the course's published lessons for the user. One query."""
    return _done_and_total(Lesson.objects.filter(module__course=course), user)


def module_lessons_done(*, user: AnyUser, module: Module | int) -> bool:
    """Whether the user has done every published lesson of ``module`` (vacuously true for a
    module without lessons). One query."""
    done, total = _done_and_total(Lesson.objects.filter(module=module), user)
    return done >= total


# ---------------------------------------------------------------------------------------------
# Access to one lesson


@dataclass
class LessonAccess:
    """A lesson the viewer may see exists, and whether they may open it now."""

    lesson: Lesson
    viewer: CourseViewer
    refusal: str | None  # why a student may not open it (403), None when they may
    module_lock: str | None  # the module's lock, shown to reviewers as information

    @property
    def course(self) -> Course:
        return self.lesson.module.course


def module_lock_for(*, viewer: CourseViewer, module: Module, now: datetime | None = None) -> str | None:
    """The lock reason of ``module`` for the viewer's progress (its prerequisite loaded), or
    None. At most one query (the prerequisite's lessons), none for reviewers and anonymous."""
    now = now or timezone.now()
    prerequisite_done = True
    if module.prerequisite_id is not None and viewer.is_learner:
        prerequisite_done = module_lessons_done(user=viewer.user, module=module.prerequisite_id)
    return module_lock_reason(
        module=module, prerequisite=module.prerequisite, prerequisite_done=prerequisite_done, now=now
    )


def content_access(
    *, viewer: CourseViewer, module: Module | None, now: datetime | None = None
) -> tuple[str | None, str | None]:
    """(refusal, module lock) for content in ``module`` of the viewer's course: the reason a
    non-reader or a learner in a locked module is refused, and the module's lock as such."""
    refusal = viewer.read_refusal()
    if refusal is not None:
        return refusal, None
    lock = module_lock_for(viewer=viewer, module=module, now=now) if module is not None else None
    return viewer_lock_reason(viewer=viewer, module_reason=lock), lock


# What only the lesson's own text needs: the page reads it when it renders its shared fragments
# (lessons.page_fragments), which are usually cached, so the access check leaves it behind.
_CONTENT_FIELDS = ("body_html", "mind_map", "corrections")
# Long text of the course and the modules that no access check or page header reads.
_UNUSED_TEXT = (
    "body_md",
    "module__summary_md",
    "module__summary_html",
    "module__course__description_md",
    "module__course__description_html",
    "module__course__format_md",
    "module__course__format_html",
    "module__prerequisite__summary_md",
    "module__prerequisite__summary_html",
)


def lesson_get_for_viewer(
    *, user: AnyUser, lesson_id: int, now: datetime | None = None, with_content: bool = True
) -> LessonAccess:
    """The lesson with its module, prerequisite and course, and the viewer's access to it.

    Unpublished lessons and lessons of courses that are not public (draft, announced) exist
    only for the course's team and staff: Lesson.DoesNotExist for everybody else (404). A
    lesson that exists but may not be opened comes back with ``refusal`` (403 with it).
    ``with_content=False`` leaves the lesson's text (body, mind map) to be loaded on first use;
    ``lesson.has_mind_map`` is there either way.
    """
    deferred = _UNUSED_TEXT if with_content else (*_UNUSED_TEXT, *_CONTENT_FIELDS)
    lesson = (
        Lesson.objects.select_related("module__course", "module__prerequisite")
        .defer(*deferred)
        .annotate(has_mind_map=Q(kind=Lesson.Kind.MIND_MAP) & Q(mind_map__isnull=False))
        .get(pk=lesson_id)
    )
    viewer = course_viewer(user=user, course=lesson.module.course)
    visible = lesson.is_published and lesson.module.course.status in _PUBLIC_COURSE_STATUSES
    if not (visible or viewer.is_reviewer):
        raise Lesson.DoesNotExist
    refusal, lock = content_access(viewer=viewer, module=lesson.module, now=now)
    return LessonAccess(lesson=lesson, viewer=viewer, refusal=refusal, module_lock=lock)


# ---------------------------------------------------------------------------------------------
# The lesson page


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    text: str
    children: list[TocEntry] = field(default_factory=list)


@dataclass
class NeighborLesson:
    pk: int
    title: str


@dataclass
class LessonPage:
    """The lesson page's data. The parts every student of the course sees alike (neighbours,
    contents, reading list) are computed on first use, so a page served from the fragment
    cache (``lessons.page_fragments``) never queries them."""

    access: LessonAccess
    progress: LessonProgress | None

    @cached_property
    def _neighbors(self) -> tuple[NeighborLesson | None, NeighborLesson | None, int, int]:
        return _neighbors(self.lesson, include_unpublished=self.access.viewer.is_reviewer)

    @property
    def previous(self) -> NeighborLesson | None:
        return self._neighbors[0]

    @property
    def next(self) -> NeighborLesson | None:
        return self._neighbors[1]

    @property
    def position(self) -> int:
        """1-based, among the course's published lessons (0 when the lesson is not among them)."""
        return self._neighbors[2]

    @property
    def lesson_count(self) -> int:
        return self._neighbors[3]

    @cached_property
    def toc(self) -> list[TocEntry]:
        return lesson_toc(self.lesson)

    @cached_property
    def resources(self) -> list[Resource]:
        return course_resources(course=self.lesson.module.course_id)

    @property
    def lesson(self) -> Lesson:
        return self.access.lesson

    @property
    def is_done(self) -> bool:
        return self.progress is not None and self.progress.status == LessonProgress.Status.DONE

    @property
    def can_complete(self) -> bool:
        return self.access.viewer.is_learner and self.access.refusal is None

    @property
    def body_has_title(self) -> bool:
        """The body opens with its own first-level heading (lectures usually do): the page
        then shows that one instead of repeating the title."""
        return self.lesson.body_html.lstrip().startswith("<h1")


_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.DOTALL)


def lesson_toc(lesson: Lesson) -> list[TocEntry]:
    """The lesson's table of contents: its second- and third-level headings (the first level
    is the lesson's title), nested.

    Read from the stored, sanitized HTML, whose headings carry the anchors python-markdown's
    ``toc`` gave them at save time; no Markdown is rendered here. (Once ``Lesson.toc_html`` is
    stored at save, this becomes a read of that field.)
    """
    entries: list[TocEntry] = []
    for level, anchor, inner in _HEADING.findall(lesson.body_html):
        entry = TocEntry(anchor=html.unescape(anchor), text=html.unescape(strip_tags(inner)).strip())
        if level == "3" and entries:
            entries[-1].children.append(entry)
        else:
            entries.append(entry)
    return entries


def _neighbors(
    lesson: Lesson, *, include_unpublished: bool
) -> tuple[NeighborLesson | None, NeighborLesson | None, int, int]:
    lessons = Lesson.objects.filter(module__course_id=lesson.module.course_id)
    if not include_unpublished:
        lessons = lessons.filter(is_published=True)
    ordered = list(
        lessons.order_by("module__position", "module_id", "position", "id").values_list("pk", "title")
    )
    ids = [pk for pk, _title in ordered]
    if lesson.pk not in ids:
        return None, None, 0, len(ids)
    index = ids.index(lesson.pk)
    previous = NeighborLesson(*ordered[index - 1]) if index > 0 else None
    following = NeighborLesson(*ordered[index + 1]) if index + 1 < len(ordered) else None
    return previous, following, index + 1, len(ordered)


def lesson_page(*, access: LessonAccess) -> LessonPage:
    """The lesson page for the viewer: their progress now (one query for a learner, none
    otherwise); previous and next lessons, contents and the course's reading list on first
    use (one query each)."""
    lesson = access.lesson
    viewer = access.viewer
    progress = None
    if viewer.is_learner:
        progress = LessonProgress.objects.filter(user=viewer.user, lesson=lesson).first()
    return LessonPage(access=access, progress=progress)
