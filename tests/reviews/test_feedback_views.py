"""The feedback widget under a lecture, item reports, "My feedback" and course reviews pages:
one request-level test per role, forbidden cases included."""

import pytest
from django.urls import reverse

from courses.models import Course
from reviews import services
from reviews.models import LectureFeedback, Review
from tests.accounts.factories import UserFactory
from tests.quizzes.factories import QuestionFactory
from tests.reviews.factories import ReviewFactory
from tests.reviews.feedback_builders import classroom, english, inbox_item, submit  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
HTMX = {"HTTP_HX_REQUEST": "true"}


def _widget_url(lesson):
    return reverse("reviews:lesson-feedback", args=[lesson.pk])


def test_student_gets_the_widget_fragment_with_the_course_tags(client):
    # given
    room = classroom()
    client.force_login(room.students[0])

    # when
    response = client.get(_widget_url(room.lesson), **HTMX)

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment
    assert f'hx-post="{_widget_url(room.lesson)}"' in html
    assert "Too fast" in html or "Слишком быстро" in html
    assert 'name="is_anonymous"' in html
    assert f'for="feedback-lesson-{room.lesson.pk}-clarity_0"' in html


def test_student_posts_feedback_without_reload_and_sees_it_saved(client):
    # given
    room = classroom()
    student = room.students[0]
    client.force_login(student)
    tag = services.feedback_tags_ensure(course=room.course, kind="lesson")[0]

    # when
    response = client.post(
        _widget_url(room.lesson),
        {
            "clarity": "3",
            "pace": "2",
            "tags": [str(tag.pk)],
            "comment": "Slower please",
            "is_anonymous": "on",
        },
        **HTMX,
    )

    # then
    assert response.status_code == 200
    assert "feedback-saved" in response.content.decode()
    feedback = LectureFeedback.objects.get(user=student)
    assert (feedback.clarity, feedback.pace, feedback.practice, feedback.is_anonymous) == (3, 2, None, True)
    assert list(feedback.tags.all()) == [tag]


def test_the_widget_shows_the_saved_item_and_the_team_reply(client):
    # given
    room = classroom()
    student = room.students[0]
    item = inbox_item(student, room.lesson, comment="Too fast")
    services.feedback_respond(response=item, user=room.instructor, reply_md="We split the lecture in two.")
    client.force_login(student)

    # when
    html = client.get(_widget_url(room.lesson), **HTMX).content.decode()

    # then
    assert "We split the lecture in two." in html
    assert "Too fast</textarea>" in html
    assert "Update feedback" in html


def test_an_empty_widget_post_is_answered_400_with_the_message(client):
    # given
    room = classroom()
    client.force_login(room.students[0])

    # when
    response = client.post(_widget_url(room.lesson), {"comment": ""}, **HTMX)

    # then
    assert response.status_code == 400
    assert "Rate the lecture" in response.content.decode()
    assert not LectureFeedback.objects.exists()


def test_without_htmx_the_form_posts_and_goes_back_to_the_lesson(client):
    # given
    room = classroom()
    client.force_login(room.students[0])

    # when
    response = client.post(_widget_url(room.lesson), {"clarity": "5"})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("lessons:lesson-detail", args=[room.lesson.pk])
    assert LectureFeedback.objects.filter(user=room.students[0]).exists()


def test_without_htmx_the_widget_is_a_page(client):
    room = classroom()
    client.force_login(room.students[0])
    response = client.get(_widget_url(room.lesson))
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("who", ["stranger", "instructor"])
def test_non_students_see_no_form_and_cannot_post(client, who):
    # given
    room = classroom()
    user = UserFactory() if who == "stranger" else room.instructor
    client.force_login(user)

    # when
    page = client.get(_widget_url(room.lesson), **HTMX)
    post = client.post(_widget_url(room.lesson), {"clarity": "1"}, **HTMX)

    # then
    assert page.status_code == 200
    assert "<form" not in page.content.decode()
    assert post.status_code == 403
    assert not LectureFeedback.objects.exists()


def test_the_team_gets_a_link_to_the_inbox_instead_of_the_form(client):
    room = classroom()
    client.force_login(room.instructor)
    html = client.get(_widget_url(room.lesson), **HTMX).content.decode()
    assert reverse("reviews:inbox") in html


def test_anonymous_visitors_are_sent_to_log_in(client):
    room = classroom()
    response = client.get(_widget_url(room.lesson))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_unknown_lesson_is_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("reviews:lesson-feedback", args=[999999])).status_code == 404


# ---- reports


def test_student_reports_a_wrong_question(client):
    # given
    room = classroom()
    question = QuestionFactory(category__course=room.course)
    client.force_login(room.students[0])
    url = reverse("reviews:item-report", args=["question", question.pk])
    form = client.get(url, **HTMX)
    wrong = services.feedback_tags_ensure(course=room.course, kind="question")[0]

    # when
    response = client.post(url, {"tags": [str(wrong.pk)], "comment": "Two answers are right"}, **HTMX)

    # then
    assert form.status_code == 200
    assert wrong.label in form.content.decode()
    assert response.status_code == 200
    feedback = LectureFeedback.objects.get(question=question)
    assert feedback.comment == "Two answers are right"


def test_reports_on_unknown_kinds_are_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("reviews:item-report", args=["lesson", 1])).status_code == 404
    assert client.get(reverse("reviews:item-report", args=["roleplay", 1])).status_code == 404


# ---- my feedback


def test_my_feedback_lists_only_my_items_with_replies(client):
    # given
    room = classroom(students=2)
    me, other = room.students
    mine = inbox_item(me, room.lesson, comment="My comment")
    submit(other, room.lesson, comment="Someone else's comment")
    services.feedback_respond(response=mine, user=room.lead, reply_md="Answer to you")
    client.force_login(me)

    # when
    html = client.get(reverse("reviews:my-feedback")).content.decode()

    # then
    assert "My comment" in html
    assert "Answer to you" in html
    assert "Someone else" not in html
    assert f'id="response-{mine.pk}"' in html


def test_my_feedback_query_count_does_not_grow(client, django_assert_max_num_queries):
    # given
    room = classroom(lessons=30)
    student = room.students[0]
    for lesson in room.lessons:
        submit(student, lesson, comment="c")
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(8):
        response = client.get(reverse("reviews:my-feedback"))
    assert response.status_code == 200


# ---- reviews pages


def test_course_reviews_show_published_and_imported_reviews_only(client):
    # given
    room = classroom()
    ReviewFactory(
        course=room.course, user=room.students[0], text_md="Published one", status=Review.Status.PUBLISHED
    )
    ReviewFactory(course=room.course, user=UserFactory(), text_md="Pending one")
    ReviewFactory(
        course=room.course,
        user=None,
        source=Review.Source.EXTERNAL,
        source_name="Telegram, t.me/buryippua",
        source_url="https://t.me/buryippua/1242",
        text_md="Imported one",
        status=Review.Status.PUBLISHED,
        rating=None,
        would_recommend=None,
    )

    # when
    html = client.get(reverse("reviews:course-reviews", args=[room.course.slug])).content.decode()

    # then
    assert "Published one" in html
    assert "Imported one" in html and "https://t.me/buryippua/1242" in html
    assert "Pending one" not in html


def test_course_reviews_of_a_draft_course_are_404(client):
    room = classroom()
    Course.objects.filter(pk=room.course.pk).update(status=Course.Status.DRAFT)
    assert client.get(reverse("reviews:course-reviews", args=[room.course.slug])).status_code == 404


def test_student_writes_a_review(client):
    # given
    room = classroom()
    client.force_login(room.students[0])
    url = reverse("reviews:review-form", args=[room.course.slug])

    # when
    form = client.get(url)
    response = client.post(
        url, {"rating": "5", "would_recommend": "10", "text_md": "Great", "pros": "", "cons": ""}
    )

    # then
    assert form.status_code == 200
    assert response.status_code == 302
    review = Review.objects.get(user=room.students[0])
    assert (review.rating, review.would_recommend, review.status) == (5, 10, Review.Status.PENDING)


def test_a_stranger_cannot_review(client):
    room = classroom()
    client.force_login(UserFactory())
    url = reverse("reviews:review-form", args=[room.course.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {"rating": "5"}).status_code == 403
    assert not Review.objects.exists()


def test_the_team_moderates_from_the_inbox_item(client):
    # given
    room = classroom()
    review, _ = services.review_submit(user=room.students[0], course=room.course, rating=5)
    client.force_login(room.lead)

    # when
    page = client.get(reverse("reviews:inbox-item", args=[review.response.pk]))
    response = client.post(reverse("reviews:review-moderate", args=[review.pk]), {"status": "published"})

    # then
    assert page.status_code == 200
    assert reverse("reviews:review-moderate", args=[review.pk]) in page.content.decode()
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).status == Review.Status.PUBLISHED


def test_another_course_team_cannot_moderate(client):
    room = classroom()
    other = classroom()
    review, _ = services.review_submit(user=room.students[0], course=room.course, rating=5)
    client.force_login(other.lead)
    response = client.post(reverse("reviews:review-moderate", args=[review.pk]), {"status": "published"})
    assert response.status_code == 404
    assert Review.objects.get(pk=review.pk).status == Review.Status.PENDING


def test_the_lecture_page_loads_the_widget_under_the_lecture(client):
    # given
    room = classroom()
    client.force_login(room.students[0])

    # when
    html = client.get(reverse("lessons:lesson-detail", args=[room.lesson.pk])).content.decode()

    # then: the slot asks for the widget once the page is shown, with a plain link as fallback
    assert f'hx-get="{_widget_url(room.lesson)}"' in html
    assert f'href="{_widget_url(room.lesson)}"' in html
    assert "js/feedback.js" in html
