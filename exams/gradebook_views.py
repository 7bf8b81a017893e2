"""Gradebook pages: a course's table (its team, staff and superusers), its CSV export, and a
student's own grades. See ``exams.gradebook`` for the weighting rule."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from courses.models import Course
from exams import gradebook


def _course_for_gradebook(request: HttpRequest, slug: str) -> Course:
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        raise Http404
    if not gradebook.gradebook_can_view(user=request.user, course=course):
        raise PermissionDenied(_("The gradebook of this course is for its team."))
    return course


@login_required
@require_GET
def gradebook_course(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for_gradebook(request, slug)
    book = gradebook.gradebook_for_course(course=course)
    context = {"course": course, "book": book, "category_labels": gradebook.category_labels()}
    return render(request, "desk/gradebook.html", context)


@login_required
@require_GET
def gradebook_export(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for_gradebook(request, slug)
    book = gradebook.gradebook_for_course(course=course)
    response = HttpResponse(gradebook.gradebook_csv(book), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gradebook-{course.slug}.csv"'
    return response


@login_required
@require_GET
def grades_mine(request: HttpRequest) -> HttpResponse:
    """The student's own grades in each of their courses, with the weights."""
    books = gradebook.gradebook_for_student(user=request.user)
    return render(
        request, "exams/grades_mine.html", {"books": books, "category_labels": gradebook.category_labels()}
    )
