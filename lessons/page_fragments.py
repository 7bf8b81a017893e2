"""The parts of a lesson page every student of the course sees alike, rendered once and kept
in the cache: the lesson itself (header, contents, body, the exercise and feedback slots), the
pager, the side contents and the course's reading list.

They depend only on the course's content, the language and whether the viewer is on the
course's team (reviewers see unpublished lessons among the neighbours). The cache key carries
the course's content version (``courses.content_version``), which every write to the course's
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

from courses.content_version import course_content_version
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


def _key(page: LessonPage, version: str, language: str) -> str:
    audience = "team" if page.access.viewer.is_reviewer else "students"
    return f"lesson-page:{page.lesson.pk}:{version}:{language}:{audience}"


def _render(page: LessonPage) -> dict[str, str]:
    lesson = page.lesson
    context = {
        "page": page,
        "lesson": lesson,
        "is_mind_map": lesson.has_mind_map,
    }
    return {name: str(render_to_string(template, context)) for name, template in _TEMPLATES.items()}


def lesson_fragments(*, page: LessonPage) -> LessonFragments:
    """The page's shared fragments: two cache reads when they are cached; otherwise rendered
    (the neighbours, contents and reading list: three queries) and cached."""
    version = course_content_version(course_id=page.lesson.module.course_id)
    key = _key(page, version, translation.get_language() or "")
    rendered = cache.get(key)
    if rendered is None:
        rendered = _render(page)
        cache.set(key, rendered, timeout=FRAGMENT_TIMEOUT_S)
    # Our own templates' output, stored as plain strings.
    return LessonFragments(**{name: mark_safe(html) for name, html in rendered.items()})  # noqa: S308
