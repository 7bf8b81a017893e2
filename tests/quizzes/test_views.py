"""Quiz pages, per role: anonymous, not enrolled, enrolled student, another student, the
course's instructor; and their query budgets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from quizzes import polling, services
from quizzes.models import Attempt, Quiz
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory
from tests.quizzes import builders
from tests.quizzes.factories import AttemptFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def course():
    return CourseFactory()


@pytest.fixture
def setup(course):
    quiz, questions = builders.every_kind_quiz(course, time_limit_minutes=20, layout=Quiz.Layout.ALL_ON_ONE)
    student = UserFactory()
    builders.enroll(student, course)
    return quiz, questions, student


@pytest.fixture
def attempt(setup):
    quiz, _questions, student = setup
    attempt, _created = services.attempt_start(quiz=quiz, user=student)
    return attempt


def url(name: str, *args) -> str:
    return reverse(f"quizzes:{name}", args=args)


# --- anonymous --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "arg_kind"),
    [
        ("quiz-detail", "get", "quiz"),
        ("attempt-start", "post", "quiz"),
        ("attempt-take", "get", "attempt"),
        ("attempt-submit", "post", "attempt"),
        ("attempt-result", "get", "attempt"),
        ("attempt-status", "get", "attempt"),
    ],
)
def test_anonymous_visitor_is_sent_to_log_in(client, setup, attempt, name, method, arg_kind):
    # given
    quiz = setup[0]
    target = url(name, quiz.pk if arg_kind == "quiz" else attempt.pk)

    # when
    response = getattr(client, method)(target)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_anonymous_autosave_is_sent_to_log_in(client, setup, attempt):
    response = client.post(url("response-save", attempt.pk, setup[1]["true_false"].pk), {}, **HTMX)

    assert response.status_code == 302


# --- quiz detail ------------------------------------------------------------------------------


def test_quiz_page_shows_the_rules_and_the_start_button_to_an_enrolled_student(client, setup):
    quiz, _questions, student = setup
    client.force_login(student)

    response = client.get(url("quiz-detail", quiz.pk))

    assert response.status_code == 200
    assert response.context["detail"].can_start
    assert quiz.title in response.content.decode()
    assert url("attempt-start", quiz.pk) in response.content.decode()


def test_quiz_page_tells_a_student_who_is_not_enrolled_why_they_cannot_start(client, setup):
    quiz = setup[0]
    client.force_login(UserFactory())

    response = client.get(url("quiz-detail", quiz.pk))

    assert response.status_code == 200
    assert not response.context["detail"].can_start
    assert response.context["detail"].refusal in response.content.decode()
    assert url("attempt-start", quiz.pk) not in response.content.decode()


def test_quiz_page_tells_why_when_no_attempt_is_left(client, setup):
    quiz, _questions, student = setup
    Quiz.objects.filter(pk=quiz.pk).update(attempts_allowed=1)
    AttemptFactory(quiz=quiz, user=student, status=Attempt.Status.GRADED, score=1, max_score=5)
    client.force_login(student)

    response = client.get(url("quiz-detail", quiz.pk))

    assert not response.context["detail"].can_start
    assert "1" in response.context["detail"].refusal


def test_draft_quiz_is_not_found_for_students_but_visible_to_its_instructor(client, setup, course):
    quiz, _questions, student = setup
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.DRAFT)
    teacher = UserFactory()
    CourseStaffFactory(course=course, user=teacher)

    client.force_login(student)
    assert client.get(url("quiz-detail", quiz.pk)).status_code == 404
    client.force_login(teacher)
    assert client.get(url("quiz-detail", quiz.pk)).status_code == 200


def test_quiz_page_query_count_does_not_grow_with_attempts(client, setup, django_assert_max_num_queries):
    # given
    quiz, _questions, student = setup
    for number in range(1, 51):
        AttemptFactory(
            quiz=quiz, user=student, number=number, status=Attempt.Status.GRADED, score=3, max_score=5
        )
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(6):
        response = client.get(url("quiz-detail", quiz.pk))
    assert response.status_code == 200
    assert len(response.context["detail"].attempts) == 50


def test_instructor_quiz_page_lists_students_attempts_in_constant_queries(
    client, setup, course, django_assert_max_num_queries
):
    quiz = setup[0]
    teacher = UserFactory()
    CourseStaffFactory(course=course, user=teacher)
    for _ in range(50):
        AttemptFactory(quiz=quiz, status=Attempt.Status.GRADED, score=3, max_score=5)
    client.force_login(teacher)

    with django_assert_max_num_queries(7):
        response = client.get(url("quiz-detail", quiz.pk))

    assert len(response.context["detail"].student_attempts) == 50


# --- start ------------------------------------------------------------------------------------


def test_enrolled_student_starts_and_lands_on_the_first_question(client, setup):
    quiz, _questions, student = setup
    client.force_login(student)

    response = client.post(url("attempt-start", quiz.pk))

    attempt = Attempt.objects.get(user=student)
    assert response.status_code == 302
    assert response["Location"] == url("attempt-take", attempt.pk)


def test_student_not_enrolled_is_forbidden_to_start(client, setup):
    client.force_login(UserFactory())

    response = client.post(url("attempt-start", setup[0].pk))

    assert response.status_code == 403
    assert not Attempt.objects.exists()


def test_start_refused_by_the_quiz_state_goes_back_with_the_reason(client, setup):
    quiz, _questions, student = setup
    Quiz.objects.filter(pk=quiz.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    client.force_login(student)

    response = client.post(url("attempt-start", quiz.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("quiz-detail", quiz.pk)
    assert [str(m) for m in response.context["messages"]]


def test_start_needs_post(client, setup):
    client.force_login(setup[2])

    assert client.get(url("attempt-start", setup[0].pk)).status_code == 405


# --- take -------------------------------------------------------------------------------------


def test_take_page_shows_every_question_with_labelled_autosaving_controls(client, setup, attempt):
    # given
    _quiz, questions, student = setup
    client.force_login(student)

    # when
    response = client.get(url("attempt-take", attempt.pk))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    for question in questions.values():
        assert url("response-save", attempt.pk, question.pk) in html
        assert f'for="id_q{question.pk}-answer' in html  # a label for each control
    assert 'hx-trigger="change"' in html
    assert "data-countdown" in html and 'data-seconds-left="1' in html  # ~1200 s
    assert "style=" not in html and "onclick" not in html


def test_take_page_never_shows_correct_answers(client, setup, attempt):
    _quiz, questions, student = setup
    client.force_login(student)

    html = client.get(url("attempt-take", attempt.pk)).content.decode()

    assert "Paris" not in html  # the short-text accepted answer
    assert "3.14" not in html  # the numeric key
    assert "is-correct" not in html and "badge-correct" not in html


def test_take_page_shows_choices_in_the_stored_order(client, course):
    # given
    question = builders.single(course, options=5)
    quiz = builders.quiz_of(course, [question])
    student = UserFactory()
    builders.enroll(student, course)
    attempt, _ = services.attempt_start(quiz=quiz, user=student)
    stored = list(reversed(builders.choice_ids(question)))
    attempt.responses.update(choice_order=stored)
    client.force_login(student)

    # when
    html = client.get(url("attempt-take", attempt.pk)).content.decode()

    # then
    positions = [html.index(f'value="{choice_id}"') for choice_id in stored]
    assert positions == sorted(positions)


def test_one_question_per_page_with_navigation_that_saves(client, course):
    # given
    questions = [builders.true_false(course) for _ in range(3)]
    quiz = builders.quiz_of(course, questions, layout=Quiz.Layout.ONE_PER_PAGE)
    student = UserFactory()
    builders.enroll(student, course)
    attempt, _ = services.attempt_start(quiz=quiz, user=student)
    client.force_login(student)

    # when: page 2, plain form POST (no JavaScript), "next"
    page = client.get(url("attempt-take", attempt.pk) + "?page=2")
    posted = client.post(
        url("attempt-take", attempt.pk) + "?page=2", {f"q{questions[1].pk}-answer": "false", "nav": "next"}
    )

    # then
    assert len(page.context["forms"]) == 1
    assert page.context["forms"][0].view.question == questions[1]
    assert posted.status_code == 302
    assert posted["Location"] == url("attempt-take", attempt.pk) + "?page=3"
    assert attempt.responses.get(question=questions[1]).boolean_answer is False


def test_finish_button_saves_and_goes_to_the_summary(client, setup, attempt):
    _quiz, questions, student = setup
    client.force_login(student)

    response = client.post(
        url("attempt-take", attempt.pk), {f"q{questions['short_text'].pk}-answer": "x", "nav": "finish"}
    )

    assert response["Location"] == url("attempt-submit", attempt.pk)
    assert attempt.responses.get(question=questions["short_text"]).text_answer == "x"


def test_plain_post_with_an_invalid_value_shows_the_error(client, setup, attempt):
    _quiz, questions, student = setup
    client.force_login(student)

    response = client.post(url("attempt-take", attempt.pk), {f"q{questions['numeric'].pk}-answer": "many"})

    assert response.status_code == 400
    [error] = response.context["forms"][4].errors["answer"]
    assert error in response.content.decode()


def test_take_page_after_the_deadline_submits_and_shows_the_result(
    client, setup, attempt, django_capture_on_commit_callbacks
):
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    client.force_login(setup[2])

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(url("attempt-take", attempt.pk))

    assert response["Location"] == url("attempt-result", attempt.pk)
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED
    assert len(callbacks) == 1


@pytest.mark.parametrize("layout", [Quiz.Layout.ALL_ON_ONE, Quiz.Layout.ONE_PER_PAGE])
def test_take_page_query_count_is_constant_for_60_questions(
    client, course, layout, django_assert_max_num_queries
):
    # given
    kinds = [builders.single, builders.multiple, builders.true_false, builders.short_text, builders.numeric]
    questions = [kinds[i % len(kinds)](course) for i in range(60)]
    quiz = builders.quiz_of(course, questions, layout=layout, time_limit_minutes=30)
    student = UserFactory()
    builders.enroll(student, course)
    attempt, _ = services.attempt_start(quiz=quiz, user=student)
    services.responses_save(
        attempt=attempt, user=student, answers={q.pk: builders.some_answer(q) for q in questions[::3]}
    )
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(9):
        response = client.get(url("attempt-take", attempt.pk))
    assert response.status_code == 200
    assert len(response.context["take"].navigator) == 60


# --- autosave ---------------------------------------------------------------------------------


def test_autosave_saves_one_answer_and_reports_it(client, setup, attempt):
    _quiz, questions, student = setup
    question = questions["multiple"]
    choices = builders.choice_ids(question)
    client.force_login(student)

    response = client.post(
        url("response-save", attempt.pk, question.pk),
        {f"q{question.pk}-answer": [choices[0], choices[2]]},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="nav-q{question.pk}-state"' in html and "hx-swap-oob" in html
    saved = attempt.responses.get(question=question)
    assert sorted(saved.selected_choices.values_list("pk", flat=True)) == [choices[0], choices[2]]


COUNTER = '<p class="meta answered-count" id="attempt-answered-count"{oob}>{text}</p>'


def test_take_page_counts_the_answered_questions_in_a_line_autosave_can_replace(client, setup, attempt):
    # given
    _quiz, questions, student = setup
    services.response_save(attempt=attempt, user=student, question_id=questions["true_false"].pk, value=True)
    client.force_login(student)

    # when
    response = client.get(url("attempt-take", attempt.pk), HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert COUNTER.format(oob="", text="1 of 5 answered") in response.content.decode()


@pytest.mark.parametrize(("language", "text"), [("en", "2 of 5 answered"), ("ru", "отвечено 2 из 5")])
def test_autosave_sends_the_new_answered_count_out_of_band(client, setup, attempt, language, text):
    # given
    _quiz, questions, student = setup
    services.response_save(attempt=attempt, user=student, question_id=questions["true_false"].pk, value=True)
    client.force_login(student)

    # when
    response = client.post(
        url("response-save", attempt.pk, questions["single"].pk),
        {f"q{questions['single'].pk}-answer": builders.choice_ids(questions["single"])[0]},
        HTTP_ACCEPT_LANGUAGE=language,
        **HTMX,
    )

    # then
    assert response.status_code == 200
    assert COUNTER.format(oob=' hx-swap-oob="true"', text=text) in response.content.decode()


def test_autosave_that_clears_an_answer_counts_it_out(client, setup, attempt):
    # given
    _quiz, questions, student = setup
    for key, value in (("true_false", True), ("short_text", "Paris")):
        services.response_save(attempt=attempt, user=student, question_id=questions[key].pk, value=value)
    client.force_login(student)

    # when
    response = client.post(
        url("response-save", attempt.pk, questions["short_text"].pk),
        {f"q{questions['short_text'].pk}-answer": ""},
        HTTP_ACCEPT_LANGUAGE="en",
        **HTMX,
    )

    # then
    html = response.content.decode()
    assert response.status_code == 200 and "Answer cleared" in html
    assert COUNTER.format(oob=' hx-swap-oob="true"', text="1 of 5 answered") in html


def test_a_refused_autosave_leaves_the_answered_count_alone(client, setup, attempt):
    # given
    _quiz, questions, student = setup
    client.force_login(student)

    # when
    response = client.post(
        url("response-save", attempt.pk, questions["single"].pk),
        {f"q{questions['single'].pk}-answer": "999999"},
        **HTMX,
    )

    # then
    assert response.status_code == 400
    assert "attempt-answered-count" not in response.content.decode()


def test_autosave_of_an_invalid_value_is_400_with_the_message(client, setup, attempt):
    _quiz, questions, student = setup
    client.force_login(student)

    response = client.post(
        url("response-save", attempt.pk, questions["single"].pk),
        {f"q{questions['single'].pk}-answer": "999999"},
        **HTMX,
    )

    assert response.status_code == 400
    assert "save-error" in response.content.decode()


def test_autosave_of_a_question_outside_the_attempt_is_400(client, setup, attempt, course):
    client.force_login(setup[2])
    stranger = builders.true_false(course)

    response = client.post(url("response-save", attempt.pk, stranger.pk), {}, **HTMX)

    assert response.status_code == 400


def test_autosave_of_an_id_beyond_the_database_range_is_400(client, setup, attempt):
    client.force_login(setup[2])

    response = client.post(f"/quizzes/attempts/{attempt.pk}/responses/99999999999999999999/", {}, **HTMX)

    assert response.status_code == 400


def test_autosave_to_a_quiz_unpublished_meanwhile_is_409_with_the_message(client, setup, attempt):
    quiz, questions, student = setup
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.DRAFT)
    client.force_login(student)

    response = client.post(
        url("response-save", attempt.pk, questions["true_false"].pk),
        {f"q{questions['true_false'].pk}-answer": "true"},
        **HTMX,
    )

    assert response.status_code == 409
    assert "save-error" in response.content.decode()


def test_autosave_after_the_deadline_is_409_and_sends_the_browser_to_the_result(client, setup, attempt):
    _quiz, questions, student = setup
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    client.force_login(student)

    response = client.post(
        url("response-save", attempt.pk, questions["true_false"].pk),
        {f"q{questions['true_false'].pk}-answer": "true"},
        **HTMX,
    )

    assert response.status_code == 409
    assert response["HX-Redirect"] == url("attempt-result", attempt.pk)
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED


# --- submit and result ------------------------------------------------------------------------


def test_summary_lists_unanswered_questions_before_submitting(client, setup, attempt):
    client.force_login(setup[2])

    response = client.get(url("attempt-submit", attempt.pk))

    assert response.status_code == 200
    assert response.context["take"].answered_count == 0
    assert len(response.context["take"].navigator) == 5


def test_submit_queues_grading_and_shows_the_live_status(
    client, setup, attempt, django_capture_on_commit_callbacks
):
    client.force_login(setup[2])

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url("attempt-submit", attempt.pk))
    page = client.get(url("attempt-result", attempt.pk))

    assert response["Location"] == url("attempt-result", attempt.pk)
    assert len(callbacks) == 1
    html = page.content.decode()
    assert 'hx-trigger="load delay:250ms, load delay:500ms, load delay:750ms, every 1000ms"' in html
    assert f'hx-trigger="{polling.status_poll_trigger()}"' in html  # the schedule the benchmark polls by
    assert url("attempt-status", attempt.pk) in html
    assert 'id="attempt-review"' in html and "review-item" not in html  # the review comes with the grade


def test_status_fragment_is_204_while_nothing_changed_and_the_graded_result_once_done(client, setup, attempt):
    # given
    _quiz, questions, student = setup
    services.responses_save(attempt=attempt, user=student, answers=builders.correct_answers(questions))
    services.attempt_submit(attempt=attempt, user=student)
    client.force_login(student)
    status_url = url("attempt-status", attempt.pk)

    # when
    unchanged = client.get(status_url + "?known=submitted", **HTMX)
    services.attempt_grade(attempt_id=attempt.pk)
    graded = client.get(status_url + "?known=submitted", **HTMX)

    # then
    assert unchanged.status_code == 204
    html = graded.content.decode()
    assert graded.status_code == 200
    assert "hx-trigger" not in html  # polling stops
    assert 'id="attempt-review"' in html and 'hx-swap-oob="true"' in html
    assert "100" in html


def test_status_poll_while_nothing_changed_is_one_query_on_the_attempt(
    client, setup, attempt, django_assert_max_num_queries
):
    # given
    student = setup[2]
    services.attempt_submit(attempt=attempt, user=student)
    client.force_login(student)
    client.get(url("attempt-status", attempt.pk) + "?known=submitted", **HTMX)  # the session cached

    # when / then: the user (authentication) and the attempt's status
    with django_assert_max_num_queries(2):
        response = client.get(url("attempt-status", attempt.pk) + "?known=submitted", **HTMX)
    assert response.status_code == 204


def test_another_students_status_poll_is_not_found_even_when_it_guesses_the_status(
    client, setup, attempt, course
):
    services.attempt_submit(attempt=attempt, user=setup[2])
    other = UserFactory()
    builders.enroll(other, course)
    client.force_login(other)

    response = client.get(url("attempt-status", attempt.pk) + "?known=submitted", **HTMX)

    assert response.status_code == 404


def test_instructor_polling_a_pending_attempt_gets_204_then_the_graded_fragment(
    client, setup, attempt, course
):
    # given
    services.attempt_submit(attempt=attempt, user=setup[2])
    teacher = UserFactory()
    CourseStaffFactory(course=course, user=teacher)
    client.force_login(teacher)
    status_url = url("attempt-status", attempt.pk) + "?known=submitted"

    # when
    unchanged = client.get(status_url, **HTMX)
    services.attempt_grade(attempt_id=attempt.pk)
    graded = client.get(status_url, **HTMX)

    # then
    assert unchanged.status_code == 204
    assert graded.status_code == 200 and 'class="score"' in graded.content.decode()


def test_status_without_htmx_goes_to_the_result_page(client, setup, attempt):
    client.force_login(setup[2])

    response = client.get(url("attempt-status", attempt.pk))

    assert response["Location"] == url("attempt-result", attempt.pk)


def _graded(setup, attempt) -> Attempt:
    _quiz, questions, student = setup
    answers = builders.correct_answers(questions)
    answers[questions["true_false"].pk] = False
    services.responses_save(attempt=attempt, user=student, answers=answers)
    services.attempt_submit(attempt=attempt, user=student)
    return services.attempt_grade(attempt_id=attempt.pk)


def test_review_shows_correct_answers_and_explanations_after_submit(client, setup, attempt):
    quiz, questions, student = setup
    questions["true_false"].explanation_md = "Because *reasons*."
    questions["true_false"].save()
    _graded(setup, attempt)
    client.force_login(student)

    response = client.get(url("attempt-result", attempt.pk))

    html = response.content.decode()
    assert response.context["result"].percent == Decimal("80.00")
    assert "Paris" in html  # the accepted short answer
    assert "<em>reasons</em>" in html
    tf_item = response.context["result"].review[2]
    assert (tf_item.points, tf_item.is_correct, len(tf_item.correct_answers)) == (Decimal("0"), False, 1)


@pytest.mark.parametrize("timing", [Quiz.ReviewTiming.NEVER, Quiz.ReviewTiming.AFTER_CLOSE])
def test_review_hides_correct_answers_until_the_policy_allows(client, setup, attempt, timing):
    quiz, questions, student = setup
    questions["true_false"].explanation_md = "Because *reasons*."
    questions["true_false"].save()
    Quiz.objects.filter(pk=quiz.pk).update(review_show_correct=timing, review_show_explanation=timing)
    _graded(setup, attempt)
    client.force_login(student)

    response = client.get(url("attempt-result", attempt.pk))

    html = response.content.decode()
    assert response.context["result"].show_correct is False
    assert "Paris" not in html
    assert "reasons" not in html
    assert all(item.points is None and item.is_correct is None for item in response.context["result"].review)


def test_review_after_close_shows_correct_answers_once_the_quiz_closed(client, setup, attempt):
    quiz, _questions, student = setup
    _graded(setup, attempt)
    Quiz.objects.filter(pk=quiz.pk).update(
        review_show_correct=Quiz.ReviewTiming.AFTER_CLOSE, closes_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(student)

    response = client.get(url("attempt-result", attempt.pk))

    assert response.context["result"].show_correct is True
    assert "Paris" in response.content.decode()


def test_result_page_query_count_is_constant_for_60_questions(client, course, django_assert_max_num_queries):
    # given
    kinds = [builders.single, builders.multiple, builders.true_false, builders.short_text, builders.numeric]
    questions = [kinds[i % len(kinds)](course) for i in range(60)]
    quiz = builders.quiz_of(course, questions)
    student = UserFactory()
    builders.enroll(student, course)
    attempt, _ = services.attempt_start(quiz=quiz, user=student)
    services.responses_save(
        attempt=attempt, user=student, answers={q.pk: builders.some_answer(q) for q in questions}
    )
    services.attempt_submit(attempt=attempt, user=student)
    services.attempt_grade(attempt_id=attempt.pk)
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(6):
        response = client.get(url("attempt-result", attempt.pk))
    assert response.status_code == 200
    assert len(response.context["result"].review) == 60


def test_graded_status_fragment_query_count_is_constant_for_60_questions(
    client, course, django_assert_max_num_queries
):
    # given
    kinds = [builders.single, builders.multiple, builders.true_false, builders.short_text, builders.numeric]
    questions = [kinds[i % len(kinds)](course) for i in range(60)]
    quiz = builders.quiz_of(course, questions)
    student = UserFactory()
    builders.enroll(student, course)
    attempt, _ = services.attempt_start(quiz=quiz, user=student)
    services.responses_save(
        attempt=attempt, user=student, answers={q.pk: builders.some_answer(q) for q in questions}
    )
    services.attempt_submit(attempt=attempt, user=student)
    client.force_login(student)
    pending = client.get(url("attempt-result", attempt.pk))
    services.attempt_grade(attempt_id=attempt.pk)

    # when / then: the user, the status, the attempt, and the review's responses, choices, selections
    with django_assert_max_num_queries(6):
        response = client.get(url("attempt-status", attempt.pk) + "?known=submitted", **HTMX)
    assert response.status_code == 200
    assert pending.context["result"].review == []  # the page while grading: the status alone
    assert len(response.context["result"].review) == 60
    assert response.content.decode().count('class="review-item"') == 60


# --- other students and instructors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("attempt-take", "get"),
        ("attempt-take", "post"),
        ("attempt-submit", "get"),
        ("attempt-submit", "post"),
        ("attempt-result", "get"),
        ("attempt-status", "get"),
    ],
)
def test_another_students_attempt_is_not_found(client, setup, attempt, course, name, method):
    other = UserFactory()
    builders.enroll(other, course)
    client.force_login(other)

    response = getattr(client, method)(url(name, attempt.pk), **HTMX)

    assert response.status_code == 404


def test_another_students_autosave_is_not_found(client, setup, attempt, course):
    other = UserFactory()
    builders.enroll(other, course)
    client.force_login(other)

    response = client.post(url("response-save", attempt.pk, setup[1]["true_false"].pk), {}, **HTMX)

    assert response.status_code == 404


def test_instructor_reads_a_students_attempt_with_everything_but_cannot_change_it(
    client, setup, attempt, course
):
    # given
    quiz, questions, _student = setup
    Quiz.objects.filter(pk=quiz.pk).update(review_show_correct=Quiz.ReviewTiming.NEVER)
    _graded(setup, attempt)
    teacher = UserFactory()
    CourseStaffFactory(course=course, user=teacher)
    client.force_login(teacher)

    # when
    result = client.get(url("attempt-result", attempt.pk))
    take = client.get(url("attempt-take", attempt.pk))
    save = client.post(url("response-save", attempt.pk, questions["true_false"].pk), {}, **HTMX)
    submit = client.post(url("attempt-submit", attempt.pk))

    # then
    assert result.status_code == 200
    assert result.context["result"].show_correct is True
    assert "Paris" in result.content.decode()
    assert take["Location"] == url("attempt-result", attempt.pk)
    assert save.status_code == 403
    assert submit.status_code == 403
    assert Attempt.objects.get(pk=attempt.pk).score == Decimal("4")


def test_instructor_of_another_course_cannot_see_the_attempt(client, attempt):
    teacher = UserFactory()
    CourseStaffFactory(user=teacher)
    client.force_login(teacher)

    assert client.get(url("attempt-result", attempt.pk)).status_code == 404
