"""The authentication backend: Django's ModelBackend, reading the signed-in user from the cache.

The session holds only the user's id, so every signed-in request loads the user; on pages that
are otherwise served from the cache (a repeat visit to a lesson, ``lessons.page_cache``) that
query is most of the work. The user is kept in the cache for a few minutes under their id and
dropped on every write to the account (``accounts.receivers``): a deactivated account, a new
password (the session's hash check still runs on every request) or new preferences take effect
on the next request. Writes that bypass ``save()`` (``QuerySet.update``) are bounded by the
expiry. Permissions and groups are not cached here: ModelBackend reads them per request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_CACHE_TIMEOUT_S = 5 * 60


def user_cache_key(user_id: Any) -> str:
    return f"auth-user:{user_id}"


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)  # None when there is no such active user
            if user is not None:
                cache.set(key, user, timeout=USER_CACHE_TIMEOUT_S)
            return user
        return user if self.user_can_authenticate(user) else None
