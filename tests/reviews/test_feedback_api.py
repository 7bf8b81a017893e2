"""The feedback API: submit/edit feedback and reviews, the public reviews, the inbox (list, item,
respond, bulk) — per role, with {"detail": ...} errors, never a 500 on bad input, and never the
identity behind an anonymous item."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reviews import services
from reviews.models import FeedbackResponse, LectureFeedback, Review
from tests.accounts.factories import UserFactory
from tests.quizzes.factories import QuestionFactory
from tests.reviews.feedback_builders import classroom, english, inbox_item  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
FEEDBACK = reverse("reviews-api:feedback-submit")
INBOX = reverse("reviews-api:inbox-list")
REVIEWS = reverse("reviews-api:review-submit")


@pytest.fixture
def api():
    return APIClient()


# ---- feedback


def test_student_posts_feedback_then_edits_it_with_put(api):
    # given
    room = classroom()
    api.force_authenticate(room.students[0])
    body = {
        "kind": "lesson",
        "target_id": room.lesson.pk,
        "clarity": 2,
        "tags": ["too-fast"],
        "is_anonymous": True,
    }

    # when
    created = api.post(FEEDBACK, body, format="json")
    edited = api.put(FEEDBACK, {**body, "clarity": 4, "comment": "Better"}, format="json")

    # then
    assert created.status_code == 201
    assert [tag["key"] for tag in created.json()["tags"]] == ["too-fast"]
    assert created.json()["answer"]["status"] == "new"
    assert edited.status_code == 200
    assert edited.json()["id"] == created.json()["id"]
    assert (edited.json()["clarity"], edited.json()["comment"]) == (4, "Better")
    assert LectureFeedback.objects.count() == 1


def test_put_without_an_existing_item_is_404(api):
    room = classroom()
    api.force_authenticate(room.students[0])
    response = api.put(FEEDBACK, {"kind": "lesson", "target_id": room.lesson.pk, "clarity": 3}, format="json")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_post_again_edits_and_answers_200(api):
    room = classroom()
    api.force_authenticate(room.students[0])
    body = {"kind": "lesson", "target_id": room.lesson.pk, "clarity": 3}
    assert api.post(FEEDBACK, body, format="json").status_code == 201
    assert api.post(FEEDBACK, {**body, "clarity": 5}, format="json").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "lesson"},
        {"kind": "roleplay", "target_id": 1},
        {"kind": "lesson", "target_id": "abc"},
        {"kind": "lesson", "target_id": -3},
        {"kind": "lesson", "target_id": "LESSON", "clarity": 9},
        {"kind": "lesson", "target_id": "LESSON", "clarity": "high"},
        {"kind": "lesson", "target_id": "LESSON", "tags": "too-fast"},
        {"kind": "lesson", "target_id": "LESSON", "tags": ["no-such-tag"]},
        {"kind": "lesson", "target_id": "LESSON"},
        {"kind": "lesson", "target_id": "LESSON", "comment": "x" * 6000},
        {"kind": "lesson", "target_id": "LESSON", "is_anonymous": "maybe"},
        [1, 2, 3],
        "just a string",
    ],
)
def test_bad_feedback_bodies_are_400_with_a_detail(api, body):
    # given
    room = classroom()
    api.force_authenticate(room.students[0])
    if isinstance(body, dict) and body.get("target_id") == "LESSON":
        body = {**body, "target_id": room.lesson.pk}

    # when
    response = api.post(FEEDBACK, body, format="json")

    # then
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
    assert not LectureFeedback.objects.exists()


def test_malformed_json_is_400(api):
    room = classroom()
    api.force_authenticate(room.students[0])
    response = api.generic("POST", FEEDBACK, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_unknown_target_is_404(api):
    api.force_authenticate(UserFactory())
    response = api.post(FEEDBACK, {"kind": "lesson", "target_id": 99999, "clarity": 3}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["stranger", "instructor"])
def test_non_students_get_403(api, who):
    room = classroom()
    api.force_authenticate(UserFactory() if who == "stranger" else room.instructor)
    response = api.post(
        FEEDBACK, {"kind": "lesson", "target_id": room.lesson.pk, "clarity": 3}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]


def test_anonymous_callers_are_refused(api):
    room = classroom()
    response = api.post(
        FEEDBACK, {"kind": "lesson", "target_id": room.lesson.pk, "clarity": 3}, format="json"
    )
    assert response.status_code in (401, 403)


def test_report_a_question_through_the_api(api):
    room = classroom()
    question = QuestionFactory(category__course=room.course)
    api.force_authenticate(room.students[0])
    response = api.post(
        FEEDBACK,
        {"kind": "question", "target_id": question.pk, "tags": ["item-unclear"], "comment": "?"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "question"


def test_my_feedback_lists_only_mine(api):
    room = classroom(students=2)
    inbox_item(room.students[0], room.lesson, comment="mine")
    inbox_item(room.students[1], room.lesson, comment="theirs")
    api.force_authenticate(room.students[0])
    data = api.get(reverse("reviews-api:feedback-mine")).json()
    assert [row["comment"] for row in data] == ["mine"]


def test_tags_endpoint_lists_the_course_tags(api):
    room = classroom()
    api.force_authenticate(room.students[0])
    data = api.get(reverse("reviews-api:feedback-tags"), {"course": room.course.slug}).json()
    assert data[0]["key"] == "too-fast"
    assert api.get(reverse("reviews-api:feedback-tags"), {"course": "nope"}).status_code == 404
    assert api.get(reverse("reviews-api:feedback-tags")).status_code == 400


# ---- reviews


def test_student_reviews_through_the_api_and_edits_with_put(api):
    # given
    room = classroom()
    api.force_authenticate(room.students[0])

    # when
    created = api.post(
        REVIEWS, {"course": room.course.slug, "rating": 4, "would_recommend": 8}, format="json"
    )
    edited = api.put(REVIEWS, {"course": room.course.slug, "rating": 5, "pros": "Labs"}, format="json")

    # then
    assert created.status_code == 201
    assert edited.status_code == 200
    assert edited.json()["status"] == "pending"
    assert Review.objects.get().rating == 5


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"course": "x", "rating": 4},
        {"course": "SLUG", "rating": 0},
        {"course": "SLUG", "rating": 3, "would_recommend": 11},
    ],
)
def test_bad_review_bodies(api, body):
    room = classroom()
    api.force_authenticate(room.students[0])
    body = {key: (room.course.slug if value == "SLUG" else value) for key, value in body.items()}
    response = api.post(REVIEWS, body, format="json")
    assert response.status_code in (400, 404)
    assert "detail" in response.json()


def test_public_reviews_need_no_login(api):
    room = classroom()
    review, _ = services.review_submit(
        user=room.students[0], course=room.course, rating=5, would_recommend=10
    )
    services.review_moderate(review=review, user=room.lead, status=Review.Status.PUBLISHED)
    data = api.get(reverse("reviews-api:course-reviews", args=[room.course.slug])).json()
    assert (data["count"], data["nps"]) == (1, 100)


def test_moderation_through_the_api(api):
    room = classroom()
    other = classroom()
    review, _ = services.review_submit(user=room.students[0], course=room.course, rating=5)
    url = reverse("reviews-api:review-moderate", args=[review.pk])
    api.force_authenticate(other.lead)
    assert api.post(url, {"status": "published"}, format="json").status_code == 404
    api.force_authenticate(room.lead)
    assert api.post(url, {"status": "pending"}, format="json").status_code == 400
    assert api.post(url, {"status": "published"}, format="json").json()["status"] == "published"


# ---- the inbox


def test_inbox_api_by_role(api, staff_user):
    # given
    room = classroom()
    other = classroom()
    inbox_item(room.students[0], room.lesson)
    inbox_item(other.students[0], other.lesson)

    # when / then
    api.force_authenticate(room.students[0])
    assert api.get(INBOX).status_code == 403
    api.force_authenticate(room.instructor)
    assert api.get(INBOX).json()["count"] == 1
    api.force_authenticate(staff_user)
    assert api.get(INBOX).json()["count"] == 2


def test_inbox_api_never_returns_the_identity_of_an_anonymous_item(api, staff_user, superuser):
    # given
    room = classroom()
    student = room.students[0]
    student.username, student.first_name, student.email = "secret-student", "Secretname", "secret@example.com"
    student.save()
    item = inbox_item(student, room.lesson, comment="anon", is_anonymous=True)

    for user in (room.instructor, room.lead, staff_user):
        # when
        api.force_authenticate(user)
        listed = api.get(INBOX).json()
        single = api.get(reverse("reviews-api:inbox-item", args=[item.pk])).json()
        responded = api.post(
            reverse("reviews-api:inbox-respond", args=[item.pk]),
            {"internal_notes": f"seen by {user.pk}"},
            format="json",
        ).json()

        # then
        for row in (listed["results"][0], single, responded):
            text = json.dumps(row)
            assert "secret" not in text.lower() and "Secretname" not in text
            assert (row["author"], row["author_id"], row["author_username"]) == ("Anonymous", None, None)
    api.force_authenticate(superuser)
    assert (
        api.get(reverse("reviews-api:inbox-item", args=[item.pk])).json()["author_username"]
        == "secret-student"
    )


def test_respond_through_the_api(api):
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    api.force_authenticate(room.instructor)
    url = reverse("reviews-api:inbox-respond", args=[item.pk])

    # when
    bad = api.post(url, {"status": "declined"}, format="json")
    wrong_move = api.post(url, {"status": "new"}, format="json")
    good = api.post(url, {"reply_md": "Thanks", "status": "planned"}, format="json")

    # then
    assert bad.status_code == 400
    assert wrong_move.status_code == 400  # nothing to change: it is new already
    assert good.status_code == 200
    assert (good.json()["status"], good.json()["reply_md"]) == ("planned", "Thanks")
    done_again = api.post(url, {"status": "new"}, format="json")
    assert done_again.status_code == 409


def test_respond_to_another_courses_item_is_404(api):
    room = classroom()
    other = classroom()
    item = inbox_item(other.students[0], other.lesson)
    api.force_authenticate(room.instructor)
    response = api.post(
        reverse("reviews-api:inbox-respond", args=[item.pk]), {"reply_md": "x"}, format="json"
    )
    assert response.status_code == 404


def test_bulk_acknowledge_and_assign_through_the_api(api):
    room = classroom(students=2)
    items = [inbox_item(student, room.lesson).pk for student in room.students]
    api.force_authenticate(room.lead)
    ack = api.post(reverse("reviews-api:inbox-acknowledge"), {"items": items}, format="json")
    assign = api.post(
        reverse("reviews-api:inbox-assign"), {"items": items, "owner": room.lead.pk}, format="json"
    )
    outsider = api.post(
        reverse("reviews-api:inbox-assign"), {"items": items, "owner": room.students[0].pk}, format="json"
    )
    nobody = api.post(reverse("reviews-api:inbox-assign"), {"items": items, "owner": 999999}, format="json")
    empty = api.post(reverse("reviews-api:inbox-acknowledge"), {"items": []}, format="json")
    assert (ack.json(), assign.json()) == ({"changed": 2}, {"changed": 2})
    assert (outsider.status_code, nobody.status_code, empty.status_code) == (400, 400, 400)
    assert set(FeedbackResponse.objects.values_list("owner_id", flat=True)) == {room.lead.pk}


def test_inbox_api_filters_and_bad_filters(api):
    room = classroom(students=2)
    inbox_item(room.students[0], room.lesson)
    planned = inbox_item(room.students[1], room.lesson)
    services.feedback_respond(response=planned, user=room.lead, status="planned")
    api.force_authenticate(room.lead)
    assert api.get(INBOX, {"status": "planned"}).json()["count"] == 1
    assert (
        api.get(INBOX, {"status": "zzz", "overdue": "maybe", "owner": "x", "page_size": "abc"}).status_code
        == 200
    )
    assert api.get(INBOX, {"page": "999"}).status_code == 404


def test_inbox_api_query_count_does_not_grow(api, django_assert_max_num_queries):
    room = classroom(lessons=3, students=0)
    for index, student in enumerate(room.enroll(120)):
        inbox_item(student, room.lessons[index % 3], comment="c", is_anonymous=index % 2 == 0)
    api.force_authenticate(room.lead)
    with django_assert_max_num_queries(6):
        response = api.get(INBOX, {"page_size": 100})
    assert len(response.json()["results"]) == 100
