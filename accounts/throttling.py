"""Login throttling: after too many failed logins for one username from one IP address, refuse
further attempts for a while. State lives in Django's cache (Redis in production), so every web
process and host shares it and nothing is written to the database.

Failures are counted in one-minute buckets (``cache.incr`` is atomic on Redis), and the window is
the sum of the last ``LOGIN_FAILURE_WINDOW`` buckets, a sliding window accurate to a minute. When
the sum reaches ``LOGIN_FAILURE_LIMIT``, a lock key is written that expires after
``LOGIN_LOCKOUT``. While it exists, no password is checked at all, so a locked-out client cannot
find out whether a guess was right.
"""

import hashlib
import math
import time
from datetime import timedelta

from django.core.cache import cache
from django.http import HttpRequest

LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_LOCKOUT = timedelta(minutes=15)

_BUCKET_SECONDS = 60
_WINDOW_BUCKETS = int(LOGIN_FAILURE_WINDOW.total_seconds()) // _BUCKET_SECONDS


def client_ip(request: HttpRequest) -> str:
    """The address the request came from. Behind a proxy, the proxy has to set REMOTE_ADDR to
    the client's address (gunicorn's ``forwarded_allow_ips``); X-Forwarded-For is not trusted
    here because any client can forge it."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _subject(username: str, ip: str) -> str:
    # Hashed so that usernames (personal data) are not stored as cache keys in clear text, and so
    # that any username fits in a cache key.
    normalized = f"{username.strip().casefold()}\x00{ip}"
    return hashlib.sha256(normalized.encode()).hexdigest()


def _lock_key(subject: str) -> str:
    return f"accounts:login-lock:{subject}"


def _bucket_keys(subject: str, now: float) -> list[str]:
    current = int(now) // _BUCKET_SECONDS
    return [
        f"accounts:login-failures:{subject}:{bucket}"
        for bucket in range(current - _WINDOW_BUCKETS + 1, current + 1)
    ]


def login_lockout_remaining(*, username: str, ip: str) -> int:
    """Seconds until ``username`` may try to log in again from ``ip``; 0 when not locked out."""
    locked_until = cache.get(_lock_key(_subject(username, ip)))
    if locked_until is None:
        return 0
    return max(0, math.ceil(locked_until - time.time()))


def login_failure_register(*, username: str, ip: str) -> int:
    """Count a failed login and lock further attempts when the limit is reached.

    Returns the lockout in seconds this failure started (0 when still under the limit).
    """
    subject = _subject(username, ip)
    now = time.time()
    keys = _bucket_keys(subject, now)
    ttl = int(LOGIN_FAILURE_WINDOW.total_seconds()) + _BUCKET_SECONDS
    cache.add(keys[-1], 0, timeout=ttl)
    try:
        cache.incr(keys[-1])
    except ValueError:  # the bucket expired between add() and incr(): start it again
        cache.set(keys[-1], 1, timeout=ttl)
    failures = sum(cache.get_many(keys).values())
    if failures < LOGIN_FAILURE_LIMIT:
        return 0
    lockout = int(LOGIN_LOCKOUT.total_seconds())
    cache.set(_lock_key(subject), now + lockout, timeout=lockout)
    cache.delete_many(keys)  # the lock takes over; after it expires the count starts from zero
    return lockout


def login_failures_clear(*, username: str, ip: str) -> None:
    """Forget the failures of ``username`` from ``ip`` (after a successful login)."""
    subject = _subject(username, ip)
    cache.delete_many(_bucket_keys(subject, time.time()))
