"""Flashcard pages, per role (anonymous, not enrolled, the course's team, student, another
student), with and without HTMX, and their query budgets on a 500-card deck."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Enrollment
from quizzes.models import FlashcardReview, FlashcardState
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, ModuleFactory
from tests.quizzes import flashcard_builders as build
from tests.quizzes.factories import OpenQuestionFactory, QuestionCategoryFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def course():
    return CourseFactory(slug="ml")


@pytest.fixture
def setup(course):
    category, cards = build.deck(course, cards=3, title="Theory")
    return category, cards, build.learner(course)


def url(name: str, *args) -> str:
    return reverse(f"flashcards:{name}", args=args)


# --- anonymous and outsiders ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("deck-list", "get", "slug"),
        ("deck-study", "get", "deck"),
        ("card-reveal", "post", "card"),
        ("card-review", "post", "card"),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, setup, name, method, args):
    # given
    category, cards, _student = setup
    arguments = {"slug": ["ml"], "deck": [category.pk], "card": [category.pk, cards[0].pk]}[args]

    # when
    response = getattr(client, method)(url(name, *arguments), {"rating": 3})

    # then
    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))
    assert not FlashcardState.objects.exists()


@pytest.mark.parametrize("status", [None, Enrollment.Status.DROPPED])
def test_students_not_enrolled_are_refused_with_the_way_to_enroll(client, course, setup, status):
    # given
    category, cards, _student = setup
    outsider = build.learner(course, status=status) if status else UserFactory()
    client.force_login(outsider)

    # when
    pages = [
        client.get(url("deck-list", "ml")),
        client.get(url("deck-study", category.pk)),
        client.post(url("card-reveal", category.pk, cards[0].pk)),
        client.post(url("card-review", category.pk, cards[0].pk), {"rating": 3}),
    ]

    # then
    assert [page.status_code for page in pages] == [403, 403, 403, 403]
    assert b"Enroll" in pages[1].content
    assert not FlashcardState.objects.exists()


def test_the_course_team_is_told_flashcards_are_for_students(client, course, setup):
    # given
    category, _cards, _student = setup
    teacher = UserFactory()
    CourseStaffFactory(course=course, user=teacher)
    client.force_login(teacher)

    # when
    response = client.get(url("deck-study", category.pk))

    # then
    assert response.status_code == 403
    assert b"studied by the course" in response.content


def test_categories_that_are_not_decks_and_decks_of_draft_courses_do_not_exist(client, course, setup):
    # given
    _category, _cards, student = setup
    plain = QuestionCategoryFactory(course=course, is_flashcard_deck=False)
    OpenQuestionFactory(category=plain)
    draft = CourseFactory(status=Course.Status.DRAFT)
    draft_deck, _draft_cards = build.deck(draft)
    Enrollment.objects.create(user=student, course=draft)
    client.force_login(student)

    # when / then
    assert client.get(url("deck-study", plain.pk)).status_code == 404
    assert client.get(url("deck-study", draft_deck.pk)).status_code == 404
    assert client.get(url("deck-study", 999999)).status_code == 404
    assert client.get(url("deck-list", "no-such-course")).status_code == 404


def test_a_card_of_another_deck_is_not_found_through_this_deck(client, course, setup):
    # given
    category, _cards, student = setup
    _other_deck, other_cards = build.deck(course, cards=1)
    client.force_login(student)

    # when
    reveal = client.post(url("card-reveal", category.pk, other_cards[0].pk))
    review = client.post(url("card-review", category.pk, other_cards[0].pk), {"rating": 3})

    # then
    assert (reveal.status_code, review.status_code) == (404, 404)
    assert not FlashcardState.objects.exists()


def test_a_deck_in_a_locked_module_says_why(client, course):
    # given
    module = ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=2))
    category, cards = build.deck(course, module=module)
    student = build.learner(course)
    client.force_login(student)

    # when
    study = client.get(url("deck-study", category.pk))
    review = client.post(url("card-review", category.pk, cards[0].pk), {"rating": 3})
    decks = client.get(url("deck-list", course.slug))

    # then
    assert study.status_code == 403 and b"This module opens on" in study.content
    assert review.status_code == 403
    assert decks.status_code == 200 and b"This module opens on" in decks.content
    assert not FlashcardState.objects.exists()


# --- the student ------------------------------------------------------------------------------


def test_deck_list_shows_each_deck_with_what_is_due_today(client, course, setup):
    # given
    _category, _cards, student = setup
    build.deck(course, cards=0, title="Empty")
    client.force_login(student)

    # when
    response = client.get(url("deck-list", "ml"))

    # then
    assert response.status_code == 200
    decks = response.context["decks"]
    assert [(d.title, d.card_count, d.due_count) for d in decks] == [("Theory", 3, 3), ("Empty", 0, 0)]
    assert b"Study now" in response.content


def test_study_page_shows_the_question_and_an_answer_box_but_not_the_answer(client, setup):
    # given
    category, _cards, student = setup
    client.force_login(student)

    # when
    response = client.get(url("deck-study", category.pk))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Question 0?" in html and "Answer 0." not in html
    assert '<label for="flashcard-answer">' in html and 'id="flashcard-answer"' in html
    assert "js/flashcards.js" in html
    assert "style=" not in html.split("<main", 1)[1] and "onclick" not in html


def test_show_answer_without_javascript_renders_the_page_with_both_answers(client, setup):
    # given
    category, cards, student = setup
    client.force_login(student)

    # when
    response = client.post(
        url("card-reveal", category.pk, cards[1].pk), {"answer": "My <b>guess</b>\nline two"}
    )

    # then
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Answer 1." in html
    assert "My &lt;b&gt;guess&lt;/b&gt;<br>line two" in html
    for rating in ("1", "2", "3", "4"):
        assert f'data-flashcard-rating="{rating}"' in html
    assert not FlashcardState.objects.exists()  # revealing records nothing


def test_show_answer_with_htmx_swaps_in_only_the_card(client, setup):
    # given
    category, cards, student = setup
    client.force_login(student)

    # when
    response = client.post(url("card-reveal", category.pk, cards[0].pk), {"answer": ""}, **HTMX)

    # then
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Answer 0." in html and "You answered in your head." in html


@pytest.mark.parametrize(
    ("language", "again", "wrong"),
    [("ru", "снова через 1 минуту", "1\xa0минута"), ("en", "next in 1 minute", "1\xa0minute")],
)
def test_the_rating_buttons_say_when_the_card_comes_back_in_the_page_language(
    client, setup, language, again, wrong
):
    # given
    category, cards, student = setup
    client.force_login(student)

    # when
    response = client.post(
        url("card-reveal", category.pk, cards[0].pk), {"answer": ""}, HTTP_ACCEPT_LANGUAGE=language, **HTMX
    )

    # then
    html = response.content.decode()
    assert f'<span class="rating-interval">{again}</span>' in html  # "Again": a new card, a minute
    assert wrong not in html


def test_rating_without_javascript_schedules_the_card_and_goes_to_the_next(client, setup):
    # given
    category, cards, student = setup
    client.force_login(student)

    # when
    response = client.post(url("card-review", category.pk, cards[0].pk), {"rating": 3})

    # then
    assert response.status_code == 302 and response.url == url("deck-study", category.pk)
    state = FlashcardState.objects.get(user=student, question=cards[0])
    assert state.reps == 1 and state.due_at > timezone.now()
    assert client.get(response.url).context["study"].card.question == cards[1]


def test_rating_with_htmx_returns_the_next_card_and_the_new_counts(client, setup):
    # given
    category, cards, student = setup
    client.force_login(student)

    # when
    response = client.post(url("card-review", category.pk, cards[0].pk), {"rating": 4}, **HTMX)

    # then
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Question 1?" in html
    assert 'id="flashcard-counts"' in html and 'hx-swap-oob="true"' in html
    assert "2 cards due today" in html


def test_a_double_submitted_rating_counts_once(client, setup):
    # given
    category, cards, student = setup
    client.force_login(student)

    # when
    for _ in range(2):
        client.post(url("card-review", category.pk, cards[0].pk), {"rating": 1})

    # then
    assert FlashcardReview.objects.filter(user=student).count() == 1


@pytest.mark.parametrize("rating", ["7", "", "good"])
def test_an_invalid_rating_changes_nothing_and_says_so(client, setup, rating):
    # given
    category, cards, student = setup
    client.force_login(student)

    # when
    response = client.post(url("card-review", category.pk, cards[0].pk), {"rating": rating}, follow=True)

    # then
    assert response.status_code == 200
    assert b"Rate the card 1 (again)" in response.content
    assert not FlashcardState.objects.exists()


def test_an_invalid_rating_with_htmx_reloads_the_page(client, setup):
    # given
    category, cards, student = setup
    client.force_login(student)

    # when
    response = client.post(url("card-review", category.pk, cards[0].pk), {"rating": "9"}, **HTMX)

    # then
    assert response.status_code == 400
    assert response["HX-Redirect"] == url("deck-study", category.pk)


def test_done_for_today_says_when_the_next_card_is_due(client, setup):
    # given
    category, cards, student = setup
    due_at = timezone.now() + timedelta(days=3)
    build.studied(student, cards, due_at=due_at)
    client.force_login(student)

    # when
    response = client.get(url("deck-study", category.pk))

    # then
    html = response.content.decode()
    assert response.context["study"].card is None
    assert "Done for today" in html and "Next card due:" in html
    assert response.context["study"].summary.next_due_at == due_at


def test_another_students_progress_is_not_shown_or_changed(client, course, setup):
    # given
    category, cards, student = setup
    classmate = build.learner(course)
    build.studied(classmate, cards, due_at=timezone.now() + timedelta(days=3))
    client.force_login(student)

    # when
    page = client.get(url("deck-study", category.pk))
    client.post(url("card-review", category.pk, cards[0].pk), {"rating": 2})

    # then
    assert page.context["study"].card.is_new
    assert FlashcardState.objects.filter(user=classmate, reps=1).count() == 3


# --- query budgets ----------------------------------------------------------------------------


@pytest.fixture
def big_deck(course):
    """A 500-card deck: 200 studied (50 due, 150 later), the rest new; plus a classmate's cards."""
    category, cards = build.deck(course, cards=500)
    student = build.learner(course)
    now = timezone.now()
    build.studied(student, cards[:50], due_at=now - timedelta(hours=1))
    build.studied(student, cards[50:200], due_at=now + timedelta(days=4))
    build.studied(build.learner(course), cards, due_at=now - timedelta(hours=1))
    build.deck(course, cards=100)
    return category, cards, student


def test_deck_list_query_count_does_not_grow_with_cards(
    client, course, big_deck, django_assert_max_num_queries
):
    # given
    _category, _cards, student = big_deck
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(9):
        response = client.get(url("deck-list", course.slug))
    assert response.status_code == 200
    assert response.context["decks"][0].due_count == 50 + 20


def test_study_page_query_count_does_not_grow_with_cards(client, big_deck, django_assert_max_num_queries):
    # given
    category, cards, student = big_deck
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(7):
        response = client.get(url("deck-study", category.pk))
    assert response.status_code == 200
    assert response.context["study"].card.question in cards[:50]


def test_rating_with_htmx_query_count_does_not_grow_with_cards(
    client, big_deck, django_assert_max_num_queries
):
    # given
    category, cards, student = big_deck
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(22):  # incl. 6 savepoint statements
        response = client.post(url("card-review", category.pk, cards[0].pk), {"rating": 3}, **HTMX)
    assert response.status_code == 200
