"""Reference views served next to the real pages: the floor every page is compared with."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from courses.models import Course


def bare(request: HttpRequest) -> HttpResponse:
    """The floor: the full middleware stack and URL resolution, no database, no template."""
    return HttpResponse(b"ok\n", content_type="text/plain")


def bare_db(request: HttpRequest) -> HttpResponse:
    """The floor plus one trivial ORM query: the cost of a database round trip."""
    found = Course.objects.order_by().exists()
    return HttpResponse(b"ok\n" if found else b"empty\n", content_type="text/plain")


@login_required
def whoami(request: HttpRequest) -> HttpResponse:
    """The logged-in username: lets the harness check a session cookie before using it."""
    return HttpResponse(request.user.get_username().encode(), content_type="text/plain")
