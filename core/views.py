"""Responses of the site itself, belonging to no app."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = "img/favicon.svg"


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers and feed readers ask for without reading the page's
    ``<link rel="icon">``: a redirect to the icon in the static files (its hashed, long-cached
    name in production). The redirect itself is cached for a day, so a new icon is picked up."""
    return HttpResponsePermanentRedirect(static(FAVICON))
