"""The grading desk's pages (after Canvas SpeedGrader and Moodle's manual grading): the courses
a user grades, a course's queue with filters, and one item with the student's work beside the
reference and the rubric. Keyboard: j/k move through the queue, digits fill the points,
ctrl+enter saves (static/js/desk.js).

Authorization: the desk of a course is for its team and superusers (who grade) and staff (who
look): 403 for everybody else; an item of a course whose desk the user does not open is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError, PermissionDeniedError
from courses.models import Course
from exams import desk_item_selectors, desk_selectors, desk_services
from exams.case_services import case_rubric_ensure
from exams.desk_exceptions import InvalidInput
from exams.desk_selectors import CASE

_MAX_ID = 2**63 - 1


def _course_or_error(request: HttpRequest, slug: str) -> Course:
    try:
        return desk_selectors.desk_course_get(user=request.user, slug=slug)
    except Course.DoesNotExist:
        raise Http404 from None
    except PermissionError:
        raise PermissionDenied(_("The grading desk of this course is for its team.")) from None


@login_required
@require_GET
def desk_index(request: HttpRequest) -> HttpResponse:
    """The courses whose desk the user opens, with how many items wait."""
    courses = desk_selectors.desk_courses_for(user=request.user)
    if not courses:
        raise PermissionDenied(_("The grading desk is for the courses' teams."))
    return render(request, "desk/index.html", {"courses": courses})


@login_required
@require_GET
def desk_queue(request: HttpRequest, slug: str) -> HttpResponse:
    """A course's queue, oldest submission first; filters: kind, source, student, status."""
    course = _course_or_error(request, slug)
    filters = desk_selectors.desk_filters_parse(request.GET)
    queue = desk_selectors.desk_queue(course=course, filters=filters)
    context = {
        "course": course,
        "queue": queue,
        "filters": filters,
        "kinds": desk_selectors.kind_labels(),
        "statuses": desk_selectors.status_labels(),
        "students": queue.directory.choices(),
        "querystring": filters.querystring(),
    }
    template = "desk/partials/queue_rows.html" if request.htmx else "desk/queue.html"
    return render(request, template, context)


def _item_or_404(request: HttpRequest, kind: str, item_id: int) -> desk_item_selectors.DeskItem:
    try:
        return desk_item_selectors.desk_item_get(user=request.user, kind=kind, item_id=item_id)
    except LookupError:
        raise Http404 from None


def _grade_input(request: HttpRequest, item: desk_item_selectors.DeskItem) -> dict:
    """The grade form's values in the shape ``desk_services.desk_grade`` takes. A case graded
    for the first time without rubric rows gets its default rubric created here (a POST), and
    the points posted by position are keyed by the new criteria."""
    data = {"comment": request.POST.get("comment", ""), "reason": request.POST.get("reason", "")}
    if item.kind != CASE:
        data["points"] = request.POST.get("grade-points", "")
        return data
    prefixes = [line.field_prefix for line in item.lines]
    criteria = (
        case_rubric_ensure(case=item.obj.case)
        if item.needs_rubric
        else [line.criterion for line in item.lines]
    )
    data["scores"] = {
        c.pk: request.POST.get(f"{prefix}-points", "") for c, prefix in zip(criteria, prefixes, strict=False)
    }
    data["criterion_comments"] = {
        c.pk: request.POST.get(f"{prefix}-comment", "") for c, prefix in zip(criteria, prefixes, strict=False)
    }
    return data


def _form_lines(item: desk_item_selectors.DeskItem, posted) -> list[dict]:
    """The grade form's lines with their values: what was saved, or what was just posted when
    the grade was refused (so nothing typed is lost)."""
    lines = []
    for index, line in enumerate(item.lines):
        points = line.points if line.points is not None else ""
        comment = line.comment
        if posted is not None:
            points = posted.get(f"{line.field_prefix}-points", "")
            comment = posted.get(f"{line.field_prefix}-comment", "")
        lines.append({"line": line, "number": index + 1, "points": points, "comment": comment})
    return lines


def _queue_url(
    item: desk_item_selectors.DeskItem, row: desk_selectors.DeskRow | None, querystring: str
) -> str:
    url = row.url if row is not None else reverse("desk:queue", kwargs={"slug": item.course.slug})
    return f"{url}?{querystring}" if querystring else url


@login_required
@require_http_methods(["GET", "POST"])
def desk_item(request: HttpRequest, kind: str, item_id: int) -> HttpResponse:
    """GET: the item beside the reference and the rubric. POST: save the grade and go to the
    next item of the queue (with the same filters)."""
    if not 0 < item_id <= _MAX_ID:
        raise Http404
    item = _item_or_404(request, kind, item_id)
    filters = desk_selectors.desk_filters_parse(request.GET)
    status = 200
    error = ""
    if request.method == "POST":
        if not item.can_grade:
            raise PermissionDenied(_("Only the course's team grades its work."))
        try:
            values = _grade_input(request, item)
            desk_services.desk_grade(kind=item.kind, obj=item.obj, grader=request.user, **values)
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from None
        except ApplicationError as exc:
            error, status = exc.message, 400 if isinstance(exc, InvalidInput) else 409
        else:
            messages.success(request, _("Grade saved."))
            queue = desk_selectors.desk_queue(course=item.course, filters=filters, with_sources=False)
            _previous, following = queue.neighbours((item.kind, item.obj.pk))
            return redirect(_queue_url(item, following, filters.querystring()))
        item = _item_or_404(request, kind, item_id)
    queue = desk_selectors.desk_queue(course=item.course, filters=filters, with_sources=False)
    previous, following = queue.neighbours((item.kind, item.obj.pk))
    keys = [row.key for row in queue.rows]
    key = (item.kind, item.obj.pk)
    posted = request.POST if request.method == "POST" else None
    context = {
        "item": item,
        "course": item.course,
        "error": error,
        "form_lines": _form_lines(item, posted),
        "comment_value": posted.get("comment", "") if posted is not None else item.comment,
        "reason_value": posted.get("reason", "") if posted is not None else "",
        "previous": previous,
        "following": following,
        "previous_url": _queue_url(item, previous, filters.querystring()) if previous else "",
        "following_url": _queue_url(item, following, filters.querystring()) if following else "",
        "queue_url": _queue_url(item, None, filters.querystring()),
        "querystring": filters.querystring(),
        "position": keys.index(key) + 1 if key in keys else None,
        "queue_length": len(keys),
    }
    return render(request, "desk/item.html", context, status=status)


@login_required
@require_POST
def desk_override(request: HttpRequest) -> HttpResponse:
    """Override an automatic result (a quiz answer or a practical run) with a reason; back to
    the item the grader came from."""
    target = request.POST.get("target", "")
    raw_id = request.POST.get("target_id", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = ""
    if not raw_id.isdigit() or not 0 < int(raw_id) <= _MAX_ID:
        raise Http404
    try:
        desk_services.grade_override(
            target=target,
            target_id=int(raw_id),
            grader=request.user,
            points=request.POST.get("points", ""),
            reason=request.POST.get("reason", ""),
        )
    except LookupError:
        raise Http404 from None
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Result overridden."))
    return redirect(back or "desk:index")
