"""Feedback and reviews in the admin: anonymous feedback never names its author to the
course team; the team reads students' reviews and feedback and edits only what is theirs."""

import pytest
from django.urls import reverse

from reviews.models import FeedbackResponse, Review
from tests.accounts.factories import UserFactory
from tests.courses.conftest import changeform_data
from tests.reviews.factories import FeedbackResponseFactory, LectureFeedbackFactory, ReviewFactory

CHANGELIST = reverse("admin:reviews_lecturefeedback_changelist")


@pytest.fixture
def signed_in(client, instructor):
    client.force_login(instructor)
    return client


@pytest.fixture
def anonymous_feedback(course):
    author = UserFactory(username="secret-author", email="secret@example.com")
    return LectureFeedbackFactory(lesson__module__course=course, user=author, is_anonymous=True)


def test_anonymous_feedback_page_does_not_name_the_author(signed_in, anonymous_feedback):
    # when
    response = signed_in.get(reverse("admin:reviews_lecturefeedback_change", args=[anonymous_feedback.pk]))

    # then
    assert response.status_code == 200
    assert "secret-author" not in response.content.decode()


def test_feedback_list_shows_anonymous_instead_of_the_author(signed_in, course, anonymous_feedback):
    # given
    LectureFeedbackFactory(lesson__module__course=course, user=UserFactory(username="named-author"))

    # when
    response = signed_in.get(CHANGELIST)

    # then
    html = response.content.decode()
    assert "secret-author" not in html
    assert "named-author" in html


@pytest.mark.parametrize("lookup", ["user", "user__id__exact", "user__username"])
def test_feedback_cannot_be_filtered_by_author(signed_in, anonymous_feedback, lookup):
    # given
    value = "secret-author" if lookup == "user__username" else anonymous_feedback.user_id

    # when
    response = signed_in.get(CHANGELIST, {lookup: value})

    # then
    assert response.status_code == 400


def test_feedback_search_does_not_match_authors(signed_in, anonymous_feedback):
    # when
    response = signed_in.get(CHANGELIST, {"q": "secret-author"})

    # then
    assert response.context["cl"].result_count == 0


def test_superuser_sees_and_filters_by_the_author(admin_client, anonymous_feedback):
    # when
    page = admin_client.get(reverse("admin:reviews_lecturefeedback_change", args=[anonymous_feedback.pk]))
    filtered = admin_client.get(CHANGELIST, {"user": anonymous_feedback.user_id})

    # then
    assert "secret-author" in page.content.decode()
    assert filtered.context["cl"].result_count == 1
    assert "secret-author" in filtered.content.decode()


def test_student_review_is_read_only_for_the_team(signed_in, admin_client, course):
    # given
    review = ReviewFactory(course=course, text_md="Mine.")
    url = reverse("admin:reviews_review_change", args=[review.pk])
    data = changeform_data(admin_client.get(url)) | {"text_md": "Edited by the team."}

    # when
    page = signed_in.get(url)
    response = signed_in.post(url, data)

    # then
    assert not page.context["has_change_permission"]
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.text_md == "Mine."


def test_review_added_by_the_team_is_an_imported_one(signed_in, course):
    # given
    data = {
        "course": course.pk,
        "key": "",
        "source_name": "A forum",
        "text_md": "Good.",
        "points-TOTAL_FORMS": "0",
        "points-INITIAL_FORMS": "0",
    }

    # when
    response = signed_in.post(reverse("admin:reviews_review_add"), data)

    # then
    assert response.status_code == 302
    review = Review.objects.get(source_name="A forum")
    assert review.source == Review.Source.EXTERNAL
    assert review.user is None
    assert review.status == Review.Status.PENDING


def test_team_keeps_internal_notes_but_replies_elsewhere(signed_in, admin_client, course):
    # given
    response_item = FeedbackResponseFactory(feedback__lesson__module__course=course)
    url = reverse("admin:reviews_feedbackresponse_change", args=[response_item.pk])
    data = changeform_data(admin_client.get(url)) | {
        "internal_notes": "Discussed on Monday.",
        "status": FeedbackResponse.Status.DONE,
        "reply_md": "Fixed.",
    }

    # when
    response = signed_in.post(url, data)

    # then
    assert response.status_code == 302
    response_item.refresh_from_db()
    assert response_item.internal_notes == "Discussed on Monday."
    assert response_item.status == FeedbackResponse.Status.NEW
    assert response_item.reply_md == ""
