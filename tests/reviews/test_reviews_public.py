"""Public course reviews: course_reviews_public (published only, imported ones with their source,
summary figures, NPS) and the seed bundle's imported review showing in the course's reviews."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from courses.models import Course
from reviews.models import Review
from reviews.selectors import course_reviews_public
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory
from tests.reviews.factories import ReviewFactory
from tests.reviews.feedback_builders import english  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SEED = Path(settings.COURSE_BUNDLES_DIR) / "ml-engineer-professional"


def test_only_published_reviews_count_and_show():
    # given
    course = CourseFactory()
    ReviewFactory(course=course, rating=5, would_recommend=10, status=Review.Status.PUBLISHED)
    ReviewFactory(course=course, rating=3, would_recommend=9, status=Review.Status.PUBLISHED)
    ReviewFactory(course=course, rating=1, would_recommend=2, status=Review.Status.PUBLISHED)
    ReviewFactory(course=course, rating=1, would_recommend=0, status=Review.Status.PENDING)
    ReviewFactory(course=course, rating=1, would_recommend=0, status=Review.Status.REJECTED)
    ReviewFactory(course=CourseFactory(), rating=1, status=Review.Status.PUBLISHED)

    # when
    public = course_reviews_public(course)

    # then
    assert (public.count, public.rated_count, public.average) == (3, 3, Decimal("3.0"))
    assert public.nps == 33  # 2 promoters, 1 detractor of 3: (2 - 1) / 3
    assert len(public.reviews) == 3


def test_no_reviews_no_figures():
    public = course_reviews_public(CourseFactory())
    assert (public.count, public.average, public.nps, public.reviews) == (0, None, None, [])


def test_the_seed_review_is_on_the_course_reviews():
    # given: the seed course imported as `make run` does
    call_command("import_course", str(SEED), stdout=StringIO())
    course = Course.objects.get(slug="ml-engineer-professional")

    # when
    public = course_reviews_public(course)
    html = render_to_string(
        "reviews/partials/course_reviews.html",
        {"course": course, "course_reviews": public, "can_review": False},
    )

    # then
    assert public.count == 1
    review = public.reviews[0]
    assert review.source == Review.Source.EXTERNAL
    assert "t.me/buryippua" in review.source_url
    assert "Imported review" in html or "Импорт" in html
    assert "https://t.me/buryippua/1242" in html
    assert "Нет практики" in html  # its structured complaints
    assert "Промышленный Machine Learning" in html


def test_course_reviews_query_count_does_not_grow(client, django_assert_max_num_queries):
    # given
    course = CourseFactory()
    for _ in range(40):
        ReviewFactory(course=course, user=UserFactory(), status=Review.Status.PUBLISHED)

    # when / then
    with django_assert_max_num_queries(4):
        response = client.get(reverse("reviews:course-reviews", args=[course.slug]), HTTP_HX_REQUEST="true")
    assert response.content.decode().count('class="review card"') == 5


# ---------------------------------------------------------------------------------------------
# Many reviews: a few on the course page, the rest page by page


@pytest.fixture
def reviewed_course():
    """A public course with 25 published reviews, "Review 24" the newest."""
    course = CourseFactory(status=Course.Status.PUBLISHED)
    for number in range(25):
        ReviewFactory(course=course, status=Review.Status.PUBLISHED, pros=f"Review {number:02d}")
    return course


def test_the_course_page_slot_lists_the_newest_few_and_links_to_all(client, reviewed_course):
    # when
    response = client.get(
        reverse("reviews:course-reviews", args=[reviewed_course.slug]), HTTP_HX_REQUEST="true"
    )

    # then
    content = response.content.decode()
    assert content.count('class="review card"') == 5
    assert "Review 24" in content and "Review 19" not in content
    assert "All 25 reviews" in content
    assert "25 published reviews" in content  # the summary counts all of them


def test_the_full_list_goes_page_by_page(client, reviewed_course, django_assert_max_num_queries):
    url = reverse("reviews:course-reviews", args=[reviewed_course.slug])

    # when
    with django_assert_max_num_queries(6):
        first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    # then
    assert first.count('class="review card"') == 20 and "Review 24" in first and "Review 04" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert second.count('class="review card"') == 5 and "Review 04" in second and "Review 00" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


@pytest.mark.parametrize("page", ["0", "-1", "x", "999"])
def test_a_page_out_of_range_is_never_an_error(client, reviewed_course, page):
    response = client.get(reverse("reviews:course-reviews", args=[reviewed_course.slug]), {"page": page})
    assert response.status_code == 200


def test_the_api_pages_reviews_too(client, reviewed_course):
    response = client.get(f"/api/v1/courses/{reviewed_course.slug}/reviews/", {"page": 2})

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["next_page"], len(body["reviews"])) == (25, 2, None, 5)
