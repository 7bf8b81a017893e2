"""The flashcard API (/api/v1/flashcards/): per role, bad input of every sort, the error shape
``{"detail": "..."}`` (never a 500), and query budgets on a 500-card deck."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import Enrollment
from quizzes.models import FlashcardReview, FlashcardState, Question
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, ModuleFactory
from tests.quizzes import flashcard_builders as build
from tests.quizzes.factories import OpenQuestionFactory, QuestionCategoryFactory, QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def course():
    return CourseFactory(slug="ml")


@pytest.fixture
def setup(course):
    category, cards = build.deck(course, cards=3, title="Theory")
    return category, cards, build.learner(course)


def api_url(name: str, *args) -> str:
    return reverse(f"flashcards-api:{name}", args=args)


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def review(api, **body):
    return api.post(api_url("review-create"), body, format="json")


# --- anonymous and outsiders ------------------------------------------------------------------


def test_anonymous_callers_are_refused(api, setup):
    category, cards, _student = setup

    assert_error(api.get(api_url("deck-list"), {"course": "ml"}), 403)
    assert_error(api.get(api_url("deck-next", category.pk)), 403)
    assert_error(review(api, question=cards[0].pk, rating=3), 403)


def test_students_not_enrolled_are_refused(api, course, setup):
    # given
    category, cards, _student = setup
    api.force_authenticate(build.learner(course, status=Enrollment.Status.DROPPED))

    # when / then
    assert_error(api.get(api_url("deck-list"), {"course": "ml"}), 403)
    assert_error(api.get(api_url("deck-next", category.pk)), 403)
    assert_error(review(api, question=cards[0].pk, rating=3), 403)
    assert not FlashcardState.objects.exists()


def test_the_course_team_cannot_study(api, course, setup):
    # given
    category, _cards, _student = setup
    teacher = UserFactory()
    CourseStaffFactory(course=course, user=teacher)
    api.force_authenticate(teacher)

    # when / then
    assert_error(api.get(api_url("deck-next", category.pk)), 403)


# --- decks ------------------------------------------------------------------------------------


def test_deck_list_of_a_course_with_due_counts(api, course, setup):
    # given
    _category, cards, student = setup
    build.studied(student, cards[:1], due_at=timezone.now() + timedelta(days=2))
    api.force_authenticate(student)

    # when
    body = api.get(api_url("deck-list"), {"course": "ml"}).json()

    # then
    assert len(body) == 1
    deck = body[0]
    assert deck["title"] == "Theory" and deck["course"] == "ml"
    assert (deck["card_count"], deck["studied_count"], deck["due_count"], deck["new_due"]) == (3, 1, 2, 2)
    assert deck["lock_reason"] == "" and deck["next_due_at"] is not None


def test_deck_list_without_a_course_covers_every_course_the_student_learns(api, course, setup):
    # given
    _category, _cards, student = setup
    other = CourseFactory()
    build.deck(other, cards=2)
    Enrollment.objects.create(user=student, course=other)
    build.deck(CourseFactory(), cards=2)  # not enrolled
    api.force_authenticate(student)

    # when
    body = api.get(api_url("deck-list")).json()

    # then
    assert sorted(deck["course"] for deck in body) == sorted(["ml", other.slug])


@pytest.mark.parametrize(
    ("params", "status"), [({"course": "no-such"}, 404), ({"course": "not a slug!"}, 400)]
)
def test_deck_list_bad_course(api, setup, params, status):
    api.force_authenticate(setup[2])

    assert_error(api.get(api_url("deck-list"), params), status)


# --- next card --------------------------------------------------------------------------------


def test_next_card_without_its_answer(api, setup):
    # given
    category, cards, student = setup
    api.force_authenticate(student)

    # when
    body = api.get(api_url("deck-next", category.pk)).json()

    # then
    card = body["card"]
    assert card["question_id"] == cards[0].pk and card["is_new"] and card["state"] == "new"
    assert card["text_html"] == "<p>Question 0?</p>"
    assert card["answer_html"] is None
    assert [r["rating"] for r in card["ratings"]] == [1, 2, 3, 4]
    assert card["ratings"][0]["interval_seconds"] == 60
    assert body["deck"]["due_count"] == 3


@pytest.mark.parametrize("reveal", ["1", "true"])
def test_next_card_with_its_answer_when_asked_to_reveal(api, setup, reveal):
    # given
    category, _cards, student = setup
    api.force_authenticate(student)

    # when
    body = api.get(api_url("deck-next", category.pk), {"reveal": reveal}).json()

    # then
    assert body["card"]["answer_html"] == "<p>Answer 0.</p>"


def test_next_card_is_null_when_the_deck_is_done(api, setup):
    # given
    category, cards, student = setup
    build.studied(student, cards, due_at=timezone.now() + timedelta(days=3))
    api.force_authenticate(student)

    # when
    body = api.get(api_url("deck-next", category.pk), {"reveal": "1"}).json()

    # then
    assert body["card"] is None
    assert body["deck"]["due_count"] == 0 and body["deck"]["next_due_at"]


def test_next_card_bad_input(api, course, setup):
    # given
    category, _cards, student = setup
    plain = QuestionCategoryFactory(course=course, is_flashcard_deck=False)
    OpenQuestionFactory(category=plain)
    api.force_authenticate(student)

    # when / then: a category that is not a deck never yields its answers
    assert_error(api.get(api_url("deck-next", plain.pk), {"reveal": "1"}), 404)
    assert_error(api.get(api_url("deck-next", 10**6)), 404)
    assert_error(api.get(api_url("deck-next", category.pk), {"reveal": "perhaps"}), 400)


def test_next_card_of_a_locked_deck_is_refused_with_the_reason(api, course):
    # given
    module = ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=1))
    category, _cards = build.deck(course, module=module)
    api.force_authenticate(build.learner(course))

    # when / then
    body = assert_error(api.get(api_url("deck-next", category.pk), {"reveal": "1"}), 403)
    assert "opens on" in body["detail"]


# --- reviews ----------------------------------------------------------------------------------


def test_a_review_schedules_the_card(api, setup):
    # given
    _category, cards, student = setup
    api.force_authenticate(student)

    # when
    response = review(api, question=cards[0].pk, rating=3)

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["question_id"] == cards[0].pk and body["scheduled"] is True
    assert body["state"] == "learning" and body["reps"] == 1 and body["lapses"] == 0
    assert FlashcardState.objects.get(user=student, question=cards[0]).reps == 1


def test_a_repeated_review_within_a_second_is_answered_200_and_not_applied(api, setup):
    # given
    _category, cards, student = setup
    api.force_authenticate(student)
    review(api, question=cards[0].pk, rating=1)

    # when
    response = review(api, question=cards[0].pk, rating=1)

    # then
    assert response.status_code == 200 and response.json()["scheduled"] is False
    assert FlashcardReview.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"question": "QUESTION", "rating": 7},
        {"question": "QUESTION", "rating": 0},
        {"question": "QUESTION", "rating": "good"},
        {"question": "QUESTION", "rating": True},
        {"question": "QUESTION", "rating": None},
        {"question": "QUESTION"},
        {"rating": 3},
        {"question": 10**6, "rating": 3},
        {"question": 10**30, "rating": 3},
        {"question": "abc", "rating": 3},
        {"question": None, "rating": 3},
        {"question": [1], "rating": 3},
    ],
)
def test_bad_review_bodies_are_400(api, setup, body):
    # given
    _category, cards, student = setup
    api.force_authenticate(student)
    body = {key: cards[0].pk if value == "QUESTION" else value for key, value in body.items()}

    # when / then
    assert_error(review(api, **body), 400)
    assert not FlashcardState.objects.exists()


@pytest.mark.parametrize("payload", ["[1, 2]", "not json", '"text"', "{"])
def test_malformed_json_is_400(api, setup, payload):
    api.force_authenticate(setup[2])

    response = api.post(api_url("review-create"), payload, content_type="application/json")

    assert_error(response, 400)


def test_questions_that_are_not_flashcards_are_refused(api, course, setup):
    # given
    category, _cards, student = setup
    single = QuestionFactory(category=category, kind=Question.Kind.SINGLE)
    not_a_deck = OpenQuestionFactory(category=QuestionCategoryFactory(course=course, is_flashcard_deck=False))
    api.force_authenticate(student)

    # when / then
    assert "not a flashcard" in assert_error(review(api, question=single.pk, rating=3), 400)["detail"]
    assert_error(review(api, question=not_a_deck.pk, rating=3), 400)
    assert not FlashcardState.objects.exists()


def test_a_question_of_another_course_is_refused(api, setup):
    # given
    _category, _cards, student = setup
    _other_deck, other_cards = build.deck(CourseFactory(), cards=1)
    api.force_authenticate(student)

    # when / then
    assert_error(review(api, question=other_cards[0].pk, rating=3), 403)


def test_reviews_never_touch_another_students_schedule(api, course, setup):
    # given
    _category, cards, student = setup
    classmate = build.learner(course)
    [theirs] = build.studied(classmate, cards[:1], due_at=timezone.now() + timedelta(days=1))
    api.force_authenticate(student)

    # when
    review(api, question=cards[0].pk, rating=1)

    # then
    theirs.refresh_from_db()
    assert theirs.reps == 1 and theirs.lapses == 0
    assert FlashcardState.objects.filter(question=cards[0]).count() == 2


def test_error_bodies_are_json_with_a_detail(api, setup):
    api.force_authenticate(setup[2])

    response = review(api, question=setup[1][0].pk, rating=7)

    assert response["Content-Type"].startswith("application/json")
    assert "rating" in json.loads(response.content)["detail"]


# --- query budgets ----------------------------------------------------------------------------


@pytest.fixture
def big_deck(course):
    category, cards = build.deck(course, cards=500)
    student = build.learner(course)
    now = timezone.now()
    build.studied(student, cards[:50], due_at=now - timedelta(hours=1))
    build.studied(student, cards[50:200], due_at=now + timedelta(days=4))
    build.studied(build.learner(course), cards, due_at=now - timedelta(hours=1))
    return category, cards, student


def test_next_card_query_count_does_not_grow_with_cards(api, big_deck, django_assert_max_num_queries):
    category, _cards, student = big_deck
    api.force_authenticate(student)

    with django_assert_max_num_queries(5):
        response = api.get(api_url("deck-next", category.pk), {"reveal": "1"})

    assert response.status_code == 200 and response.json()["deck"]["due_count"] == 70


def test_deck_list_query_count_does_not_grow_with_cards(api, big_deck, django_assert_max_num_queries):
    _category, _cards, student = big_deck
    api.force_authenticate(student)

    with django_assert_max_num_queries(7):
        response = api.get(api_url("deck-list"), {"course": "ml"})

    assert response.status_code == 200
