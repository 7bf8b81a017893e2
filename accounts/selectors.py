"""Read queries for accounts: notification inbox, delivery preferences, profile choices."""

import zoneinfo
from dataclasses import dataclass
from functools import cache

from django.db.models import QuerySet

from accounts.models import Notification, NotificationPreference, User

INBOX_PAGE_SIZE = 30


def notification_list_for_user(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's inbox, newest first; only what the inbox shows is loaded."""
    notifications = Notification.objects.filter(user=user).only(
        "id", "user_id", "kind", "title", "body", "url", "read_at", "created_at"
    )
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def notification_get_for_user(*, user: User, notification_id: int) -> Notification:
    """One of the user's notifications. Raises Notification.DoesNotExist for anyone else's."""
    return Notification.objects.get(pk=notification_id, user=user)


def notification_unread_count(*, user: User) -> int:
    """How many of the user's notifications are unread (uses the (user, read_at) index)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@dataclass(frozen=True)
class NotificationChannels:
    kind: str
    label: str
    in_app: bool
    email: bool


def notification_preferences_for_user(*, user: User) -> list[NotificationChannels]:
    """Every notification kind with the user's choice, the default (both on) where none is stored.
    One query."""
    stored = {
        preference.kind: preference
        for preference in NotificationPreference.objects.filter(user=user).only("kind", "in_app", "email")
    }
    channels = []
    for kind, label in Notification.Kind.choices:
        preference = stored.get(kind)
        channels.append(
            NotificationChannels(
                kind=kind,
                label=str(label),
                in_app=preference.in_app if preference else True,
                email=preference.email if preference else True,
            )
        )
    return channels


def notification_channels_for(*, user: User, kind: str) -> tuple[bool, bool]:
    """``(in_app, email)``: how the user wants notifications of ``kind`` delivered. One query."""
    preference = (
        NotificationPreference.objects.filter(user=user, kind=kind).values_list("in_app", "email").first()
    )
    return preference if preference is not None else (True, True)


@cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA time zone names this machine knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))
