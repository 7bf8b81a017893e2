from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Max, Min, Sum
from django.test import override_settings

from accounts.models import User
from courses.demo_data import (
    DEMO_USER_PASSWORD,
    SPAN,
    DemoDataExists,
    demo_data_generate,
)
from courses.models import Course, CourseStaff, Enrollment
from lessons.models import Lesson, LessonProgress
from quizzes.models import Attempt, Question, Response
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review
from tests.courses.factories import CourseFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def generate(**overrides):
    options = {"students": 20, "courses": 2, "feedback_per_student": 8, "seed": 3, "now": NOW} | overrides
    return demo_data_generate(**options)


class _RollBack(Exception):
    pass


@contextmanager
def rolled_back():
    """Undo what the block wrote (the generator's demo data cannot be deleted through the ORM:
    Question.category is PROTECT)."""
    try:
        with transaction.atomic():
            yield
            raise _RollBack
    except _RollBack:
        pass


def snapshot() -> dict[str, list]:
    """The generated data without ids and password salts: equal for equal seeds."""
    return {
        "feedback": sorted(
            LectureFeedback.objects.values_list(
                "user__username", "course__slug", "lesson__key", "clarity", "pace", "practice", "comment",
                "is_anonymous", "created_at",
            )
        ),
        "tags": sorted(LectureFeedback.tags.through.objects.values_list("lecturefeedback__user__username",
                                                                         "lecturefeedback__lesson__key",
                                                                         "feedbacktag__key")),
        "responses": sorted(
            FeedbackResponse.objects.values_list(
                "feedback__user__username", "feedback__lesson__key", "status", "first_response_at", "due_at"
            )
        ),
        "attempts": sorted(Attempt.objects.values_list("user__username", "quiz__course__slug", "quiz__key",
                                                       "number", "score", "passed", "submitted_at")),
        "enrollments": sorted(Enrollment.objects.values_list("user__username", "course__slug", "status",
                                                             "progress_percent")),
        "reviews": sorted(Review.objects.values_list("user__username", "course__slug", "rating",
                                                     "would_recommend")),
        "users": sorted(User.objects.values_list("username", "display_name", "date_joined")),
    }  # fmt: skip


def test_generates_the_requested_courses_students_and_feedback():
    # when
    generate()

    # then
    courses = Course.objects.filter(slug__startswith="demo-course-").order_by("slug")
    assert [c.slug for c in courses] == ["demo-course-001", "demo-course-002"]
    assert {c.status for c in courses} == {Course.Status.PUBLISHED}
    assert CourseStaff.objects.filter(course__in=courses, role=CourseStaff.Role.LEAD).count() == 2
    students = User.objects.filter(username__startswith="demo-student-")
    assert students.count() == 20
    assert User.objects.filter(username="demo-student-00001").exists()
    assert User.objects.filter(username="demo-student-00020").exists()
    assert LectureFeedback.objects.count() == 20 * 8
    assert FeedbackTag.objects.filter(course__in=courses).count() == 2 * 7
    assert FeedbackResponse.objects.exists() and Attempt.objects.exists() and Review.objects.exists()


def test_reported_row_counts_match_the_database():
    # when
    result = generate()

    # then
    for label, model in {
        "accounts.User": User, "courses.Enrollment": Enrollment, "lessons.Lesson": Lesson,
        "lessons.LessonProgress": LessonProgress, "reviews.LectureFeedback": LectureFeedback,
        "reviews.LectureFeedback_tags": LectureFeedback.tags.through,
        "reviews.FeedbackResponse": FeedbackResponse,
        "quizzes.Attempt": Attempt, "quizzes.Response": Response, "reviews.Review": Review,
        "quizzes.Response_selected_choices": Response.selected_choices.through,
    }.items():  # fmt: skip
        assert result.rows[label] == model.objects.count(), label


def test_every_feedback_item_is_on_a_lesson_the_student_finished_in_an_enrolled_course():
    # given
    generate()

    # when
    feedback = LectureFeedback.objects.select_related("lesson__module")

    # then
    enrolled = set(Enrollment.objects.values_list("user_id", "course_id"))
    done = set(LessonProgress.objects.filter(status="done").values_list("user_id", "lesson_id"))
    for item in feedback:
        assert item.lesson.module.course_id == item.course_id
        assert (item.user_id, item.course_id) in enrolled
        assert (item.user_id, item.lesson_id) in done
        assert all(1 <= r <= 5 for r in (item.clarity, item.pace, item.practice) if r is not None)


def test_timestamps_are_back_dated_over_26_weeks_despite_auto_now_add():
    # when
    generate()

    # then
    span = LectureFeedback.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["first"] >= NOW - SPAN
    assert span["last"] <= NOW
    assert span["last"] - span["first"] > timedelta(weeks=12)
    assert not Enrollment.objects.filter(created_at__gt=NOW).exists()
    assert not LectureFeedback.objects.filter(created_at__lt=F("user__date_joined")).exists()
    # and the auto_now flags are back on afterwards
    assert LectureFeedback._meta.get_field("created_at").auto_now_add
    assert LectureFeedback._meta.get_field("updated_at").auto_now


def test_feedback_responses_have_consistent_statuses_and_deadlines():
    # when
    generate(students=40)

    # then
    responses = FeedbackResponse.objects.select_related("feedback", "course")
    assert responses.exists()
    for response in responses:
        assert response.course_id == response.feedback.course_id
        assert response.due_at == response.feedback.created_at + timedelta(
            hours=response.course.feedback_sla_hours
        )
        if response.status == FeedbackResponse.Status.NEW:
            assert response.first_response_at is None
        else:
            assert response.feedback.created_at < response.first_response_at <= NOW
        if response.status == FeedbackResponse.Status.DECLINED:
            assert response.decline_reason
        if response.status in (FeedbackResponse.Status.DONE, FeedbackResponse.Status.DECLINED):
            assert response.first_response_at < response.resolved_at <= NOW


def test_attempt_scores_are_the_sum_of_their_graded_responses():
    # when
    generate()

    # then
    attempts = Attempt.objects.annotate(points=Sum("responses__points"), answers=Count("responses"))
    assert attempts.exists()
    for attempt in attempts:
        assert attempt.status == Attempt.Status.GRADED
        assert attempt.score == attempt.points
        assert attempt.max_score == attempt.answers == 8
        assert attempt.passed == (attempt.score * 100 >= 60 * attempt.max_score)


def test_reviews_and_anonymous_and_commented_feedback_are_all_present():
    # when
    generate(students=40)

    # then
    assert LectureFeedback.objects.filter(is_anonymous=True).exists()
    assert LectureFeedback.objects.exclude(comment="").exists()
    assert LectureFeedback.tags.through.objects.exists()
    for review in Review.objects.all():
        assert 1 <= review.rating <= 5 and 0 <= review.would_recommend <= 10
        assert review.text_html.startswith("<p>")


def test_markdown_is_rendered_and_stored_as_save_would():
    # when
    generate()

    # then
    lessons = Lesson.objects.all()
    assert not lessons.filter(body_html="").exists()
    assert lessons.filter(body_html__contains='<div class="highlight">').exists()
    assert lessons.filter(kind=Lesson.Kind.MIND_MAP, mind_map__isnull=False).count() == 2
    assert not Question.objects.filter(text_html="").exists()
    assert not Course.objects.filter(description_html="").exists()


def test_markdown_renders_do_not_grow_with_the_number_of_courses():
    # given
    with rolled_back():
        few = generate(courses=1, students=0)

    # when
    many = generate(courses=4, students=0)

    # then: each distinct text is rendered once, whichever course uses it
    assert many.markdown_renders == few.markdown_renders
    assert many.markdown_renders < Lesson.objects.count() + Question.objects.count()


def test_all_demo_users_log_in_with_the_shared_password():
    # when
    generate(students=3)

    # then
    users = User.objects.filter(username__startswith="demo-")
    assert len({user.password for user in users}) == 1
    assert users.first().check_password(DEMO_USER_PASSWORD)


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    # given
    with rolled_back():
        generate(seed=11)
        first = snapshot()

    # when
    with rolled_back():
        generate(seed=11)
        second = snapshot()
    generate(seed=12)
    other = snapshot()

    # then
    assert first == second
    assert first["feedback"] != other["feedback"]


def test_refuses_when_demo_data_already_exists():
    # given
    generate(students=2)

    # when / then
    with pytest.raises(DemoDataExists, match="already exists"):
        generate(students=2)
    assert User.objects.filter(username__startswith="demo-student-").count() == 2


def test_leaves_other_courses_alone():
    # given
    other = CourseFactory(slug="real-course")

    # when
    generate(students=2)

    # then
    assert not Enrollment.objects.filter(course=other).exists()


@override_settings(DEBUG=False)
def test_command_refuses_to_run_with_debug_off():
    # when / then
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("make_demo_data", "--students", "1", "--courses", "1")
    assert not Course.objects.exists()


@override_settings(DEBUG=True)
def test_command_prints_progress_and_a_summary(capsys):
    # when
    call_command("make_demo_data", "--students", "5", "--courses", "1", "--feedback-per-student", "3")

    # then
    output = capsys.readouterr().out
    assert "students       5/5" in output
    assert "reviews.LectureFeedback" in output and "15" in output
    assert "demo-student-00001 / demo-user-pass" in output


@override_settings(DEBUG=True)
def test_command_turns_existing_demo_data_into_a_command_error():
    # given
    call_command("make_demo_data", "--students", "1", "--courses", "1")

    # when / then
    with pytest.raises(CommandError, match="Demo data already exists"):
        call_command("make_demo_data", "--students", "1", "--courses", "1")
