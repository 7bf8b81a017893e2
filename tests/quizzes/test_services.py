"""Quiz services: each success path and each refusal."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Notification
from courses.models import Course, Enrollment
from quizzes import selectors, services
from quizzes.exceptions import (
    AttemptClosed,
    AttemptDeadlinePassed,
    AttemptsExhausted,
    InvalidAnswer,
    NotEnrolled,
    QuizMisconfigured,
    QuizUnavailable,
)
from quizzes.models import Attempt, Question, Quiz, Response
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory
from tests.quizzes import builders
from tests.quizzes.factories import (
    AttemptFactory,
    QuestionCategoryFactory,
    QuestionFactory,
    QuizFactory,
    QuizQuestionFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def course():
    return CourseFactory()


@pytest.fixture
def student(course):
    user = UserFactory()
    builders.enroll(user, course)
    return user


@pytest.fixture
def quiz_and_questions(course):
    return builders.every_kind_quiz(course, pass_mark=60)


@pytest.fixture
def quiz(quiz_and_questions):
    return quiz_and_questions[0]


@pytest.fixture
def questions(quiz_and_questions):
    return quiz_and_questions[1]


def start(quiz, user, **kwargs) -> Attempt:
    attempt, _created = services.attempt_start(quiz=quiz, user=user, now=kwargs.pop("now", NOW), **kwargs)
    return attempt


# --- attempt_start ----------------------------------------------------------------------------


def test_start_stores_questions_in_slot_order_with_their_choice_order(quiz, questions, student):
    # when
    attempt, created = services.attempt_start(quiz=quiz, user=student, now=NOW)

    # then
    assert created
    assert attempt.number == 1
    assert attempt.status == Attempt.Status.IN_PROGRESS
    responses = list(attempt.responses.order_by("position"))
    assert [r.question_id for r in responses] == [q.pk for q in questions.values()]
    assert responses[0].choice_order == builders.choice_ids(questions["single"])
    assert responses[2].choice_order == []  # true/false has no choices
    assert responses[3].choice_order == []  # short-text "choices" are accepted answers, never shown
    assert attempt.max_score == Decimal("5")


def test_start_shuffles_once_and_the_stored_order_stays(course, student):
    # given
    questions = [builders.single(course, options=6) for _ in range(8)]
    quiz = builders.quiz_of(course, questions, shuffle_questions=True, shuffle_choices=True)

    # when
    attempt = start(quiz, student, rng=random.Random(7))

    # then
    responses = list(attempt.responses.order_by("position"))
    order = [r.question_id for r in responses]
    assert sorted(order) == sorted(q.pk for q in questions)
    assert order != [q.pk for q in questions]  # seed 7 shuffles
    for response in responses:
        assert sorted(response.choice_order) == sorted(builders.choice_ids(response.question))
    again, created = services.attempt_start(quiz=quiz, user=student, now=NOW)
    assert not created
    assert [r.question_id for r in again.responses.order_by("position")] == order


def test_start_continues_the_attempt_in_progress(quiz, student):
    # given
    first = start(quiz, student)

    # when
    again, created = services.attempt_start(quiz=quiz, user=student, now=NOW + timedelta(minutes=1))

    # then
    assert not created
    assert again.pk == first.pk
    assert Attempt.objects.count() == 1


def test_deadline_is_the_time_limit_capped_by_the_close(course, student):
    # given
    quiz = builders.quiz_of(course, [builders.true_false(course)], time_limit_minutes=30)
    closing = builders.quiz_of(
        course, [builders.true_false(course)], time_limit_minutes=30, closes_at=NOW + timedelta(minutes=10)
    )
    untimed = builders.quiz_of(course, [builders.true_false(course)])

    # when / then
    assert start(quiz, student).deadline_at == NOW + timedelta(minutes=30)
    assert start(closing, student).deadline_at == NOW + timedelta(minutes=10)
    assert start(untimed, student).deadline_at is None


def test_student_not_enrolled_cannot_start(quiz):
    with pytest.raises(NotEnrolled):
        start(quiz, UserFactory())
    assert not Attempt.objects.exists()


def test_student_who_dropped_the_course_cannot_start(quiz, course):
    # given
    user = UserFactory()
    builders.enroll(user, course, status=Enrollment.Status.DROPPED)

    # when / then
    with pytest.raises(NotEnrolled):
        start(quiz, user)


@pytest.mark.parametrize(
    "change",
    [
        {"status": Quiz.Status.DRAFT},
        {"opens_at": NOW + timedelta(hours=1)},
        {"closes_at": NOW - timedelta(minutes=1)},
    ],
)
def test_quiz_outside_its_window_or_unpublished_cannot_be_started(quiz, student, change):
    # given
    Quiz.objects.filter(pk=quiz.pk).update(**change)

    # when / then
    with pytest.raises(QuizUnavailable) as caught:
        start(quiz, student)
    assert caught.value.message


def test_quiz_of_an_unpublished_course_cannot_be_started(quiz, course, student):
    Course.objects.filter(pk=course.pk).update(status=Course.Status.ARCHIVED)

    with pytest.raises(QuizUnavailable):
        start(quiz, student)


def test_attempts_limit(quiz, student):
    # given
    Quiz.objects.filter(pk=quiz.pk).update(attempts_allowed=1)
    AttemptFactory(quiz=quiz, user=student, number=1, status=Attempt.Status.GRADED)

    # when / then
    with pytest.raises(AttemptsExhausted, match="1"):
        start(quiz, student)


def test_expired_attempt_in_progress_is_submitted_and_a_new_one_started(
    quiz, student, grade_queue, django_capture_on_commit_callbacks
):
    # given
    old = start(quiz, student)
    Attempt.objects.filter(pk=old.pk).update(deadline_at=NOW - timedelta(minutes=5))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        new, created = services.attempt_start(quiz=quiz, user=student, now=NOW)

    # then
    assert created and new.number == 2
    old.refresh_from_db()
    assert old.status == Attempt.Status.SUBMITTED
    assert grade_queue == [old.pk]


def test_expired_attempt_is_closed_even_when_no_attempt_is_left(
    quiz, student, grade_queue, django_capture_on_commit_callbacks
):
    # given
    Quiz.objects.filter(pk=quiz.pk).update(attempts_allowed=1)
    old = start(quiz, student)
    Attempt.objects.filter(pk=old.pk).update(deadline_at=NOW - timedelta(minutes=5))

    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AttemptsExhausted):
        services.attempt_start(quiz=quiz, user=student, now=NOW)

    # then
    old.refresh_from_db()
    assert old.status == Attempt.Status.SUBMITTED
    assert grade_queue == [old.pk]


def test_random_slots_draw_without_duplicates_across_slots(course, student):
    # given: a category of 6 questions, 2 of them tagged; one is also a fixed slot
    category = QuestionCategoryFactory(course=course)
    bank = [
        QuestionFactory(category=category, kind=Question.Kind.TRUE_FALSE, correct_boolean=True)
        for _ in range(6)
    ]
    tag = course.question_tags.create(name="drift")
    bank[4].tags.add(tag)
    bank[5].tags.add(tag)
    quiz = QuizFactory(course=course, shuffle_questions=False, attempts_allowed=0)
    QuizQuestionFactory(quiz=quiz, question=bank[0], position=0)
    QuizQuestionFactory(
        quiz=quiz, question=None, draw_category=category, draw_tag=tag, draw_count=2, position=1
    )
    QuizQuestionFactory(
        quiz=quiz, question=None, draw_category=category, draw_count=3, position=2, points=Decimal("2")
    )

    # when
    attempt = start(quiz, student, rng=random.Random(1))

    # then
    responses = list(attempt.responses.order_by("position"))
    drawn = [r.question_id for r in responses]
    assert len(drawn) == len(set(drawn)) == 6
    assert drawn[0] == bank[0].pk
    assert set(drawn[1:3]) == {bank[4].pk, bank[5].pk}  # the tagged ones
    assert [r.max_points for r in responses[3:]] == [Decimal("2")] * 3  # the slot's points
    assert attempt.max_score == Decimal("9")


def test_draw_that_asks_for_more_questions_than_left_refuses_to_start(course, student):
    # given
    category = QuestionCategoryFactory(course=course)
    QuestionFactory(category=category, kind=Question.Kind.TRUE_FALSE, correct_boolean=True)
    quiz = QuizFactory(course=course)
    QuizQuestionFactory(quiz=quiz, question=None, draw_category=category, draw_count=2)

    # when / then
    with pytest.raises(QuizMisconfigured, match="2"):
        start(quiz, student)
    assert not Attempt.objects.exists()


def test_quiz_without_questions_refuses_to_start(course, student):
    with pytest.raises(QuizMisconfigured):
        start(QuizFactory(course=course), student)


# --- responses_save ---------------------------------------------------------------------------


def test_answers_of_every_kind_are_saved(quiz, questions, student):
    # given
    attempt = start(quiz, student)

    # when
    services.responses_save(
        attempt=attempt, user=student, answers=builders.correct_answers(questions), now=NOW
    )

    # then
    by_kind = {r.question.kind: r for r in attempt.responses.select_related("question")}
    assert all(r.answered_at == NOW for r in by_kind.values())
    assert list(by_kind["single"].selected_choices.values_list("pk", flat=True)) == builders.choice_ids(
        questions["single"], correct=True
    )
    assert sorted(by_kind["multiple"].selected_choices.values_list("pk", flat=True)) == builders.choice_ids(
        questions["multiple"], correct=True
    )
    assert by_kind["true_false"].boolean_answer is True
    assert by_kind["short_text"].text_answer == "paris"
    assert by_kind["numeric"].numeric_answer == Decimal("3.145")


def test_an_empty_value_clears_the_answer(quiz, questions, student):
    # given
    attempt = start(quiz, student)
    question = questions["multiple"]
    services.response_save(
        attempt=attempt,
        user=student,
        question_id=question.pk,
        value=builders.choice_ids(question)[:2],
        now=NOW,
    )

    # when
    response = services.response_save(
        attempt=attempt, user=student, question_id=question.pk, value=[], now=NOW
    )

    # then
    assert response.answered_at is None
    assert not response.selected_choices.exists()


def test_answer_to_a_question_outside_the_attempt_is_refused_and_nothing_is_saved(
    quiz, questions, course, student
):
    # given
    attempt = start(quiz, student)
    stranger = builders.true_false(course)

    # when
    with pytest.raises(InvalidAnswer, match=str(stranger.pk)):
        services.responses_save(
            attempt=attempt,
            user=student,
            answers={questions["true_false"].pk: True, stranger.pk: True},
            now=NOW,
        )

    # then
    assert not Response.objects.filter(attempt=attempt, answered_at__isnull=False).exists()


def test_choice_of_another_question_is_refused(quiz, questions, student):
    attempt = start(quiz, student)
    foreign = builders.choice_ids(questions["multiple"])[0]

    with pytest.raises(InvalidAnswer):
        services.response_save(
            attempt=attempt, user=student, question_id=questions["single"].pk, value=foreign, now=NOW
        )


def test_value_of_the_wrong_type_is_refused(quiz, questions, student):
    attempt = start(quiz, student)

    with pytest.raises(InvalidAnswer):
        services.response_save(
            attempt=attempt, user=student, question_id=questions["numeric"].pk, value="pi", now=NOW
        )


def test_answer_after_the_deadline_is_refused_and_the_attempt_submitted(
    quiz, questions, student, grade_queue, django_capture_on_commit_callbacks
):
    # given
    attempt = start(quiz, student)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=NOW - timedelta(seconds=30))

    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AttemptDeadlinePassed):
        services.response_save(
            attempt=attempt, user=student, question_id=questions["true_false"].pk, value=True, now=NOW
        )

    # then
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.submitted_at == NOW
    assert grade_queue == [attempt.pk]
    assert not attempt.responses.filter(answered_at__isnull=False).exists()


def test_answer_after_the_quiz_closed_early_is_refused_and_the_attempt_submitted(quiz, questions, student):
    # given: the instructor moved the close before the attempt's own deadline
    attempt = start(quiz, student)
    Quiz.objects.filter(pk=quiz.pk).update(closes_at=NOW - timedelta(minutes=1))

    # when
    with pytest.raises(AttemptDeadlinePassed):
        services.response_save(
            attempt=attempt, user=student, question_id=questions["true_false"].pk, value=True, now=NOW
        )

    # then
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED


def test_answer_to_a_quiz_unpublished_meanwhile_is_refused(quiz, questions, student):
    attempt = start(quiz, student)
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.DRAFT)

    with pytest.raises(QuizUnavailable):
        services.response_save(
            attempt=attempt, user=student, question_id=questions["true_false"].pk, value=True, now=NOW
        )


def test_answer_sent_right_at_the_deadline_still_counts(quiz, questions, student):
    attempt = start(quiz, student)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=NOW - timedelta(seconds=1))

    response = services.response_save(
        attempt=attempt, user=student, question_id=questions["true_false"].pk, value=True, now=NOW
    )

    assert response.boolean_answer is True


def test_answer_to_a_submitted_attempt_is_refused(quiz, questions, student):
    attempt = start(quiz, student)
    services.attempt_submit(attempt=attempt, user=student, now=NOW)

    with pytest.raises(AttemptClosed):
        services.response_save(
            attempt=attempt, user=student, question_id=questions["true_false"].pk, value=True, now=NOW
        )


def test_answer_to_another_students_attempt_is_not_found(quiz, questions, student, course):
    attempt = start(quiz, student)
    other = UserFactory()
    builders.enroll(other, course)

    with pytest.raises(Attempt.DoesNotExist):
        services.response_save(
            attempt=attempt, user=other, question_id=questions["true_false"].pk, value=True, now=NOW
        )


def test_answer_after_dropping_the_course_is_refused(quiz, questions, student):
    attempt = start(quiz, student)
    Enrollment.objects.filter(user=student).update(status=Enrollment.Status.DROPPED)

    with pytest.raises(NotEnrolled):
        services.response_save(
            attempt=attempt, user=student, question_id=questions["true_false"].pk, value=True, now=NOW
        )


# --- attempt_submit ---------------------------------------------------------------------------


def test_submit_closes_the_attempt_and_queues_grading_after_commit(
    quiz, student, grade_queue, django_capture_on_commit_callbacks
):
    # given
    attempt = start(quiz, student)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        submitted = services.attempt_submit(attempt=attempt, user=student, now=NOW)
    assert grade_queue == []  # nothing before the commit
    for callback in callbacks:
        callback()

    # then
    assert submitted.status == Attempt.Status.SUBMITTED
    assert submitted.submitted_at == NOW
    assert len(callbacks) == 1
    assert grade_queue == [attempt.pk]


def test_submitted_attempt_cannot_be_resubmitted(quiz, student):
    attempt = start(quiz, student)
    services.attempt_submit(attempt=attempt, user=student, now=NOW)

    with pytest.raises(AttemptClosed):
        services.attempt_submit(attempt=attempt, user=student, now=NOW)


def test_submit_after_the_deadline_is_allowed(quiz, student):
    attempt = start(quiz, student)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=NOW - timedelta(hours=1))

    assert services.attempt_submit(attempt=attempt, user=student, now=NOW).status == Attempt.Status.SUBMITTED


def test_another_student_cannot_submit_the_attempt(quiz, student):
    attempt = start(quiz, student)

    with pytest.raises(Attempt.DoesNotExist):
        services.attempt_submit(attempt=attempt, user=UserFactory(), now=NOW)


def test_student_who_dropped_the_course_cannot_submit(quiz, student):
    attempt = start(quiz, student)
    Enrollment.objects.filter(user=student).update(status=Enrollment.Status.DROPPED)

    with pytest.raises(NotEnrolled):
        services.attempt_submit(attempt=attempt, user=student, now=NOW)


# --- attempt_grade ----------------------------------------------------------------------------


def _submitted(quiz, student, answers) -> Attempt:
    attempt = start(quiz, student)
    services.responses_save(attempt=attempt, user=student, answers=answers, now=NOW)
    return services.attempt_submit(attempt=attempt, user=student, now=NOW)


def test_grading_scores_every_response_and_notifies_the_student(quiz, questions, student):
    # given
    attempt = _submitted(quiz, student, builders.correct_answers(questions))

    # when
    graded = services.attempt_grade(attempt_id=attempt.pk, now=NOW)

    # then
    assert graded.status == Attempt.Status.GRADED
    assert (graded.score, graded.max_score, graded.passed, graded.graded_at) == (
        Decimal("5"),
        Decimal("5"),
        True,
        NOW,
    )
    assert set(attempt.responses.values_list("points", "is_correct")) == {(Decimal("1"), True)}
    notification = Notification.objects.get(user=student)
    assert notification.kind == Notification.Kind.ATTEMPT_GRADED
    assert notification.dedupe_key == f"attempt-graded-{attempt.pk}"
    assert notification.url == f"/quizzes/attempts/{attempt.pk}/result/"


def test_grading_with_partial_credit_and_a_failed_pass_mark(quiz, questions, student):
    # given: single wrong, multiple half right (1 of 2 correct), true/false right, text wrong, numeric right
    multiple_correct = builders.choice_ids(questions["multiple"], correct=True)
    answers = {
        questions["single"].pk: builders.choice_ids(questions["single"], correct=False)[0],
        questions["multiple"].pk: multiple_correct[:1],
        questions["true_false"].pk: True,
        questions["short_text"].pk: "London",
        questions["numeric"].pk: 3.14,
    }
    attempt = _submitted(quiz, student, answers)

    # when
    graded = services.attempt_grade(attempt_id=attempt.pk, now=NOW)

    # then: 0 + 0.5 + 1 + 0 + 1 = 2.5 of 5 = 50% < 60%
    assert graded.score == Decimal("2.50")
    assert graded.passed is False
    points = {r.question.kind: r.points for r in attempt.responses.select_related("question")}
    assert points == {
        "single": Decimal("0"),
        "multiple": Decimal("0.5"),
        "true_false": Decimal("1"),
        "short_text": Decimal("0"),
        "numeric": Decimal("1"),
    }


def test_grading_runs_a_fixed_number_of_queries_whatever_the_number_of_questions(
    course, student, django_assert_max_num_queries
):
    # given: 60 questions of every automatically graded kind, half of them answered right
    kinds = [builders.single, builders.multiple, builders.true_false, builders.short_text, builders.numeric]
    questions = [kinds[i % len(kinds)](course) for i in range(60)]
    quiz = builders.quiz_of(course, questions)
    answers = {q.pk: _right_answer(q) if i % 2 else builders.some_answer(q) for i, q in enumerate(questions)}
    attempt = _submitted(quiz, student, answers)

    # when / then: status, lock, responses, correct choices, selections, one UPDATE per outcome,
    # the attempt, the notification (with its savepoints)
    with django_assert_max_num_queries(22):
        graded = services.attempt_grade(attempt_id=attempt.pk, now=NOW)
    assert graded.status == Attempt.Status.GRADED
    responses = list(Response.objects.filter(attempt=attempt).order_by("position"))
    assert graded.score == sum(r.points for r in responses)
    assert all(r.is_correct and r.points == r.max_points for r in responses[1::2])


def _right_answer(question: Question) -> object:
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        right = builders.choice_ids(question, correct=True)
        return right[0] if question.kind == Question.Kind.SINGLE else right
    if question.kind == Question.Kind.TRUE_FALSE:
        return question.correct_boolean
    if question.kind == Question.Kind.NUMERIC:
        return str(question.numeric_answer)
    return question.choices.filter(is_correct=True).first().text


def test_grading_twice_grades_once(quiz, questions, student):
    # given
    attempt = _submitted(quiz, student, builders.correct_answers(questions))
    services.attempt_grade(attempt_id=attempt.pk, now=NOW)

    # when
    again = services.attempt_grade(attempt_id=attempt.pk, now=NOW + timedelta(hours=1))

    # then
    assert again.graded_at == NOW
    assert Notification.objects.filter(user=student).count() == 1
    assert Response.objects.filter(attempt=attempt).count() == 5


def test_grading_resumes_an_attempt_left_in_grading_by_a_killed_worker(quiz, questions, student):
    # given
    attempt = _submitted(quiz, student, builders.correct_answers(questions))
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.GRADING)

    # when
    graded = services.attempt_grade(attempt_id=attempt.pk, now=NOW)

    # then
    assert graded.status == Attempt.Status.GRADED
    assert graded.score == Decimal("5")


def test_open_question_leaves_the_attempt_awaiting_manual_grading(course, student):
    # given
    tf = builders.true_false(course)
    essay = builders.open_question(course)
    quiz = builders.quiz_of(course, [tf, essay])
    attempt = _submitted(quiz, student, {tf.pk: True, essay.pk: "My essay."})

    # when
    graded = services.attempt_grade(attempt_id=attempt.pk, now=NOW)

    # then
    assert graded.status == Attempt.Status.AWAITING_MANUAL
    assert graded.score is None and graded.passed is None and graded.graded_at is None
    assert graded.max_score == Decimal("2")
    assert attempt.responses.get(question=tf).points == Decimal("1")
    assert attempt.responses.get(question=essay).points is None
    assert not Notification.objects.exists()


def test_grading_leaves_an_attempt_in_progress_alone(quiz, student):
    attempt = start(quiz, student)

    assert services.attempt_grade(attempt_id=attempt.pk).status == Attempt.Status.IN_PROGRESS


def test_grading_a_deleted_attempt_does_nothing():
    assert services.attempt_grade(attempt_id=987654) is None


# --- closing expired attempts -----------------------------------------------------------------


def test_sweep_submits_only_attempts_past_their_deadline_and_is_idempotent(
    quiz, course, student, grade_queue, django_capture_on_commit_callbacks
):
    # given
    expired = start(quiz, student)
    Attempt.objects.filter(pk=expired.pk).update(deadline_at=NOW - timedelta(minutes=1))
    other = UserFactory()
    builders.enroll(other, course)
    running = start(quiz, other)
    Attempt.objects.filter(pk=running.pk).update(deadline_at=NOW + timedelta(minutes=1))
    untimed = start(builders.quiz_of(course, [builders.true_false(course)]), student)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.attempts_close_expired(now=NOW)
        closed_again = services.attempts_close_expired(now=NOW)

    # then
    assert (closed, closed_again) == (1, 0)
    assert grade_queue == [expired.pk]
    statuses = dict(Attempt.objects.values_list("pk", "status"))
    assert statuses == {
        expired.pk: Attempt.Status.SUBMITTED,
        running.pk: Attempt.Status.IN_PROGRESS,
        untimed.pk: Attempt.Status.IN_PROGRESS,
    }


def test_sweep_submits_attempts_of_a_quiz_that_closed(quiz, student):
    attempt = start(quiz, student)
    Quiz.objects.filter(pk=quiz.pk).update(closes_at=NOW - timedelta(minutes=1))

    assert services.attempts_close_expired(now=NOW) == 1
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED


def test_attempts_stuck_in_grading_are_queued_again(quiz, student, grade_queue):
    # given
    stuck = AttemptFactory(
        quiz=quiz,
        user=student,
        number=1,
        status=Attempt.Status.SUBMITTED,
        submitted_at=NOW - timedelta(hours=1),
    )
    AttemptFactory(quiz=quiz, user=student, number=2, status=Attempt.Status.SUBMITTED, submitted_at=NOW)

    # when
    count = services.attempts_requeue_stuck_grading(now=NOW)

    # then
    assert count == 1
    assert grade_queue == [stuck.pk]


# --- quiz_grade_for ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "percent", "passed"),
    [
        ("highest", "80.00", True),
        ("average", "60.00", True),
        ("first", "40.00", False),
        ("last", "60.00", True),
    ],
)
def test_final_grade_follows_the_grading_method(quiz, student, method, percent, passed):
    # given: attempts scoring 2/5, 4/5, 3/5, an ungraded one in progress
    Quiz.objects.filter(pk=quiz.pk).update(grading_method=method)
    quiz.refresh_from_db()
    for number, score in enumerate(["2", "4", "3"], start=1):
        AttemptFactory(
            quiz=quiz,
            user=student,
            number=number,
            status=Attempt.Status.GRADED,
            score=Decimal(score),
            max_score=Decimal("5"),
        )
    AttemptFactory(quiz=quiz, user=student, number=4, status=Attempt.Status.IN_PROGRESS)

    # when
    grade = selectors.quiz_grade_for(user=student, quiz=quiz)

    # then
    assert grade.percent == Decimal(percent)
    assert grade.passed is passed
    assert grade.attempts_counted == 3


def test_no_grade_before_the_first_submitted_attempt(quiz, student):
    start(quiz, student)

    assert selectors.quiz_grade_for(user=student, quiz=quiz) is None
