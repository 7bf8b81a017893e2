"""Case-study and role-play pages: who may open them, what students see (never the reference
analysis), what the course's team sees, locks, and the query budget."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.courses.factories import CourseFactory, EnrollmentFactory, ModuleFactory
from tests.exams.factories import (
    CaseProblemFactory,
    CaseStudyFactory,
    RolePlayFactory,
    RolePlayRoleFactory,
    RolePlayStageFactory,
)
from tests.lessons.matrix import ROLES, build_world

pytestmark = pytest.mark.django_db

PAGE = {
    "anonymous": 302,
    "student": 403,
    "enrolled": 200,
    "other_instructor": 403,
    "instructor": 200,
    "staff": 200,
}


def _case_url(case) -> str:
    return reverse("exams:case-detail", args=[case.pk])


def _role_play_url(role_play) -> str:
    return reverse("exams:roleplay-detail", args=[role_play.pk])


@pytest.mark.parametrize("role", ROLES)
def test_case_page_permission_matrix(client, role):
    world = build_world()
    world.login(client, role)

    response = client.get(_case_url(world.case))

    assert response.status_code == PAGE[role]


@pytest.mark.parametrize("role", ROLES)
def test_role_play_page_permission_matrix(client, role):
    world = build_world()
    world.login(client, role)

    response = client.get(_role_play_url(world.role_play))

    assert response.status_code == PAGE[role]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_team_and_staff_see_the_reference_analysis(client, role):
    world = build_world()
    world.case.conclusions = ["Secret conclusion"]
    world.case.save(update_fields=["conclusions"])
    world.login(client, role)

    content = client.get(_case_url(world.case)).content.decode()

    shown = role in ("instructor", "staff")
    assert ("Secret problem" in content) is shown
    assert ("Secret symptom" in content) is shown
    assert ("Secret conclusion" in content) is shown


def test_case_page_shows_the_students_part_of_the_case(client, student, course):
    case = CaseStudyFactory(
        course=course,
        module=ModuleFactory(course=course),
        situation_md="Online **retail** platform.",
        available_data=["Clickstream logs", "Order history"],
        observations_md="CTR fell by 12%.",
        task_md="Find the causes.",
        discussion_questions=["How would you detect drift?"],
    )
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    content = client.get(_case_url(case)).content.decode()

    for text in (
        "<strong>retail</strong>",
        "Clickstream logs",
        "Order history",
        "CTR fell by 12%.",
        "Find the causes.",
        "How would you detect drift?",
    ):
        assert text in content
    assert "Reference analysis" not in content


def test_role_play_page_shows_roles_stages_and_reflection(client, student, course):
    role_play = RolePlayFactory(
        course=course,
        goal_md="Decide under **pressure**.",
        team_size_min=4,
        team_size_max=6,
        duration_min_minutes=30,
        duration_max_minutes=40,
        learning_effects=["Team work"],
        challenges=["Time pressure"],
        reflection_intro="After the game",
        reflection_questions=["What would you change?"],
    )
    RolePlayRoleFactory(role_play=role_play, name="Product Manager", responsibilities="Sets priorities.")
    RolePlayStageFactory(
        role_play=role_play,
        title="Diagnosis",
        brief_md="Find the cause:",
        questions=["Data drift?"],
        decisions=["Roll back?"],
        deliverables=["A plan"],
    )
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    content = client.get(_role_play_url(role_play)).content.decode()

    for text in (
        "<strong>pressure</strong>",
        "4–6 people",
        "30–40 min",
        "Product Manager",
        "Sets priorities.",
        "Diagnosis",
        "Data drift?",
        "Roll back?",
        "A plan",
        "What to decide",
        "Team work",
        "Time pressure",
        "After the game",
        "What would you change?",
    ):
        assert text in content, text
    assert "Complications" not in content  # empty lists are left out


def test_a_case_in_a_module_not_released_yet_is_403_with_the_reason(client, student, course):
    module = ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=1))
    case = CaseStudyFactory(course=course, module=module)
    role_play = RolePlayFactory(course=course, module=module)
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    case_response = client.get(_case_url(case))
    role_play_response = client.get(_role_play_url(role_play))

    assert case_response.status_code == role_play_response.status_code == 403
    assert "This module opens on" in case_response.content.decode()


def test_unpublished_cases_and_role_plays_are_not_found_for_students(client, student, course):
    case = CaseStudyFactory(course=course, is_published=False)
    role_play = RolePlayFactory(course=course, is_published=False)
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    assert client.get(_case_url(case)).status_code == 404
    assert client.get(_role_play_url(role_play)).status_code == 404


def test_the_team_previews_unpublished_cases(client, instructor, course):
    case = CaseStudyFactory(course=course, is_published=False)
    client.force_login(instructor)

    assert client.get(_case_url(case)).status_code == 200


def test_cases_of_a_draft_course_are_not_found_for_students(client, student):
    case = CaseStudyFactory(course=CourseFactory(status="draft"))
    client.force_login(student)

    assert client.get(_case_url(case)).status_code == 404


def test_unknown_ids_are_not_found(client, student):
    client.force_login(student)

    assert client.get(reverse("exams:case-detail", args=[999999])).status_code == 404
    assert client.get(reverse("exams:roleplay-detail", args=[999999])).status_code == 404


def test_case_page_query_count_does_not_grow_with_problems(
    client, instructor, course, django_assert_max_num_queries
):
    case = CaseStudyFactory(course=course, module=ModuleFactory(course=course))
    CaseProblemFactory.create_batch(30, case=case)
    client.force_login(instructor)

    with django_assert_max_num_queries(7):
        response = client.get(_case_url(case))

    assert response.status_code == 200


def test_role_play_page_query_count_does_not_grow_with_roles_and_stages(
    client, student, course, django_assert_max_num_queries
):
    role_play = RolePlayFactory(course=course)
    RolePlayRoleFactory.create_batch(20, role_play=role_play)
    RolePlayStageFactory.create_batch(20, role_play=role_play, inputs=["a"], questions=["b"])
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)

    with django_assert_max_num_queries(8):
        response = client.get(_role_play_url(role_play))

    assert response.status_code == 200
