"""Course reviews: the public list with its figures, a student's own review, moderation access."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import (
    Avg,
    Count,
    Q,
)
from django.utils.translation import gettext as _

from courses.models import Course
from courses.selectors import course_viewer
from reviews.models import Review
from reviews.permissions import (
    user_can_handle_feedback,
)
from reviews.selectors.targets import heavy_fields

if TYPE_CHECKING:
    from courses.permissions import AnyUser


def review_own(*, user: AnyUser, course: Course) -> Review | None:
    if not user.is_authenticated:
        return None
    return Review.objects.filter(user=user, course=course).first()


def review_refusal(*, user: AnyUser, course: Course) -> str | None:
    """Why ``user`` may not review ``course``, or None (enrolled students only)."""
    viewer = course_viewer(user=user, course=course)
    if viewer.is_learner:
        return None
    if viewer.is_reviewer:
        return _("Students of the course review it; the team moderates the reviews.")
    return viewer.read_refusal() or _("Only students enrolled in the course can review it.")


# Reviews listed on the course page (the rest behind "all reviews"), and per page of that list.
REVIEWS_ON_COURSE_PAGE = 5
REVIEWS_PER_PAGE = 20


@dataclass
class PublicReviews:
    """A course's published reviews, imported ones included, with the figures shown above them."""

    course: Course
    count: int
    rated_count: int
    average: Decimal | None
    recommend_count: int
    nps: int | None  # % promoters (9–10) − % detractors (0–6), −100…100
    reviews: list[Review] = field(default_factory=list)
    offset: int = 0  # how many newer reviews come before ``reviews``

    @property
    def has_more(self) -> bool:
        """Older published reviews follow the ones listed."""
        return self.offset + len(self.reviews) < self.count


def course_reviews_public(course: Course, *, limit: int | None = None, offset: int = 0) -> PublicReviews:
    """Published reviews of ``course``, newest first, with authors and structured points:
    ``limit`` of them after the ``offset`` newest (all when no limit); the summary counts every
    published review. Two queries for the summary, two for the list."""
    published = Review.objects.filter(course=course, status=Review.Status.PUBLISHED)
    totals = published.aggregate(
        count=Count("pk"),
        rated=Count("rating"),
        average=Avg("rating"),
        recommend=Count("would_recommend"),
        promoters=Count("pk", filter=Q(would_recommend__gte=9)),
        detractors=Count("pk", filter=Q(would_recommend__lte=6)),
    )
    reviews = (
        published.select_related("user")
        .only(
            "id",
            "course_id",
            "user__id",
            "user__username",
            "user__first_name",
            "user__last_name",
            "user__display_name",
            "source",
            "source_name",
            "source_url",
            "about_course",
            "rating",
            "would_recommend",
            "text_html",
            "pros",
            "cons",
            "status",
            "created_at",
        )
        .prefetch_related("points")
        .order_by("-created_at", "-pk")
    )
    offset = max(offset, 0)
    reviews = reviews[offset : offset + limit] if limit is not None else reviews[offset:]
    average = totals["average"]
    recommend = totals["recommend"]
    nps = round(100 * (totals["promoters"] - totals["detractors"]) / recommend) if recommend else None
    return PublicReviews(
        course=course,
        count=totals["count"],
        rated_count=totals["rated"],
        average=None if average is None else Decimal(str(average)).quantize(Decimal("0.1")),
        recommend_count=recommend,
        nps=nps,
        reviews=list(reviews),
        offset=offset,
    )


def review_get_for_moderator(*, user: AnyUser, review_id: int) -> Review:
    """A review the user may moderate. Raises Review.DoesNotExist otherwise."""
    review = Review.objects.select_related("course").get(pk=review_id)
    if not user_can_handle_feedback(user, review.course_id):
        raise Review.DoesNotExist
    return review


def review_own_list(*, user: AnyUser) -> list[Review]:
    """The user's own reviews with their course and the team's response. One query."""
    if not user.is_authenticated:
        return []
    return list(
        Review.objects.filter(user=user)
        .select_related("course", "response")
        .defer(*heavy_fields("course__", Course))
        .order_by("-updated_at", "-id")
    )
