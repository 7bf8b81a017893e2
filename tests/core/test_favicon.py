"""The site icon: an SVG in the static files, linked from every page, and /favicon.ico (which
browsers ask for on their own) redirecting to it instead of a 404."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

ICON = "img/favicon.svg"


def test_the_icon_is_a_static_svg():
    path = finders.find(ICON)

    assert path is not None
    with open(path, encoding="utf-8") as icon:
        assert icon.read().startswith("<svg")


@pytest.mark.parametrize("method", ["get", "head"])
def test_favicon_ico_redirects_to_the_icon(client, method):
    # when
    response = getattr(client, method)("/favicon.ico")

    # then
    assert response.status_code == 301
    assert response["Location"] == static(ICON)
    assert "max-age=86400" in response["Cache-Control"]


def test_favicon_ico_only_answers_reads(client):
    assert client.post("/favicon.ico").status_code == 405


@pytest.mark.django_db
def test_pages_link_the_icon(client):
    html = client.get(reverse("courses:catalog")).content.decode()

    assert f'<link rel="icon" href="{static(ICON)}" type="image/svg+xml">' in html
