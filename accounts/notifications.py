"""Notification delivery: the in-app inbox and e-mail, as each user's preferences say.

Every app notifies users through ``notification_send``. E-mail never goes out inside a request
or a caller's transaction: ``notification_send`` queues a Celery task on commit, and the task
sends through Django's e-mail backend in the recipient's language, at most once.
"""

import hashlib
import uuid
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from accounts.models import Notification, User
from accounts.selectors import notification_channels_for

TITLE_MAX_LENGTH = Notification._meta.get_field("title").max_length
# How long an e-mail sent without an inbox row is remembered, so that a retried caller or task
# does not send it again.
UNSTORED_EMAIL_MEMORY = timedelta(days=7)


def _url_check(url: str) -> None:
    if not url:
        return
    parts = urlsplit(url)
    is_site_path = url.startswith("/") and not url.startswith("//")
    is_web_address = parts.scheme in ("http", "https") and bool(parts.netloc)
    if not (is_site_path or is_web_address):
        raise ValueError(f"A notification link must be a path on this site or an http(s) address: {url!r}")


def _user_language(user: User) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


@transaction.atomic
def notification_send(
    *,
    user: User,
    kind: str,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
    dedupe_key: str = "",
) -> Notification | None:
    """Notify ``user`` of something of ``kind``, as their preference for that kind says.

    - In the inbox (the default): creates the Notification and returns it.
    - Not in the inbox: creates nothing and returns None.
    - By e-mail (the default, when the user has an address and is active): queues the e-mail
      after the surrounding transaction commits, so a caller that rolls back sends nothing.
    - With ``dedupe_key``: a later call for the same user and key (a retried task, a repeated
      reminder) delivers nothing and returns the first call's notification (None if that one
      was e-mail only). Safe when calls race: the (user, dedupe_key) unique constraint decides,
      the losing insert is rolled back to a savepoint and the winner's row is returned.

    ``title`` and ``body`` may be lazy translations (gettext_lazy, format_lazy): they are
    evaluated in the user's preferred language. A title longer than the field is shortened.
    Raises ValueError for an unknown kind or a link that is neither a path on this site nor an
    http(s) address (programming errors).
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"Unknown notification kind: {kind!r}")
    _url_check(url)
    with translation.override(_user_language(user)):
        title, body = str(title), str(body)
    if len(title) > TITLE_MAX_LENGTH:
        title = title[: TITLE_MAX_LENGTH - 1] + "…"
    in_app, email = notification_channels_for(user=user, kind=kind)
    email = email and bool(user.email) and user.is_active

    if dedupe_key:
        existing = Notification.objects.filter(user=user, dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing

    if not in_app:
        if email:
            _email_unstored_enqueue(
                user=user, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key
            )
        return None

    notification = Notification(user=user, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key)
    # The dedupe constraint is left to the database, the only place that sees concurrent inserts.
    notification.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        if not dedupe_key:
            raise
        return Notification.objects.get(user=user, dedupe_key=dedupe_key)
    if email:
        from accounts.tasks import notification_email_task

        transaction.on_commit(partial(notification_email_task.delay, notification.pk))
    return notification


def _email_unstored_enqueue(
    *, user: User, kind: str, title: str, body: str, url: str, dedupe_key: str
) -> None:
    from accounts.tasks import notification_email_unstored_task

    # Without an inbox row there is no emailed_at to make sending idempotent; the delivery key
    # plays that part (see notification_email_send_unstored). With a dedupe key, repeated calls
    # share one delivery key, so the e-mail goes out once.
    delivery_key = f"{user.pk}:dedupe:{dedupe_key}" if dedupe_key else f"{user.pk}:once:{uuid.uuid4()}"
    transaction.on_commit(
        partial(
            notification_email_unstored_task.delay,
            user_id=user.pk,
            kind=kind,
            title=title,
            body=body,
            url=url,
            delivery_key=delivery_key,
        )
    )


def _absolute_url(path_or_url: str) -> str:
    """An address usable from an e-mail; "" when the site's own address is not configured."""
    if not path_or_url or urlsplit(path_or_url).scheme:
        return path_or_url
    site_url = getattr(settings, "SITE_URL", "")  # e.g. "https://kafedra.example.com"
    return f"{site_url.rstrip('/')}{path_or_url}" if site_url else ""


def _email_message(*, user: User, kind: str, title: str, body: str, url: str) -> EmailMessage:
    with translation.override(_user_language(user)):
        context = {
            "user": user,
            "kind_label": Notification.Kind(kind).label,
            "title": title,
            "body": body,
            "link": _absolute_url(url),
            "preferences_link": _absolute_url(reverse("accounts:profile")),
        }
        subject = " ".join(render_to_string("accounts/email/notification_subject.txt", context).split())
        text = render_to_string("accounts/email/notification_body.txt", context)
    return EmailMessage(subject=subject, body=text, to=[user.email])


def notification_email_send(*, notification: Notification) -> bool:
    """E-mail ``notification`` to its user in their language, at most once.

    The notification is claimed first (``emailed_at`` set by a conditional UPDATE that only one
    caller can win), then sent; if sending fails the claim is released so a retry can send it.
    Not one transaction on purpose: the claim must be visible to a concurrent or repeated task
    before the e-mail leaves. Returns True if this call sent it; False when it was already
    e-mailed (or claimed) or the user has no address or is inactive. Raises what the e-mail
    backend raises (OSError, SMTPException) after releasing the claim.
    """
    user = notification.user
    if not user.email or not user.is_active:
        return False
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=now)
    if not claimed:
        return False
    message = _email_message(
        user=user,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        url=notification.url,
    )
    try:
        message.send()
    except Exception:
        Notification.objects.filter(pk=notification.pk, emailed_at=now).update(emailed_at=None)
        raise
    notification.emailed_at = now
    return True


def notification_email_send_unstored(
    *, user: User, kind: str, title: str, body: str, url: str, delivery_key: str
) -> bool:
    """E-mail a notification that has no inbox row (the user turned the inbox off for its kind),
    at most once per ``delivery_key`` within UNSTORED_EMAIL_MEMORY.

    The key is claimed in the cache (an atomic add) before sending and released if sending
    fails. Returns True if this call sent it. Raises what the e-mail backend raises.
    """
    if not user.email or not user.is_active:
        return False
    cache_key = "accounts:notification-emailed:" + hashlib.sha256(delivery_key.encode()).hexdigest()
    if not cache.add(cache_key, 1, timeout=int(UNSTORED_EMAIL_MEMORY.total_seconds())):
        return False
    message = _email_message(user=user, kind=kind, title=title, body=body, url=url)
    try:
        message.send()
    except Exception:
        cache.delete(cache_key)
        raise
    return True


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read. Idempotent: a read notification keeps its
    first read time. Raises Notification.DoesNotExist for a notification of another user."""
    notification = Notification.objects.get(pk=notification_id, user=user)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        notification.read_at = notification.updated_at = now
    return notification


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read (one UPDATE). Returns how many changed."""
    now = timezone.now()
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now, updated_at=now)
