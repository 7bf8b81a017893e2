"""The parts of a lesson page every student of the course sees alike, rendered once and kept
in the cache: the lesson itself (header, contents, body, the exercise and feedback slots), the
pager, the side contents and the course's reading list.

They depend only on the course's content, the language and whether the viewer is on the
course's team (reviewers see unpublished lessons among the neighbours). The cache key carries
the course's content version (``courses.cache_versions``), which every write to the course's
content renews, so a fragment is never served after what it shows has changed. A page served
from here runs none of the queries behind these parts (``LessonPage`` computes them lazily);
the viewer's own state (progress, "mark as done", the read-only notice) is rendered per request
around them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from courses.cache_versions import course_content_key, version_of
from lessons.selectors import LessonPage

# Fragments are retired by the content version, not by time; the expiry only bounds how long
# an unused one occupies the cache.
FRAGMENT_TIMEOUT_S = 24 * 60 * 60
_TEMPLATES = {
    "main": "lessons/partials/lesson_main.html",
    "pager": "lessons/partials/lesson_pager.html",
    "side_toc": "lessons/partials/lesson_side_toc.html",
    "reading_list": "lessons/partials/reading_list.html",
}


@dataclass(frozen=True)
class LessonFragments:
    main: SafeString
    pager: SafeString
    side_toc: SafeString
    reading_list: SafeString
    key: str  # where they are cached: the content version and the language are in it
    content_version: str


def fragments_key(*, lesson_id: int, content_version: str, language: str, for_team: bool) -> str:
    audience = "team" if for_team else "students"
    return f"lesson-fragments:{lesson_id}:{content_version}:{language}:{audience}"


def _render(page: LessonPage) -> dict[str, str]:
    lesson = page.lesson
    context = {"page": page, "lesson": lesson, "is_mind_map": lesson.has_mind_map}
    return {name: str(render_to_string(template, context)) for name, template in _TEMPLATES.items()}


def fragments_from(rendered: dict[str, str], *, key: str, content_version: str) -> LessonFragments:
    # Our own templates' output, stored as plain strings.
    safe = {name: mark_safe(html) for name, html in rendered.items()}  # noqa: S308
    return LessonFragments(**safe, key=key, content_version=content_version)


def lesson_fragments(*, page: LessonPage) -> LessonFragments:
    """The page's shared fragments: two cache reads when they are cached; otherwise rendered
    (the neighbours, contents and reading list: three queries) and cached."""
    version = version_of(course_content_key(page.lesson.module.course_id))
    key = fragments_key(
        lesson_id=page.lesson.pk,
        content_version=version,
        language=translation.get_language() or "",
        for_team=page.access.viewer.is_reviewer,
    )
    rendered = cache.get(key)
    if rendered is None:
        rendered = _render(page)
        cache.set(key, rendered, timeout=FRAGMENT_TIMEOUT_S)
    return fragments_from(rendered, key=key, content_version=version)
