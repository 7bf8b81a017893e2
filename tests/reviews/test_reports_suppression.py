"""The small-group rule: fewer than 5 responses → figures hidden and marked suppressed, in the
report, on the page, in the API and in the CSV files."""

import csv
import io

import pytest
from django.urls import reverse

from reviews.reports.filters import ReportFilter
from reviews.reports.report import feedback_report_build
from reviews.reports.suppression import MIN_RESPONSES, is_suppressed
from tests.reviews.report_data import at, feedback, lesson_in, ratings_on, review

pytestmark = pytest.mark.django_db

# Four responses whose mean clarity (2.75) and distribution must not show anywhere.
FOUR = [(1, 2, 3), (3, 3, 3), (3, 4, 4), (4, 4, 4)]


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_threshold_is_five():
    assert MIN_RESPONSES == 5
    assert is_suppressed(4) and not is_suppressed(5)


def test_four_responses_are_suppressed_five_are_not(course):
    lesson = lesson_in(course)
    ratings_on(lesson, FOUR, when=at())
    report = feedback_report_build(report_filter=ReportFilter(course_ids=(course.pk,)), now=at(days=1))
    clarity = report.questions[0]
    assert (clarity.n, clarity.suppressed) == (4, True)
    assert (clarity.counts, clarity.percents, clarity.mean, clarity.median, clarity.sd) == (None,) * 5
    assert report.courses[0].suppressed and report.courses[0].mean_clarity is None
    assert report.trend[0].suppressed and report.trend[0].mean_clarity is None
    assert report.tags_suppressed and report.tags == ()
    assert report.problems == () and report.unranked_lessons == 1
    # a fifth response lifts it
    feedback(lesson, (4, 4, 4), when=at())
    report = feedback_report_build(report_filter=ReportFilter(course_ids=(course.pk,)), now=at(days=1))
    assert not report.questions[0].suppressed
    assert report.questions[0].mean == pytest.approx(15 / 5)


def test_each_question_is_suppressed_on_its_own_count(course):
    ratings_on(lesson_in(course), [(5, 5, None)] * 4 + [(5, 5, 5)] * 2)
    report = feedback_report_build(report_filter=ReportFilter(course_ids=(course.pk,)), now=at(days=1))
    clarity, _pace, practice, _rating = report.questions
    assert not clarity.suppressed
    assert (practice.n, practice.suppressed, practice.mean) == (2, True, None)


def test_nps_of_four_reviews_is_suppressed(course):
    for score in (10, 9, 2, 1):
        review(course, recommend=score)
    nps = feedback_report_build(report_filter=ReportFilter(course_ids=(course.pk,)), now=at(days=1)).nps
    assert (nps.n, nps.suppressed, nps.score, nps.promoters) == (4, True, None, None)


def test_suppressed_figures_do_not_reach_the_page(client, staff_user, course):
    ratings_on(lesson_in(course), FOUR, when=at())
    client.force_login(staff_user)
    response = client.get(reverse("reports:feedback-report"), {"course": course.slug})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="suppressed"' in html
    assert "2.75" not in html and "2,75" not in html  # the hidden mean, in either locale
    report = response.context["report"]
    assert all(q.suppressed for q in report.questions[:3])
    assert response.context["charts"]["distribution"]["series"] == []  # charts show what tables show
    assert response.context["charts"]["trend"]["means"][0]["data"] == [None]


def test_suppressed_figures_are_null_and_marked_in_the_api(client, staff_user, course):
    ratings_on(lesson_in(course), FOUR, when=at())
    client.force_login(staff_user)
    data = client.get(reverse("reports-api:feedback-report"), {"course": course.slug}).json()
    clarity = data["questions"][0]
    assert clarity["n"] == 4 and clarity["suppressed"] is True
    assert [clarity[k] for k in ("counts", "percents", "mean", "median", "interpolated_median", "sd")] == [
        None
    ] * 6
    assert data["trend"][0]["suppressed"] is True and data["trend"][0]["mean_clarity"] is None
    assert data["courses"][0]["suppressed"] is True and data["courses"][0]["mean_clarity"] is None
    assert data["tags_suppressed"] is True and data["tags"] == []
    assert data["min_responses"] == 5


@pytest.mark.parametrize("table", ["questions", "trend", "courses", "tags"])
def test_suppressed_figures_are_blank_and_marked_in_csv(client, staff_user, course, table):
    ratings_on(lesson_in(course), FOUR, when=at())
    client.force_login(staff_user)
    response = client.get(reverse("reports:feedback-report-csv", args=[table]), {"course": course.slug})
    rows = _rows(response.content)
    assert rows and all(row["suppressed"] == "true" for row in rows)
    for row in rows:
        hidden = {
            k: v for k, v in row.items() if k.startswith(("mean", "count_", "pct", "median", "sd", "low"))
        }
        assert set(hidden.values()) <= {""}
    assert b"2.75" not in response.content
