"""Case analyses outside exams: drafts, submitting, the default rubric, the analysis page and
its API, who may open them, and when the reference analysis is shown."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, PermissionDeniedError
from exams import case_services, desk_services
from exams.desk_exceptions import InvalidInput
from exams.models import CaseStudy, CaseSubmission, RubricCriterion
from tests.courses.factories import ModuleFactory
from tests.exams.desk_builders import ROLES, build_world, case_with_problems

pytestmark = pytest.mark.django_db


def _url(case, name="exams:case-analysis") -> str:
    return reverse(name, args=[case.pk])


def _api(case, name="grading-api:case-analysis") -> str:
    return reverse(name, kwargs={"case_id": case.pk})


def _graded(world, case) -> CaseSubmission:
    submission = case_services.case_submission_submit(
        case=case, user=world.student, analysis_md="Drift **found**."
    )
    criteria = case_services.case_rubric_ensure(case=case)
    desk_services.case_submission_grade(
        submission=submission,
        grader=world.instructor,
        scores={c.pk: 3 for c in criteria},
        criterion_comments={criteria[0].pk: "Criterion comment"},
        comment="Teacher comment",
    )
    return submission


# ---------------------------------------------------------------------------------------------
# Services


def test_saving_a_draft_creates_the_analysis_once():
    # given
    world = build_world()
    case = case_with_problems(world.course)
    # when
    first = case_services.case_submission_save(case=case, user=world.student, analysis_md="First")
    second = case_services.case_submission_save(case=case, user=world.student, analysis_md="Second *draft*")
    # then
    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.status == CaseSubmission.Status.DRAFT
    assert second.analysis_html == "<p>Second <em>draft</em></p>"
    assert second.saved_at is not None and second.sitting is None


@pytest.mark.parametrize("role", ["other_student", "instructor", "staff"])
def test_only_the_courses_students_write_analyses(role):
    world = build_world()
    case = case_with_problems(world.course)

    with pytest.raises(PermissionDeniedError):
        case_services.case_submission_save(case=case, user=world.users[role], analysis_md="x")


def test_a_locked_module_refuses_the_draft():
    world = build_world()
    module = ModuleFactory(course=world.course, release_at=timezone.now() + timedelta(days=1))
    case = case_with_problems(world.course, module=module)

    with pytest.raises(PermissionDeniedError):
        case_services.case_submission_save(case=case, user=world.student, analysis_md="x")


def test_an_unpublished_case_does_not_exist_for_students():
    world = build_world()
    case = case_with_problems(world.course, is_published=False)

    with pytest.raises(CaseStudy.DoesNotExist):
        case_services.case_submission_save(case=case, user=world.student, analysis_md="x")


@pytest.mark.parametrize("text", ["x" * (case_services.ANALYSIS_MAX_LENGTH + 1), 42, None])
def test_a_draft_must_be_text_of_reasonable_length(text):
    world = build_world()
    case = case_with_problems(world.course)

    with pytest.raises(InvalidInput):
        case_services.case_submission_save(case=case, user=world.student, analysis_md=text)


def test_submitting_freezes_the_analysis_and_creates_the_default_rubric():
    # given
    world = build_world()
    case = case_with_problems(world.course, problems=2)
    case_services.case_submission_save(case=case, user=world.student, analysis_md="Draft")
    # when
    submission = case_services.case_submission_submit(case=case, user=world.student, analysis_md="Final")
    # then
    assert submission.status == CaseSubmission.Status.SUBMITTED
    assert submission.analysis_md == "Final" and submission.submitted_at is not None
    titles = list(RubricCriterion.objects.filter(case=case).values_list("title", flat=True))
    assert titles == ["Problem 1: Problem 0", "Problem 2: Problem 1", "Conclusions and recommendations"]
    assert submission.max_score == Decimal("15")
    with pytest.raises(ApplicationError):
        case_services.case_submission_save(case=case, user=world.student, analysis_md="Changed")
    with pytest.raises(ApplicationError):
        case_services.case_submission_submit(case=case, user=world.student)


def test_an_empty_analysis_cannot_be_submitted():
    world = build_world()
    case = case_with_problems(world.course)

    with pytest.raises(ApplicationError):
        case_services.case_submission_submit(case=case, user=world.student, analysis_md="   ")

    assert not RubricCriterion.objects.filter(case=case).exists()


def test_a_case_rubric_is_used_as_authored_and_never_duplicated():
    world = build_world()
    case = case_with_problems(world.course)
    RubricCriterion.objects.create(case=case, title="Own criterion", max_points=Decimal("7"))

    first = case_services.case_rubric_ensure(case=case)
    second = case_services.case_rubric_ensure(case=case)

    assert [c.title for c in first] == [c.title for c in second] == ["Own criterion"]


def test_the_default_rubric_of_a_russian_course_is_in_russian():
    world = build_world(language="ru")
    case = case_with_problems(world.course, problems=1)

    criteria = case_services.case_rubric_ensure(case=case)

    with translation.override("ru"):
        expected = [
            _("Problem %(number)d: %(title)s") % {"number": 1, "title": "Problem 0"},
            _("Conclusions and recommendations"),
        ]
    assert [c.title for c in criteria] == expected


# ---------------------------------------------------------------------------------------------
# Pages

PAGE = {
    "anonymous": 302,
    "student": 200,
    "other_student": 403,
    "other_instructor": 403,
    "instructor": 200,
    "staff": 200,
    "superuser": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_analysis_page_permission_matrix(client, role):
    world = build_world()
    case = case_with_problems(world.course)
    world.login(client, role)

    response = client.get(_url(case))

    assert response.status_code == PAGE[role]


@pytest.mark.parametrize("role", ["anonymous", "other_student", "other_instructor", "instructor", "staff"])
def test_only_students_of_the_course_can_save(client, role):
    world = build_world()
    case = case_with_problems(world.course)
    world.login(client, role)

    response = client.post(_url(case), {"analysis_md": "Mine"})

    assert response.status_code in (302, 403)
    assert not CaseSubmission.objects.exists()


def test_htmx_autosave_answers_with_the_save_state(client):
    # given
    world = build_world()
    case = case_with_problems(world.course)
    client.force_login(world.student)
    # when
    response = client.post(_url(case), {"analysis_md": "Autosaved"}, HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 200
    assert "Draft saved at" in response.content.decode()
    assert CaseSubmission.objects.get().analysis_md == "Autosaved"


def test_htmx_autosave_after_submit_is_409_with_the_reason(client):
    world = build_world()
    case = case_with_problems(world.course)
    case_services.case_submission_submit(case=case, user=world.student, analysis_md="Done")
    client.force_login(world.student)

    response = client.post(_url(case), {"analysis_md": "Late"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 409
    assert "already submitted" in response.content.decode()


def test_submit_form_submits_and_the_page_shows_it_waiting(client):
    world = build_world()
    case = case_with_problems(world.course)
    client.force_login(world.student)

    response = client.post(_url(case, "exams:case-analysis-submit"), {"analysis_md": "My final analysis"})
    page = client.get(_url(case)).content.decode()

    assert response.status_code == 302
    assert CaseSubmission.objects.get().status == CaseSubmission.Status.SUBMITTED
    assert "waiting for a teacher" in page
    assert "Symptom 0" not in page  # no reference before the grade


def test_the_reference_analysis_is_shown_to_the_student_only_after_grading(client):
    # given
    world = build_world()
    case = case_with_problems(world.course)
    client.force_login(world.student)
    assert "Symptom 0" not in client.get(_url(case)).content.decode()
    # when
    _graded(world, case)
    page = client.get(_url(case)).content.decode()
    # then
    for text in (
        "Symptom 0",
        "Cause 1",
        "Solution 1",
        "Retrain monthly.",
        "Criterion comment",
        "Teacher comment",
    ):
        assert text in page, text


def test_the_team_always_sees_the_reference_on_the_analysis_page(client):
    world = build_world()
    case = case_with_problems(world.course)
    client.force_login(world.instructor)

    page = client.get(_url(case)).content.decode()

    assert "Symptom 0" in page and "grading desk" in page


def test_the_case_page_links_students_to_their_analysis(client):
    world = build_world()
    case = case_with_problems(world.course)
    client.force_login(world.student)

    page = client.get(reverse("exams:case-detail", args=[case.pk])).content.decode()

    assert _url(case) in page


# ---------------------------------------------------------------------------------------------
# API

API = {
    "anonymous": 403,
    "student": 200,
    "other_student": 403,
    "other_instructor": 403,
    "instructor": 200,
    "staff": 200,
    "superuser": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_analysis_api_permission_matrix(client, role):
    world = build_world()
    case = case_with_problems(world.course)
    world.login(client, role)

    response = client.get(_api(case))

    assert response.status_code == API[role]
    if response.status_code != 200:
        assert "detail" in response.json()


def test_api_save_submit_and_result(client):
    # given
    world = build_world()
    case = case_with_problems(world.course)
    client.force_login(world.student)
    # when
    saved = client.put(
        _api(case, "grading-api:case-analysis-save"), {"analysis_md": "API draft"}, "application/json"
    )
    submitted = client.post(_api(case, "grading-api:case-analysis-submit"), {}, "application/json")
    before = client.get(_api(case)).json()
    submission = CaseSubmission.objects.get()
    criteria = case_services.case_rubric_ensure(case=case)
    desk_services.case_submission_grade(
        submission=submission, grader=world.instructor, scores={c.pk: 5 for c in criteria}
    )
    after = client.get(_api(case)).json()
    # then
    assert saved.status_code == 200 and saved.json()["status"] == "draft"
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert before["reference_problems"] == [] and before["criteria"] == []
    assert after["status"] == "graded"
    assert after["score"] == "15.00" and after["percent"] == "100.00"
    assert [c["points"] for c in after["criteria"]] == ["5.00", "5.00", "5.00"]
    assert after["reference_problems"][0]["symptom"] == "Symptom 0"
    assert after["reference_conclusions"] == ["Monitor the data.", "Retrain monthly."]


@pytest.mark.parametrize(
    "body", [{"analysis_md": {"x": 1}}, {"analysis_md": "x" * 50_001}, {}, {"analysis_md": None}, []]
)
def test_api_bad_input_is_400_never_500(client, body):
    world = build_world()
    case = case_with_problems(world.course)
    client.force_login(world.student)

    response = client.put(_api(case, "grading-api:case-analysis-save"), body, "application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_api_submit_twice_is_409(client):
    world = build_world()
    case = case_with_problems(world.course)
    client.force_login(world.student)
    client.post(_api(case, "grading-api:case-analysis-submit"), {"analysis_md": "Once"}, "application/json")

    response = client.post(_api(case, "grading-api:case-analysis-submit"), {}, "application/json")

    assert response.status_code == 409


def test_api_unknown_case_is_404(client):
    world = build_world()
    client.force_login(world.student)

    response = client.get(reverse("grading-api:case-analysis", kwargs={"case_id": 987654}))

    assert response.status_code == 404


def test_api_the_team_cannot_write_an_analysis(client):
    world = build_world()
    case = case_with_problems(world.course)
    client.force_login(world.instructor)

    response = client.put(
        _api(case, "grading-api:case-analysis-save"), {"analysis_md": "x"}, "application/json"
    )

    assert response.status_code == 403
