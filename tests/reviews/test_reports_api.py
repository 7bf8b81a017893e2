"""The report API: figures as in the report, 400 with a message for a bad filter, and the
operation described in the OpenAPI schema."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from tests.courses.factories import CourseFactory, ModuleFactory
from tests.reviews.report_data import lesson_in, ratings_on

pytestmark = pytest.mark.django_db

API = reverse("reports-api:feedback-report")


def test_figures_in_json(client, staff_user, course):
    ratings_on(lesson_in(course), [(5, 3, 5), (4, 3, 5), (4, 4, 4), (3, None, 4), (2, 2, 3), (1, 5, 2)])
    client.force_login(staff_user)
    data = client.get(API, {"course": course.slug}).json()
    clarity = data["questions"][0]
    assert clarity["key"] == "clarity"
    assert clarity["counts"] == [1, 1, 1, 2, 1]
    assert clarity["mean"] == pytest.approx(3.1667)
    assert clarity["median"] == 3.5
    assert clarity["sd"] == pytest.approx(1.472, abs=1e-3)
    assert data["responses"] == 6
    assert data["filter"] == {
        "course_ids": [course.pk], "start": None, "end": None, "module_id": None, "lesson_id": None,
        "instructor_id": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "from: Enter a date as YYYY-MM-DD."),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "to: The end of the period is before its start."),
        ({"course": "no-such-course"}, "course: Unknown course: no-such-course."),
        ({"module": "abc"}, "module: Unknown module."),
        ({"lesson": "999999"}, "lesson: Unknown lesson."),
        ({"instructor": "999999"}, "instructor: Unknown instructor: nobody with this id teaches a lesson."),
    ],
)
def test_bad_filters_answer_400_with_the_message(client, staff_user, params, message):
    client.force_login(staff_user)
    response = client.get(API, params)
    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert message.split(":")[0] in response.json()["errors"]


def test_module_and_lesson_must_belong_to_the_selected_course(client, staff_user, course):
    other = CourseFactory()
    module, other_module = ModuleFactory(course=course), ModuleFactory(course=other)
    lesson = lesson_in(course, module=module)
    client.force_login(staff_user)
    response = client.get(API, {"course": course.slug, "module": other_module.pk})
    assert (response.status_code, response.json()["detail"]) == (
        400,
        "module: The module is not part of the selected courses.",
    )
    response = client.get(API, {"module": other_module.pk, "lesson": lesson.pk})
    assert response.json()["detail"] == "lesson: The lesson is not part of the selected module."
    assert (
        client.get(API, {"course": course.slug, "module": module.pk, "lesson": lesson.pk}).status_code == 200
    )


def test_page_answers_400_with_the_message_beside_the_form(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("reports:feedback-report"), {"to": "31.12.2026"})
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()


def test_operation_is_described_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/reports/feedback/"]["get"]
    assert operation["operationId"] == "feedback_report"
    assert {p["name"] for p in operation["parameters"]} >= {
        "course",
        "from",
        "to",
        "module",
        "lesson",
        "instructor",
    }
    assert set(operation["responses"]) >= {"200", "400", "403"}
    assert "FeedbackReport" in schema["components"]["schemas"]
