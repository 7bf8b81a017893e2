"""Students' feedback and item reports: feedback_tags_ensure and feedback_submit, with the inbox
item each new one opens (owner, due time) in the same transaction."""

from datetime import timedelta

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone, translation

from courses.models import Course, CourseStaff, Enrollment
from reviews import selectors, services
from reviews.exceptions import InvalidFeedback, NotEnrolled
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback
from reviews.services import feedback as feedback_services
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseStaffFactory
from tests.exams.factories import CaseStudyFactory, ExamFactory, ExamTicketFactory
from tests.quizzes.factories import QuestionFactory
from tests.reviews.factories import FeedbackTagFactory
from tests.reviews.feedback_builders import classroom, english, enrollment_status, submit, target  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# ---- tags


def test_course_without_tags_gets_the_default_lecture_tags_on_first_use():
    # given
    room = classroom()

    # when
    tags = services.feedback_tags_ensure(course=room.course, kind="lesson")
    again = services.feedback_tags_ensure(course=room.course, kind="lesson")

    # then
    assert [tag.key for tag in tags] == [
        "too-fast",
        "too-slow",
        "need-more-practice",
        "code-demo-unclear",
        "great-examples",
        "repeats-earlier",
        "unclear",
    ]
    assert [tag.pk for tag in again] == [tag.pk for tag in tags]
    assert FeedbackTag.objects.filter(course=room.course).count() == 7


def test_default_tag_labels_are_in_the_course_language():
    # given
    room = classroom()
    Course.objects.filter(pk=room.course.pk).update(language="ru")
    room.course.refresh_from_db()

    # when
    tags = services.feedback_tags_ensure(course=room.course, kind="lesson")

    # then
    with translation.override("ru"):
        expected = str(services.DEFAULT_LECTURE_TAGS[0][1])
    assert tags[0].label == expected


def test_course_with_its_own_tags_keeps_them():
    # given
    room = classroom()
    own = FeedbackTagFactory(course=room.course, key="too-much-theory", label="Too much theory")

    # when
    tags = services.feedback_tags_ensure(course=room.course, kind="lesson")

    # then
    assert tags == [own]


def test_report_tags_are_kept_apart_from_lecture_tags():
    # given
    room = classroom()
    lecture_tags = services.feedback_tags_ensure(course=room.course, kind="lesson")

    # when
    report_tags = services.feedback_tags_ensure(course=room.course, kind="question")

    # then
    assert [tag.key for tag in report_tags] == ["item-wrong", "item-unclear"]
    assert selectors.feedback_tags_for(course=room.course, kind="lesson") == lecture_tags


# ---- submitting lecture feedback


def test_enrolled_student_leaves_feedback_and_it_lands_in_the_inbox():
    # given
    room = classroom()
    student = room.students[0]
    tags = services.feedback_tags_ensure(course=room.course, kind="lesson")

    # when
    feedback, created = services.feedback_submit(
        user=student,
        target=target("lesson", room.lesson),
        clarity=2,
        pace=1,
        practice=4,
        tag_ids=[tags[0].pk],
        comment="  Too fast in the second half.  ",
        is_anonymous=True,
    )

    # then
    assert created
    assert (feedback.clarity, feedback.pace, feedback.practice) == (2, 1, 4)
    assert feedback.comment == "Too fast in the second half."
    assert feedback.is_anonymous
    assert list(feedback.tags.all()) == [tags[0]]
    response = FeedbackResponse.objects.get(feedback=feedback)
    assert response.course == room.course
    assert response.status == FeedbackResponse.Status.NEW
    assert response.owner == room.instructor  # the lesson's author, on the team
    assert response.due_at == feedback.created_at + timedelta(hours=48)


def test_sending_again_edits_the_one_item_and_keeps_its_inbox_entry():
    # given
    room = classroom()
    student = room.students[0]
    first = submit(student, room.lesson, clarity=2, comment="Unclear")
    due_at = first.response.due_at

    # when
    second, created = services.feedback_submit(
        user=student, target=target("lesson", room.lesson), clarity=5, comment="Clear now"
    )

    # then
    assert not created
    assert second.pk == first.pk
    assert (second.clarity, second.comment) == (5, "Clear now")
    assert LectureFeedback.objects.filter(user=student).count() == 1
    assert FeedbackResponse.objects.filter(feedback=second).count() == 1
    assert FeedbackResponse.objects.get(feedback=second).due_at == due_at


def test_owner_is_the_lead_when_the_author_is_not_on_the_team():
    # given
    room = classroom(author_is_instructor=False)
    room.lesson.author = UserFactory()  # a guest lecturer, not on the course's team
    room.lesson.save()

    # when
    feedback = submit(room.students[0], room.lesson)

    # then
    assert feedback.response.owner == room.lead


def test_owner_is_an_instructor_when_there_is_no_lead():
    # given
    room = classroom(author_is_instructor=False)
    CourseStaff.objects.filter(user=room.lead).delete()

    # when
    feedback = submit(room.students[0], room.lesson)

    # then
    assert feedback.response.owner == room.instructor


def test_a_course_without_a_team_still_gets_the_item_without_an_owner():
    # given
    room = classroom()
    CourseStaff.objects.filter(course=room.course).delete()

    # when
    feedback = submit(room.students[0], room.lesson)

    # then
    assert feedback.response.owner is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "Rate the lecture"),
        ({"clarity": 0}, "from 1 to 5"),
        ({"pace": 6}, "from 1 to 5"),
        ({"practice": True}, "from 1 to 5"),
        ({"comment": "x" * 5001}, "too long"),
    ],
)
def test_wrong_values_are_refused_and_nothing_is_saved(values, message):
    # given
    room = classroom()

    # when / then
    with pytest.raises(InvalidFeedback, match=message):
        services.feedback_submit(user=room.students[0], target=target("lesson", room.lesson), **values)
    assert not LectureFeedback.objects.exists()
    assert not FeedbackResponse.objects.exists()


def test_a_tag_of_another_course_is_refused():
    # given
    room = classroom()
    other = classroom()
    foreign = services.feedback_tags_ensure(course=other.course, kind="lesson")[0]

    # when / then
    with pytest.raises(InvalidFeedback):
        services.feedback_submit(
            user=room.students[0], target=target("lesson", room.lesson), tag_ids=[foreign.pk]
        )


@pytest.mark.parametrize("status", [Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED])
def test_active_and_completed_students_may_leave_feedback(status):
    # given
    room = classroom()
    enrollment_status(room, room.students[0], status)

    # when
    feedback = submit(room.students[0], room.lesson)

    # then
    assert feedback.pk


def test_a_dropped_student_cannot_leave_feedback():
    # given
    room = classroom()
    enrollment_status(room, room.students[0], Enrollment.Status.DROPPED)

    # when / then
    with pytest.raises(NotEnrolled):
        submit(room.students[0], room.lesson)


@pytest.mark.parametrize("who", ["stranger", "instructor", "staff"])
def test_only_enrolled_students_leave_feedback(who, staff_user):
    # given
    room = classroom()
    user = {"stranger": UserFactory(), "instructor": room.instructor, "staff": staff_user}[who]

    # when / then
    with pytest.raises(NotEnrolled):
        submit(user, room.lesson)
    assert not LectureFeedback.objects.exists()


def test_feedback_on_an_unpublished_lesson_is_refused():
    # given
    room = classroom()
    room.lesson.is_published = False
    room.lesson.save()

    # when / then
    with pytest.raises(NotEnrolled):
        submit(room.students[0], room.lesson)


# ---- reports on questions, cases and exam tickets


def _report_targets(course):
    return {
        "question": QuestionFactory(category__course=course),
        "case": CaseStudyFactory(course=course),
        "ticket": ExamTicketFactory(exam=ExamFactory(course=course)),
    }


@pytest.mark.parametrize("kind", ["question", "case", "ticket"])
def test_student_reports_a_problem_with_the_item_attached(kind):
    # given
    room = classroom()
    obj = _report_targets(room.course)[kind]
    wrong = services.feedback_tags_ensure(course=room.course, kind=kind)[0]

    # when
    feedback, created = services.feedback_submit(
        user=room.students[0], target=target(kind, obj), tag_ids=[wrong.pk], comment="B is also right."
    )

    # then
    assert created
    assert getattr(feedback, kind) == obj
    assert feedback.course == room.course
    assert feedback.response.owner == room.lead  # no author: the lead
    assert [tag.key for tag in feedback.tags.all()] == ["item-wrong"]


def test_a_report_takes_no_ratings():
    # given
    room = classroom()
    question = _report_targets(room.course)["question"]

    # when / then
    with pytest.raises(InvalidFeedback, match="Ratings are for lectures"):
        services.feedback_submit(user=room.students[0], target=target("question", question), clarity=3)


def test_a_report_needs_a_problem_or_a_comment():
    # given
    room = classroom()
    question = _report_targets(room.course)["question"]

    # when / then
    with pytest.raises(InvalidFeedback, match="what is wrong"):
        services.feedback_submit(user=room.students[0], target=target("question", question))


def test_a_lecture_tag_cannot_be_put_on_a_report():
    # given
    room = classroom()
    question = _report_targets(room.course)["question"]
    lecture_tag = services.feedback_tags_ensure(course=room.course, kind="lesson")[0]

    # when / then
    with pytest.raises(InvalidFeedback):
        services.feedback_submit(
            user=room.students[0], target=target("question", question), tag_ids=[lecture_tag.pk]
        )


def test_a_student_of_another_course_cannot_report_an_item():
    # given
    room = classroom()
    other = classroom()
    question = _report_targets(room.course)["question"]

    # when / then
    with pytest.raises(NotEnrolled):
        services.feedback_submit(user=other.students[0], target=target("question", question), comment="?")


def test_unknown_target_kind_is_not_found():
    with pytest.raises(ObjectDoesNotExist):
        selectors.feedback_target_get(kind="roleplay", target_id=1)


def test_submit_and_inbox_item_are_one_transaction(monkeypatch):
    # given: opening the inbox item fails
    room = classroom()

    def broken(**kwargs):
        raise RuntimeError("inbox down")

    monkeypatch.setattr(feedback_services, "_response_open", broken)

    # when / then: the feedback is not left behind without its inbox item
    with pytest.raises(RuntimeError):
        submit(room.students[0], room.lesson)
    assert not LectureFeedback.objects.exists()


def test_due_at_uses_the_course_sla_at_submit_time():
    # given
    room = classroom(sla_hours=8)
    before = timezone.now()

    # when
    response = submit(room.students[0], room.lesson).response

    # then
    assert before + timedelta(hours=8) <= response.due_at <= timezone.now() + timedelta(hours=8)


def test_a_team_member_of_another_course_who_is_enrolled_here_may_leave_feedback():
    # given
    room = classroom()
    other = classroom()
    CourseStaffFactory(course=other.course, user=room.students[0])

    # when
    feedback = submit(room.students[0], room.lesson)

    # then
    assert feedback.pk
