"""Every figure of the feedback report against values computed by hand on small data."""

from datetime import date, timedelta
from math import sqrt

import pytest
from django.db import connection
from django.db.models import FloatField

from reviews.models import FeedbackResponse, LectureFeedback, Review
from reviews.reports import queries
from reviews.reports.filters import ReportFilter
from reviews.reports.report import feedback_report_build
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, ModuleFactory
from tests.reviews.report_data import (
    T0,
    at,
    enroll,
    feedback,
    inbox_item,
    lesson_in,
    ratings_on,
    review,
)

pytestmark = pytest.mark.django_db

# clarity, pace, practice of nine responses on one lesson.
NINE = [
    (5, 3, 5),
    (4, 3, 5),
    (4, 4, 4),
    (3, None, 4),
    (2, 2, 3),
    (1, 5, None),
    (2, 1, 1),
    (2, 2, 1),
    (1, 3, 2),
]


def _report(course, **filters):
    return feedback_report_build(
        report_filter=ReportFilter(course_ids=(course.pk,), **filters), now=at(days=30)
    )


def _question(report, key):
    return next(q for q in report.questions if q.key == key)


def test_rating_question_distribution_mean_median_and_sample_sd(course):
    # given nine responses on one lesson
    ratings_on(lesson_in(course), NINE)
    # when
    report = _report(course)
    # then clarity 5,4,4,3,2,1,2,2,1: counts 1:2 2:3 3:1 4:2 5:1, sum 24
    clarity = _question(report, "clarity")
    assert clarity.n == 9
    assert not clarity.suppressed
    assert clarity.counts == (2, 3, 1, 2, 1)
    assert clarity.percents == pytest.approx((200 / 9, 300 / 9, 100 / 9, 200 / 9, 100 / 9))
    assert clarity.mean == pytest.approx(24 / 9)
    assert clarity.median == 2  # sorted 1 1 2 2 [2] 3 4 4 5
    assert clarity.interpolated_median == pytest.approx(1.5 + (4.5 - 2) / 3)
    # squared deviations from 8/3 add up to 144/9 = 16; sample variance 16 / (9 - 1) = 2
    assert clarity.sd == pytest.approx(sqrt(2))
    # pace 3,3,4,2,5,1,2,3 (one blank): 1:1 2:2 3:3 4:1 5:1, sum 23
    pace = _question(report, "pace")
    assert pace.n == 8
    assert pace.counts == (1, 2, 3, 1, 1)
    assert pace.percents == pytest.approx((12.5, 25.0, 37.5, 12.5, 12.5))
    assert pace.mean == pytest.approx(23 / 8)
    assert pace.median == 3  # sorted 1 2 2 [3 3] 3 4 5
    # practice 5,5,4,4,3,1,1,2 (one blank): sorted 1 1 2 [3 4] 4 5 5, median interpolated
    practice = _question(report, "practice")
    assert practice.n == 8
    assert practice.counts == (2, 1, 1, 2, 2)
    assert practice.mean == pytest.approx(25 / 8)
    assert practice.median == pytest.approx(3.5)
    assert practice.interpolated_median == pytest.approx(2.5 + (4 - 3) / 1)
    assert report.responses == 9


def test_sd_of_a_single_answer_is_undefined_and_of_equal_answers_zero(course):
    lesson = lesson_in(course)
    ratings_on(lesson, [(4, 4, None)] * 5 + [(None, 2, None)])
    report = _report(course)
    assert _question(report, "clarity").sd == 0
    assert _question(report, "practice").n == 0
    assert _question(report, "practice").mean is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")
def test_medians_from_counts_equal_postgres_percentile_cont(course):
    ratings_on(lesson_in(course), NINE)
    report = _report(course)
    for field in queries.RATING_FIELDS:
        expected = LectureFeedback.objects.aggregate(
            median=queries.Percentile(field, percentile=0.5, output_field=FloatField())
        )["median"]
        assert _question(report, field).median == pytest.approx(float(expected))


def test_nps_counts_promoters_minus_detractors_of_internal_unrejected_reviews(course):
    # given would-recommend 10 10 9 | 8 7 | 6 3 and one review without it
    for score in (10, 10, 9, 8, 7, 6, 3):
        review(course, rating=5 if score >= 9 else 3, recommend=score)
    review(course, rating=4, recommend=None)
    review(course, rating=1, recommend=0, status=Review.Status.REJECTED)  # moderated away
    review(course, rating=1, recommend=0, source=Review.Source.EXTERNAL, user=None)  # about another course
    # when
    nps = _report(course).nps
    # then N 7: promoters 3, passives 2, detractors 2
    assert (nps.n, nps.promoters, nps.passives, nps.detractors) == (7, 3, 2, 2)
    assert nps.promoters_pct == pytest.approx(300 / 7)
    assert nps.detractors_pct == pytest.approx(200 / 7)
    assert nps.score == pytest.approx(100 / 7)  # 42.86 − 28.57


def test_course_rating_from_reviews_is_a_rating_question(course):
    for rating in (5, 4, 4, 3, 1):
        review(course, rating=rating)
    rating = _question(_report(course), "rating")
    assert rating.counts == (1, 0, 1, 2, 1)
    assert rating.mean == pytest.approx(17 / 5)
    assert rating.median == 4


def test_reviews_do_not_apply_below_the_course(course):
    review(course, rating=5, recommend=10)
    lesson = lesson_in(course)
    report = _report(course, lesson_id=lesson.pk)
    assert report.reviews_apply is False
    assert report.nps is None
    assert [q.key for q in report.questions] == ["clarity", "pace", "practice"]


def test_response_rate_per_lesson_and_per_course(course):
    # given 10 enrollments (one dropped: they were asked too) and three lessons
    students = [e.user for e in enroll(course, 9)] + [e.user for e in enroll(course, 1, status="dropped")]
    module = ModuleFactory(course=course, position=0)
    first, second = lesson_in(course, module=module, position=0), lesson_in(course, module=module, position=1)
    third = lesson_in(course, module=ModuleFactory(course=course, position=1))
    for student in students[:4]:
        feedback(first, user=student)
    for student in (students[0], students[4]):
        feedback(second, user=student)
    # when
    report = _report(course)
    # then lessons 4/10, 2/10, 0/10; the course 6 of 10 × 3 possible responses
    rows = {row.lesson_id: row for row in report.participation}
    assert [
        (rows[x.pk].enrolled, rows[x.pk].responded, rows[x.pk].response_rate) for x in (first, second, third)
    ] == [
        (10, 4, 40.0),
        (10, 2, 20.0),
        (10, 0, 0.0),
    ]
    assert [row.lesson_id for row in report.participation] == [first.pk, second.pk, third.pk]
    assert (report.enrolled, report.lessons, report.responses, report.response_rate) == (10, 3, 6, 20.0)
    assert (report.courses[0].lessons, report.courses[0].response_rate) == (3, 20.0)


def test_response_rate_across_courses_pools_possible_responses(course):
    # given course A: 4 enrolled, 1 lesson, 2 responses; course B: 2 enrolled, 2 lessons, 3 responses
    other = CourseFactory()
    a_students = [e.user for e in enroll(course, 4)]
    b_students = [e.user for e in enroll(other, 2)]
    a_lesson = lesson_in(course)
    b_first, b_second = lesson_in(other), lesson_in(other)
    for student in a_students[:2]:
        feedback(a_lesson, user=student)
    feedback(b_first, user=b_students[0])
    feedback(b_first, user=b_students[1])
    feedback(b_second, user=b_students[0])
    # when
    report = feedback_report_build(
        report_filter=ReportFilter(course_ids=(course.pk, other.pk)), now=at(days=1)
    )
    # then 5 of (4 × 1 + 2 × 2) = 8 possible responses
    assert report.response_rate == pytest.approx(62.5)
    assert {row.course_id: row.response_rate for row in report.courses} == {course.pk: 50.0, other.pk: 75.0}


def test_enrolled_counts_enrollments_made_before_the_period_ends(course):
    enroll(course, 3, when=T0 - timedelta(days=3))
    enroll(course, 2, when=T0 + timedelta(days=3))
    report = _report(course, end=T0.date())
    assert report.enrolled == 3


def test_weekly_trend_buckets_means_and_low_share(course, settings):
    settings.TIME_ZONE = "UTC"
    lesson = lesson_in(course)
    # week of Mon 2 Mar: five responses; week of 9 Mar: none; week of 16 Mar: two
    ratings_on(lesson, [(5, 5, 5), (4, 4, 4), (3, 3, 3), (2, 3, 3), (1, 3, 3)], when=at(days=-1))
    ratings_on(lesson, [(5, 5, 5), (5, 5, 5)], when=at(days=13))
    trend = _report(course).trend
    assert [week.week_start for week in trend] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    first, empty, small = trend
    assert (first.responses, first.suppressed) == (5, False)
    assert first.mean_clarity == pytest.approx(3.0)
    assert first.mean_pace == pytest.approx(18 / 5)
    assert first.low_pct == pytest.approx(40.0)  # two of five have a 1 or 2
    assert (empty.responses, empty.suppressed, empty.mean_clarity) == (0, False, None)
    assert (small.responses, small.suppressed, small.mean_clarity) == (2, True, None)


def test_problem_ranking_orders_lessons_by_low_ratings_and_unclear_tags(course):
    module = ModuleFactory(course=course)
    calm = lesson_in(course, module=module, title="Calm")
    rough = lesson_in(course, module=module, title="Rough")
    tiny = lesson_in(course, module=module, title="Tiny")
    ratings_on(calm, [(5, 4, 4)] * 4)
    feedback(calm, (4, 4, 4), tags=["unclear"])  # 1 of 5 unclear, no low: score (0 + 20) / 2
    for ratings, tags in (
        ((1, 3, 3), ["unclear"]),
        ((2, 3, 3), ["code-demo-unclear", "too-fast"]),
        ((4, 2, 4), []),
        ((4, 4, 4), ["too-fast"]),
        ((5, 5, 5), []),
        ((5, 5, 5), ["unclear", "code-demo-unclear"]),
    ):
        feedback(rough, ratings, tags=tags)  # low 3 of 6; "unclear" 2 of 6 (the narrower tag is not it)
    ratings_on(tiny, [(1, 1, 1)] * 4)  # the worst, but too few to rank
    report = _report(course)
    assert [(row.rank, row.lesson_id) for row in report.problems] == [(1, rough.pk), (2, calm.pk)]
    first, second = report.problems
    assert (first.low_pct, first.unclear_pct) == (50.0, pytest.approx(100 / 3))
    assert first.score == pytest.approx((50 + 100 / 3) / 2)
    assert (second.low_pct, second.unclear_pct, second.score) == (0.0, 20.0, 10.0)
    assert first.mean_clarity == pytest.approx(21 / 6)
    assert report.unranked_lessons == 1
    assert not hasattr(first, "instructor")  # lessons are ranked, not the people teaching them


def test_top_tags_count_responses_per_tag_key_across_courses(course):
    other = CourseFactory()
    lesson, other_lesson = lesson_in(course), lesson_in(other)
    feedback(lesson, tags=["unclear", "too-fast"])
    feedback(lesson, tags=["unclear"])
    feedback(lesson, tags=[])
    feedback(other_lesson, tags=["unclear"])
    feedback(other_lesson, tags=["great-examples"])
    report = feedback_report_build(report_filter=ReportFilter(course_ids=None), now=at(days=30))
    assert [(t.key, t.count, t.pct) for t in report.tags] == [
        ("unclear", 3, 60.0),
        ("great-examples", 1, 20.0),
        ("too-fast", 1, 20.0),
    ]


def test_loop_health_time_to_first_response_and_sla(course, instructor):
    # given seven inbox items (48 h SLA): answered after 2, 10, 30, 50 and 70 hours,
    # one unanswered and overdue, one unanswered and not yet due
    lesson, other_owner = lesson_in(course), UserFactory(display_name="Second Owner")
    for hours in (2, 10, 30):
        inbox_item(feedback(lesson), waited=timedelta(hours=hours), owner=instructor)
    inbox_item(
        feedback(lesson), waited=timedelta(hours=50), owner=instructor, status="done", public_note="Fixed."
    )
    inbox_item(feedback(lesson), waited=timedelta(hours=70), owner=other_owner, status="declined")
    inbox_item(feedback(lesson), waited=None, owner=other_owner)  # due T0 + 48 h, now is T0 + 30 days
    late_item = feedback(lesson, when=at(days=29, hours=12))
    inbox_item(late_item, waited=None, owner=None)  # due T0 + 31.5 days: pending
    # when
    loop = _report(course).loop
    # then times 2 10 [30] 50 70: median 30 h; p90 at position 0.9 × 4 = 3.6: 50 + 0.6 × 20 = 62 h
    assert loop.items == 7
    assert loop.answered == 5
    assert loop.median_first_response == timedelta(hours=30)
    assert loop.p90_first_response == timedelta(hours=62)
    assert (loop.within_sla, loop.late, loop.overdue, loop.pending) == (3, 2, 1, 1)
    assert loop.within_sla_pct == pytest.approx(50.0)  # 3 of the 6 decided
    assert loop.open == 5  # 3 acknowledged + 2 new
    assert loop.actions_published == 1
    assert dict((value, count) for value, _label, count in loop.by_status) == {
        "new": 2,
        "acknowledged": 3,
        "planned": 0,
        "done": 1,
        "declined": 1,
    }


def test_open_and_overdue_counts_by_owner(course, instructor):
    lesson, other_owner = lesson_in(course), UserFactory(display_name="Second Owner")
    inbox_item(feedback(lesson), waited=timedelta(hours=1), owner=instructor)  # open (acknowledged)
    inbox_item(feedback(lesson), waited=None, owner=instructor)  # open, overdue
    inbox_item(feedback(lesson), waited=None, owner=other_owner)  # open, overdue
    inbox_item(feedback(lesson), waited=None, owner=other_owner)  # open, overdue
    inbox_item(feedback(lesson), waited=timedelta(hours=3), owner=other_owner, status="done")  # closed
    inbox_item(feedback(lesson, when=at(days=29, hours=12)), waited=None)  # unassigned, open, not due
    owners = _report(course).owners
    assert [(row.owner, row.open, row.overdue) for row in owners] == [
        ("Second Owner", 2, 2),
        ("instructor", 2, 1),
        (None, 1, 0),
    ]


def test_latest_comments_newest_first_with_status(course):
    lesson = lesson_in(course, title="Intro")
    old = feedback(lesson, comment="Old one", when=at(hours=-2))
    inbox_item(old, waited=timedelta(hours=1), status=FeedbackResponse.Status.PLANNED)
    feedback(lesson, comment="New one", when=at(hours=-1))
    feedback(lesson, comment="", when=at(hours=0))  # no comment: not listed
    comments = _report(course).comments
    assert [(c.comment, c.status, c.lesson_title) for c in comments] == [
        ("New one", None, "Intro"),
        ("Old one", "planned", "Intro"),
    ]


def test_filters_narrow_every_figure(course):
    lead, guest = UserFactory(username="lead"), UserFactory(username="guest")
    first_module, second_module = ModuleFactory(course=course), ModuleFactory(course=course)
    by_lead = lesson_in(course, module=first_module, author=lead)
    by_guest = lesson_in(course, module=second_module, author=guest)
    ratings_on(by_lead, [(5, 5, 5)] * 5, when=at(days=-10))
    ratings_on(by_lead, [(4, 4, 4)] * 5, when=at(days=0))
    ratings_on(by_guest, [(1, 1, 1)] * 5, when=at(days=0))
    assert _report(course).responses == 15
    assert _report(course, instructor_id=lead.pk).responses == 10
    assert _report(course, module_id=second_module.pk).responses == 5
    assert _report(course, lesson_id=by_lead.pk, start=T0.date()).responses == 5
    assert _question(_report(course, start=T0.date(), end=T0.date()), "clarity").mean == pytest.approx(2.5)
    assert _report(course, end=(T0 - timedelta(days=1)).date()).responses == 5
    participation = _report(course, instructor_id=guest.pk).participation
    assert [row.lesson_id for row in participation] == [by_guest.pk]


def test_top_tags_leave_out_tags_on_feedback_about_no_lesson(course):
    # given tags on lesson feedback and one on a problem report about a quiz question
    from tests.quizzes.factories import QuestionCategoryFactory, QuestionFactory

    lesson = lesson_in(course)
    for _ in range(5):
        feedback(lesson, tags=["unclear"])
    question = QuestionFactory(category=QuestionCategoryFactory(course=course))
    report_item = LectureFeedback.objects.create(course=course, question=question, user=UserFactory())
    report_item.tags.set([feedback(lesson, tags=["too-fast"]).tags.get()])  # the course's "too-fast" tag
    # when: whole courses, all time (the tag table alone) and an explicit period (joined)
    everything = _report(course)
    period = _report(course, start=date(2000, 1, 1), end=date(2100, 1, 1))
    # then both count only the responses about lessons
    assert [(t.key, t.count) for t in everything.tags] == [("unclear", 5), ("too-fast", 1)]
    assert [(t.key, t.count) for t in period.tags] == [("unclear", 5), ("too-fast", 1)]
    assert everything.responses == 6


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="compares with PostgreSQL's aggregates"
)


@postgres_only
def test_means_and_sds_from_counts_equal_postgres_avg_and_stddev_samp(course):
    from django.db.models import Avg, StdDev

    ratings_on(lesson_in(course), NINE)
    report = _report(course)
    for field in queries.RATING_FIELDS:
        expected = LectureFeedback.objects.aggregate(mean=Avg(field), sd=StdDev(field, sample=True))
        question = _question(report, field)
        assert question.mean == pytest.approx(float(expected["mean"]))
        assert question.sd == pytest.approx(float(expected["sd"]))


@postgres_only
def test_the_sqlite_duration_fallback_equals_percentile_cont(course):
    lesson = lesson_in(course)
    for minutes in (5, 17, 60, 61, 300, 1440, 2881):
        inbox_item(feedback(lesson), waited=timedelta(minutes=minutes))
    f = ReportFilter(course_ids=(course.pk,))
    totals = queries.loop_totals(f, now=at(days=30))
    fallback = queries.duration_percentiles(f, answered=totals["answered"])
    assert fallback == [totals["median_first_response"], totals["p90_first_response"]]
    assert fallback[0] == timedelta(minutes=61)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_report_reads_one_repeatable_read_snapshot_outside_a_transaction(course):
    from django.test.utils import CaptureQueriesContext

    ratings_on(lesson_in(course), NINE)
    with CaptureQueriesContext(connection) as captured:
        report = _report(course)
    statements = [q["sql"] for q in captured.captured_queries]
    assert statements[1] == "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
    assert statements[-1] == "COMMIT"
    assert report.responses == 9
