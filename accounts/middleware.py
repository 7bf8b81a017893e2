"""Per-user language and time zone for logged-in users."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserLocaleMiddleware:
    """Activate the logged-in user's preferred language and time zone.

    Runs after LocaleMiddleware, which has already chosen a language from the session, the
    language cookie (the switcher) or Accept-Language; a user's own preferred_language wins
    over all of those, and when it is blank LocaleMiddleware's choice stands. It has to sit after
    AuthenticationMiddleware to see ``request.user``; LocaleMiddleware's response half still
    runs after it and puts the language that was used in Content-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        time_zone_activated = False
        if user is not None and user.is_authenticated:
            language = user.preferred_language
            if language and language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                    time_zone_activated = True
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    pass  # a stale name (tz database changed): keep the server's time zone
        try:
            return self.get_response(request)
        finally:
            if time_zone_activated:
                timezone.deactivate()
