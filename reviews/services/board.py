"""The "you said, we did" board: entries written by the team from grouped inbox items, published
to the course's public board, their items marked done and every student told once."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Notification
from accounts.notifications import notification_send
from courses.models import Course, Enrollment
from reviews import selectors
from reviews.board_models import BoardEntry
from reviews.exceptions import InvalidFeedback, InvalidTransition
from reviews.models import FeedbackResponse
from reviews.services.inbox import require_handler
from reviews.services.notify import lazy_text

if TYPE_CHECKING:
    from accounts.models import User

Status = FeedbackResponse.Status


def _entry_items(*, user: User, course: Course, item_ids: Iterable[int]) -> list[FeedbackResponse]:
    wanted = set(item_ids)
    if not wanted:
        return []
    responses = selectors.inbox_responses_in_scope(user=user, response_ids=sorted(wanted))
    if len(responses) != len(wanted) or any(response.course_id != course.pk for response in responses):
        raise InvalidFeedback(_("Group items of this course only."))
    return responses


def _entry_text(*, title: str, you_said: str, we_did: str) -> dict[str, str]:
    values = {
        "title": (title or "").strip(),
        "you_said": (you_said or "").strip(),
        "we_did": (we_did or "").strip(),
    }
    if not all(values.values()):
        raise InvalidFeedback(_("Fill in the title, what students said and what was done."))
    return values


@transaction.atomic
def board_entry_create(
    *, course: Course, user: User, title: str, you_said: str, we_did: str, item_ids: Iterable[int] = ()
) -> BoardEntry:
    """A draft board entry written by the team from grouped inbox items. Raises NotOnTeam,
    InvalidFeedback for empty text or items of another course."""
    require_handler(user, course.pk)
    items = _entry_items(user=user, course=course, item_ids=item_ids)
    entry = BoardEntry(
        course=course, author=user, **_entry_text(title=title, you_said=you_said, we_did=we_did)
    )
    entry.full_clean()
    entry.save()
    entry.items.set(items)
    return entry


@transaction.atomic
def board_entry_update(
    *, entry: BoardEntry, user: User, title: str, you_said: str, we_did: str, item_ids: Iterable[int]
) -> BoardEntry:
    """Edit an entry's text and grouped items (a published one stays published and nobody is
    notified again). Raises like ``board_entry_create``."""
    require_handler(user, entry.course_id)
    entry = BoardEntry.objects.select_for_update().select_related("course").get(pk=entry.pk)
    items = _entry_items(user=user, course=entry.course, item_ids=item_ids)
    for name, value in _entry_text(title=title, you_said=you_said, we_did=we_did).items():
        setattr(entry, name, value)
    entry.full_clean()
    entry.save(update_fields=["title", "you_said", "we_did", "updated_at"])
    entry.items.set(items)
    return entry


@transaction.atomic
def board_entry_publish(*, entry: BoardEntry, user: User) -> BoardEntry:
    """Publish a draft: it shows on the course's public board; its grouped items that are not
    declined become done (answered and resolved now, if not before) with the entry's "we did"
    as their public note (unless they have one); every actively enrolled student and every
    author of a grouped item is notified once, by a task queued on commit. Raises NotOnTeam,
    InvalidTransition if already published."""
    require_handler(user, entry.course_id)
    entry = BoardEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == BoardEntry.Status.PUBLISHED:
        raise InvalidTransition(_("This entry is already published."))
    now = timezone.now()
    entry.status = BoardEntry.Status.PUBLISHED
    entry.published_at = now
    entry.full_clean()
    entry.save(update_fields=["status", "published_at", "updated_at"])
    acted_on = FeedbackResponse.objects.filter(board_entries=entry).exclude(status=Status.DECLINED)
    acted_on.exclude(status=Status.DONE).update(
        status=Status.DONE,
        resolved_at=now,
        first_response_at=Coalesce(F("first_response_at"), Value(now, output_field=DateTimeField())),
        updated_at=now,
    )
    # The item's public "you said, we did" note (what reports count as an action published)
    # is what was done; a note the team wrote on the item itself is kept.
    acted_on.filter(public_note="").update(public_note=entry.we_did, updated_at=now)
    from reviews.tasks import board_entry_notify_task

    transaction.on_commit(partial(board_entry_notify_task.delay, entry.pk))
    return entry


def board_entry_notify(*, entry: BoardEntry) -> int:
    """Notify every active student of the entry's course and every author of its grouped items
    (once each: dedupe key per entry and user; users already notified are skipped in the query,
    so a re-run is cheap). Returns how many were notified now. Does nothing for a draft."""
    from accounts.models import User

    if entry.status != BoardEntry.Status.PUBLISHED:
        return 0
    dedupe_key = f"board-entry:{entry.pk}"
    enrolled = Enrollment.objects.filter(course_id=entry.course_id, status=Enrollment.Status.ACTIVE).values(
        "user_id"
    )
    authors = FeedbackResponse.objects.filter(board_entries=entry)
    recipients = (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=enrolled)
            | Q(pk__in=authors.filter(feedback__isnull=False).values("feedback__user_id"))
            | Q(pk__in=authors.filter(review__user__isnull=False).values("review__user_id"))
        )
        .exclude(notifications__dedupe_key=dedupe_key)
        .only("id", "email", "is_active", "preferred_language", "username")
        .order_by("id")
    )
    title, we_did = entry.title, entry.we_did
    url = reverse("reviews:board", kwargs={"slug": entry.course.slug}) + f"#entry-{entry.pk}"
    sent = 0
    for recipient in recipients.iterator(chunk_size=500):
        notification_send(
            user=recipient,
            kind=Notification.Kind.BOARD_ENTRY,
            title=lazy_text(lambda: _("You said, we did: %(title)s") % {"title": title}),
            body=we_did,
            url=url,
            dedupe_key=dedupe_key,
        )
        sent += 1
    return sent
