"""Notifications about feedback items: texts rendered in the recipient's language, what an item
is about (never who wrote it), and telling a student about the team's answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _

from accounts.models import Notification
from accounts.notifications import notification_send
from reviews import selectors
from reviews.models import FeedbackResponse

if TYPE_CHECKING:
    from accounts.models import User

Status = FeedbackResponse.Status


def lazy_text(func: Callable[[], str]) -> Promise:
    """A string computed when it is rendered: notification_send renders it in the recipient's
    language, so plurals and labels come out in their language, not the sender's."""
    return lazy(func, str)()


def _item_author(response: FeedbackResponse) -> User | None:
    if response.feedback_id is not None:
        return response.feedback.user
    return response.review.user if response.review_id is not None else None


def item_about(response: FeedbackResponse) -> str:
    if response.feedback_id is not None:
        feedback = response.feedback
        kind = selectors.feedback_kind_of(feedback)
        return selectors.target_label(kind, getattr(feedback, kind))
    return str(response.course)


def notify_author(response: FeedbackResponse, *, replied: bool) -> None:
    """Tell the student (never anyone else) about a reply or a status change. Works the same
    for anonymous items: the notification goes to the author, and only to them."""
    author = _item_author(response)
    if author is None or not author.is_active:
        return
    about = item_about(response)
    status = Status(response.status)
    url = reverse("reviews:my-feedback") + f"#response-{response.pk}"
    if replied:
        reply = response.reply_md
        notification_send(
            user=author,
            kind=Notification.Kind.FEEDBACK_REPLY,
            title=lazy_text(
                lambda: _("The course team replied to your feedback on “%(about)s”") % {"about": about}
            ),
            body=lazy_text(lambda: f"{reply}\n\n" + _("Status: %(status)s") % {"status": status.label}),
            url=url,
        )
        return
    reason = response.decline_reason if status == Status.DECLINED else ""
    notification_send(
        user=author,
        kind=Notification.Kind.FEEDBACK_STATUS,
        title=lazy_text(
            lambda: _("Your feedback on “%(about)s”: %(status)s") % {"about": about, "status": status.label}
        ),
        body=reason,
        url=url,
    )
