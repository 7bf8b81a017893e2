"""Role-play sessions: team formation and role balance, running the stages, the team's
deliverable, the reflection, the pages for instructors and participants, and the API."""

from collections import Counter
from random import Random

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError, PermissionDeniedError
from exams import role_play_services
from exams.desk_exceptions import InvalidInput
from exams.models import (
    RolePlayAssignment,
    RolePlayDeliverable,
    RolePlayReflection,
    RolePlayRole,
    RolePlaySession,
    RolePlayStage,
    RolePlayTeam,
)
from exams.role_play_services import roles_for_team, teams_plan
from tests.accounts.factories import UserFactory
from tests.courses.factories import EnrollmentFactory
from tests.exams.desk_builders import ROLES, build_world, enrolled, game, running_session
from tests.exams.factories import RolePlayFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Teams and roles (pure)


@pytest.mark.parametrize(
    ("count", "low", "high", "sizes"),
    [
        (23, 4, 6, [6, 6, 6, 5]),
        (24, 4, 6, [6, 6, 6, 6]),
        (10, 4, 6, [5, 5]),
        (4, 4, 6, [4]),
        (13, 4, 6, [5, 4, 4]),
        (30, 3, 3, [3] * 10),
    ],
)
def test_teams_are_balanced_within_the_size_range(count, low, high, sizes):
    assert teams_plan(count=count, size_min=low, size_max=high) == sizes


@pytest.mark.parametrize(("count", "low", "high"), [(7, 4, 6), (3, 4, 6), (0, 4, 6), (11, 6, 6)])
def test_impossible_team_sizes_are_refused_with_the_reason(count, low, high):
    with pytest.raises(InvalidInput) as error:
        teams_plan(count=count, size_min=low, size_max=high)

    assert "team" in error.value.message.lower() or "participants" in error.value.message.lower()


def test_the_games_team_count_is_preferred_when_it_fits():
    assert teams_plan(count=24, size_min=4, size_max=6, teams_min=5, teams_max=6) == [5, 5, 5, 5, 4]
    assert teams_plan(count=24, size_min=4, size_max=6, teams_min=9) == [6, 6, 6, 6]  # cannot: sizes win


def test_roles_repeat_evenly_in_a_team_larger_than_the_cast():
    roles = ["PM", "DS", "MLE", "DevOps"]

    assert roles_for_team(roles=roles, size=6) == ["PM", "DS", "MLE", "DevOps", "PM", "DS"]
    assert roles_for_team(roles=roles, size=3) == ["PM", "DS", "MLE"]


# ---------------------------------------------------------------------------------------------
# Creating a session


def test_23_students_form_4_teams_of_5_or_6_with_even_roles():
    # given
    world = build_world()
    students = [world.student, *enrolled(world.course, 22)]
    role_play = game(world.course, roles=4)
    # when
    session = role_play_services.role_play_session_create(
        role_play=role_play, led_by=world.instructor, rng=Random(7), title="Group A"
    )
    # then
    assert session.status == RolePlaySession.Status.SETUP and session.title == "Group A"
    sizes = sorted(
        Counter(RolePlayAssignment.objects.filter(session=session).values_list("team_id", flat=True)).values()
    )
    assert sizes == [5, 6, 6, 6]
    assert set(RolePlayAssignment.objects.filter(session=session).values_list("user_id", flat=True)) == {
        s.pk for s in students
    }
    for team in RolePlayTeam.objects.filter(session=session):
        counts = Counter(
            RolePlayAssignment.objects.filter(team=team).values_list("role__position", flat=True)
        )
        assert set(counts) == {0, 1, 2, 3}
        assert max(counts.values()) - min(counts.values()) <= 1
    assert list(RolePlayTeam.objects.filter(session=session).values_list("name", flat=True)) == [
        "Team 1", "Team 2", "Team 3", "Team 4",
    ]  # fmt: skip


def test_a_chosen_subset_takes_part():
    world = build_world()
    students = enrolled(world.course, 10)
    role_play = game(world.course)

    session = role_play_services.role_play_session_create(
        role_play=role_play, led_by=world.instructor, participant_ids=[s.pk for s in students[:8]]
    )

    assert RolePlayAssignment.objects.filter(session=session).count() == 8
    assert RolePlayTeam.objects.filter(session=session).count() == 2


def test_teams_by_hand_are_kept_as_given():
    world = build_world()
    students = enrolled(world.course, 5)
    role_play = game(world.course, roles=2)

    session = role_play_services.role_play_session_create(
        role_play=role_play,
        led_by=world.instructor,
        manual_teams=[[students[0].pk, students[1].pk, students[2].pk], [students[3].pk, students[4].pk]],
    )

    teams = list(RolePlayTeam.objects.filter(session=session).order_by("position"))
    assert [t.members.count() for t in teams] == [3, 2]
    roles = list(
        RolePlayAssignment.objects.filter(team=teams[0])
        .order_by("pk")
        .values_list("role__position", flat=True)
    )
    assert roles == [0, 1, 0]


def test_an_unsplittable_group_is_refused_with_a_clear_message():
    world = build_world()
    enrolled(world.course, 6)  # + world.student = 7
    role_play = game(world.course)

    with pytest.raises(InvalidInput) as error:
        role_play_services.role_play_session_create(role_play=role_play, led_by=world.instructor)

    assert "7 participants cannot be split into teams of 4–6 people" in error.value.message
    assert not RolePlaySession.objects.exists()


@pytest.mark.parametrize("who", ["student", "other_instructor", "staff"])
def test_only_the_course_team_starts_sessions(who):
    world = build_world()
    role_play = game(world.course)

    with pytest.raises(PermissionDeniedError):
        role_play_services.role_play_session_create(role_play=role_play, led_by=world.users[who])


def test_a_game_without_roles_cannot_be_run():
    world = build_world()
    role_play = RolePlayFactory(course=world.course)

    with pytest.raises(ApplicationError):
        role_play_services.role_play_session_create(role_play=role_play, led_by=world.instructor)


def test_students_not_enrolled_or_twice_in_teams_are_refused():
    world = build_world()
    students = enrolled(world.course, 4)
    stranger = UserFactory()
    role_play = game(world.course)

    with pytest.raises(InvalidInput):
        role_play_services.role_play_session_create(
            role_play=role_play,
            led_by=world.instructor,
            participant_ids=[*[s.pk for s in students], stranger.pk],
        )
    with pytest.raises(InvalidInput):
        role_play_services.role_play_session_create(
            role_play=role_play, led_by=world.instructor, manual_teams=[[students[0].pk], [students[0].pk]]
        )


# ---------------------------------------------------------------------------------------------
# Running it


def test_the_instructor_leads_the_session_through_its_stages():
    # given
    world = build_world()
    students = enrolled(world.course, 4)
    role_play = game(world.course, stages=2)
    session = role_play_services.role_play_session_create(role_play=role_play, led_by=world.instructor)
    stages = list(RolePlayStage.objects.filter(role_play=role_play).order_by("position"))
    # when / then
    session = role_play_services.role_play_session_advance(session=session, actor=world.instructor)
    assert (session.status, session.current_stage) == (RolePlaySession.Status.RUNNING, stages[0])
    role_play_services.role_play_deliverable_save(
        session=session, user=students[0], text_md="Draft of stage 0"
    )
    session = role_play_services.role_play_session_advance(session=session, actor=world.instructor)
    assert session.current_stage == stages[1]
    assert RolePlayDeliverable.objects.get(stage=stages[0]).submitted_at is not None  # drafts handed in
    session = role_play_services.role_play_session_advance(session=session, actor=world.instructor)
    assert (session.status, session.current_stage) == (RolePlaySession.Status.REFLECTION, None)
    session = role_play_services.role_play_session_advance(session=session, actor=world.instructor)
    assert session.status == RolePlaySession.Status.FINISHED and session.finished_at is not None
    with pytest.raises(ApplicationError):
        role_play_services.role_play_session_advance(session=session, actor=world.instructor)


def test_a_student_cannot_advance_the_session():
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)

    with pytest.raises(PermissionDeniedError):
        role_play_services.role_play_session_advance(session=session, actor=world.student)


def test_any_member_edits_the_team_deliverable_until_it_is_handed_in():
    # given
    world = build_world()
    mates = [world.student, *enrolled(world.course, 3)]
    session, team = running_session(world.course, mates, led_by=world.instructor)
    # when
    role_play_services.role_play_deliverable_save(session=session, user=mates[0], text_md="v1")
    role_play_services.role_play_deliverable_save(session=session, user=mates[1], text_md="v2 **bold**")
    handed = role_play_services.role_play_deliverable_save(
        session=session, user=mates[2], text_md="v3", submit=True
    )
    # then
    assert RolePlayDeliverable.objects.filter(team=team).count() == 1
    assert handed.text_md == "v3" and handed.submitted_by == mates[2] and handed.submitted_at is not None
    with pytest.raises(ApplicationError):
        role_play_services.role_play_deliverable_save(session=session, user=mates[0], text_md="v4")


def test_a_deliverable_is_refused_to_outsiders_empty_hand_ins_and_outside_stages():
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)

    with pytest.raises(PermissionDeniedError):
        role_play_services.role_play_deliverable_save(
            session=session, user=world.users["other_student"], text_md="x"
        )
    with pytest.raises(InvalidInput):
        role_play_services.role_play_deliverable_save(
            session=session, user=world.student, text_md=" ", submit=True
        )
    with pytest.raises(InvalidInput):
        role_play_services.role_play_deliverable_save(session=session, user=world.student, text_md=["x"])
    RolePlaySession.objects.filter(pk=session.pk).update(
        status=RolePlaySession.Status.REFLECTION, current_stage=None
    )
    with pytest.raises(ApplicationError):
        role_play_services.role_play_deliverable_save(session=session, user=world.student, text_md="x")


def test_the_reflection_takes_one_answer_per_question_during_the_reflection():
    # given
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)
    # when / then
    with pytest.raises(ApplicationError):
        role_play_services.role_play_reflection_save(session=session, user=world.student, answers=["a", "b"])
    RolePlaySession.objects.filter(pk=session.pk).update(status=RolePlaySession.Status.REFLECTION)
    with pytest.raises(InvalidInput):
        role_play_services.role_play_reflection_save(
            session=session, user=world.student, answers=["only one"]
        )
    with pytest.raises(PermissionDeniedError):
        role_play_services.role_play_reflection_save(
            session=session, user=world.instructor, answers=["a", "b"]
        )
    role_play_services.role_play_reflection_save(
        session=session, user=world.student, answers=["Good", "Less"]
    )
    role_play_services.role_play_reflection_save(
        session=session, user=world.student, answers=["Better", "More"]
    )
    assert RolePlayReflection.objects.get(session=session, user=world.student).answers == ["Better", "More"]


# ---------------------------------------------------------------------------------------------
# Pages

CONTROL = {
    "anonymous": 302,
    "student": 404,
    "other_student": 404,
    "other_instructor": 404,
    "instructor": 200,
    "staff": 200,
    "superuser": 200,
}
PARTICIPANT = {
    "anonymous": 302,
    "student": 200,
    "other_student": 404,
    "other_instructor": 404,
    "instructor": 302,  # to the control page
    "staff": 302,
    "superuser": 302,
}
CREATE = {
    "anonymous": 302,
    "student": 403,
    "other_student": 403,
    "other_instructor": 403,
    "instructor": 200,
    "staff": 403,
    "superuser": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_control_page_permission_matrix(client, role):
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)
    world.login(client, role)

    response = client.get(reverse("exams:roleplay-session-control", args=[session.pk]))

    assert response.status_code == CONTROL[role]


@pytest.mark.parametrize("role", ROLES)
def test_participant_page_permission_matrix(client, role):
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)
    world.login(client, role)

    response = client.get(reverse("exams:roleplay-session", args=[session.pk]))

    assert response.status_code == PARTICIPANT[role]


@pytest.mark.parametrize("role", ROLES)
def test_create_page_permission_matrix(client, role):
    world = build_world()
    role_play = game(world.course)
    world.login(client, role)

    response = client.get(reverse("exams:roleplay-session-create", args=[role_play.pk]))

    assert response.status_code == CREATE[role]


def test_the_participant_sees_the_role_card_team_stage_and_deliverable_editor(client):
    world = build_world()
    mates = [world.student, *enrolled(world.course, 1)]
    session, _team = running_session(world.course, mates, led_by=world.instructor)
    client.force_login(world.student)

    page = client.get(reverse("exams:roleplay-session", args=[session.pk])).content.decode()

    for text in ("Your role", "Role 0", "Duty 0.", "Team 1", "Role 1", "Stage 0", "Plan 0", "deliverable-md"):
        assert text in page, text


def test_the_instructor_creates_a_session_through_the_form(client):
    world = build_world()
    students = enrolled(world.course, 7)  # + world.student = 8
    role_play = game(world.course)
    client.force_login(world.instructor)

    response = client.post(
        reverse("exams:roleplay-session-create", args=[role_play.pk]),
        {"mode": "auto", "participant": [str(s.pk) for s in [world.student, *students]], "title": "Evening"},
    )

    session = RolePlaySession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:roleplay-session-control", args=[session.pk])
    assert RolePlayTeam.objects.filter(session=session).count() == 2


def test_the_form_by_hand_and_its_errors(client):
    world = build_world()
    students = enrolled(world.course, 3)
    role_play = game(world.course)
    client.force_login(world.instructor)
    url = reverse("exams:roleplay-session-create", args=[role_play.pk])

    bad = client.post(
        url, {"mode": "manual", "participant": [str(students[0].pk)], f"team-{students[0].pk}": "x"}
    )
    too_few = client.post(url, {"mode": "auto", "participant": [str(s.pk) for s in students]})
    good = client.post(
        url,
        {
            "mode": "manual",
            "participant": [str(s.pk) for s in students],
            **{f"team-{s.pk}": "1" for s in students},
        },
    )

    assert bad.status_code == 400 and too_few.status_code == 400
    assert "cannot be split" in too_few.content.decode()
    assert good.status_code == 302
    assert RolePlayAssignment.objects.count() == 3


def test_htmx_autosave_of_the_deliverable_and_hand_in(client):
    world = build_world()
    session, team = running_session(world.course, [world.student], led_by=world.instructor)
    client.force_login(world.student)
    url = reverse("exams:roleplay-deliverable-save", args=[session.pk])

    saved = client.post(url, {"text_md": "Autosaved plan"}, HTTP_HX_REQUEST="true")
    handed = client.post(url, {"text_md": "Final plan", "submit": "1"})
    late = client.post(url, {"text_md": "Late"}, HTTP_HX_REQUEST="true")

    assert saved.status_code == 200 and "Draft saved" in saved.content.decode()
    assert handed.status_code == 302
    assert late.status_code == 409
    assert RolePlayDeliverable.objects.get(team=team).text_md == "Final plan"


def test_the_advance_button_moves_the_session(client):
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)
    client.force_login(world.instructor)

    response = client.post(reverse("exams:roleplay-session-advance", args=[session.pk]))

    session.refresh_from_db()
    assert response.status_code == 302
    assert session.current_stage.position == 1


def test_staff_look_at_the_control_page_but_cannot_advance(client):
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)
    client.force_login(world.users["staff"])

    response = client.post(reverse("exams:roleplay-session-advance", args=[session.pk]))

    assert response.status_code == 403


def test_the_reflection_form_saves(client):
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)
    RolePlaySession.objects.filter(pk=session.pk).update(
        status=RolePlaySession.Status.REFLECTION, current_stage=None
    )
    client.force_login(world.student)

    response = client.post(
        reverse("exams:roleplay-reflection-save", args=[session.pk]),
        {"answer-0": "Fine", "answer-1": "Faster"},
    )

    assert response.status_code == 302
    assert RolePlayReflection.objects.get().answers == ["Fine", "Faster"]


def test_control_page_query_count_does_not_grow_with_teams(client, django_assert_max_num_queries):
    world = build_world()
    enrolled(world.course, 59)
    role_play = game(world.course)
    role_play_services.role_play_session_create(role_play=role_play, led_by=world.instructor, rng=Random(1))
    session = RolePlaySession.objects.get()
    role_play_services.role_play_session_advance(session=session, actor=world.instructor)
    client.force_login(world.instructor)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("exams:roleplay-session-control", args=[session.pk]))

    assert response.status_code == 200


def test_sessions_list_shows_only_own_sessions_to_students(client):
    world = build_world()
    role_play = game(world.course)
    mine, _t = running_session(world.course, [world.student], led_by=world.instructor, role_play=role_play)
    other = UserFactory()
    EnrollmentFactory(user=other, course=world.course)
    theirs, _t = running_session(world.course, [other], led_by=world.instructor, role_play=role_play)
    client.force_login(world.student)

    page = client.get(reverse("exams:roleplay-sessions", args=[role_play.pk])).content.decode()

    assert reverse("exams:roleplay-session", args=[mine.pk]) in page
    assert reverse("exams:roleplay-session", args=[theirs.pk]) not in page


# ---------------------------------------------------------------------------------------------
# API

API = {
    "anonymous": 403,
    "student": 200,
    "other_student": 404,
    "other_instructor": 404,
    "instructor": 404,
    "staff": 404,
    "superuser": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_my_session_api_permission_matrix(client, role):
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)
    world.login(client, role)

    response = client.get(reverse("grading-api:roleplay-session-mine", kwargs={"session_id": session.pk}))

    assert response.status_code == API[role]


def test_my_session_api_gives_the_card_team_and_stage(client):
    world = build_world()
    mates = [world.student, *enrolled(world.course, 1)]
    session, _team = running_session(world.course, mates, led_by=world.instructor)
    client.force_login(world.student)

    data = client.get(reverse("grading-api:roleplay-session-mine", kwargs={"session_id": session.pk})).json()

    assert data["role"] == "Role 0" and data["responsibilities"] == "Duty 0."
    assert data["team"] == "Team 1" and len(data["teammates"]) == 2
    assert data["stage_title"] == "Stage 0" and data["can_edit_deliverable"] is True
    assert data["stage_parts"] == [{"heading": "What to present", "items": ["Plan 0"]}]
    assert data["reflection_questions"] == ["What went well?", "What would you change?"]


def test_deliverable_and_reflection_api(client):
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)
    client.force_login(world.student)
    deliverable_url = reverse("grading-api:roleplay-deliverable-save", kwargs={"session_id": session.pk})
    reflection_url = reverse("grading-api:roleplay-reflection-save", kwargs={"session_id": session.pk})

    saved = client.put(deliverable_url, {"text_md": "Plan", "submit": True}, "application/json")
    again = client.put(deliverable_url, {"text_md": "Plan 2"}, "application/json")
    early = client.put(reflection_url, {"answers": ["a", "b"]}, "application/json")
    RolePlaySession.objects.filter(pk=session.pk).update(
        status=RolePlaySession.Status.REFLECTION, current_stage=None
    )
    wrong = client.put(reflection_url, {"answers": ["a"]}, "application/json")
    bad = client.put(reflection_url, {"answers": "not a list"}, "application/json")
    good = client.put(reflection_url, {"answers": ["a", "b"]}, "application/json")

    assert saved.status_code == 200 and saved.json()["submitted_at"]
    assert again.status_code == 409 and "detail" in again.json()
    assert early.status_code == 409
    assert wrong.status_code == 400 and bad.status_code == 400
    assert good.status_code == 200 and good.json()["answers"] == ["a", "b"]


@pytest.mark.parametrize(
    "body", [{"text_md": {"a": 1}}, {"text_md": "x" * 50_001}, {}, {"text_md": "x", "submit": "maybe"}]
)
def test_deliverable_api_bad_input_is_400(client, body):
    world = build_world()
    session, _team = running_session(world.course, [world.student], led_by=world.instructor)
    client.force_login(world.student)

    response = client.put(
        reverse("grading-api:roleplay-deliverable-save", kwargs={"session_id": session.pk}),
        body,
        "application/json",
    )

    assert response.status_code == 400


def test_roles_of_a_session_come_from_its_game():
    world = build_world()
    role_play = game(world.course, roles=3)
    session, _team = running_session(
        world.course, [world.student], led_by=world.instructor, role_play=role_play
    )

    assignment = RolePlayAssignment.objects.get(session=session)

    assert assignment.role in RolePlayRole.objects.filter(role_play=role_play)


def test_after_the_stages_the_participant_sees_the_graded_history_and_the_reflection(client):
    # given
    world = build_world()
    session, team = running_session(world.course, [world.student], led_by=world.instructor)
    role_play_services.role_play_deliverable_save(
        session=session, user=world.student, text_md="Our plan", submit=True
    )
    deliverable = RolePlayDeliverable.objects.get(team=team)
    from exams.desk_services import deliverable_grade

    deliverable_grade(deliverable=deliverable, grader=world.instructor, points=7, comment="Nice work")
    for _step in range(2):
        role_play_services.role_play_session_advance(session=session, actor=world.instructor)
    client.force_login(world.student)
    # when
    page = client.get(reverse("exams:roleplay-session", args=[session.pk])).content.decode()
    # then
    for text in ("Earlier stages", "Stage 0", "Nice work", "Our plan", "What went well?", "answer-1"):
        assert text in page, text
