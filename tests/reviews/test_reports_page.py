"""The report page: every section, CSV links that keep the filter, the HTMX fragment, the chart
data as JSON (no inline script), the print button, and a filter form limited to what the
reader may read."""

import json
import re

import pytest
from django.urls import reverse

from tests.courses.factories import CourseFactory
from tests.reviews.report_data import feedback, lesson_in, ratings_on

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:feedback-report")


@pytest.fixture
def page(client, staff_user, course):
    ratings_on(lesson_in(course, title="Intro"), [(4, 4, 4)] * 5)
    feedback(lesson_in(course), comment="Thanks")
    client.force_login(staff_user)
    return client.get(PAGE, {"course": course.slug, "from": "2026-01-01"})


def test_page_has_every_section_and_a_csv_link_per_table(page, course):
    html = page.content.decode()
    for section in ("summary", "questions", "trend", "participation", "problems", "loop", "comments", "tags"):
        assert f'id="report-{section}-title"' in html
    links = re.findall(r'href="(/reports/feedback/csv/[^"]+)"', html)
    tables = {re.match(r"/reports/feedback/csv/([a-z]+)/", link).group(1) for link in links}
    assert tables == {
        "questions",
        "nps",
        "trend",
        "participation",
        "problems",
        "loop",
        "owners",
        "comments",
        "tags",
    }
    assert all(f"course={course.slug}" in link and "from=2026-01-01" in link for link in links)


def test_chart_data_is_a_json_block_and_no_script_is_inline(page):
    html = page.content.decode()
    block = re.search(r'<script id="report-chart-data" type="application/json">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert set(data) == {"trend", "distribution", "loop"}
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert scripts == []
    assert "onclick=" not in html and 'style="' not in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "css/reports.css" in html
    assert "data-report-print" in html


def test_htmx_request_gets_the_report_fragment(client, staff_user, course):
    ratings_on(lesson_in(course), [(4, 4, 4)] * 5)
    client.force_login(staff_user)
    response = client.get(PAGE, {"course": course.slug}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'class="report-filters' in html and "report-chart-data" in html


def test_instructor_form_lists_only_their_courses(client, instructor, course):
    CourseFactory(title="Somebody else's course")
    client.force_login(instructor)
    html = client.get(PAGE).content.decode()
    assert course.title in html
    assert "Somebody else" not in html
