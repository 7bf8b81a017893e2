"""The version of a course's published content, for caches of pages built from it.

Pages that every student of a course sees the same way (the lesson page's body, contents,
pager and reading list) are rendered once per version and language and kept in the cache.
Any write to the course, its modules, lessons or resources gives the course a new version
(``courses.receivers``), so a cached fragment is never served after the content it was built
from has changed: there is no expiry to wait for and nothing to delete by hand.

The version changes twice per write: at once, so that the writer's own transaction (and a
test) reads fresh content, and again when the transaction commits, so that a reader who took
the new version before the commit and cached what it could still see (the old rows) is not
kept: the commit-time version is one nobody can have used yet.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

_KEY = "course-content-version:{course_id}"
# Versions are small and read on every lesson page; they live until replaced.
_NO_EXPIRY = None


def _key(course_id: int) -> str:
    return _KEY.format(course_id=course_id)


def course_content_version(*, course_id: int) -> str:
    """The course's current content version (created on first use). One cache read."""
    key = _key(course_id)
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        # add(), not set(): two first readers agree on one version.
        if not cache.add(key, version, timeout=_NO_EXPIRY):
            version = cache.get(key) or version
    return version


def _renew(course_id: int) -> None:
    cache.set(_key(course_id), uuid.uuid4().hex, timeout=_NO_EXPIRY)


def course_content_changed(*, course_id: int) -> None:
    """Give the course a new content version now and again when the current transaction
    commits (see the module's docstring)."""
    _renew(course_id)
    transaction.on_commit(lambda: _renew(course_id))
