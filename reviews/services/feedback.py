"""Students' writes: feedback on lectures, reports on questions, cases and exam tickets, course
reviews (and their moderation). Each new item lands in its course's inbox in the same
transaction: a FeedbackResponse with an owner and a first-response due time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Notification
from accounts.notifications import notification_send
from courses.models import Course, CourseStaff
from reviews import selectors
from reviews.exceptions import InvalidFeedback, InvalidTransition, NotEnrolled, NotOnTeam
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review
from reviews.permissions import user_can_handle_feedback
from reviews.services.notify import lazy_text
from reviews.services.rollup import feedback_rollup_keys, feedback_rollup_refresh

if TYPE_CHECKING:
    from accounts.models import User
    from lessons.models import Lesson

COMMENT_MAX_LENGTH = 5000
REVIEW_TEXT_MAX_LENGTH = 20000

# Tags a course gets on first use when it has none (keys as in the seed bundle).
DEFAULT_LECTURE_TAGS = (
    ("too-fast", gettext_lazy("Too fast")),
    ("too-slow", gettext_lazy("Too slow")),
    ("need-more-practice", gettext_lazy("Need more practice")),
    ("code-demo-unclear", gettext_lazy("Code demo unclear")),
    ("great-examples", gettext_lazy("Great examples")),
    ("repeats-earlier", gettext_lazy("Repeats earlier material")),
    ("unclear", gettext_lazy("Unclear")),
)
DEFAULT_REPORT_TAGS = (
    (f"{selectors.REPORT_TAG_PREFIX}wrong", gettext_lazy("This is wrong")),
    (f"{selectors.REPORT_TAG_PREFIX}unclear", gettext_lazy("This is unclear")),
)


def feedback_tags_ensure(*, course: Course, kind: str) -> list[FeedbackTag]:
    """The tags students choose from for ``kind`` (see ``selectors.feedback_tags_for``); when
    the course has none yet, creates the defaults (labels in the course's language) first.
    Idempotent and safe when two first uses race (the (course, key) constraint decides)."""
    tags = selectors.feedback_tags_for(course=course, kind=kind)
    if tags:
        return tags
    defaults = DEFAULT_LECTURE_TAGS if kind == "lesson" else DEFAULT_REPORT_TAGS
    with translation.override(course.language):
        rows = [
            FeedbackTag(course=course, key=key, label=str(label), position=position)
            for position, (key, label) in enumerate(defaults)
        ]
    FeedbackTag.objects.bulk_create(rows, ignore_conflicts=True)
    return selectors.feedback_tags_for(course=course, kind=kind)


def _default_owner_id(*, course_id: int, lesson: Lesson | None) -> int | None:
    """The lesson's author if on the course's team, else the course lead, else an instructor,
    else an assistant (the earliest member of each role); None for a course without a team."""
    members = list(
        CourseStaff.objects.filter(course_id=course_id, user__is_active=True)
        .order_by("id")
        .values_list("user_id", "role")
    )
    author_id = lesson.author_id if lesson is not None else None
    if author_id is not None and any(user_id == author_id for user_id, _role in members):
        return author_id
    for role in (CourseStaff.Role.LEAD, CourseStaff.Role.INSTRUCTOR, CourseStaff.Role.ASSISTANT):
        for user_id, member_role in members:
            if member_role == role:
                return user_id
    return None


def _response_open(
    *,
    course: Course,
    created_at: datetime,
    feedback: LectureFeedback | None = None,
    review: Review | None = None,
    lesson: Lesson | None = None,
) -> FeedbackResponse:
    """Put a new item in the course's inbox. The first response is due ``feedback_sla_hours``
    after the item was created: an absolute instant (UTC), whatever anybody's time zone."""
    response = FeedbackResponse(
        course=course,
        feedback=feedback,
        review=review,
        owner_id=_default_owner_id(course_id=course.pk, lesson=lesson),
        due_at=created_at + timedelta(hours=course.feedback_sla_hours),
    )
    response.full_clean(validate_unique=False, validate_constraints=False)  # new: the database decides
    response.save()
    return response


def _validated_rating(name: str, value: int | None, *, low: int = 1, high: int = 5) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidFeedback(
            _("%(field)s must be a whole number from %(low)d to %(high)d.")
            % {"field": name, "low": low, "high": high}
        )
    return value


@transaction.atomic
def feedback_submit(
    *,
    user: User,
    target: selectors.FeedbackTarget,
    clarity: int | None = None,
    pace: int | None = None,
    practice: int | None = None,
    tag_ids: Iterable[int] = (),
    comment: str = "",
    is_anonymous: bool = False,
) -> tuple[LectureFeedback, bool]:
    """Create or update the user's one item on ``target`` (a lecture, or a report on a
    question, case or exam ticket); returns it and whether it is new. A new item lands in the
    course's inbox in the same transaction, and the report's rollup is recounted in it too.

    A lecture item needs at least a rating (1–5), a tag or a comment; a report needs a problem
    tag or a comment and takes no ratings. Raises NotEnrolled unless the user is a student of
    the course who may open the target, InvalidFeedback for wrong values (a tag of another
    course or kind, a rating out of range, an empty item, a comment over 5000 characters).
    """
    refusal = selectors.feedback_refusal(user=user, target=target)
    if refusal is not None:
        raise NotEnrolled(refusal)
    is_lecture = target.kind == "lesson"
    ratings = {
        "clarity": _validated_rating(_("Clarity"), clarity),
        "pace": _validated_rating(_("Pace"), pace),
        "practice": _validated_rating(_("Usefulness of practice"), practice),
    }
    if not is_lecture and any(value is not None for value in ratings.values()):
        raise InvalidFeedback(_("Ratings are for lectures: say what is wrong or unclear instead."))
    wanted = set(tag_ids)
    allowed = {tag.pk: tag for tag in selectors.feedback_tags_for(course=target.course, kind=target.kind)}
    if not wanted <= allowed.keys():
        raise InvalidFeedback(_("Choose tags from the list offered."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise InvalidFeedback(
            _("The comment is too long (at most %(n)d characters).") % {"n": COMMENT_MAX_LENGTH}
        )
    if not comment and not wanted and all(value is None for value in ratings.values()):
        raise InvalidFeedback(
            _("Rate the lecture, choose a tag or write a comment.")
            if is_lecture
            else _("Choose what is wrong or write a comment.")
        )
    values = {**ratings, "comment": comment, "is_anonymous": bool(is_anonymous)}

    feedback = LectureFeedback.objects.select_for_update().filter(user=user, **target.lookup).first()
    created = feedback is None
    if feedback is None:
        feedback = LectureFeedback(course=target.course, user=user, **target.lookup, **values)
        feedback.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                feedback.save()
        except IntegrityError:  # a concurrent first submit won: update that one instead
            feedback = LectureFeedback.objects.select_for_update().get(user=user, **target.lookup)
            created = False
    if not created:
        for name, value in values.items():
            setattr(feedback, name, value)
        feedback.full_clean(validate_unique=False, validate_constraints=False)
        feedback.save(update_fields=[*values, "updated_at"])
    feedback.tags.set([allowed[pk] for pk in wanted])
    # The item's course, lesson and day never change: one rollup group to recount.
    feedback_rollup_refresh(keys=feedback_rollup_keys(feedback=[feedback]))
    if created:
        _response_open(
            course=target.course,
            created_at=feedback.created_at,
            feedback=feedback,
            lesson=target.obj if is_lecture else None,
        )
    return feedback, created


@transaction.atomic
def feedback_delete(*, feedback: Iterable[LectureFeedback]) -> int:
    """Delete feedback items (their inbox items go with them) and recount the report's rollup
    groups they counted in, in one transaction; returns how many items were deleted. For the
    admin: students cannot delete what they sent."""
    items = list(feedback)
    keys = feedback_rollup_keys(feedback=items)
    deleted = LectureFeedback.objects.filter(pk__in=[item.pk for item in items]).delete()[1]
    feedback_rollup_refresh(keys=keys)
    return deleted.get(LectureFeedback._meta.label, 0)


@transaction.atomic
def review_submit(
    *,
    user: User,
    course: Course,
    rating: int,
    would_recommend: int | None = None,
    text_md: str = "",
    pros: str = "",
    cons: str = "",
) -> tuple[Review, bool]:
    """Create or update the user's review of ``course``; returns it and whether it is new.
    Every save goes (back) to moderation: only published reviews are public. A new review
    lands in the course's inbox in the same transaction.

    Raises NotEnrolled unless the user is a student of the course, InvalidFeedback for a
    rating outside 1–5, a recommendation outside 0–10 or an over-long text.
    """
    refusal = selectors.review_refusal(user=user, course=course)
    if refusal is not None:
        raise NotEnrolled(refusal)
    if rating is None:
        raise InvalidFeedback(_("Rate the course from 1 to 5."))
    values = {
        "rating": _validated_rating(_("Rating"), rating),
        "would_recommend": _validated_rating(_("Would recommend"), would_recommend, low=0, high=10),
        "text_md": (text_md or "").strip(),
        "pros": (pros or "").strip(),
        "cons": (cons or "").strip(),
        "status": Review.Status.PENDING,
    }
    if sum(len(values[name]) for name in ("text_md", "pros", "cons")) > REVIEW_TEXT_MAX_LENGTH:
        raise InvalidFeedback(
            _("The review is too long (at most %(n)d characters).") % {"n": REVIEW_TEXT_MAX_LENGTH}
        )

    review = Review.objects.select_for_update().filter(course=course, user=user).first()
    created = review is None
    if review is None:
        review = Review(course=course, user=user, source=Review.Source.INTERNAL, **values)
        review.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:  # a concurrent first submit won
            review = Review.objects.select_for_update().get(course=course, user=user)
            created = False
    if not created:
        for name, value in values.items():
            setattr(review, name, value)
        review.full_clean(validate_unique=False, validate_constraints=False)
        review.save(update_fields=[*values, "updated_at"])
    if created:
        _response_open(course=course, created_at=review.created_at, review=review)
    return review, created


@transaction.atomic
def review_moderate(*, review: Review, user: User, status: str) -> Review:
    """Publish or reject a review (the course's team or staff). The author is notified when
    the status changes. Raises NotOnTeam, InvalidTransition for any other status."""
    if not user_can_handle_feedback(user, review.course_id):
        raise NotOnTeam(_("Only the course's team moderates its reviews."))
    if status not in (Review.Status.PUBLISHED, Review.Status.REJECTED):
        raise InvalidTransition(_("A review can be published or rejected."))
    review = Review.objects.select_for_update(of=("self",)).select_related("course", "user").get(pk=review.pk)
    if review.status == status:
        return review
    review.status = status
    review.save(update_fields=["status", "updated_at"])
    author = review.user
    if author is not None and author.is_active:
        course_title = review.course.title
        published = status == Review.Status.PUBLISHED
        notification_send(
            user=author,
            kind=Notification.Kind.FEEDBACK_STATUS,
            title=lazy_text(
                lambda: (
                    (
                        _("Your review of “%(course)s” is published.")
                        if published
                        else _("Your review of “%(course)s” was not published.")
                    )
                    % {"course": course_title}
                )
            ),
            url=reverse("reviews:my-feedback"),
        )
    return review
