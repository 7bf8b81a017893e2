"""The "you said, we did" board: published entries for everybody, drafts for the team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    Q,
)

from courses.models import Course, CourseStaff
from reviews.board_models import BoardEntry
from reviews.permissions import (
    user_can_handle_feedback,
)

if TYPE_CHECKING:
    from courses.permissions import AnyUser
from reviews.selectors.inbox import InboxFilter, InboxItem, inbox_items, inbox_queryset
from reviews.selectors.targets import OPEN_STATUSES

BOARD_ENTRY_FIELDS = (
    "id",
    "course__id",
    "course__slug",
    "course__title",
    "title",
    "you_said",
    "we_did",
    "status",
    "published_at",
    "created_at",
)


def board_entries_published(*, course: Course | int) -> list[BoardEntry]:
    """Published entries of the course, newest first, with how many items each answers."""
    course_id = course.pk if isinstance(course, Course) else course
    return list(
        BoardEntry.objects.filter(course_id=course_id, status=BoardEntry.Status.PUBLISHED)
        .select_related("course")
        .only(*BOARD_ENTRY_FIELDS)
        .annotate(item_count=Count("items"))
        .order_by("-published_at", "-id")
    )


@dataclass
class BoardPage:
    course: Course
    entries: list[BoardEntry]
    drafts: list[BoardEntry]
    can_edit: bool


def board_page(*, course: Course, user: AnyUser) -> BoardPage:
    """The public board; the course's team (and staff) also see the drafts. Two or three queries."""
    can_edit = user_can_handle_feedback(user, course)
    drafts: list[BoardEntry] = []
    if can_edit:
        drafts = list(
            BoardEntry.objects.filter(course=course, status=BoardEntry.Status.DRAFT)
            .annotate(item_count=Count("items"))
            .order_by("-created_at", "-id")
        )
    return BoardPage(
        course=course, entries=board_entries_published(course=course), drafts=drafts, can_edit=can_edit
    )


def public_course_get(*, slug: str) -> Course:
    """A course whose board and reviews are public: in the catalog (published, announced) or
    archived; drafts are nobody's business. Raises Course.DoesNotExist."""
    return Course.objects.only("id", "slug", "title", "status", "language", "feedback_sla_hours").get(
        slug=slug, status__in=(Course.Status.PUBLISHED, Course.Status.ARCHIVED, Course.Status.ANNOUNCED)
    )


def board_course_get_for_team(*, user: AnyUser, slug: str) -> Course:
    course = Course.objects.only("id", "slug", "title", "status").get(slug=slug)
    if not user_can_handle_feedback(user, course):
        raise Course.DoesNotExist
    return course


def board_entry_get_for_team(*, user: AnyUser, entry_id: int) -> BoardEntry:
    """An entry the user may edit or publish. Raises BoardEntry.DoesNotExist otherwise."""
    entry = BoardEntry.objects.select_related("course").get(pk=entry_id)
    if not user_can_handle_feedback(user, entry.course_id):
        raise BoardEntry.DoesNotExist
    return entry


def board_entry_item_choices(*, user: AnyUser, course: Course, selected: list[int]) -> list[InboxItem]:
    """Items that can be grouped into an entry of ``course``: the selected ones first, then the
    open items of the course, as the inbox shows them (anonymous stays anonymous)."""
    queryset = inbox_queryset(user=user, filters=InboxFilter(course_id=course.pk)).filter(
        Q(pk__in=selected) | Q(status__in=OPEN_STATUSES)
    )
    items = inbox_items(list(queryset[:200]), user=user)
    chosen = set(selected)
    return sorted(items, key=lambda item: item.id not in chosen)


def course_leads(*, course_ids: list[int]) -> dict[int, list[int]]:
    """Lead user ids per course."""
    leads: dict[int, list[int]] = {}
    for course_id, user_id in CourseStaff.objects.filter(
        course_id__in=course_ids, role=CourseStaff.Role.LEAD, user__is_active=True
    ).values_list("course_id", "user_id"):
        leads.setdefault(course_id, []).append(user_id)
    return leads
