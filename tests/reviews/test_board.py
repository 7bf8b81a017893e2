"""The "you said, we did" board: entries written from grouped items, publishing (items done,
students notified once each, by a task queued on commit), the public page, the team's pages,
the API and query budgets."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Notification
from courses.models import Course, Enrollment
from reviews import services
from reviews.board_models import BoardEntry
from reviews.exceptions import InvalidFeedback, InvalidTransition, NotOnTeam
from reviews.models import FeedbackResponse
from reviews.tasks import board_entry_notify_task
from tests.accounts.factories import UserFactory
from tests.reviews.feedback_builders import classroom, english, enrollment_status, inbox_item  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Status = FeedbackResponse.Status


def _entry(room, items=(), **fields):
    values = {
        "title": "Slower code demos",
        "you_said": "Demos were too fast (12 comments).",
        "we_did": "Demos now go step by step, from lecture 3.",
    } | fields
    return services.board_entry_create(
        course=room.course, user=room.lead, item_ids=[i.pk for i in items], **values
    )


def _publish(room, entry, callbacks_fixture):
    """Publish; then run the queued notification task as the worker would (unit tests have no
    worker: the test broker is memory://)."""
    with callbacks_fixture(execute=False) as callbacks:
        services.board_entry_publish(entry=entry, user=room.lead)
    board_entry_notify_task(entry.pk)
    return callbacks


# ---- services


def test_an_entry_is_a_draft_grouping_items_of_its_course():
    # given
    room = classroom(students=2)
    items = [inbox_item(student, room.lesson) for student in room.students]

    # when
    entry = _entry(room, items)

    # then
    assert entry.status == BoardEntry.Status.DRAFT
    assert entry.published_at is None
    assert entry.author == room.lead
    assert set(entry.items.all()) == set(items)


def test_items_of_another_course_cannot_be_grouped():
    room = classroom()
    other = classroom()
    theirs = inbox_item(other.students[0], other.lesson)
    with pytest.raises((InvalidFeedback, NotOnTeam)):
        _entry(room, [theirs])
    assert not BoardEntry.objects.exists()


def test_only_the_team_writes_entries():
    room = classroom()
    for user in (room.students[0], UserFactory(), classroom().lead):
        with pytest.raises(NotOnTeam):
            services.board_entry_create(course=room.course, user=user, title="t", you_said="y", we_did="w")


def test_empty_text_is_refused():
    room = classroom()
    with pytest.raises(InvalidFeedback):
        _entry(room, we_did="  ")


def test_publishing_marks_grouped_items_done_except_declined_ones(django_capture_on_commit_callbacks):
    # given
    room = classroom(students=3)
    new, planned, declined = (inbox_item(student, room.lesson) for student in room.students)
    services.feedback_respond(response=planned, user=room.lead, status=Status.PLANNED)
    services.feedback_respond(response=declined, user=room.lead, status=Status.DECLINED, decline_reason="No")
    entry = _entry(room, [new, planned, declined])

    # when
    _publish(room, entry, django_capture_on_commit_callbacks)

    # then
    entry.refresh_from_db()
    assert entry.status == BoardEntry.Status.PUBLISHED and entry.published_at is not None
    statuses = dict(FeedbackResponse.objects.values_list("pk", "status"))
    assert statuses == {new.pk: Status.DONE, planned.pk: Status.DONE, declined.pk: Status.DECLINED}
    new.refresh_from_db()
    assert new.first_response_at == entry.published_at and new.resolved_at == entry.published_at
    notes = dict(FeedbackResponse.objects.values_list("pk", "public_note"))
    assert notes == {new.pk: entry.we_did, planned.pk: entry.we_did, declined.pk: ""}


def test_publishing_keeps_a_public_note_the_team_wrote_on_the_item(django_capture_on_commit_callbacks):
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    FeedbackResponse.objects.filter(pk=item.pk).update(public_note="Own note")
    _publish(room, _entry(room, [item]), django_capture_on_commit_callbacks)
    assert FeedbackResponse.objects.get(pk=item.pk).public_note == "Own note"


def test_publishing_notifies_every_active_student_and_every_author_once(django_capture_on_commit_callbacks):
    # given
    room = classroom(students=3)
    active_a, active_b, completed = room.students
    enrollment_status(room, completed, Enrollment.Status.COMPLETED)
    item = inbox_item(completed, room.lesson, is_anonymous=True)  # an author who finished the course
    dropped = room.enroll()[0]
    enrollment_status(room, dropped, Enrollment.Status.DROPPED)
    outsider = classroom().students[0]
    entry = _entry(room, [item])

    # when
    callbacks = _publish(room, entry, django_capture_on_commit_callbacks)
    board_entry_notify_task(entry.pk)  # a duplicate delivery of the task changes nothing

    # then
    assert len(callbacks) == 1
    notified = set(
        Notification.objects.filter(kind=Notification.Kind.BOARD_ENTRY).values_list("user_id", flat=True)
    )
    assert notified == {active_a.pk, active_b.pk, completed.pk}
    assert dropped.pk not in notified and outsider.pk not in notified
    assert Notification.objects.filter(kind=Notification.Kind.BOARD_ENTRY).count() == 3
    notification = Notification.objects.filter(user=active_a).get()
    assert notification.dedupe_key == f"board-entry:{entry.pk}"
    assert "Slower code demos" in notification.title
    assert notification.url.endswith(f"#entry-{entry.pk}")


def test_publishing_enqueues_the_notifications_only_on_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    # given
    room = classroom()
    entry = _entry(room)
    queued = []
    monkeypatch.setattr(board_entry_notify_task, "delay", lambda entry_id: queued.append(entry_id))

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.board_entry_publish(entry=entry, user=room.lead)

    # then: nothing is sent before the commit, the task for this entry after it
    assert queued == [] and not Notification.objects.exists()
    for callback in callbacks:
        callback()
    assert queued == [entry.pk]


def test_publishing_twice_is_refused():
    room = classroom()
    entry = _entry(room)
    services.board_entry_publish(entry=entry, user=room.lead)
    with pytest.raises(InvalidTransition):
        services.board_entry_publish(entry=entry, user=room.lead)


def test_another_team_cannot_publish():
    room = classroom()
    entry = _entry(room)
    with pytest.raises(NotOnTeam):
        services.board_entry_publish(entry=entry, user=classroom().lead)
    entry.refresh_from_db()
    assert entry.status == BoardEntry.Status.DRAFT


def test_the_task_skips_a_deleted_or_draft_entry():
    room = classroom()
    entry = _entry(room)
    assert board_entry_notify_task(entry.pk) == 0
    assert board_entry_notify_task(999999) == 0


def test_editing_a_published_entry_notifies_nobody_again(django_capture_on_commit_callbacks):
    room = classroom()
    entry = _entry(room)
    _publish(room, entry, django_capture_on_commit_callbacks)
    count = Notification.objects.count()
    services.board_entry_update(
        entry=entry, user=room.lead, title="New title", you_said="y", we_did="w", item_ids=[]
    )
    assert Notification.objects.count() == count
    assert BoardEntry.objects.get().title == "New title"


# ---- pages


def test_the_public_board_shows_published_entries_only(client):
    # given
    room = classroom()
    published = _entry(room, title="Published action")
    services.board_entry_publish(entry=published, user=room.lead)
    _entry(room, title="Draft action")

    # when
    html = client.get(reverse("reviews:board", args=[room.course.slug])).content.decode()

    # then
    assert "Published action" in html
    assert "Draft action" not in html
    assert reverse("reviews:board-entry-create", args=[room.course.slug]) not in html


def test_the_team_also_sees_drafts_on_the_board(client):
    room = classroom()
    _entry(room, title="Draft action")
    client.force_login(room.instructor)
    html = client.get(reverse("reviews:board", args=[room.course.slug])).content.decode()
    assert "Draft action" in html


def test_the_board_is_a_fragment_for_htmx(client):
    room = classroom()
    html = client.get(
        reverse("reviews:board", args=[room.course.slug]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in html and 'id="board"' in html


def test_the_board_of_a_draft_course_is_404(client):
    room = classroom()
    Course.objects.filter(pk=room.course.pk).update(status=Course.Status.DRAFT)
    assert client.get(reverse("reviews:board", args=[room.course.slug])).status_code == 404


def test_the_team_writes_and_publishes_an_entry_from_pages(client, django_capture_on_commit_callbacks):
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    client.force_login(room.instructor)
    create_url = reverse("reviews:board-entry-create", args=[room.course.slug])

    # when
    created = client.post(create_url, {"title": "T", "you_said": "Y", "we_did": "W", "items": [item.pk]})
    entry = BoardEntry.objects.get()
    edit = client.get(reverse("reviews:board-entry-edit", args=[entry.pk]))
    with django_capture_on_commit_callbacks(execute=False):
        published = client.post(reverse("reviews:board-entry-publish", args=[entry.pk]))
    board_entry_notify_task(entry.pk)

    # then
    assert created.status_code == 302
    assert edit.status_code == 200
    assert published.status_code == 302
    assert BoardEntry.objects.get().status == BoardEntry.Status.PUBLISHED
    assert FeedbackResponse.objects.get(pk=item.pk).status == Status.DONE
    assert Notification.objects.filter(user=room.students[0], kind=Notification.Kind.BOARD_ENTRY).exists()


@pytest.mark.parametrize("who", ["student", "other_lead"])
def test_others_cannot_open_or_publish_entries(client, who):
    room = classroom()
    entry = _entry(room)
    client.force_login(room.students[0] if who == "student" else classroom().lead)
    assert client.get(reverse("reviews:board-entry-create", args=[room.course.slug])).status_code == 404
    assert client.get(reverse("reviews:board-entry-edit", args=[entry.pk])).status_code == 404
    assert client.post(reverse("reviews:board-entry-publish", args=[entry.pk])).status_code == 404
    assert BoardEntry.objects.get().status == BoardEntry.Status.DRAFT


def test_entry_form_never_shows_who_wrote_an_anonymous_item(client):
    room = classroom()
    student = room.students[0]
    student.username = "hidden-author"
    student.save()
    item = inbox_item(student, room.lesson, comment="anon text", is_anonymous=True)
    client.force_login(room.lead)
    html = client.get(
        reverse("reviews:board-entry-create", args=[room.course.slug]), {"items": item.pk}
    ).content.decode()
    assert "anon text" in html and "hidden-author" not in html


# ---- API


def test_board_api(django_capture_on_commit_callbacks):
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    api = APIClient()
    create_url = reverse("reviews-api:board-entry-create")
    body = {"course": room.course.slug, "title": "T", "you_said": "Y", "we_did": "W", "items": [item.pk]}

    # when / then: students may not write, the team may
    api.force_authenticate(room.students[0])
    assert api.post(create_url, body, format="json").status_code == 404
    api.force_authenticate(room.lead)
    assert api.post(create_url, {**body, "title": ""}, format="json").status_code == 400
    created = api.post(create_url, body, format="json")
    assert created.status_code == 201 and created.json()["item_count"] == 1
    entry_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=False):
        published = api.post(reverse("reviews-api:board-entry-publish", args=[entry_id]))
    assert published.json()["status"] == "published"
    assert api.post(reverse("reviews-api:board-entry-publish", args=[entry_id])).status_code == 409
    api.force_authenticate(None)
    listed = api.get(reverse("reviews-api:board-entry-list", args=[room.course.slug])).json()
    assert [row["id"] for row in listed] == [entry_id]


# ---- query budgets


def test_board_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    # given
    room = classroom(students=0)
    students = room.enroll(40)
    items = [inbox_item(student, room.lesson) for student in students]
    for index in range(30):
        entry = _entry(room, items[index : index + 5], title=f"Entry {index}")
        services.board_entry_publish(entry=entry, user=room.lead)
    _entry(room, title="Draft")
    client.force_login(room.lead)

    # when / then
    with django_assert_max_num_queries(8):
        response = client.get(reverse("reviews:board", args=[room.course.slug]))
    assert response.content.decode().count("board-entry card") == 30
    client.logout()
    with django_assert_max_num_queries(3):
        client.get(reverse("reviews:board", args=[room.course.slug]))
    with django_assert_max_num_queries(3):
        APIClient().get(reverse("reviews-api:board-entry-list", args=[room.course.slug]))
