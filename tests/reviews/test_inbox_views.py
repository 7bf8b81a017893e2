"""The feedback inbox pages (list, item, bulk, CSV): the permission matrix, the identity of
anonymous items never leaving to anyone but superusers, urgency order and query budgets."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.board_models import BoardEntry
from reviews.models import FeedbackResponse
from tests.accounts.factories import UserFactory
from tests.reviews.feedback_builders import classroom, english, inbox_item  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Status = FeedbackResponse.Status


def _named_student(room):
    student = room.students[0]
    student.username, student.first_name, student.last_name = "ivan-petrov", "Ivan", "Petrov"
    student.email = "ivan.petrov@example.com"
    student.save()
    return student


IDENTITY = ("ivan-petrov", "Ivan", "Petrov", "ivan.petrov@example.com")


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# ---- who sees which inbox


@pytest.mark.parametrize(
    ("who", "status"), [("student", 403), ("stranger", 403), ("instructor", 200), ("staff", 200)]
)
def test_inbox_page_by_role(client, who, status, staff_user):
    # given
    room = classroom()
    user = {
        "student": room.students[0],
        "stranger": UserFactory(),
        "instructor": room.instructor,
        "staff": staff_user,
    }[who]
    client.force_login(user)

    # when
    response = client.get(reverse("reviews:inbox"))

    # then
    assert response.status_code == status


def test_an_instructor_sees_only_their_courses_items(client):
    # given
    room = classroom()
    other = classroom()
    inbox_item(room.students[0], room.lesson, comment="Mine to answer")
    inbox_item(other.students[0], other.lesson, comment="Not my course")
    client.force_login(room.instructor)

    # when
    html = client.get(reverse("reviews:inbox")).content.decode()

    # then
    assert "Mine to answer" in html
    assert "Not my course" not in html


def test_staff_see_every_course(client, staff_user):
    room = classroom()
    other = classroom()
    inbox_item(room.students[0], room.lesson, comment="First course")
    inbox_item(other.students[0], other.lesson, comment="Second course")
    client.force_login(staff_user)
    html = client.get(reverse("reviews:inbox")).content.decode()
    assert "First course" in html and "Second course" in html


def test_an_item_of_another_course_is_404_and_cannot_be_answered(client):
    # given
    room = classroom()
    other = classroom()
    item = inbox_item(other.students[0], other.lesson)
    client.force_login(room.instructor)
    url = reverse("reviews:inbox-item", args=[item.pk])

    # when
    page = client.get(url)
    post = client.post(url, {"reply_md": "Sneaky"})

    # then
    assert (page.status_code, post.status_code) == (404, 404)
    assert FeedbackResponse.objects.get(pk=item.pk).reply_md == ""


# ---- anonymity


@pytest.mark.parametrize("who", ["instructor", "lead", "staff"])
def test_anonymous_item_identity_is_hidden_in_the_inbox_item_and_csv(client, who, staff_user):
    # given
    room = classroom()
    student = _named_student(room)
    item = inbox_item(student, room.lesson, comment="Too fast for me", is_anonymous=True)
    user = {"instructor": room.instructor, "lead": room.lead, "staff": staff_user}[who]
    client.force_login(user)

    # when
    pages = [
        client.get(reverse("reviews:inbox")).content.decode(),
        client.get(reverse("reviews:inbox"), HTTP_HX_REQUEST="true").content.decode(),
        client.get(reverse("reviews:inbox-item", args=[item.pk])).content.decode(),
    ]
    rows = _csv(client.get(reverse("reviews:inbox-export")))

    # then
    for html in pages:
        assert "Too fast for me" in html
        for secret in IDENTITY:
            assert secret not in html
    assert len(rows) == 2
    for secret in IDENTITY:
        assert all(secret not in cell for cell in rows[1])
    assert rows[1][CSV_STUDENT] == "Anonymous"


CSV_STUDENT = 4


def test_named_items_show_the_student_to_the_team(client):
    room = classroom()
    _named_student(room)
    inbox_item(room.students[0], room.lesson, comment="Signed")
    client.force_login(room.instructor)
    html = client.get(reverse("reviews:inbox")).content.decode()
    assert "Ivan Petrov" in html


def test_a_superuser_sees_who_wrote_an_anonymous_item(client, superuser):
    room = classroom()
    _named_student(room)
    inbox_item(room.students[0], room.lesson, comment="Anonymous one", is_anonymous=True)
    client.force_login(superuser)
    html = client.get(reverse("reviews:inbox")).content.decode()
    rows = _csv(client.get(reverse("reviews:inbox-export")))
    assert "Ivan Petrov" in html
    assert rows[1][CSV_STUDENT] == "Ivan Petrov"


def test_the_author_of_an_anonymous_item_sees_it_as_theirs(client):
    room = classroom()
    student = _named_student(room)
    inbox_item(student, room.lesson, comment="Mine, anonymously", is_anonymous=True)
    client.force_login(student)
    html = client.get(reverse("reviews:my-feedback")).content.decode()
    assert "Mine, anonymously" in html


def test_filtering_the_inbox_by_author_is_not_possible(client):
    # given: ?user= or ?author= would tell who wrote the anonymous items; the inbox ignores them
    room = classroom(students=2)
    student = room.students[0]
    inbox_item(student, room.lesson, comment="anon", is_anonymous=True)
    inbox_item(room.students[1], room.lesson, comment="other")
    client.force_login(room.instructor)

    # when
    html = client.get(reverse("reviews:inbox"), {"user": student.pk, "author": student.pk}).content.decode()

    # then
    assert "anon" in html and "other" in html


# ---- order, filters, actions


def test_the_inbox_puts_overdue_items_first_then_those_due_soonest(client):
    # given
    room = classroom(students=4)
    now = timezone.now()
    items = [inbox_item(student, room.lesson, comment=f"item-{n}") for n, student in enumerate(room.students)]
    due = {
        items[0]: now + timedelta(hours=30),
        items[1]: now - timedelta(hours=1),
        items[2]: now + timedelta(hours=2),
        items[3]: now - timedelta(hours=5),
    }
    for item, due_at in due.items():
        FeedbackResponse.objects.filter(pk=item.pk).update(due_at=due_at)
    services.feedback_respond(response=items[3], user=room.lead, status=Status.PLANNED)  # answered: after
    client.force_login(room.lead)

    # when
    html = client.get(reverse("reviews:inbox")).content.decode()

    # then
    positions = [html.index(f"item-{n}") for n in (1, 2, 0, 3)]
    assert positions == sorted(positions)
    assert "overdue by" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "planned"}, {"planned"}),
        ({"status": "open"}, {"new", "planned", "late"}),
        ({"owner": "none"}, {"unowned"}),
        ({"overdue": "1"}, {"late"}),
        ({"kind": "review"}, set()),
        (
            {"status": "nonsense", "kind": "?", "owner": "x", "course": "abc"},
            {"new", "planned", "unowned", "late"},
        ),
    ],
)
def test_inbox_filters(client, query, expected):
    # given
    room = classroom(students=4)
    a, b, c, d = room.students
    inbox_item(a, room.lesson, comment="new")
    planned = inbox_item(b, room.lesson, comment="planned")
    services.feedback_respond(response=planned, user=room.lead, status=Status.PLANNED)
    unowned = inbox_item(c, room.lesson, comment="unowned")
    FeedbackResponse.objects.filter(pk=unowned.pk).update(owner=None, status=Status.DONE)
    late = inbox_item(d, room.lesson, comment="late")
    FeedbackResponse.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    client.force_login(room.lead)

    # when
    html = client.get(reverse("reviews:inbox"), query).content.decode()

    # then
    shown = {word for word in ("new", "planned", "unowned", "late") if f"<p>{word}</p>" in html}
    assert shown == expected


def test_replying_from_the_item_page(client):
    # given
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    client.force_login(room.instructor)

    # when
    response = client.post(
        reverse("reviews:inbox-item", args=[item.pk]),
        {"reply_md": "Thanks!", "status": "planned", "decline_reason": "", "internal_notes": "next week"},
    )

    # then
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.reply_md, item.status, item.internal_notes) == ("Thanks!", Status.PLANNED, "next week")


def test_declining_without_a_reason_on_the_item_page_is_400(client):
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    client.force_login(room.instructor)
    response = client.post(reverse("reviews:inbox-item", args=[item.pk]), {"status": "declined"})
    assert response.status_code == 400
    assert FeedbackResponse.objects.get(pk=item.pk).status == Status.NEW


def test_bulk_acknowledge_and_assign_from_the_inbox(client):
    # given
    room = classroom(students=2)
    items = [inbox_item(student, room.lesson) for student in room.students]
    client.force_login(room.lead)
    ids = [str(item.pk) for item in items]

    # when
    ack = client.post(reverse("reviews:inbox-bulk"), {"action": "acknowledge", "items": ids})
    assign = client.post(
        reverse("reviews:inbox-bulk"), {"action": "assign", "items": ids, "owner": room.lead.pk}
    )

    # then
    assert ack.status_code == assign.status_code == 302
    assert set(FeedbackResponse.objects.values_list("status", "owner_id")) == {
        (Status.ACKNOWLEDGED, room.lead.pk)
    }


def test_grouping_items_opens_a_board_entry_with_them(client):
    # given
    room = classroom(students=2)
    items = [inbox_item(student, room.lesson, comment="too fast") for student in room.students]
    client.force_login(room.lead)

    # when
    response = client.post(reverse("reviews:inbox-bulk"), {"action": "group", "items": [i.pk for i in items]})
    form = client.get(response["Location"])

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reviews:board-entry-create", args=[room.course.slug]))
    html = form.content.decode()
    for item in items:
        assert f'value="{item.pk}"' in html and "checked" in html
    assert not BoardEntry.objects.exists()


def test_bulk_on_another_courses_items_changes_nothing(client):
    room = classroom()
    other = classroom()
    theirs = inbox_item(other.students[0], other.lesson)
    client.force_login(room.lead)
    response = client.post(reverse("reviews:inbox-bulk"), {"action": "acknowledge", "items": [theirs.pk]})
    assert response.status_code == 302
    assert FeedbackResponse.objects.get(pk=theirs.pk).status == Status.NEW


def test_a_bulk_post_without_items_is_not_an_error_page(client):
    room = classroom()
    client.force_login(room.lead)
    response = client.post(reverse("reviews:inbox-bulk"), {"action": "assign", "items": ["x"]})
    assert response.status_code == 302


def test_csv_export_neutralises_formulas(client):
    room = classroom()
    inbox_item(room.students[0], room.lesson, comment='=HYPERLINK("http://evil")')
    client.force_login(room.lead)
    rows = _csv(client.get(reverse("reviews:inbox-export")))
    assert rows[1][rows[0].index("comment")].startswith("'=")


# ---- query budgets


def _fill(room, count):
    students = room.enroll(count)
    for index, student in enumerate(students):
        inbox_item(
            student, room.lessons[index % len(room.lessons)], comment=f"c{index}", is_anonymous=index % 2 == 0
        )


def test_inbox_query_count_does_not_grow_with_500_items(client, django_assert_max_num_queries):
    # given
    room = classroom(lessons=5, students=0)
    services.feedback_tags_ensure(course=room.course, kind="lesson")
    _fill(room, 500)
    client.force_login(room.lead)

    # when / then
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reviews:inbox"))
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reviews:inbox"), {"page": "10", "status": "open"})
    assert response.status_code == 200


def test_csv_export_query_count_does_not_grow_with_the_rows(client, django_assert_max_num_queries):
    # given
    room = classroom(lessons=3, students=0)
    _fill(room, 120)
    client.force_login(room.lead)

    # when / then
    with django_assert_max_num_queries(10):
        rows = _csv(client.get(reverse("reviews:inbox-export")))
    assert len(rows) == 121


def test_inbox_item_page_query_count(client, django_assert_max_num_queries):
    room = classroom()
    item = inbox_item(room.students[0], room.lesson)
    client.force_login(room.lead)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("reviews:inbox-item", args=[item.pk])).status_code == 200
