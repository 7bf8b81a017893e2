"""Every table of the report as CSV: the same figures as the report, in a file a spreadsheet opens."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from reviews.reports.csv_export import TABLES, cell
from tests.accounts.factories import UserFactory
from tests.reviews.report_data import at, enroll, feedback, inbox_item, lesson_in, ratings_on, review

pytestmark = pytest.mark.django_db


def _csv(client, table, **params):
    response = client.get(reverse("reports:feedback-report-csv", args=[table]), params)
    assert response.status_code == 200, response.content
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # BOM: spreadsheets read the Cyrillic right
    return response, list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.fixture
def world(course, settings):
    settings.TIME_ZONE = "UTC"
    enroll(course, 10)
    lesson = lesson_in(course, title="Intro")
    ratings_on(lesson, [(5, 3, 5), (4, 3, 5), (4, 4, 4), (3, None, 4), (2, 2, 3)], when=at())
    owner = UserFactory(display_name="Ivan Owner")
    item = feedback(
        lesson, (1, 5, 2), comment='=HYPERLINK("http://evil")', tags=["unclear"], when=at(hours=1)
    )
    inbox_item(item, waited=timedelta(hours=5), owner=owner)
    for score in (10, 9, 8, 3, 0):
        review(course, rating=4, recommend=score)
    return lesson


def test_every_table_downloads_with_its_columns(client, staff_user, course, world):
    client.force_login(staff_user)
    for name, table in TABLES.items():
        response, rows = _csv(client, name, course=course.slug)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f'filename="feedback-{name}-' in response["Content-Disposition"]
        assert tuple(rows[0]) == table.columns, name
        assert all(len(row) == len(table.columns) for row in rows), name


def test_question_table_has_the_hand_computed_figures(client, staff_user, course, world):
    client.force_login(staff_user)
    _response, rows = _csv(client, "questions", course=course.slug)
    by_question = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    clarity = by_question["clarity"]  # 5 4 4 3 2 1
    assert (clarity["n"], clarity["suppressed"]) == ("6", "false")
    assert [clarity[f"count_{v}"] for v in range(1, 6)] == ["1", "1", "1", "2", "1"]
    assert [clarity[f"pct_{v}"] for v in range(1, 6)] == ["16.67", "16.67", "16.67", "33.33", "16.67"]
    assert (clarity["mean"], clarity["median"], clarity["sd"]) == ("3.17", "3.5", "1.47")
    assert by_question["rating"]["count_4"] == "5"


def test_trend_loop_owners_nps_and_tags_tables(client, staff_user, course, world):
    client.force_login(staff_user)
    _r, trend = _csv(client, "trend", course=course.slug)
    assert trend[1][:3] == ["2026-03-02", "6", "false"]
    _r, loop = _csv(client, "loop", course=course.slug)
    loop_row = dict(zip(loop[0], loop[1], strict=True))
    assert (loop_row["items"], loop_row["answered"], loop_row["median_first_response_hours"]) == (
        "1",
        "1",
        "5",
    )
    assert loop_row["within_sla_pct"] == "100"
    _r, owners = _csv(client, "owners", course=course.slug)
    assert owners[1] == ["Ivan Owner", "1", "0"]
    _r, nps = _csv(client, "nps", course=course.slug)
    assert dict(zip(nps[0], nps[1], strict=True))["nps"] == "0"  # 2 promoters, 2 detractors of 5
    _r, tags = _csv(client, "tags", course=course.slug)
    assert tags[1] == ["unclear", "Unclear", "1", "16.67", "false"]


def test_participation_problems_and_courses_tables(client, staff_user, course, world):
    client.force_login(staff_user)
    _r, participation = _csv(client, "participation", course=course.slug)
    assert participation[1][3:] == ["Intro", "", "10", "6", "60"]
    _r, problems = _csv(client, "problems", course=course.slug)
    row = dict(zip(problems[0], problems[1], strict=True))
    assert (row["rank"], row["lesson_title"], row["low_pct"], row["unclear_pct"]) == (
        "1",
        "Intro",
        "33.33",
        "16.67",
    )
    _r, courses = _csv(client, "courses", course=course.slug)
    assert courses[1][:6] == [course.slug, course.title, "10", "1", "6", "60"]


def test_comments_table_neutralises_spreadsheet_formulas(client, staff_user, course, world):
    client.force_login(staff_user)
    _r, comments = _csv(client, "comments", course=course.slug)
    row = dict(zip(comments[0], comments[1], strict=True))
    assert row["comment"] == '\'=HYPERLINK("http://evil")'
    assert row["created_at"] == "2026-03-04T13:00:00+00:00"  # ISO 8601, site time
    assert row["status"] == "acknowledged"


def test_cell_formats():
    assert [cell(None), cell(True), cell(3), cell(-3), cell(2.0), cell(2 / 3), cell(-12.5)] == [
        "", "true", "3", "-3", "2", "0.67", "-12.5",
    ]  # fmt: skip
    assert [cell("+1"), cell("@x"), cell("-x"), cell("plain")] == ["'+1", "'@x", "'-x", "plain"]
    assert cell(timedelta(minutes=90)) == "1.5"


def test_unknown_table_is_404_and_bad_filter_400(client, staff_user, course):
    client.force_login(staff_user)
    assert client.get(reverse("reports:feedback-report-csv", args=["nope"])).status_code == 404
    response = client.get(reverse("reports:feedback-report-csv", args=["questions"]), {"from": "yesterday"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
