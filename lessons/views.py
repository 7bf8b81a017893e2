"""Lesson pages: parse the request, authorize on the object, call one service or selector,
render. A lesson the viewer may not see is 404; one they may see but not open (not enrolled,
module not released, prerequisite not finished) is 403 with the reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import PermissionDeniedError
from courses.views import forbidden
from lessons import page_cache, selectors, services
from lessons.models import Lesson
from lessons.page_fragments import lesson_fragments


def _access_or_404(request: HttpRequest, lesson_id: int) -> selectors.LessonAccess:
    try:
        return selectors.lesson_get_for_viewer(user=request.user, lesson_id=lesson_id, with_content=False)
    except Lesson.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def lesson_detail(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A lecture, reading or mind map. Opening it records "in progress" and "continue here" for
    an enrolled student; the course's team and staff read it without a trace. A repeat visit
    is served from the cache until something the page shows changes (lessons.page_cache)."""
    cached = page_cache.lesson_page_cached(request=request, lesson_id=lesson_id)
    if cached is not None:
        return HttpResponse(cached)
    viewer_version = page_cache.viewer_version_now(request)  # before the data it covers
    access = _access_or_404(request, lesson_id)
    if access.refusal is not None:
        return forbidden(request, message=access.refusal, viewer=access.viewer)
    page = selectors.lesson_page(access=access)
    viewer = access.viewer
    if viewer.is_learner:
        page.progress = services.lesson_open(
            lesson=access.lesson, user=request.user, enrollment=viewer.enrollment, progress=page.progress
        )
    lesson = access.lesson
    fragments = lesson_fragments(page=page)
    frame = render_to_string(
        "lessons/lesson_detail.html",
        {
            "page": page,
            "fragments": page_cache.MARKERS,
            "lesson": lesson,
            "module": lesson.module,
            "course": lesson.module.course,
            "viewer": viewer,
            "enrollment": viewer.enrollment if viewer.is_learner else None,
            "is_mind_map": lesson.has_mind_map,
        },
        request=request,
    )
    page_cache.lesson_page_store(
        request=request,
        lesson_id=lesson.pk,
        course_id=lesson.module.course_id,
        viewer_version=viewer_version,
        fragments=fragments,
        frame=frame,
    )
    return HttpResponse(page_cache.assemble(frame, fragments))


@login_required
@require_POST
def lesson_complete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """Mark the lesson done (idempotent). HTMX gets the "done" fragment and, out of band, the
    new progress bar; a plain form post goes back to the lesson."""
    access = _access_or_404(request, lesson_id)
    try:
        progress, enrollment = services.lesson_complete(lesson=access.lesson, user=request.user)
    except Lesson.DoesNotExist:
        raise Http404 from None
    except PermissionDeniedError as exc:
        if request.htmx:
            context = {"lesson": access.lesson, "error": exc.message}
            return render(request, "lessons/partials/lesson_complete.html", context, status=403)
        return forbidden(request, message=exc.message, viewer=access.viewer)
    if not request.htmx:
        messages.success(request, _("Marked as done."))
        return redirect("lessons:lesson-detail", lesson_id=access.lesson.pk)
    context = {"lesson": access.lesson, "is_done": True, "enrollment": enrollment, "oob_progress": True}
    return render(request, "lessons/partials/lesson_complete.html", context)
