"""The feedback inbox, scoped to the courses the reader handles, most urgent first. Rows become
``InboxItem``s whose author fields are filled only for readers allowed to see them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    IntegerField,
    Prefetch,
    QuerySet,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course
from courses.permissions import course_team_members
from exams.models import CaseStudy, Exam
from lessons.models import Lesson
from quizzes.models import Question
from reviews.models import FeedbackResponse, FeedbackTag
from reviews.permissions import (
    feedback_course_ids,
    user_sees_anonymous_authors,
)

if TYPE_CHECKING:
    from accounts.models import User
    from courses.permissions import AnyUser
from reviews.selectors.targets import (
    ITEM_KINDS,
    OPEN_STATUSES,
    REVIEW_KIND,
    feedback_kind_of,
    heavy_fields,
    kind_labels,
    target_label,
    target_url,
)

INBOX_PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows; built from a query string by ``inbox_filter_parse`` (bad values are
    ignored, never an error)."""

    course_id: int | None = None
    status: str = ""  # one of the statuses, "open", or "" for all
    kind: str = ""  # one of ITEM_KINDS, or ""
    owner: str = ""  # "me", "none", a user id, or ""
    overdue: bool = False

    def as_query(self) -> dict[str, str]:
        query = {
            "course": str(self.course_id or ""),
            "status": self.status,
            "kind": self.kind,
            "owner": self.owner,
            "overdue": "1" if self.overdue else "",
        }
        return {key: value for key, value in query.items() if value}


def inbox_filter_parse(params: Mapping[str, Any]) -> InboxFilter:
    def text(name: str) -> str:
        value = params.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    course = text("course")
    status = text("status")
    kind = text("kind")
    owner = text("owner")
    return InboxFilter(
        course_id=int(course) if course.isdigit() else None,
        status=status if status in (*FeedbackResponse.Status.values, "open") else "",
        kind=kind if kind in ITEM_KINDS else "",
        owner=owner if owner in ("me", "none") or owner.isdigit() else "",
        overdue=text("overdue").lower() in ("1", "true", "yes", "on"),
    )


def _urgency() -> Case:
    """0: waiting for a first response (the SLA clock runs; overdue ones sort first by due
    time), 1: answered and still open, 2: closed."""
    return Case(
        When(first_response_at__isnull=True, status=FeedbackResponse.Status.NEW, then=Value(0)),
        When(status__in=OPEN_STATUSES, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def inbox_queryset(
    *, user: AnyUser, filters: InboxFilter | None = None, now: datetime | None = None
) -> QuerySet[FeedbackResponse]:
    """Inbox items the user handles (their courses; staff: all), filtered, most urgent first:
    overdue items, then those due soonest, then answered open items, then closed ones."""
    filters = filters or InboxFilter()
    now = now or timezone.now()
    responses = FeedbackResponse.objects.all()
    course_ids = feedback_course_ids(user)
    if course_ids is not None:
        responses = responses.filter(course_id__in=course_ids)
    if filters.course_id is not None:
        responses = responses.filter(course_id=filters.course_id)
    if filters.status == "open":
        responses = responses.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        responses = responses.filter(status=filters.status)
    if filters.kind == REVIEW_KIND:
        responses = responses.filter(review__isnull=False)
    elif filters.kind:
        responses = responses.filter(**{f"feedback__{filters.kind}__isnull": False})
    if filters.owner == "me":
        responses = responses.filter(owner_id=user.pk)
    elif filters.owner == "none":
        responses = responses.filter(owner__isnull=True)
    elif filters.owner:
        responses = responses.filter(owner_id=int(filters.owner))
    if filters.overdue:
        responses = responses.filter(
            status=FeedbackResponse.Status.NEW, first_response_at__isnull=True, due_at__lt=now
        )
    return (
        responses.select_related(
            "course",
            "owner",
            "feedback__user",
            "feedback__lesson",
            "feedback__question",
            "feedback__case",
            "feedback__ticket__exam",
            "review__user",
        )
        .defer(
            *heavy_fields("course__", Course),
            *heavy_fields("feedback__lesson__", Lesson),
            *heavy_fields("feedback__question__", Question, keep=("text_md",)),
            *heavy_fields("feedback__case__", CaseStudy),
            *heavy_fields("feedback__ticket__exam__", Exam),
            "review__text_md",
        )
        .prefetch_related(Prefetch("feedback__tags", queryset=FeedbackTag.objects.only("id", "key", "label")))
        .annotate(urgency=_urgency())
        .order_by("urgency", "due_at", "id")
    )


@dataclass(frozen=True)
class InboxItem:
    """One inbox row as the team sees it. ``author_*`` is filled for named items and, for
    anonymous ones, only for superusers; otherwise it says "anonymous" and nothing more."""

    id: int
    course: Course
    kind: str
    kind_label: str
    target_label: str
    target_url: str
    is_anonymous: bool
    author_label: str
    author_id: int | None
    author_username: str | None
    clarity: int | None
    pace: int | None
    practice: int | None
    rating: int | None
    would_recommend: int | None
    tags: list[str]
    comment: str
    review_html: str
    pros: str
    cons: str
    review_id: int | None
    review_status: str
    review_status_label: str
    status: str
    status_label: str
    owner: User | None
    created_at: datetime
    submitted_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    is_overdue: bool
    awaiting_first_response: bool
    reply_md: str
    reply_html: str
    decline_reason: str
    internal_notes: str


def _item(
    response: FeedbackResponse, *, reveal_anonymous: bool, now: datetime, labels: dict[str, str]
) -> InboxItem:
    feedback, review = response.feedback, response.review
    awaiting = response.status == FeedbackResponse.Status.NEW and response.first_response_at is None
    common: dict[str, Any] = {
        "id": response.pk,
        "course": response.course,
        "status": response.status,
        "status_label": response.get_status_display(),
        "owner": response.owner,
        "created_at": response.created_at,
        "due_at": response.due_at,
        "first_response_at": response.first_response_at,
        "resolved_at": response.resolved_at,
        "is_overdue": awaiting and response.due_at < now,
        "awaiting_first_response": awaiting,
        "reply_md": response.reply_md,
        "reply_html": response.reply_html,
        "decline_reason": response.decline_reason,
        "internal_notes": response.internal_notes,
    }
    if feedback is not None:
        kind = feedback_kind_of(feedback)
        obj = getattr(feedback, kind)
        hidden = feedback.is_anonymous and not reveal_anonymous
        author = feedback.user
        return InboxItem(
            **common,
            kind=kind,
            kind_label=labels[kind],
            target_label=target_label(kind, obj),
            target_url=target_url(kind, obj, for_team=True),
            is_anonymous=feedback.is_anonymous,
            author_label=_("Anonymous") if hidden else str(author),
            author_id=None if hidden else author.pk,
            author_username=None if hidden else author.username,
            clarity=feedback.clarity,
            pace=feedback.pace,
            practice=feedback.practice,
            rating=None,
            would_recommend=None,
            tags=[tag.label for tag in feedback.tags.all()],
            comment=feedback.comment,
            review_html="",
            pros="",
            cons="",
            review_id=None,
            review_status="",
            review_status_label="",
            submitted_at=feedback.updated_at,
        )
    author_user = review.user
    return InboxItem(
        **common,
        kind=REVIEW_KIND,
        kind_label=labels[REVIEW_KIND],
        target_label=str(response.course),
        target_url=reverse("reviews:course-reviews", kwargs={"slug": response.course.slug}),
        is_anonymous=False,
        author_label=review.source_name or str(author_user or _("A student")),
        author_id=author_user.pk if author_user else None,
        author_username=author_user.username if author_user else None,
        clarity=None,
        pace=None,
        practice=None,
        rating=review.rating,
        would_recommend=review.would_recommend,
        tags=[],
        comment="",
        review_html=review.text_html,
        pros=review.pros,
        cons=review.cons,
        review_id=review.pk,
        review_status=review.status,
        review_status_label=review.get_status_display(),
        submitted_at=review.updated_at,
    )


def inbox_items(
    responses: list[FeedbackResponse] | QuerySet[FeedbackResponse], *, user: AnyUser
) -> list[InboxItem]:
    """Rows of ``inbox_queryset`` as ``InboxItem``s for ``user``."""
    reveal = user_sees_anonymous_authors(user)
    now = timezone.now()
    labels = kind_labels()
    return [_item(response, reveal_anonymous=reveal, now=now, labels=labels) for response in responses]


def inbox_items_iter(*, user: AnyUser, filters: InboxFilter, chunk_size: int = 500) -> Iterator[InboxItem]:
    """Every matching item, in chunks (the CSV export), in inbox order."""
    reveal = user_sees_anonymous_authors(user)
    now = timezone.now()
    labels = kind_labels()
    queryset = inbox_queryset(user=user, filters=filters, now=now)
    for response in queryset.iterator(chunk_size=chunk_size):
        yield _item(response, reveal_anonymous=reveal, now=now, labels=labels)


@dataclass
class InboxPage:
    filters: InboxFilter
    page: Page
    items: list[InboxItem]
    courses: list[Course]
    team: list[User]
    overdue_count: int
    query: dict[str, str]


def inbox_courses(*, user: AnyUser) -> QuerySet[Course]:
    course_ids = feedback_course_ids(user)
    courses = Course.objects.all() if course_ids is None else Course.objects.filter(pk__in=course_ids)
    return courses.only("id", "slug", "title", "feedback_sla_hours").order_by("title")


def inbox_page(*, user: AnyUser, filters: InboxFilter, page_number: int = 1) -> InboxPage:
    """One page of the inbox with the filter choices. A fixed number of queries."""
    now = timezone.now()
    queryset = inbox_queryset(user=user, filters=filters, now=now)
    page = Paginator(queryset, INBOX_PAGE_SIZE).get_page(page_number)
    courses = list(inbox_courses(user=user))
    scope = [c for c in courses if filters.course_id in (None, c.pk)]
    team_courses = Course.objects.filter(pk__in=[c.pk for c in scope])
    overdue = inbox_queryset(
        user=user, filters=InboxFilter(course_id=filters.course_id, overdue=True), now=now
    ).count()
    return InboxPage(
        filters=filters,
        page=page,
        items=inbox_items(page.object_list, user=user),
        courses=courses,
        team=list(course_team_members(courses=team_courses).order_by("username")),
        overdue_count=overdue,
        query=filters.as_query(),
    )


def inbox_item_get(*, user: AnyUser, response_id: int) -> FeedbackResponse:
    """One item of the user's inbox, loaded as the inbox loads it. Raises
    FeedbackResponse.DoesNotExist when it is not there or not theirs to handle."""
    return inbox_queryset(user=user).get(pk=response_id)


def inbox_team_for(*, course: Course | int) -> list[User]:
    """Who an item of ``course`` may be assigned to: its team."""
    course_id = course.pk if isinstance(course, Course) else course
    return list(course_team_members(courses=Course.objects.filter(pk=course_id)).order_by("username"))


def inbox_responses_in_scope(*, user: AnyUser, response_ids: list[int]) -> list[FeedbackResponse]:
    """The items among ``response_ids`` the user handles (for bulk actions)."""
    responses = FeedbackResponse.objects.filter(pk__in=response_ids)
    course_ids = feedback_course_ids(user)
    if course_ids is not None:
        responses = responses.filter(course_id__in=course_ids)
    return list(responses.select_related("feedback", "review").order_by("id"))
