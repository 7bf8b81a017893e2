"""Signal receivers of the accounts app: cache invalidation only, never business logic."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.backends import user_cache_key
from accounts.models import User


@receiver([post_save, post_delete], sender=User, dispatch_uid="auth-user-cache")
def _account_written(sender: type[User], instance: User, **kwargs: Any) -> None:
    """Drop the cached user now and again at commit (a request between the two could cache the
    row as it was before the commit)."""
    key = user_cache_key(instance.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
