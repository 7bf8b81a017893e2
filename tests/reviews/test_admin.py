"""Feedback and reviews in the admin: anonymous feedback never names its author to the
course team; the team reads students' reviews and feedback and edits only what is theirs."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from reviews import services
from reviews.board_models import BoardEntry
from reviews.models import FeedbackResponse, Review
from reviews.tasks import board_entry_notify_task
from tests.accounts.factories import UserFactory
from tests.courses.conftest import changeform_data
from tests.courses.factories import CourseFactory, CourseStaffFactory
from tests.reviews.factories import (
    BoardEntryFactory,
    FeedbackResponseFactory,
    LectureFeedbackFactory,
    ReviewFactory,
)
from tests.reviews.feedback_builders import classroom, inbox_item

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


# -- "you said, we did" entries -------------------------------------------------------------

BOARD_CHANGELIST = reverse("admin:reviews_boardentry_changelist")


def _publish_from_the_admin(client, entry, callbacks_fixture):
    """The admin's "publish" action; then the queued notification task, as the worker would run
    it (unit tests have no worker)."""
    with callbacks_fixture(execute=False) as callbacks:
        response = client.post(BOARD_CHANGELIST, {"action": "publish", "_selected_action": [entry.pk]})
    board_entry_notify_task(entry.pk)
    return response, callbacks


def test_publishing_from_the_admin_closes_the_items_and_notifies_as_the_board_does(
    db, client, django_capture_on_commit_callbacks
):
    # given: a draft grouping one student's item, written on the board's pages
    room = classroom(students=3)
    item = inbox_item(room.students[0], room.lesson)
    entry = services.board_entry_create(
        course=room.course,
        user=room.lead,
        title="Slower demos",
        you_said="Too fast.",
        we_did="Step by step.",
        item_ids=[item.pk],
    )
    client.force_login(room.instructor)

    # when
    response, callbacks = _publish_from_the_admin(client, entry, django_capture_on_commit_callbacks)
    board_entry_notify_task(entry.pk)  # a duplicate delivery changes nothing

    # then
    assert response.status_code == 302
    assert len(callbacks) == 1  # the notification task, queued on commit
    entry.refresh_from_db()
    assert entry.status == BoardEntry.Status.PUBLISHED and entry.published_at is not None
    item.refresh_from_db()
    assert item.status == FeedbackResponse.Status.DONE
    assert item.public_note == "Step by step."
    notifications = Notification.objects.filter(kind=Notification.Kind.BOARD_ENTRY)
    assert {n.user_id for n in notifications} == {student.pk for student in room.students}
    assert {n.dedupe_key for n in notifications} == {f"board-entry:{entry.pk}"}


def test_publishing_again_from_the_admin_notifies_nobody_again(
    db, client, django_capture_on_commit_callbacks
):
    # given
    room = classroom()
    entry = BoardEntryFactory(course=room.course)
    client.force_login(room.lead)
    _publish_from_the_admin(client, entry, django_capture_on_commit_callbacks)

    # when
    _response, callbacks = _publish_from_the_admin(client, entry, django_capture_on_commit_callbacks)

    # then
    assert callbacks == []
    assert Notification.objects.filter(kind=Notification.Kind.BOARD_ENTRY).count() == 1


def test_the_admin_does_not_publish_another_course_entry(db, client, django_capture_on_commit_callbacks):
    # given
    room, other = classroom(), classroom()
    entry = BoardEntryFactory(course=other.course)
    client.force_login(room.lead)

    # when
    _response, callbacks = _publish_from_the_admin(client, entry, django_capture_on_commit_callbacks)

    # then
    assert callbacks == []
    entry.refresh_from_db()
    assert entry.status == BoardEntry.Status.DRAFT
    assert not Notification.objects.filter(kind=Notification.Kind.BOARD_ENTRY).exists()


def test_the_change_form_edits_the_text_but_never_publishes(signed_in, course):
    # given
    entry = BoardEntryFactory(course=course)
    url = reverse("admin:reviews_boardentry_change", args=[entry.pk])
    data = changeform_data(signed_in.get(url)) | {"title": "Renamed", "status": "published"}

    # when
    response = signed_in.post(url, data)

    # then
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Renamed"
    assert entry.status == BoardEntry.Status.DRAFT and entry.published_at is None
    assert not Notification.objects.exists()


def test_an_entry_added_in_the_admin_is_a_draft_by_its_writer(signed_in, instructor, course):
    # given
    item = FeedbackResponseFactory(feedback__lesson__module__course=course)
    data = {"course": course.pk, "title": "T", "you_said": "Y", "we_did": "W", "items": str(item.pk)}

    # when
    response = signed_in.post(reverse("admin:reviews_boardentry_add"), data)

    # then
    assert response.status_code == 302
    entry = BoardEntry.objects.get()
    assert (entry.status, entry.author, list(entry.items.all())) == (
        BoardEntry.Status.DRAFT,
        instructor,
        [item],
    )


def test_an_entry_groups_items_of_its_own_course_only(signed_in, instructor, course):
    # given: an item of another course of the same team
    second = CourseFactory()
    CourseStaffFactory(course=second, user=instructor)
    item = FeedbackResponseFactory(feedback__lesson__module__course=second)
    data = {"course": course.pk, "title": "T", "you_said": "Y", "we_did": "W", "items": str(item.pk)}

    # when
    response = signed_in.post(reverse("admin:reviews_boardentry_add"), data)

    # then
    assert response.status_code == 200
    assert "items" in response.context["adminform"].form.errors
    assert not BoardEntry.objects.exists()
