"""Flashcards: FSRS scheduling (pure), the review service, and what is due (selectors)."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation

from courses.models import Course, Enrollment
from quizzes import flashcards
from quizzes.exceptions import NotEnrolled
from quizzes.flashcard_selectors import (
    RatingOption,
    flashcard_decks_due,
    flashcard_decks_for_course,
    flashcard_next,
    flashcards_due_count,
)
from quizzes.flashcard_services import flashcard_review
from quizzes.models import FlashcardReview, FlashcardState, Question
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, ModuleFactory
from tests.quizzes import flashcard_builders as build
from tests.quizzes.factories import OpenQuestionFactory, QuestionCategoryFactory, QuestionFactory

NOON = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, the default time zone


def good(schedule=None, *, now=NOON):
    return flashcards.review(schedule, rating=flashcards.GOOD, now=now, fuzz=False)


# --- scheduling (pure) ------------------------------------------------------------------------


def test_new_card_rated_good_is_due_later_than_one_rated_again():
    # given / when
    again = flashcards.review(None, rating=flashcards.AGAIN, now=NOON, fuzz=False)
    rated_good = good()

    # then
    assert NOON < again.due_at <= NOON + timedelta(minutes=1)
    assert rated_good.due_at > again.due_at
    assert rated_good.state == flashcards.LEARNING
    assert (again.reps, rated_good.reps) == (1, 1)


def test_good_twice_graduates_a_new_card_to_days():
    # given
    first = good()

    # when
    second = good(first, now=first.due_at)

    # then
    assert second.state == flashcards.REVIEW
    assert second.due_at - second.last_review_at >= timedelta(days=1)
    assert second.reps == 2 and second.lapses == 0


def test_easy_schedules_further_out_than_good_and_hard():
    # given
    card = good(good())

    # when
    due = {
        r: flashcards.review(card, rating=r, now=card.due_at, fuzz=False).due_at for r in flashcards.RATINGS
    }

    # then
    assert due[flashcards.AGAIN] < due[flashcards.HARD] < due[flashcards.GOOD] < due[flashcards.EASY]


def test_forgetting_a_review_card_is_a_lapse_and_brings_it_back_soon():
    # given: a card in the review state
    card = good(good())
    assert card.state == flashcards.REVIEW

    # when
    forgotten = flashcards.review(card, rating=flashcards.AGAIN, now=card.due_at, fuzz=False)

    # then
    assert forgotten.lapses == 1
    assert forgotten.state == flashcards.RELEARNING
    assert forgotten.due_at - card.due_at <= timedelta(minutes=10)
    assert forgotten.stability < card.stability


def test_again_while_still_learning_is_not_a_lapse():
    # given
    learning = good()

    # when
    again = flashcards.review(learning, rating=flashcards.AGAIN, now=learning.due_at, fuzz=False)

    # then
    assert again.lapses == 0 and again.reps == 2


def test_fuzz_keeps_review_intervals_close_to_the_computed_one():
    # given
    card = good(good())
    plain = flashcards.review(card, rating=flashcards.GOOD, now=card.due_at, fuzz=False)

    # when
    fuzzed = [flashcards.review(card, rating=flashcards.GOOD, now=card.due_at).due_at for _ in range(20)]

    # then
    interval = plain.due_at - card.due_at
    assert all(abs(due - plain.due_at) <= interval * 0.3 + timedelta(days=1) for due in fuzzed)


@pytest.mark.parametrize("value", [7, 0, -1, "x", "", None, True, 3.5, "3.0", [3]])
def test_ratings_other_than_one_to_four_are_refused(value):
    with pytest.raises(flashcards.InvalidRating):
        flashcards.parse_rating(value)


@pytest.mark.parametrize(("value", "expected"), [(1, 1), ("4", 4), (" 2 ", 2)])
def test_ratings_are_parsed(value, expected):
    assert flashcards.parse_rating(value) == expected


def test_scheduling_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        flashcards.review(None, rating=flashcards.GOOD, now=datetime(2025, 3, 10, 9, 0))  # noqa: DTZ001


def test_scheduling_accepts_any_aware_time_zone():
    # given
    moscow = NOON.astimezone(zoneinfo.ZoneInfo("Europe/Moscow"))

    # when / then
    assert good(now=moscow).due_at == good(now=NOON).due_at


def test_the_day_follows_the_active_time_zone():
    # given: 23:30 UTC on March 9th is already March 10th in Moscow
    late = datetime(2025, 3, 9, 23, 30, tzinfo=UTC)

    # when
    with timezone.override(zoneinfo.ZoneInfo("Europe/Moscow")):
        moscow_start, moscow_end = flashcards.day_bounds(late)
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        utc_start, _utc_end = flashcards.day_bounds(late)

    # then
    assert moscow_start == datetime(2025, 3, 9, 21, 0, tzinfo=UTC)
    assert moscow_end == datetime(2025, 3, 10, 21, 0, tzinfo=UTC)
    assert utc_start == datetime(2025, 3, 9, 0, 0, tzinfo=UTC)


# --- the review service -----------------------------------------------------------------------


@pytest.fixture
def setup(db):
    course = CourseFactory()
    category, cards = build.deck(course, cards=3)
    return course, category, cards, build.learner(course)


def test_first_review_creates_the_schedule_and_logs_the_rating(setup):
    # given
    _course, _category, cards, student = setup

    # when
    outcome = flashcard_review(user=student, question=cards[0], rating=3, now=NOON)

    # then
    state = FlashcardState.objects.get(user=student, question=cards[0])
    assert outcome.scheduled and outcome.state == state
    assert state.introduced_at == NOON and state.last_review_at == NOON
    assert state.due_at > NOON and state.reps == 1 and state.lapses == 0
    review = FlashcardReview.objects.get(user=student, question=cards[0])
    assert review.rating == FlashcardReview.Rating.GOOD
    assert review.elapsed is None and review.scheduled_due_at == state.due_at


def test_next_review_updates_the_schedule_and_logs_the_time_since_the_last(setup):
    # given
    _course, _category, cards, student = setup
    flashcard_review(user=student, question=cards[0], rating=3, now=NOON)
    later = NOON + timedelta(minutes=15)

    # when
    flashcard_review(user=student, question=cards[0], rating=3, now=later)

    # then
    state = FlashcardState.objects.get(user=student, question=cards[0])
    assert state.reps == 2 and state.state == FlashcardState.State.REVIEW
    assert state.introduced_at == NOON and state.last_review_at == later
    assert FlashcardReview.objects.filter(user=student).count() == 2
    assert FlashcardReview.objects.filter(user=student).first().elapsed == timedelta(minutes=15)


def test_lapses_are_counted_when_a_review_card_is_forgotten(setup):
    # given: a card in the review state
    _course, _category, cards, student = setup
    flashcard_review(user=student, question=cards[0], rating=4, now=NOON)
    due_at = FlashcardState.objects.get(question=cards[0]).due_at

    # when
    flashcard_review(user=student, question=cards[0], rating=1, now=due_at)

    # then
    state = FlashcardState.objects.get(question=cards[0])
    assert state.lapses == 1 and state.state == FlashcardState.State.RELEARNING
    assert state.due_at <= due_at + timedelta(minutes=10)


def test_a_double_submit_within_a_second_does_not_schedule_twice(setup):
    # given
    _course, _category, cards, student = setup
    first = flashcard_review(user=student, question=cards[0], rating=1, now=NOON)

    # when
    second = flashcard_review(
        user=student, question=cards[0], rating=1, now=NOON + timedelta(milliseconds=400)
    )

    # then
    assert not second.scheduled
    state = FlashcardState.objects.get(question=cards[0])
    assert state.reps == 1 and state.due_at == first.state.due_at
    assert FlashcardReview.objects.count() == 1


def test_a_rating_a_second_later_is_a_new_review(setup):
    # given
    _course, _category, cards, student = setup
    flashcard_review(user=student, question=cards[0], rating=1, now=NOON)

    # when
    outcome = flashcard_review(user=student, question=cards[0], rating=3, now=NOON + timedelta(seconds=1))

    # then
    assert outcome.scheduled and outcome.state.reps == 2


@pytest.mark.parametrize("status", [None, Enrollment.Status.DROPPED])
def test_only_students_of_the_course_review_its_cards(setup, status):
    # given
    course, _category, cards, _student = setup
    outsider = build.learner(course, status=status) if status else UserFactory()

    # when / then
    with pytest.raises(NotEnrolled):
        flashcard_review(user=outsider, question=cards[0], rating=3, now=NOON)
    assert not FlashcardState.objects.exists() and not FlashcardReview.objects.exists()


def test_students_who_completed_the_course_keep_repeating(setup):
    # given
    course, _category, cards, _student = setup
    graduate = build.learner(course, status=Enrollment.Status.COMPLETED)

    # when
    outcome = flashcard_review(user=graduate, question=cards[0], rating=3, now=NOON)

    # then
    assert outcome.scheduled


def test_cards_of_a_draft_course_cannot_be_reviewed(setup):
    # given
    course, _category, cards, student = setup
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)

    # when / then
    with pytest.raises(NotEnrolled):
        flashcard_review(user=student, question=cards[0], rating=3, now=NOON)


def test_only_open_questions_of_flashcard_decks_are_flashcards(setup):
    # given
    course, category, _cards, student = setup
    single = QuestionFactory(category=category, kind=Question.Kind.SINGLE)
    not_a_deck = OpenQuestionFactory(category=QuestionCategoryFactory(course=course, is_flashcard_deck=False))

    # when / then
    for question in (single, not_a_deck):
        with pytest.raises(flashcards.NotAFlashcard):
            flashcard_review(user=student, question=question, rating=3, now=NOON)
    assert not FlashcardState.objects.exists()


def test_a_deck_in_a_locked_module_cannot_be_reviewed(db):
    # given
    course = CourseFactory()
    module = ModuleFactory(course=course, release_at=NOON + timedelta(days=1))
    _category, cards = build.deck(course, module=module)
    student = build.learner(course)

    # when / then
    with pytest.raises(flashcards.FlashcardLocked):
        flashcard_review(user=student, question=cards[0], rating=3, now=NOON)


def test_an_invalid_rating_writes_nothing(setup):
    # given
    _course, _category, cards, student = setup

    # when / then
    with pytest.raises(flashcards.InvalidRating):
        flashcard_review(user=student, question=cards[0], rating=7, now=NOON)
    assert not FlashcardState.objects.exists() and not FlashcardReview.objects.exists()


def test_another_students_schedule_is_never_touched(setup):
    # given
    course, _category, cards, student = setup
    other = build.learner(course)
    flashcard_review(user=other, question=cards[0], rating=1, now=NOON)
    before = FlashcardState.objects.get(user=other)

    # when
    flashcard_review(user=student, question=cards[0], rating=4, now=NOON + timedelta(minutes=5))

    # then
    after = FlashcardState.objects.get(user=other)
    assert (after.due_at, after.reps, after.updated_at) == (before.due_at, before.reps, before.updated_at)
    assert FlashcardReview.objects.filter(user=other).count() == 1


# --- what is due ------------------------------------------------------------------------------


def test_new_cards_count_as_due_up_to_the_daily_limit(db):
    # given
    course = CourseFactory()
    build.deck(course, cards=30)
    student = build.learner(course)

    # when / then
    assert flashcards_due_count(user=student, now=NOON) == flashcards.NEW_CARDS_PER_DAY


def test_new_cards_studied_today_use_up_the_daily_limit(db):
    # given: 5 new cards studied this morning, not due again today
    course = CourseFactory()
    _category, cards = build.deck(course, cards=30)
    student = build.learner(course)
    build.studied(
        student, cards[:5], due_at=NOON + timedelta(days=2), introduced_at=NOON - timedelta(hours=2)
    )

    # when
    count = flashcards_due_count(user=student, now=NOON)

    # then
    assert count == flashcards.NEW_CARDS_PER_DAY - 5


def test_the_daily_limit_starts_again_the_next_day(db):
    # given: 20 new cards studied yesterday
    course = CourseFactory()
    _category, cards = build.deck(course, cards=30)
    student = build.learner(course)
    build.studied(
        student, cards[:20], due_at=NOON + timedelta(days=2), introduced_at=NOON - timedelta(days=1)
    )

    # when / then: the 10 left are all new today
    assert flashcards_due_count(user=student, now=NOON) == 10


def test_studied_cards_are_due_until_the_end_of_the_day(db):
    # given: due this morning, tonight (Moscow), tomorrow
    course = CourseFactory()
    _category, cards = build.deck(course, cards=3)
    student = build.learner(course)
    build.studied(student, [cards[0]], due_at=NOON - timedelta(hours=3))
    build.studied(student, [cards[1]], due_at=NOON + timedelta(hours=10))  # 22:00 in Moscow
    build.studied(student, [cards[2]], due_at=NOON + timedelta(hours=13))  # 01:00 tomorrow

    # when / then
    assert flashcards_due_count(user=student, now=NOON) == 2


def test_the_daily_limit_applies_per_deck(db):
    # given
    course = CourseFactory()
    build.deck(course, cards=25)
    build.deck(course, cards=8)
    student = build.learner(course)

    # when
    decks = flashcard_decks_for_course(user=student, course=course, now=NOON)

    # then
    assert [d.due_count for d in decks] == [20, 8]
    assert flashcards_due_count(user=student, now=NOON) == 28


def test_due_counts_are_the_students_own_and_only_in_courses_they_learn(db):
    # given
    course, other_course, dropped_course = CourseFactory(), CourseFactory(), CourseFactory()
    _category, cards = build.deck(course, cards=4)
    build.deck(other_course, cards=4)  # not enrolled
    build.deck(dropped_course, cards=4)
    student = build.learner(course)
    build.learner(dropped_course, status=Enrollment.Status.DROPPED, username="dropper")
    Enrollment.objects.create(user=student, course=dropped_course, status=Enrollment.Status.DROPPED)
    classmate = build.learner(course)
    build.studied(classmate, cards, due_at=NOON + timedelta(days=3))  # not due for the classmate

    # when / then: the classmate's schedules do not make the student's cards "studied"
    assert flashcards_due_count(user=student, now=NOON) == 4
    assert flashcards_due_count(user=classmate, now=NOON) == 0


def test_decks_in_locked_modules_are_not_due(db):
    # given: one released module, one later, one waiting for its prerequisite's lessons
    from tests.lessons.factories import LessonFactory

    course = CourseFactory()
    released = ModuleFactory(course=course)
    later = ModuleFactory(course=course, release_at=NOON + timedelta(days=1))
    after_released = ModuleFactory(course=course, prerequisite=released)
    LessonFactory(module=released, is_published=True)
    build.deck(course, cards=2, module=released)
    build.deck(course, cards=2, module=later)
    build.deck(course, cards=2, module=after_released)
    student = build.learner(course)

    # when
    decks = flashcard_decks_for_course(user=student, course=course, now=NOON)

    # then
    assert [bool(d.lock_reason) for d in decks] == [False, True, True]
    assert flashcards_due_count(user=student, now=NOON) == 2


def test_dashboard_lists_only_decks_with_cards_due(db):
    # given
    course = CourseFactory()
    due_deck, _cards = build.deck(course, cards=2, title="Theory")
    _done_deck, done_cards = build.deck(course, cards=2)
    build.deck(course, cards=0)
    student = build.learner(course)
    build.studied(student, done_cards, due_at=NOON + timedelta(days=5))

    # when
    decks = flashcard_decks_due(user=student, now=NOON)

    # then
    assert [(d.title, d.due_count) for d in decks] == [("Theory", 2)]
    assert decks[0].url == f"/flashcards/decks/{due_deck.pk}/"


def test_due_count_costs_the_same_few_queries_for_many_courses(db, django_assert_max_num_queries):
    # given: 30 courses with two decks each (the second locked until the first module's lesson
    # is done), some studied cards
    from tests.lessons.factories import LessonFactory

    student = UserFactory()
    for _ in range(30):
        course = CourseFactory()
        first = ModuleFactory(course=course)
        second = ModuleFactory(course=course, prerequisite=first)
        LessonFactory(module=first, is_published=True)
        _category, cards = build.deck(course, cards=10, module=first)
        build.deck(course, cards=5, module=second)
        Enrollment.objects.create(user=student, course=course)
        build.studied(student, cards[:3], due_at=NOON - timedelta(hours=1))

    # when / then
    with django_assert_max_num_queries(3):
        count = flashcards_due_count(user=student, now=NOON)
    assert count == 30 * 10


def test_anonymous_users_have_nothing_due():
    from django.contrib.auth.models import AnonymousUser

    assert flashcards_due_count(user=AnonymousUser(), now=NOON) == 0


# --- the next card ----------------------------------------------------------------------------


def test_next_card_is_the_most_overdue_then_new_cards_in_deck_order(db):
    # given
    course = CourseFactory()
    category, cards = build.deck(course, cards=4)
    student = build.learner(course)
    build.studied(student, [cards[3]], due_at=NOON - timedelta(days=1))
    build.studied(student, [cards[2]], due_at=NOON - timedelta(days=2))

    # when
    order = []
    now = NOON
    while (card := flashcard_next(user=student, deck=category, now=now)) is not None and len(order) < 6:
        order.append(card.question.pk)
        flashcard_review(user=student, question=card.question, rating=4, now=now)
        now += timedelta(seconds=5)

    # then
    assert order == [cards[2].pk, cards[3].pk, cards[0].pk, cards[1].pk]


def test_review_cards_due_later_today_are_shown_now(db):
    # given
    course = CourseFactory()
    category, cards = build.deck(course, cards=1)
    student = build.learner(course)
    build.studied(student, cards, due_at=NOON + timedelta(hours=5))

    # when
    card = flashcard_next(user=student, deck=category, now=NOON)

    # then
    assert card is not None and card.question == cards[0] and not card.is_new


def test_learning_cards_come_back_early_rather_than_keep_the_student_waiting(db):
    # given: the only card was just forgotten (due in a minute)
    course = CourseFactory()
    category, cards = build.deck(course, cards=1)
    student = build.learner(course)
    flashcard_review(user=student, question=cards[0], rating=1, now=NOON)

    # when
    card = flashcard_next(user=student, deck=category, now=NOON + timedelta(seconds=5))

    # then
    assert card is not None and card.question == cards[0]


def test_deck_is_done_when_nothing_is_due_and_the_new_card_limit_is_reached(db):
    # given
    course = CourseFactory()
    category, cards = build.deck(course, cards=25)
    student = build.learner(course)
    build.studied(
        student, cards[:20], due_at=NOON + timedelta(days=3), introduced_at=NOON - timedelta(hours=1)
    )

    # when
    card = flashcard_next(user=student, deck=category, now=NOON)
    summary = flashcard_decks_for_course(user=student, course=course, now=NOON)[0]

    # then
    assert card is None
    assert summary.new_count == 5 and summary.new_limit_reached and summary.due_count == 0
    assert summary.next_due_at == NOON + timedelta(days=3)


def test_the_next_card_offers_four_ratings_with_growing_intervals(db):
    # given
    course = CourseFactory()
    category, _cards = build.deck(course, cards=1)
    student = build.learner(course)

    # when
    card = flashcard_next(user=student, deck=category, now=NOON)

    # then
    assert card.is_new
    assert [option.name for option in card.ratings] == ["again", "hard", "good", "easy"]
    intervals = [option.interval for option in card.ratings]
    assert intervals == sorted(intervals) and intervals[0] == timedelta(minutes=1)
    with translation.override("en"):
        assert card.ratings[0].interval_label == "next in 1 minute"
    with translation.override("ru"):
        assert card.ratings[0].interval_label == "снова через 1 минуту"


@pytest.mark.parametrize(
    ("interval", "english", "russian"),
    [
        (timedelta(seconds=20), "next in 1 minute", "снова через 1 минуту"),
        (timedelta(minutes=1), "next in 1 minute", "снова через 1 минуту"),
        (timedelta(minutes=2), "next in 2 minutes", "снова через 2 минуты"),
        (timedelta(minutes=5), "next in 5 minutes", "снова через 5 минут"),
        (timedelta(minutes=11), "next in 11 minutes", "снова через 11 минут"),
        (timedelta(minutes=21), "next in 21 minutes", "снова через 21 минуту"),
        (timedelta(minutes=59, seconds=59), "next in 59 minutes", "снова через 59 минут"),
        (timedelta(hours=1), "next in 1 hour", "снова через 1 час"),
        (timedelta(hours=3, minutes=40), "next in 3 hours", "снова через 3 часа"),
        (timedelta(hours=12), "next in 12 hours", "снова через 12 часов"),
        (timedelta(hours=21), "next in 21 hours", "снова через 21 час"),
        (timedelta(days=1), "next in 1 day", "снова через 1 день"),
        (timedelta(days=4, hours=23), "next in 4 days", "снова через 4 дня"),
        (timedelta(days=14), "next in 14 days", "снова через 14 дней"),
        (timedelta(days=22), "next in 22 days", "снова через 22 дня"),
        (timedelta(days=30), "next in 1 month", "снова через 1 месяц"),
        (timedelta(days=95), "next in 3 months", "снова через 3 месяца"),
        (timedelta(days=200), "next in 6 months", "снова через 6 месяцев"),
        (timedelta(days=365), "next in 1 year", "снова через 1 год"),
        (timedelta(days=3 * 365), "next in 3 years", "снова через 3 года"),
        (timedelta(days=5 * 365), "next in 5 years", "снова через 5 лет"),
    ],
)
def test_rating_intervals_read_correctly_in_english_and_in_russian(interval, english, russian):
    # given
    option = RatingOption(value=3, name="good", label="Good", interval=interval)

    # when
    with translation.override("en"):
        in_english = option.interval_label
    with translation.override("ru"):
        in_russian = option.interval_label

    # then
    assert in_english == english
    assert in_russian == russian  # the accusative after "через", in the right plural form
