from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from courses import selectors
from courses.models import Course


def catalog(request: HttpRequest) -> HttpResponse:
    courses = list(selectors.course_list_for_catalog())
    return render(
        request,
        "courses/catalog.html",
        {
            "published": [c for c in courses if c.status == Course.Status.PUBLISHED],
            "announced": [c for c in courses if c.status == Course.Status.ANNOUNCED],
        },
    )


def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        course = selectors.course_get_public(slug=slug)
    except Course.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "courses/course_detail.html",
        {"course": course, "outline": selectors.course_outline(course=course)},
    )
