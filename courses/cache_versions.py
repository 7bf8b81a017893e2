"""Versions of what pages show, for caches of pages built from it.

Two versions, each a random token kept in the cache and renewed by every write to what it
covers (``courses.receivers``), so a cached page or fragment is never served after its data
changed: there is no expiry to wait for and nothing to delete by hand.

- A course's **content version**: the course, its modules, lessons and resources. Pages every
  student of the course sees alike (the lesson page's body, contents, pager, reading list) are
  rendered once per content version and language (``lessons.page_fragments``).
- A user's **viewer version**: their account, enrollments, lesson progress and course-team
  memberships, i.e. what a page shows about the viewer themselves (``lessons.page_cache``).

A version changes twice per write: at once, so that the writer's own transaction (and a test)
reads fresh data, and again when the transaction commits, so that a reader who took the new
version before the commit and cached what it could still see (the old rows) is not kept: the
commit-time version is one nobody can have used yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

# Versions are small and read on every lesson page; they live until replaced.
_NO_EXPIRY = None


def course_content_key(course_id: int) -> str:
    return f"course-content-version:{course_id}"


def viewer_key(user_id: int) -> str:
    return f"viewer-version:{user_id}"


def version_of(key: str, *, known: str | None = None) -> str:
    """The version stored under ``key`` (created on first use); ``known`` is a value already
    read with others in one round trip. At most one cache read."""
    version = known if known is not None else cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        # add(), not set(): two first readers agree on one version.
        if not cache.add(key, version, timeout=_NO_EXPIRY):
            version = cache.get(key) or version
    return version


def course_content_version(*, course_id: int) -> str:
    """The course's current content version. One cache read."""
    return version_of(course_content_key(course_id))


def viewer_version(*, user_id: int) -> str:
    """The user's current viewer version. One cache read."""
    return version_of(viewer_key(user_id))


def _renew(keys: Iterable[str]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=_NO_EXPIRY)


def _changed(keys: list[str]) -> None:
    _renew(keys)
    transaction.on_commit(lambda: _renew(keys))


def course_content_changed(*, course_id: int) -> None:
    """A new content version for the course, now and at commit (see the module's docstring)."""
    _changed([course_content_key(course_id)])


def viewer_changed(*, user_id: int) -> None:
    """A new viewer version for the user, now and at commit (see the module's docstring)."""
    _changed([viewer_key(user_id)])
