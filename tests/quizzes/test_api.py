"""The quiz API (/api/v1/): per role, bad input of every sort, and the error shape
``{"detail": "..."}`` (never a 500)."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from quizzes import services
from quizzes.models import Attempt, Quiz
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory
from tests.quizzes import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def course():
    return CourseFactory()


@pytest.fixture
def setup(course):
    quiz, questions = builders.every_kind_quiz(course, time_limit_minutes=20)
    student = UserFactory()
    builders.enroll(student, course)
    return quiz, questions, student


@pytest.fixture
def attempt(setup):
    quiz, _questions, student = setup
    return services.attempt_start(quiz=quiz, user=student)[0]


def api_url(name: str, *args) -> str:
    return reverse(f"quizzes-api:{name}", args=args)


def answer_url(attempt: Attempt, question) -> str:
    return api_url("answer-save", attempt.pk, question.pk)


def assert_error(response, status: int) -> None:
    assert response.status_code == status, response.content
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


# --- quiz detail ------------------------------------------------------------------------------


def test_anonymous_caller_is_refused(api, setup):
    assert_error(api.get(api_url("quiz-detail", setup[0].pk)), 403)


def test_quiz_detail_for_an_enrolled_student(api, setup):
    quiz, _questions, student = setup
    api.force_authenticate(student)

    body = api.get(api_url("quiz-detail", quiz.pk)).json()

    assert body["quiz"]["id"] == quiz.pk
    assert body["quiz"]["question_count"] == 5
    assert body["can_start"] is True
    assert body["attempts"] == [] and body["grade"] is None


def test_quiz_detail_tells_a_student_who_is_not_enrolled_why(api, setup):
    api.force_authenticate(UserFactory())

    body = api.get(api_url("quiz-detail", setup[0].pk)).json()

    assert body["can_start"] is False
    assert body["refusal"]


def test_draft_or_unknown_quiz_is_404(api, setup):
    quiz, _questions, student = setup
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.DRAFT)
    api.force_authenticate(student)

    assert_error(api.get(api_url("quiz-detail", quiz.pk)), 404)
    assert_error(api.get(api_url("quiz-detail", 999999)), 404)


# --- start ------------------------------------------------------------------------------------


def test_start_returns_the_questions_without_answers_and_continues_later(api, setup):
    # given
    quiz, questions, student = setup
    api.force_authenticate(student)

    # when
    first = api.post(api_url("attempt-start", quiz.pk))
    again = api.post(api_url("attempt-start", quiz.pk))

    # then
    assert first.status_code == 201
    assert again.status_code == 200
    body = first.json()
    assert again.json()["id"] == body["id"]
    assert [q["question_id"] for q in body["questions"]] == [q.pk for q in questions.values()]
    assert 1100 < body["seconds_left"] <= 1200
    single = body["questions"][0]
    assert [c["id"] for c in single["choices"]] == builders.choice_ids(questions["single"])
    text = json.dumps(body)
    assert "correct" not in text and "Paris" not in text and "3.14" not in text


def test_start_by_a_student_not_enrolled_is_403(api, setup):
    api.force_authenticate(UserFactory())

    assert_error(api.post(api_url("attempt-start", setup[0].pk)), 403)


def test_start_of_a_closed_quiz_is_409(api, setup):
    quiz, _questions, student = setup
    Quiz.objects.filter(pk=quiz.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    api.force_authenticate(student)

    assert_error(api.post(api_url("attempt-start", quiz.pk)), 409)


def test_attempt_detail_is_the_owners_only(api, setup, attempt, course):
    api.force_authenticate(setup[2])
    assert api.get(api_url("attempt-detail", attempt.pk)).status_code == 200

    other = UserFactory()
    builders.enroll(other, course)
    api.force_authenticate(other)
    assert_error(api.get(api_url("attempt-detail", attempt.pk)), 404)


# --- answers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("single", "first-correct", "first-correct"),
        ("multiple", "correct-list", "correct-list"),
        ("true_false", False, False),
        ("short_text", "Paris", "Paris"),
        ("numeric", 2.5, "2.5"),
        ("numeric", "2,5", "2.5"),
    ],
)
def test_put_saves_an_answer_of_every_kind(api, setup, attempt, kind, value, expected):
    # given
    _quiz, questions, student = setup
    question = questions[kind]
    placeholders = {
        "first-correct": builders.choice_ids(question, correct=True)[0] if kind == "single" else None,
        "correct-list": builders.choice_ids(question, correct=True) if kind == "multiple" else None,
    }
    value = placeholders.get(value, value) if isinstance(value, str) else value
    expected = placeholders.get(expected, expected) if isinstance(expected, str) else expected
    api.force_authenticate(student)

    # when
    response = api.put(answer_url(attempt, question), {"answer": value}, format="json")

    # then
    assert response.status_code == 200, response.content
    assert response.json()["answered"] is True
    state = api.get(api_url("attempt-detail", attempt.pk)).json()
    saved = next(q for q in state["questions"] if q["question_id"] == question.pk)
    assert saved["answer"] == expected


def test_put_null_clears_the_answer(api, setup, attempt):
    _quiz, questions, student = setup
    api.force_authenticate(student)
    api.put(answer_url(attempt, questions["true_false"]), {"answer": True}, format="json")

    response = api.put(answer_url(attempt, questions["true_false"]), {"answer": None}, format="json")

    assert response.json() == {
        "question_id": questions["true_false"].pk,
        "answered": False,
        "answered_at": None,
    }


@pytest.mark.parametrize(
    "body",
    [
        '{"answer": ',  # malformed JSON
        "[1, 2]",  # not an object
        "{}",  # no answer
        '"true"',
    ],
)
def test_put_with_a_malformed_body_is_400(api, setup, attempt, body):
    api.force_authenticate(setup[2])

    response = api.put(answer_url(attempt, setup[1]["true_false"]), body, content_type="application/json")

    assert_error(response, 400)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("single", "abc"),
        ("single", True),
        ("single", [1, 2]),
        ("multiple", "not-a-list-of-ids"),
        ("multiple", [{"id": 1}]),
        ("true_false", "maybe"),
        ("true_false", 1),
        ("short_text", 42),
        ("short_text", "x" * 1000),
        ("numeric", "pi"),
        ("numeric", "NaN"),
        ("numeric", 1e300),
        ("numeric", {"value": 1}),
    ],
)
def test_put_with_a_value_of_the_wrong_type_is_400(api, setup, attempt, kind, value):
    api.force_authenticate(setup[2])

    response = api.put(answer_url(attempt, setup[1][kind]), {"answer": value}, format="json")

    assert_error(response, 400)


def test_put_to_a_question_outside_the_attempt_is_400(api, setup, attempt, course):
    api.force_authenticate(setup[2])
    stranger = builders.true_false(course)

    response = api.put(answer_url(attempt, stranger), {"answer": True}, format="json")

    assert_error(response, 400)
    assert str(stranger.pk) in response.json()["detail"]


def test_put_of_another_questions_choice_is_400(api, setup, attempt):
    _quiz, questions, student = setup
    api.force_authenticate(student)
    foreign = builders.choice_ids(questions["multiple"])[0]

    assert_error(api.put(answer_url(attempt, questions["single"]), {"answer": foreign}, format="json"), 400)


def test_put_after_the_deadline_is_409_and_closes_the_attempt(
    api, setup, attempt, django_capture_on_commit_callbacks
):
    _quiz, questions, student = setup
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    api.force_authenticate(student)

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.put(answer_url(attempt, questions["true_false"]), {"answer": True}, format="json")

    assert_error(response, 409)
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED
    assert len(callbacks) == 1  # grading queued


def test_put_to_a_submitted_attempt_is_409(api, setup, attempt):
    _quiz, questions, student = setup
    services.attempt_submit(attempt=attempt, user=student)
    api.force_authenticate(student)

    assert_error(api.put(answer_url(attempt, questions["true_false"]), {"answer": True}, format="json"), 409)


def test_put_to_another_students_attempt_is_404(api, setup, attempt, course):
    other = UserFactory()
    builders.enroll(other, course)
    api.force_authenticate(other)

    assert_error(api.put(answer_url(attempt, setup[1]["true_false"]), {"answer": True}, format="json"), 404)


def test_put_by_the_instructor_is_403(api, setup, attempt, course):
    teacher = UserFactory()
    CourseStaffFactory(course=course, user=teacher)
    api.force_authenticate(teacher)

    assert_error(api.put(answer_url(attempt, setup[1]["true_false"]), {"answer": True}, format="json"), 403)


def test_put_to_an_unknown_attempt_is_404(api, setup):
    api.force_authenticate(setup[2])

    assert_error(api.put(api_url("answer-save", 999999, 1), {"answer": True}, format="json"), 404)


# --- submit and result ------------------------------------------------------------------------


def test_submit_is_202_and_queues_grading_once(api, setup, attempt, django_capture_on_commit_callbacks):
    api.force_authenticate(setup[2])

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(api_url("attempt-submit", attempt.pk))
    again = api.post(api_url("attempt-submit", attempt.pk))

    assert response.status_code == 202
    assert response.json()["status"] == Attempt.Status.SUBMITTED
    assert response.json()["result_url"] == api_url("attempt-result", attempt.pk)
    assert len(callbacks) == 1
    assert_error(again, 409)


def test_submit_of_another_students_attempt_is_404(api, attempt, course):
    other = UserFactory()
    builders.enroll(other, course)
    api.force_authenticate(other)

    assert_error(api.post(api_url("attempt-submit", attempt.pk)), 404)


def _grade(setup, attempt) -> None:
    _quiz, questions, student = setup
    services.responses_save(attempt=attempt, user=student, answers=builders.correct_answers(questions))
    services.attempt_submit(attempt=attempt, user=student)
    services.attempt_grade(attempt_id=attempt.pk)


def test_result_is_pending_then_graded_with_the_review(api, setup, attempt):
    # given
    _quiz, questions, student = setup
    api.force_authenticate(student)
    services.attempt_submit(attempt=attempt, user=student)
    pending = api.get(api_url("attempt-result", attempt.pk)).json()
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.IN_PROGRESS)
    _grade(setup, attempt)

    # when
    body = api.get(api_url("attempt-result", attempt.pk)).json()

    # then
    assert pending["status"] == "submitted" and pending["score"] is None
    assert body["status"] == "graded"
    assert (body["score"], body["max_score"], body["percent"], body["passed"]) == (
        "5.00",
        "5.00",
        "100.00",
        True,
    )
    single = body["questions"][0]
    assert single["points"] == "1.00" and single["is_correct"] is True
    assert [c["correct"] for c in single["choices"]] == [True, False, False, False]
    assert body["questions"][3]["correct_answers"] == ["Paris"]


def test_result_hides_correct_answers_when_the_policy_says_never(api, setup, attempt):
    quiz, _questions, student = setup
    Quiz.objects.filter(pk=quiz.pk).update(
        review_show_correct=Quiz.ReviewTiming.NEVER, review_show_explanation=Quiz.ReviewTiming.NEVER
    )
    _grade(setup, attempt)
    api.force_authenticate(student)

    body = api.get(api_url("attempt-result", attempt.pk)).json()

    assert body["score"] == "5.00"
    assert body["show_correct"] is False
    assert all(q["points"] is None and q["is_correct"] is None for q in body["questions"])
    assert all(c["correct"] is None for q in body["questions"] for c in q["choices"])
    assert "Paris" not in json.dumps(body["questions"])


def test_result_of_an_attempt_in_progress_reveals_nothing(api, setup, attempt):
    api.force_authenticate(setup[2])

    body = api.get(api_url("attempt-result", attempt.pk)).json()

    assert body["status"] == "in_progress"
    assert body["questions"] == []


def test_instructor_reads_the_result_of_their_course_only(api, setup, attempt, course):
    quiz = setup[0]
    Quiz.objects.filter(pk=quiz.pk).update(review_show_correct=Quiz.ReviewTiming.NEVER)
    _grade(setup, attempt)
    teacher = UserFactory()
    CourseStaffFactory(course=course, user=teacher)
    outsider = UserFactory()
    CourseStaffFactory(user=outsider)

    api.force_authenticate(teacher)
    body = api.get(api_url("attempt-result", attempt.pk)).json()
    api.force_authenticate(outsider)
    refused = api.get(api_url("attempt-result", attempt.pk))

    assert body["show_correct"] is True
    assert body["questions"][0]["choices"][0]["correct"] is True
    assert_error(refused, 404)


def test_schema_describes_the_quiz_operations(api, setup):
    api.force_authenticate(setup[2])

    schema = api.get(reverse("api-schema"), {"format": "json"}).json()

    paths = schema["paths"]
    assert "/api/v1/attempts/{attempt_id}/answers/{question_id}/" in paths
    put = paths["/api/v1/attempts/{attempt_id}/answers/{question_id}/"]["put"]
    assert {"200", "400", "403", "404", "409"} <= set(put["responses"])


def test_quiz_detail_shows_the_grade_by_the_grading_method(api, setup, attempt):
    quiz, _questions, student = setup
    _grade(setup, attempt)
    api.force_authenticate(student)

    body = api.get(api_url("quiz-detail", quiz.pk)).json()

    assert body["grade"] == {"method": "highest", "percent": "100.00", "passed": True}
    assert [a["status"] for a in body["attempts"]] == ["graded"]
    assert body["in_progress_attempt"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/attempts/99999999999999999999/answers/1/",
        "/api/v1/attempts/{attempt}/answers/99999999999999999999/",
    ],
)
def test_ids_out_of_the_database_range_are_not_a_server_error(api, setup, attempt, path):
    api.force_authenticate(setup[2])

    response = api.put(path.format(attempt=attempt.pk), {"answer": True}, format="json")

    assert response.status_code in (400, 404)
    assert response.json()["detail"]
