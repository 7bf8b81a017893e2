"""Course pages: parse the request, authorize on the object, call one service or selector,
render. Refusals answer with the reason: 403 (not enrolled, locked, the course's team trying
to enroll), 404 (not visible: drafts for everybody but the team), 409 (already enrolled, the
course takes no enrollments)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from core.exceptions import PermissionDeniedError
from courses import selectors, services
from courses.access import CourseViewer
from courses.exceptions import CourseError
from courses.models import Course


def forbidden(request: HttpRequest, *, message: str, viewer: CourseViewer | None = None) -> HttpResponse:
    """The 403 page every course content page answers with: the reason, and the way on (enroll,
    or back to the course)."""
    context = {"message": message, "course": viewer.course if viewer else None, "viewer": viewer}
    return render(request, "courses/forbidden.html", context, status=403)


def _course_or_404(request: HttpRequest, slug: str) -> Course:
    try:
        return selectors.course_get_for_viewer(slug=slug, user=request.user)
    except Course.DoesNotExist:
        raise Http404 from None


@require_safe
def catalog(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX_LENGTH]
    courses = list(selectors.course_list_for_catalog(query=query))
    return render(
        request,
        "courses/catalog.html",
        {
            "query": query,
            "result_count": len(courses),
            "published": [c for c in courses if c.status == Course.Status.PUBLISHED],
            "announced": [c for c in courses if c.status == Course.Status.ANNOUNCED],
        },
    )


def _course_page(request: HttpRequest, course: Course, *, status: int = 200) -> HttpResponse:
    viewer = selectors.course_viewer(user=request.user, course=course)
    context = {
        "course": course,
        "viewer": viewer,
        "outline": selectors.course_outline(course=course),
        # The figures in the header; the reviews themselves and the board load into their slots.
        "reviews": selectors.course_review_summary(course=course, with_reviews=False),
        "enrollment": viewer.enrollment if viewer.is_learner else None,
        "show_links": viewer.can_read,
        "can_enroll": viewer.can_enroll,
        "is_upcoming": course.status == Course.Status.ANNOUNCED,
        "is_draft": course.status == Course.Status.DRAFT,
        # Reviews and the board are public for every course but a draft (reviews.selectors.public_course_get).
        "show_feedback": course.status != Course.Status.DRAFT,
    }
    return render(request, "courses/course_detail.html", context, status=status)


@require_safe
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _course_page(request, _course_or_404(request, slug))


@login_required
@require_POST
def course_enroll(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_or_404(request, slug)
    try:
        _enrollment, created = services.enrollment_create(course=course, user=request.user)
    except PermissionDeniedError as exc:
        return forbidden(
            request, message=exc.message, viewer=selectors.course_viewer(user=request.user, course=course)
        )
    except CourseError as exc:
        messages.warning(request, exc.message)
        return _course_page(request, course, status=409)
    messages.success(
        request,
        _("You are enrolled. Welcome!")
        if created
        else _("Welcome back: your progress is where you left it."),
    )
    return redirect("courses:course-outline", slug=course.slug)


@login_required
@require_GET
def course_outline(request: HttpRequest, slug: str) -> HttpResponse:
    """The learning path: every item with the student's state, locks with their reasons,
    progress and "continue". The team and staff see the locks as information."""
    course = _course_or_404(request, slug)
    viewer = selectors.course_viewer(user=request.user, course=course)
    refusal = viewer.read_refusal()
    if refusal is not None:
        return forbidden(request, message=refusal, viewer=viewer)
    path = selectors.course_learning_path(course=course, viewer=viewer)
    return render(request, "courses/course_outline.html", {"course": course, "viewer": viewer, "path": path})


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The student's courses with progress and "continue", and what is due soon. The
    flashcards slot renders when a ``flashcards_due`` list is put in the context."""
    from quizzes.flashcard_selectors import flashcard_decks_due

    board = selectors.dashboard_for(user=request.user)
    return render(
        request,
        "courses/dashboard.html",
        {"dashboard": board, "flashcards_due": flashcard_decks_due(user=request.user)},
    )
