"""The team's side of an item: feedback_respond (reply, status, notes, first response time,
student notified), bulk acknowledge and assign; and review_submit / review_moderate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from courses.models import Enrollment
from reviews import services
from reviews.exceptions import InvalidFeedback, InvalidTransition, NotEnrolled, NotOnTeam
from reviews.models import FeedbackResponse, Review
from tests.accounts.factories import UserFactory
from tests.reviews.feedback_builders import classroom, english, enrollment_status, inbox_item  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Status = FeedbackResponse.Status


def _notifications(user, kind=None):
    notifications = Notification.objects.filter(user=user)
    return notifications.filter(kind=kind) if kind else notifications


# ---- replying and statuses


def test_first_reply_acknowledges_stamps_first_response_and_notifies_the_student():
    # given
    room = classroom()
    student = room.students[0]
    item = inbox_item(student, room.lesson, comment="Too fast")

    # when
    response = services.feedback_respond(
        response=item, user=room.instructor, reply_md="We will **slow down**."
    )

    # then
    assert response.status == Status.ACKNOWLEDGED
    assert response.first_response_at is not None
    assert "<strong>slow down</strong>" in response.reply_html
    notification = _notifications(student, Notification.Kind.FEEDBACK_REPLY).get()
    assert room.lesson.title in notification.title
    assert "We will **slow down**." in notification.body
    assert notification.url.endswith(f"#response-{response.pk}")


def test_status_change_notifies_the_student_and_closing_stamps_resolved_at():
    # given
    room = classroom()
    student = room.students[0]
    item = inbox_item(student, room.lesson)

    # when
    planned = services.feedback_respond(response=item, user=room.lead, status=Status.PLANNED)
    first_response_at = planned.first_response_at
    done = services.feedback_respond(response=item, user=room.lead, status=Status.DONE)

    # then
    assert first_response_at is not None
    assert done.first_response_at == first_response_at  # the first response is the first one
    assert done.resolved_at is not None
    titles = list(_notifications(student, Notification.Kind.FEEDBACK_STATUS).values_list("title", flat=True))
    assert len(titles) == 2


def test_declining_needs_a_reason_which_the_student_reads():
    # given
    room = classroom()
    student = room.students[0]
    item = inbox_item(student, room.lesson)

    # when / then
    with pytest.raises(InvalidFeedback):
        services.feedback_respond(response=item, user=room.lead, status=Status.DECLINED, decline_reason="  ")
    response = services.feedback_respond(
        response=item, user=room.lead, status=Status.DECLINED, decline_reason="Out of scope of this course."
    )
    assert response.status == Status.DECLINED
    assert (
        _notifications(student, Notification.Kind.FEEDBACK_STATUS).get().body
        == "Out of scope of this course."
    )


def test_a_closed_item_can_be_reopened_and_loses_its_resolved_time():
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    services.feedback_respond(response=item, user=room.lead, status=Status.DONE)

    # when
    response = services.feedback_respond(response=item, user=room.lead, status=Status.PLANNED)

    # then
    assert response.status == Status.PLANNED
    assert response.resolved_at is None


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.DONE, Status.NEW),
        (Status.PLANNED, Status.NEW),
        (Status.DONE, Status.DECLINED),
        (Status.NEW, "bogus"),
    ],
)
def test_moves_the_status_does_not_allow_are_refused(start, target):
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    FeedbackResponse.objects.filter(pk=item.pk).update(status=start)

    # when / then
    with pytest.raises(InvalidTransition):
        services.feedback_respond(response=item, user=room.lead, status=target, decline_reason="x")


def test_internal_notes_notify_nobody_and_do_not_count_as_a_response():
    # given
    room = classroom()
    student = room.students[0]
    item = inbox_item(student, room.lesson)

    # when
    response = services.feedback_respond(response=item, user=room.lead, internal_notes="Ask Anna about it")

    # then
    assert response.internal_notes == "Ask Anna about it"
    assert response.first_response_at is None
    assert response.status == Status.NEW
    assert not _notifications(student).exists()


def test_nothing_to_change_is_refused():
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)

    # when / then
    with pytest.raises(InvalidFeedback, match="Nothing to change"):
        services.feedback_respond(response=item, user=room.lead, reply_md="   ")


@pytest.mark.parametrize("who", ["student", "other_instructor", "stranger"])
def test_only_the_course_team_and_staff_respond(who):
    # given
    room = classroom()
    other = classroom()
    item = inbox_item(room.students[0], room.lesson)
    user = {"student": room.students[0], "other_instructor": other.instructor, "stranger": UserFactory()}[who]

    # when / then
    with pytest.raises(NotOnTeam):
        services.feedback_respond(response=item, user=user, reply_md="Hi")


def test_staff_respond_to_any_course(staff_user):
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)

    # when
    response = services.feedback_respond(response=item, user=staff_user, reply_md="On it.")

    # then
    assert response.reply_md == "On it."


def test_reply_to_an_anonymous_item_reaches_its_author_and_names_nobody():
    # given
    room = classroom()
    student = room.students[0]
    student.first_name, student.last_name = "Ivan", "Petrov"
    student.save()
    item = inbox_item(student, room.lesson, comment="Too fast", is_anonymous=True)

    # when
    services.feedback_respond(response=item, user=room.instructor, reply_md="Thanks, noted.")

    # then: the author hears back; no notification anywhere carries their identity
    assert _notifications(student, Notification.Kind.FEEDBACK_REPLY).count() == 1
    others = Notification.objects.exclude(user=student)
    for notification in others:
        text = f"{notification.title} {notification.body} {notification.url}"
        assert student.username not in text and "Petrov" not in text and student.email not in text


def test_an_inactive_author_is_not_notified():
    # given
    room = classroom()
    student = room.students[0]
    item = inbox_item(student, room.lesson)
    student.is_active = False
    student.save()

    # when
    services.feedback_respond(response=item, user=room.lead, reply_md="Hello")

    # then
    assert not Notification.objects.exists()


def test_replying_queues_the_email_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    queued = []
    from accounts import tasks as account_tasks

    monkeypatch.setattr(account_tasks.notification_email_task, "delay", lambda pk: queued.append(pk))

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.feedback_respond(response=item, user=room.lead, reply_md="Hello")

    # then
    assert len(callbacks) == 1
    assert queued == [Notification.objects.get(kind=Notification.Kind.FEEDBACK_REPLY).pk]


# ---- bulk


def test_bulk_acknowledge_moves_only_new_items():
    # given
    room = classroom(students=3)
    items = [inbox_item(student, room.lesson) for student in room.students]
    services.feedback_respond(response=items[0], user=room.lead, status=Status.PLANNED)

    # when
    changed = services.feedback_bulk_acknowledge(user=room.lead, response_ids=[item.pk for item in items])

    # then
    assert changed == 2
    statuses = dict(FeedbackResponse.objects.values_list("pk", "status"))
    assert statuses == {
        items[0].pk: Status.PLANNED,
        items[1].pk: Status.ACKNOWLEDGED,
        items[2].pk: Status.ACKNOWLEDGED,
    }
    assert not FeedbackResponse.objects.filter(first_response_at__isnull=True).exists()


def test_bulk_actions_refuse_items_of_other_courses():
    # given
    room = classroom()
    other = classroom()
    mine = inbox_item(room.students[0], room.lesson)
    theirs = inbox_item(other.students[0], other.lesson)

    # when / then
    with pytest.raises(NotOnTeam):
        services.feedback_bulk_acknowledge(user=room.lead, response_ids=[mine.pk, theirs.pk])
    assert FeedbackResponse.objects.get(pk=mine.pk).status == Status.NEW


def test_an_empty_selection_is_refused():
    room = classroom()
    with pytest.raises(InvalidFeedback):
        services.feedback_bulk_acknowledge(user=room.lead, response_ids=[])


def test_assigning_items_to_a_team_member_notifies_them_once():
    # given
    room = classroom(students=2)
    items = [inbox_item(student, room.lesson) for student in room.students]

    # when
    count = services.feedback_assign(
        user=room.instructor, response_ids=[i.pk for i in items], owner=room.lead
    )

    # then
    assert count == 2
    assert set(FeedbackResponse.objects.values_list("owner_id", flat=True)) == {room.lead.pk}
    notification = _notifications(room.lead, Notification.Kind.FEEDBACK_ASSIGNED).get()
    assert "2" in notification.title


def test_assigning_to_someone_outside_the_team_is_refused():
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)

    # when / then
    with pytest.raises(InvalidFeedback):
        services.feedback_assign(user=room.lead, response_ids=[item.pk], owner=room.students[0])
    assert FeedbackResponse.objects.get(pk=item.pk).owner == room.instructor


# ---- reviews


def test_enrolled_student_reviews_the_course_and_it_goes_to_moderation_and_the_inbox():
    # given
    room = classroom()
    student = room.students[0]

    # when
    review, created = services.review_submit(
        user=student,
        course=room.course,
        rating=4,
        would_recommend=9,
        text_md="Good **practice**.",
        pros="Sandbox",
        cons="Pace",
    )

    # then
    assert created
    assert review.status == Review.Status.PENDING
    assert "<strong>practice</strong>" in review.text_html
    response = FeedbackResponse.objects.get(review=review)
    assert response.owner == room.lead
    assert response.due_at == review.created_at + timedelta(hours=room.course.feedback_sla_hours)


def test_editing_a_published_review_sends_it_back_to_moderation():
    # given
    room = classroom()
    student = room.students[0]
    review, _ = services.review_submit(user=student, course=room.course, rating=4)
    services.review_moderate(review=review, user=room.lead, status=Review.Status.PUBLISHED)

    # when
    edited, created = services.review_submit(user=student, course=room.course, rating=2, cons="Worse now")

    # then
    assert not created
    assert edited.pk == review.pk
    assert edited.status == Review.Status.PENDING
    assert Review.objects.filter(course=room.course, user=student).count() == 1


@pytest.mark.parametrize(("rating", "recommend"), [(0, 5), (6, 5), (3, 11), (3, -1), (None, 5)])
def test_review_values_out_of_range_are_refused(rating, recommend):
    room = classroom()
    with pytest.raises(InvalidFeedback):
        services.review_submit(
            user=room.students[0], course=room.course, rating=rating, would_recommend=recommend
        )
    assert not Review.objects.exists()


def test_only_enrolled_students_review():
    # given
    room = classroom()
    enrollment_status(room, room.students[0], Enrollment.Status.DROPPED)

    # when / then
    for user in (room.students[0], room.instructor, UserFactory()):
        with pytest.raises(NotEnrolled):
            services.review_submit(user=user, course=room.course, rating=5)


def test_moderation_notifies_the_author_and_is_for_the_team_only():
    # given
    room = classroom()
    other = classroom()
    student = room.students[0]
    review, _ = services.review_submit(user=student, course=room.course, rating=5)

    # when / then
    with pytest.raises(NotOnTeam):
        services.review_moderate(review=review, user=other.lead, status=Review.Status.PUBLISHED)
    with pytest.raises(InvalidTransition):
        services.review_moderate(review=review, user=room.lead, status=Review.Status.PENDING)
    moderated = services.review_moderate(review=review, user=room.lead, status=Review.Status.PUBLISHED)
    assert moderated.status == Review.Status.PUBLISHED
    assert _notifications(student, Notification.Kind.FEEDBACK_STATUS).count() == 1
    services.review_moderate(review=review, user=room.lead, status=Review.Status.PUBLISHED)  # no change
    assert _notifications(student, Notification.Kind.FEEDBACK_STATUS).count() == 1


def test_first_response_time_is_an_absolute_instant():
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    before = timezone.now()

    # when
    response = services.feedback_respond(response=item, user=room.lead, status=Status.ACKNOWLEDGED)

    # then
    assert response.first_response_at.utcoffset() == timedelta(0)
    assert before <= response.first_response_at <= timezone.now()
