"""A viewer's lesson page, kept until something it shows changes.

A lesson page is two parts:

- the shared fragments (``lessons.page_fragments``): the lesson's body, contents, pager and
  the course's reading list, the same for every student of the course, cached per course
  content version and language;
- the viewer's *frame* around them: the site header with their navigation, the breadcrumbs,
  their course progress, "mark as done" or "done", the read-only notice for the team. It is
  rendered with a marker in place of each fragment and kept per viewer, lesson, language and
  CSRF secret (its forms carry tokens of that secret).

A frame is stored with the versions it was built from: the viewer's version (their account,
enrollments, progress and team memberships) and the course's content version
(``courses.cache_versions``). A repeat visit reads the frame and the viewer's version in one
round trip, the course's version and the fragments in a second, and is served without a
database query beyond the session's user; any write to what the page shows renews a version
and the next visit renders the page again. Opening a lesson records progress ("in progress",
"continue here"); a frame is only ever stored after those writes, under the version read
before them, so the visit after a change always goes through the view again.

Never served from here: a request with flash messages waiting (the page shows and consumes
them), one without a CSRF cookie (the page sets it), and anything but a page the viewer may
open (403 and 404 are never stored).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.safestring import mark_safe

from courses.cache_versions import course_content_key, version_of, viewer_key
from lessons.page_fragments import LessonFragments, fragments_from

# Frames are small (the fragments are shared); an hour bounds what unused ones occupy.
FRAME_TIMEOUT_S = 60 * 60
FRAGMENT_NAMES = ("main", "pager", "side_toc", "reading_list")
# Rendered in place of the fragments: HTML comments no escaped text can produce.
MARKERS = {name: mark_safe(f"<!--kafedra:lesson-fragment:{name}-->") for name in FRAGMENT_NAMES}  # noqa: S308


@dataclass(frozen=True)
class _Frame:
    course_id: int
    viewer_version: str
    content_version: str
    fragments_key: str
    html: str


def _frame_key(request: HttpRequest, lesson_id: int) -> str | None:
    """The key of the viewer's frame of this lesson, or None when the request must not be
    served from a cached frame (no CSRF cookie yet, flash messages waiting)."""
    secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if not secret or len(get_messages(request)):
        return None
    csrf = hashlib.sha256(secret.encode()).hexdigest()[:16]
    language = translation.get_language() or ""
    return f"lesson-frame:{request.user.pk}:{lesson_id}:{language}:{csrf}"


def assemble(frame: str, fragments: LessonFragments) -> str:
    for name, marker in MARKERS.items():
        frame = frame.replace(marker, getattr(fragments, name), 1)
    return frame


def viewer_version_now(request: HttpRequest) -> str:
    """The viewer's version, read before the page's data (a frame is stored under it)."""
    return version_of(viewer_key(request.user.pk))


def lesson_page_cached(*, request: HttpRequest, lesson_id: int) -> str | None:
    """The whole page from the cache when nothing it shows has changed, else None. At most
    two cache round trips."""
    key = _frame_key(request, lesson_id)
    if key is None:
        return None
    user_version_key = viewer_key(request.user.pk)
    found = cache.get_many([key, user_version_key])
    frame: _Frame | None = found.get(key)
    if frame is None or found.get(user_version_key) != frame.viewer_version:
        return None
    content_key = course_content_key(frame.course_id)
    found = cache.get_many([content_key, frame.fragments_key])
    rendered = found.get(frame.fragments_key)
    if rendered is None or found.get(content_key) != frame.content_version:
        return None
    get_token(request)  # as rendering the page's forms does: keeps the CSRF cookie fresh
    fragments = fragments_from(rendered, key=frame.fragments_key, content_version=frame.content_version)
    return assemble(frame.html, fragments)


def lesson_page_store(
    *,
    request: HttpRequest,
    lesson_id: int,
    course_id: int,
    viewer_version: str,
    fragments: LessonFragments,
    frame: str,
) -> None:
    """Keep the viewer's frame of a page just served, under the versions it was built from."""
    key = _frame_key(request, lesson_id)
    if key is None:
        return
    entry = _Frame(
        course_id=course_id,
        viewer_version=viewer_version,
        content_version=fragments.content_version,
        fragments_key=fragments.key,
        html=frame,
    )
    cache.set(key, entry, timeout=FRAME_TIMEOUT_S)
