"""The team's writes in the feedback inbox: reply, status, internal notes, bulk acknowledge and
assignment. The student hears about replies and status changes; notes are internal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Notification
from accounts.notifications import notification_send
from courses.models import CourseStaff
from reviews import selectors
from reviews.exceptions import InvalidFeedback, InvalidTransition, NotOnTeam
from reviews.models import FeedbackResponse
from reviews.permissions import user_can_handle_feedback
from reviews.services.notify import lazy_text, notify_author

if TYPE_CHECKING:
    from accounts.models import User

REPLY_MAX_LENGTH = 10000
Status = FeedbackResponse.Status

# Forward moves, plus reopening a closed item. Declining needs a reason (model constraint too).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED, Status.PLANNED, Status.DONE, Status.DECLINED}),
    Status.ACKNOWLEDGED: frozenset({Status.PLANNED, Status.DONE, Status.DECLINED}),
    Status.PLANNED: frozenset({Status.ACKNOWLEDGED, Status.DONE, Status.DECLINED}),
    Status.DONE: frozenset({Status.PLANNED}),
    Status.DECLINED: frozenset({Status.ACKNOWLEDGED}),
}
CLOSED = frozenset({Status.DONE, Status.DECLINED})


def require_handler(user: User, course_id: int) -> None:
    if not user_can_handle_feedback(user, course_id):
        raise NotOnTeam(_("Only the course's team handles its feedback."))


@transaction.atomic
def feedback_respond(
    *,
    response: FeedbackResponse,
    user: User,
    reply_md: str | None = None,
    status: str | None = None,
    decline_reason: str | None = None,
    internal_notes: str | None = None,
) -> FeedbackResponse:
    """Reply to the student, change the status and/or the internal notes of one inbox item.

    - A reply (Markdown) replaces the previous one; the first reply to a new item also
      acknowledges it.
    - Status moves forward (new → acknowledged → planned → done, or declined with a reason);
      a closed item can be reopened. Closing stamps ``resolved_at``, reopening clears it.
    - The first reply or status change away from new stamps ``first_response_at`` (the SLA).
    - The student is notified of a reply (with the status) or else of a status change; notes
      are internal and notify nobody.

    Raises NotOnTeam, InvalidTransition for a move the status does not allow, InvalidFeedback
    for a decline without a reason, an over-long reply, or nothing to change.
    """
    require_handler(user, response.course_id)
    response = (
        FeedbackResponse.objects.select_for_update(of=("self",))
        .select_related(
            "course",
            "feedback__user",
            "feedback__lesson",
            "feedback__question",
            "feedback__case",
            "feedback__ticket__exam",
            "review__user",
        )
        .get(pk=response.pk)
    )
    now = timezone.now()
    changed: set[str] = set()
    replied = False
    status_changed = False

    reply = (reply_md or "").strip()
    if len(reply) > REPLY_MAX_LENGTH:
        raise InvalidFeedback(
            _("The reply is too long (at most %(n)d characters).") % {"n": REPLY_MAX_LENGTH}
        )
    if reply and reply != response.reply_md:
        response.reply_md = reply
        changed.add("reply_md")
        replied = True

    if status is not None and status != response.status:
        if status not in Status.values or status not in TRANSITIONS[response.status]:
            raise InvalidTransition(
                _("An item that is “%(current)s” cannot become “%(new)s”.")
                % {"current": response.get_status_display(), "new": dict(Status.choices).get(status, status)}
            )
        if status == Status.DECLINED:
            reason = (decline_reason or "").strip()
            if not reason:
                raise InvalidFeedback(_("Say why the item is declined: the student will read it."))
            response.decline_reason = reason
            changed.add("decline_reason")
        response.status = status
        response.resolved_at = now if status in CLOSED else None
        changed |= {"status", "resolved_at"}
        status_changed = True
    elif replied and response.status == Status.NEW:
        response.status = Status.ACKNOWLEDGED
        changed.add("status")

    if internal_notes is not None and internal_notes.strip() != response.internal_notes:
        response.internal_notes = internal_notes.strip()
        changed.add("internal_notes")

    if not changed:
        raise InvalidFeedback(_("Nothing to change: write a reply, choose a new status or edit the notes."))
    if response.first_response_at is None and (replied or response.status != Status.NEW):
        response.first_response_at = now
        changed.add("first_response_at")
    response.full_clean(validate_unique=False)
    response.save(update_fields=[*sorted(changed), "updated_at"])
    if replied or status_changed:
        notify_author(response, replied=replied)
    return response


def _responses_in_scope(*, user: User, response_ids: Iterable[int]) -> list[FeedbackResponse]:
    wanted = set(response_ids)
    if not wanted:
        raise InvalidFeedback(_("Select at least one item."))
    responses = selectors.inbox_responses_in_scope(user=user, response_ids=sorted(wanted))
    if len(responses) != len(wanted):
        raise NotOnTeam(_("Some of the selected items are not in your inbox."))
    return responses


def feedback_bulk_acknowledge(*, user: User, response_ids: Iterable[int]) -> int:
    """Acknowledge every selected new item (each in its own transaction, each student
    notified); returns how many changed. Raises NotOnTeam if any item is not the user's to
    handle, InvalidFeedback for an empty selection."""
    changed = 0
    for response in _responses_in_scope(user=user, response_ids=response_ids):
        if response.status != Status.NEW:
            continue
        feedback_respond(response=response, user=user, status=Status.ACKNOWLEDGED)
        changed += 1
    return changed


@transaction.atomic
def feedback_assign(*, user: User, response_ids: Iterable[int], owner: User) -> int:
    """Make ``owner`` the owner of every selected item; returns how many. The new owner (when
    not the user) gets one notification for the lot. Raises NotOnTeam if an item is not the
    user's to handle, InvalidFeedback if ``owner`` is not on the team of every item's course."""
    responses = _responses_in_scope(user=user, response_ids=response_ids)
    course_ids = {response.course_id for response in responses}
    owner_courses = set(
        CourseStaff.objects.filter(user=owner, course_id__in=course_ids).values_list("course_id", flat=True)
    )
    if not owner.is_active or owner_courses != course_ids:
        raise InvalidFeedback(
            _("%(name)s is not on the team of every selected item's course.") % {"name": str(owner)}
        )
    count = FeedbackResponse.objects.filter(pk__in=[r.pk for r in responses]).update(
        owner=owner, updated_at=timezone.now()
    )
    if owner.pk != user.pk:
        notification_send(
            user=owner,
            kind=Notification.Kind.FEEDBACK_ASSIGNED,
            title=lazy_text(
                lambda: (
                    ngettext(
                        "%(count)d feedback item was assigned to you",
                        "%(count)d feedback items were assigned to you",
                        count,
                    )
                    % {"count": count}
                )
            ),
            url=reverse("reviews:inbox") + "?owner=me",
        )
    return count
