"""Query budgets: the report page, the API and a CSV file run a fixed number of queries, the
same for a course with a handful of responses as for 50 courses with 5,000 (no N+1)."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Course, Enrollment, Module
from lessons.models import Lesson
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review
from reviews.services import feedback_rollup_rebuild
from tests.accounts.factories import UserFactory
from tests.reviews.report_data import T0, enroll, feedback, inbox_item, lesson_in, review

pytestmark = pytest.mark.django_db

# With one course selected: session and user (2), the course (1), the report (14), and for the
# page the filter form's options (4: courses, instructors, the course's modules and lessons).
# Two more on SQLite when items were answered (each duration percentile is one ORDER BY …
# OFFSET query there).
PAGE_BUDGET = 21
API_BUDGET = 17
CSV_BUDGET = 17


def _large_world(*, courses: int = 50, feedback_rows: int = 5000) -> None:
    """50 courses × 2 modules × 2 lessons, 100 students enrolled in every course, 5,000 feedback
    items with tags, an inbox item for every third, reviews: all bulk-inserted (then the
    feedback rollup rebuilt)."""
    rng = random.Random(7)
    authors = [UserFactory(username=f"author-{n}") for n in range(5)]
    students = UserFactory.create_batch(100)
    course_rows = Course.objects.bulk_create(
        [
            Course(slug=f"big-{n}", title=f"Big course {n}", status=Course.Status.PUBLISHED)
            for n in range(courses)
        ]
    )
    modules = Module.objects.bulk_create(
        [
            Module(course=c, key=f"m{p}", title=f"Module {p}", position=p)
            for c in course_rows
            for p in range(2)
        ]
    )
    lessons = Lesson.objects.bulk_create(
        [
            Lesson(module=m, key=f"l{p}", title=f"Lesson {p}", position=p, author=rng.choice(authors))
            for m in modules
            for p in range(2)
        ]
    )
    tags = FeedbackTag.objects.bulk_create(
        [FeedbackTag(course=c, key=key, label=key) for c in course_rows for key in ("unclear", "too-fast")]
    )
    tags_of = {}
    for tag in tags:
        tags_of.setdefault(tag.course_id, []).append(tag)
    Enrollment.objects.bulk_create([Enrollment(course=c, user=s) for c in course_rows for s in students])
    course_of = {m.pk: m.course_id for m in modules}
    pairs = rng.sample([(lesson, student) for lesson in lessons for student in students], feedback_rows)
    items = LectureFeedback.objects.bulk_create(
        [
            LectureFeedback(
                course_id=course_of[lesson.module_id],
                lesson=lesson,
                user=student,
                clarity=rng.randint(1, 5),
                pace=rng.randint(1, 5),
                practice=rng.randint(1, 5),
                comment="Comment" if rng.random() < 0.3 else "",
                is_anonymous=rng.random() < 0.2,
            )
            for lesson, student in pairs
        ]
    )
    Through = LectureFeedback.tags.through
    Through.objects.bulk_create(
        [
            Through(lecturefeedback_id=item.pk, feedbacktag_id=tag.pk)
            for item in items
            for tag in tags_of[item.course_id]
            if rng.random() < 0.3
        ]
    )
    FeedbackResponse.objects.bulk_create(
        [
            FeedbackResponse(
                feedback=item, course_id=item.course_id, owner=rng.choice(authors), due_at=T0, status="new"
            )
            for item in items[::3]
        ]
    )
    Review.objects.bulk_create(
        [Review(course=c, user=s, rating=4, would_recommend=9) for c in course_rows for s in students[:3]]
    )
    feedback_rollup_rebuild()  # as every bulk loader of feedback does


def _small_world(course) -> None:
    """Just enough for every section to show (five responses: nothing suppressed)."""
    enroll(course, 3)
    lesson = lesson_in(course)
    inbox_item(feedback(lesson, comment="Hello", tags=["unclear"]), waited=None)
    for _ in range(4):
        feedback(lesson)
    review(course)


def _count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def _extra() -> int:
    return 0 if connection.vendor == "postgresql" else 2


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        (reverse("reports:feedback-report"), PAGE_BUDGET),
        (reverse("reports-api:feedback-report"), API_BUDGET),
        (reverse("reports:feedback-report-csv", args=["problems"]), CSV_BUDGET),
    ],
)
def test_query_count_is_the_same_for_small_and_large_data(client, staff_user, course, url, budget):
    client.force_login(staff_user)
    client.get(url)  # the signed-in user is cached from the first request on
    _small_world(course)
    small_all = _count(client, url, {})
    small_one = _count(client, url, {"course": course.slug})
    # when the data grows a hundredfold
    _large_world()
    large_all = _count(client, url, {})
    large_one = _count(client, url, {"course": "big-7"})
    # then
    assert large_all == small_all <= budget + _extra()
    assert large_one == small_one <= budget + _extra()


def test_instructor_page_with_every_filter_stays_in_budget(
    client, instructor, course, django_assert_max_num_queries
):
    lesson = lesson_in(course, author=instructor)
    _small_world(course)
    client.force_login(instructor)
    params = {
        "course": course.slug,
        "module": lesson.module_id,
        "lesson": lesson.pk,
        "instructor": instructor.pk,
        "from": "2026-01-01",
        "to": "2026-12-31",
    }
    # + the instructor's courses, and one lookup per filter object (course, module, lesson, user)
    with django_assert_max_num_queries(PAGE_BUDGET + 5 + _extra()):
        response = client.get(reverse("reports:feedback-report"), params)
    assert response.status_code == 200
