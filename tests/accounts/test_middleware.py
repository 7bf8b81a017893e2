import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from accounts.middleware import UserLocaleMiddleware
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_russian_preference_wins_over_the_browsers_english(client):
    # given
    client.force_login(UserFactory(preferred_language="ru"))

    # when
    response = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response["Content-Language"] == "ru"
    assert response.wsgi_request.LANGUAGE_CODE == "ru"
    assert '<html lang="ru">' in response.content.decode()


def test_an_english_preference_wins_over_the_language_cookie(client):
    # given
    client.force_login(UserFactory(preferred_language="en"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    # when
    response = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="ru")

    # then
    assert response["Content-Language"] == "en"
    assert response.wsgi_request.LANGUAGE_CODE == "en"


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"), [(None, "en", "en"), ("en", "ru", "en"), (None, "ru", "ru")]
)
def test_without_a_preference_the_cookie_then_the_browser_decide(client, cookie, accept, expected):
    # given
    client.force_login(UserFactory(preferred_language=""))
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie

    # when
    response = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE=accept)

    # then
    assert response["Content-Language"] == expected


def test_anonymous_visitors_get_what_the_browser_asks_for(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "en"


def run_middleware(user):
    """Call the middleware directly; return the time zone and language seen by the view."""
    seen = {}

    def view(request):
        seen["time_zone"] = timezone.get_current_timezone_name()
        seen["language"] = translation.get_language()
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = user
    with translation.override("ru"):
        UserLocaleMiddleware(view)(request)
    return seen


def test_the_users_time_zone_is_active_during_the_request_only():
    # when
    seen = run_middleware(UserFactory(time_zone="Asia/Tokyo", preferred_language="en"))

    # then
    assert seen == {"time_zone": "Asia/Tokyo", "language": "en"}
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_an_unknown_stored_time_zone_falls_back_to_the_servers():
    seen = run_middleware(UserFactory(time_zone="Atlantis/Capital"))

    assert seen["time_zone"] == settings.TIME_ZONE


def test_anonymous_requests_are_left_alone():
    seen = run_middleware(AnonymousUser())

    assert seen == {"time_zone": settings.TIME_ZONE, "language": "ru"}
