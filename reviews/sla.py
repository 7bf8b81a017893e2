"""The feedback SLA: a reminder to the owner shortly before an item's first response is due,
and an escalation once it is overdue — each sent once per item, however often beat runs.

An item waits for a first response while it is new and unanswered; ``due_at`` is an absolute
instant (UTC) fixed when the item arrived. The reminder window opens a quarter of the item's
SLA before the due time, but never more than 12 hours before (a week-long SLA reminds half a day
ahead, an 8-hour one two hours ahead). Escalations go to the owner, the course's leads and
every active ``is_staff`` user. Notifications name the item, never its author.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import Notification, User
from accounts.notifications import notification_send
from reviews import selectors
from reviews.board_models import FeedbackSlaNotice
from reviews.models import FeedbackResponse
from reviews.services import item_about, lazy_text

if TYPE_CHECKING:
    from django.db.models import QuerySet

REMINDER_SHARE = 0.25
REMINDER_MAX_LEAD = timedelta(hours=12)


def reminder_lead(sla: timedelta) -> timedelta:
    """How long before the due time the owner is reminded, for an item with this SLA."""
    return min(sla * REMINDER_SHARE, REMINDER_MAX_LEAD)


def reminder_due(response: FeedbackResponse) -> datetime:
    return response.due_at - reminder_lead(response.due_at - response.created_at)


def _waiting() -> QuerySet[FeedbackResponse]:
    return FeedbackResponse.objects.filter(status=FeedbackResponse.Status.NEW, first_response_at__isnull=True)


def _with_item(responses: QuerySet[FeedbackResponse]) -> QuerySet[FeedbackResponse]:
    return responses.select_related(
        "course",
        "owner",
        "feedback__lesson",
        "feedback__question",
        "feedback__case",
        "feedback__ticket__exam",
    ).defer(
        "course__description_md",
        "course__description_html",
        "course__format_md",
        "course__format_html",
        "feedback__lesson__body_md",
        "feedback__lesson__body_html",
        "feedback__lesson__mind_map",
    )


def _local(moment: datetime, user: User) -> str:
    """``moment`` as the recipient reads it: their time zone, else the site's."""
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return formats.date_format(moment.astimezone(zone), "DATETIME_FORMAT")


def _send_once(
    response: FeedbackResponse,
    *,
    kind: str,
    recipients: list[User],
    title: str,
    body_for: Callable[[User], Promise],
) -> bool:
    """Record the notice, then notify; all or nothing. False when it was sent before (by an
    earlier tick or a concurrent one: the (response, kind) constraint decides)."""
    try:
        with transaction.atomic():
            FeedbackSlaNotice.objects.create(response=response, kind=kind)
            for recipient in recipients:
                notification_send(
                    user=recipient,
                    kind=Notification.Kind.FEEDBACK_OVERDUE,
                    title=title,
                    body=body_for(recipient),
                    url=reverse("reviews:inbox-item", kwargs={"response_id": response.pk}),
                    dedupe_key=f"feedback-sla-{kind}:{response.pk}",
                )
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class SlaCheckResult:
    reminded: int
    escalated: int


def feedback_sla_check(*, now: datetime | None = None) -> SlaCheckResult:
    """Remind owners of items entering their reminder window, escalate items past their due
    time. Idempotent: an item gets at most one reminder and one escalation ever (a
    FeedbackSlaNotice row per kind, and the notifications' dedupe keys), so ticks can repeat,
    overlap or run late. Items already handled by an earlier tick cost nothing."""
    now = now or timezone.now()
    reminded = escalated = 0

    candidates = _with_item(
        _waiting()
        .filter(
            due_at__gt=now, due_at__lte=now + REMINDER_MAX_LEAD, owner__isnull=False, owner__is_active=True
        )
        .exclude(sla_notices__kind=FeedbackSlaNotice.Kind.REMINDER)
    )
    for response in candidates:
        if now < reminder_due(response):
            continue
        about, course, due_at = item_about(response), response.course.title, response.due_at
        title = lazy_text(lambda about=about: _("Feedback due soon: %(about)s") % {"about": about})

        def body(user: User, course: str = course, due_at: datetime = due_at) -> Promise:
            return lazy_text(
                lambda: (
                    _("Course “%(course)s”: the first response is due %(when)s.")
                    % {"course": course, "when": _local(due_at, user)}
                )
            )

        reminded += _send_once(
            response,
            kind=FeedbackSlaNotice.Kind.REMINDER,
            recipients=[response.owner],
            title=title,
            body_for=body,
        )

    overdue = list(
        _with_item(
            _waiting().filter(due_at__lte=now).exclude(sla_notices__kind=FeedbackSlaNotice.Kind.ESCALATION)
        )
    )
    if overdue:
        leads = selectors.course_leads(course_ids=sorted({response.course_id for response in overdue}))
        staff = list(User.objects.filter(is_active=True, is_staff=True).order_by("id"))
        lead_users = {
            user.pk: user
            for user in User.objects.filter(
                pk__in={pk for ids in leads.values() for pk in ids}, is_active=True
            )
        }
        for response in overdue:
            recipients = {user.pk: user for user in staff}
            recipients.update(
                {pk: lead_users[pk] for pk in leads.get(response.course_id, []) if pk in lead_users}
            )
            if response.owner is not None and response.owner.is_active:
                recipients[response.owner.pk] = response.owner
            about, course, due_at = item_about(response), response.course.title, response.due_at
            title = lazy_text(lambda about=about: _("Feedback overdue: %(about)s") % {"about": about})

            def body(user: User, course: str = course, due_at: datetime = due_at) -> Promise:
                return lazy_text(
                    lambda: (
                        _("Course “%(course)s”: overdue since %(when)s, not answered yet.")
                        % {"course": course, "when": _local(due_at, user)}
                    )
                )

            escalated += _send_once(
                response,
                kind=FeedbackSlaNotice.Kind.ESCALATION,
                recipients=list(recipients.values()),
                title=title,
                body_for=body,
            )
    return SlaCheckResult(reminded=reminded, escalated=escalated)
