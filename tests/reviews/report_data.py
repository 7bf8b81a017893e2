"""Small, hand-checkable data for the feedback-report tests: feedback, reviews and inbox items
at chosen instants (``created_at`` is ``auto_now_add``, so it is set with an UPDATE after the
insert, and the feedback's rollup group recounted after that)."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from courses.models import Course, Enrollment
from lessons.models import Lesson
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review
from reviews.services import feedback_rollup_keys, feedback_rollup_refresh
from tests.accounts.factories import UserFactory
from tests.courses.factories import EnrollmentFactory, ModuleFactory
from tests.lessons.factories import LessonFactory
from tests.reviews.factories import FeedbackTagFactory

# A fixed instant in the past, so "now" never meets the data by accident.
T0 = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.get_fixed_timezone(0))  # a Wednesday, 12:00 UTC


def at(**delta: float) -> datetime:
    return T0 + timedelta(**delta)


def stamp(obj, when: datetime) -> None:
    """Set ``created_at`` (and ``updated_at``) of a saved row."""
    type(obj).objects.filter(pk=obj.pk).update(created_at=when, updated_at=when)
    obj.created_at = obj.updated_at = when


def lesson_in(course: Course, *, module=None, author=None, **extra) -> Lesson:
    module = module or ModuleFactory(course=course)
    return LessonFactory(module=module, author=author, **extra)


def tag(course: Course, key: str) -> FeedbackTag:
    return FeedbackTag.objects.filter(course=course, key=key).first() or FeedbackTagFactory(
        course=course, key=key, label=key.replace("-", " ").title()
    )


def feedback(
    lesson: Lesson,
    ratings: Sequence[int | None] = (4, 3, 5),
    *,
    user=None,
    when: datetime | None = None,
    tags: Sequence[str] = (),
    comment: str = "",
    anonymous: bool = False,
) -> LectureFeedback:
    course = lesson.module.course
    clarity, pace, practice = ratings
    item = LectureFeedback.objects.create(
        course=course,
        lesson=lesson,
        user=user or UserFactory(),
        clarity=clarity,
        pace=pace,
        practice=practice,
        comment=comment,
        is_anonymous=anonymous,
    )
    item.tags.set([tag(course, key) for key in tags])
    stamp(item, when or T0)
    # Written around the services (to choose created_at): recount the report's rollup group
    # the way they do.
    feedback_rollup_refresh(keys=feedback_rollup_keys(feedback=[item]))
    return item


def ratings_on(lesson: Lesson, rows: Sequence[Sequence[int | None]], *, when: datetime | None = None) -> list:
    return [feedback(lesson, row, when=when) for row in rows]


def enroll(course: Course, count: int, *, when: datetime | None = None, **extra) -> list[Enrollment]:
    enrollments = [EnrollmentFactory(course=course, **extra) for _ in range(count)]
    for enrollment in enrollments:
        stamp(enrollment, when or T0 - timedelta(days=30))
    return enrollments


def review(
    course: Course, *, rating: int | None = 4, recommend: int | None = 8, when=None, **extra
) -> Review:
    item = Review.objects.create(
        course=course,
        user=extra.pop("user", None) or UserFactory(),
        rating=rating,
        would_recommend=recommend,
        status=extra.pop("status", Review.Status.PUBLISHED),
        **extra,
    )
    stamp(item, when or T0)
    return item


def inbox_item(
    item: LectureFeedback,
    *,
    waited: timedelta | None,
    sla: timedelta = timedelta(hours=48),
    owner=None,
    status: str | None = None,
    public_note: str = "",
) -> FeedbackResponse:
    """The inbox item of ``item``, created when the item arrived, answered ``waited`` later."""
    arrived = item.created_at
    answered = status or (
        FeedbackResponse.Status.ACKNOWLEDGED if waited is not None else FeedbackResponse.Status.NEW
    )
    response = FeedbackResponse.objects.create(
        feedback=item,
        course=item.course,
        owner=owner,
        status=answered,
        due_at=arrived + sla,
        first_response_at=arrived + waited if waited is not None else None,
        public_note=public_note,
        decline_reason="Not now." if answered == FeedbackResponse.Status.DECLINED else "",
    )
    stamp(response, arrived)
    return response
