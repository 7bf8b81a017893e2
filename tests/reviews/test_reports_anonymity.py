"""Anonymous feedback never shows who wrote it: not on the page, not in the API, not in any CSV
file, for any reader (superusers included), while named feedback shows its author."""

import pytest
from django.urls import reverse

from reviews.reports.csv_export import TABLES
from tests.accounts.factories import UserFactory
from tests.reviews.report_data import at, feedback, inbox_item, lesson_in, ratings_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_author(course):
    """Wrote an anonymous comment; their names must appear nowhere in the report."""
    author = UserFactory(
        username="hidden-author-7781",
        email="hidden.author.7781@example.com",
        display_name="Zoya Hiddenova",
        first_name="Zoya",
        last_name="Hiddenova",
    )
    lesson = lesson_in(course, title="Gradient descent")
    ratings_on(lesson, [(4, 4, 4)] * 5)  # enough responses for every table to show
    item = feedback(
        lesson, (1, 1, 1), user=author, comment="I could not follow the derivation.", anonymous=True
    )
    inbox_item(item, waited=None)
    return author


@pytest.fixture
def named_author(course):
    author = UserFactory(username="open-author", display_name="Oleg Openov")
    feedback(lesson_in(course), user=author, comment="Great examples, thank you!", when=at(hours=-1))
    return author


def _needles(user) -> list[str]:
    return [user.username, user.email, user.display_name, user.first_name, user.last_name]


@pytest.mark.parametrize("reader", ["instructor", "staff_user", "superuser"])
def test_anonymous_author_is_nowhere_in_html_api_or_csv(
    client, request, course, secret_author, named_author, reader
):
    client.force_login(request.getfixturevalue(reader))
    params = {"course": course.slug}
    # when
    page = client.get(reverse("reports:feedback-report"), params)
    api = client.get(reverse("reports-api:feedback-report"), params)
    files = [client.get(reverse("reports:feedback-report-csv", args=[name]), params) for name in TABLES]
    # then the comment is listed, marked anonymous, without its author
    assert "I could not follow the derivation." in page.content.decode()
    comments = api.json()["comments"]
    anonymous = next(c for c in comments if c["is_anonymous"])
    assert anonymous["author"] is None
    for response in [page, api, *files]:
        assert response.status_code == 200
        body = response.content.decode("utf-8-sig")
        for needle in _needles(secret_author):
            assert needle not in body, (response.request["PATH_INFO"], needle)
    # and named feedback keeps its author
    assert "Oleg Openov" in page.content.decode()
    assert any(c["author"] == "Oleg Openov" for c in comments)


def test_the_author_of_anonymous_feedback_is_not_even_fetched(course, secret_author):
    from reviews.reports.filters import ReportFilter
    from reviews.reports.queries import latest_comments

    rows = latest_comments(ReportFilter(course_ids=(course.pk,)))
    assert [row["author"] for row in rows if row["is_anonymous"]] == [None]
