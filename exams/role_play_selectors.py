"""Read queries for role-play sessions: the instructor's control page and the participant's
page (role card, team, current stage, deliverable, reflection). Each runs a fixed number of
queries whatever the number of teams, participants and stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from accounts.models import User
from courses.models import Enrollment
from courses.permissions import user_can_author_course
from exams.models import (
    RolePlay,
    RolePlayAssignment,
    RolePlayDeliverable,
    RolePlayReflection,
    RolePlaySession,
    RolePlayStage,
    RolePlayTeam,
)
from exams.selectors import RolePlayAccess, StageView, _stage_view, role_play_get_for_viewer

if TYPE_CHECKING:
    from courses.permissions import AnyUser


def _session_base():
    return RolePlaySession.objects.select_related("role_play__course", "current_stage", "led_by")


# ---------------------------------------------------------------------------------------------
# A game's sessions


@dataclass
class SessionListPage:
    access: RolePlayAccess
    sessions: list[RolePlaySession]
    can_start: bool


def role_play_sessions_for(*, user: AnyUser, role_play_id: int) -> SessionListPage:
    """The game's sessions the viewer may open: all of them for the course's team and staff
    (with team and participant counts), the ones they take part in for students. Raises
    RolePlay.DoesNotExist like ``role_play_get_for_viewer``."""
    access = role_play_get_for_viewer(user=user, role_play_id=role_play_id)
    sessions = _session_base().filter(role_play=access.role_play)
    if not access.viewer.is_reviewer:
        sessions = sessions.filter(assignments__user_id=user.pk) if user.is_authenticated else sessions.none()
    sessions = sessions.annotate(
        team_count=Count("teams", distinct=True), participant_count=Count("assignments", distinct=True)
    ).order_by("-created_at")
    return SessionListPage(
        access=access,
        sessions=list(sessions),
        can_start=user_can_author_course(user, access.role_play.course_id),
    )


@dataclass
class SessionCreatePage:
    access: RolePlayAccess
    students: list[User]  # the course's active enrollments, to choose from


def role_play_session_create_page(*, user: AnyUser, role_play_id: int) -> SessionCreatePage:
    """The game and the students who may take part (active enrollments, by name)."""
    access = role_play_get_for_viewer(user=user, role_play_id=role_play_id)
    students = list(
        User.objects.filter(
            enrollments__course_id=access.role_play.course_id, enrollments__status=Enrollment.Status.ACTIVE
        ).order_by("last_name", "first_name", "username")
    )
    return SessionCreatePage(access=access, students=students)


# ---------------------------------------------------------------------------------------------
# The instructor's control page


@dataclass
class TeamRow:
    team: RolePlayTeam
    members: list[RolePlayAssignment]
    deliverable: RolePlayDeliverable | None  # of the current stage


@dataclass
class SessionControlPage:
    session: RolePlaySession
    stages: list[RolePlayStage]
    teams: list[TeamRow]
    reflection_count: int
    can_control: bool  # the course's team and superusers; staff only look

    @property
    def role_play(self) -> RolePlay:
        return self.session.role_play

    @property
    def is_finished(self) -> bool:
        return self.session.status == RolePlaySession.Status.FINISHED

    @property
    def advance_label(self) -> str:
        """What the "advance" button does now."""
        status = self.session.status
        if status == RolePlaySession.Status.SETUP:
            return _("Start the first stage")
        if status == RolePlaySession.Status.RUNNING:
            is_last = bool(self.stages) and self.session.current_stage_id == self.stages[-1].pk
            return _("Open the reflection") if is_last else _("Next stage (hands in the teams' drafts)")
        return _("Finish the session")


def role_play_session_control_for(*, user: AnyUser, session_id: int) -> SessionControlPage:
    """The session for its leaders: stages, teams with members and roles, the current stage's
    deliverables, how many reflections are in. Raises RolePlaySession.DoesNotExist for anyone
    but the course's team, staff and superusers."""
    session = _session_base().get(pk=session_id)
    course = session.role_play.course
    is_staff = bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))
    can_control = user_can_author_course(user, course.pk)
    if not (can_control or is_staff):
        raise RolePlaySession.DoesNotExist
    stages = list(RolePlayStage.objects.filter(role_play_id=session.role_play_id).order_by("position", "id"))
    teams = list(
        RolePlayTeam.objects.filter(session=session)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=RolePlayAssignment.objects.select_related("user", "role").order_by(
                    "role__position", "user__username"
                ),
            )
        )
        .order_by("position")
    )
    deliverables = {}
    if session.current_stage_id is not None:
        deliverables = {
            d.team_id: d
            for d in RolePlayDeliverable.objects.filter(
                team__session=session, stage_id=session.current_stage_id
            )
        }
    return SessionControlPage(
        session=session,
        stages=stages,
        teams=[
            TeamRow(team=t, members=list(t.members.all()), deliverable=deliverables.get(t.pk)) for t in teams
        ],
        reflection_count=RolePlayReflection.objects.filter(session=session).count(),
        can_control=can_control,
    )


# ---------------------------------------------------------------------------------------------
# The participant's page


@dataclass
class StageDeliverable:
    stage: RolePlayStage
    deliverable: RolePlayDeliverable | None


@dataclass
class ParticipantPage:
    session: RolePlaySession
    assignment: RolePlayAssignment
    teammates: list[RolePlayAssignment]  # the whole team, the participant included
    stage: StageView | None  # the current stage
    deliverable: RolePlayDeliverable | None  # the team's, for the current stage
    history: list[StageDeliverable] = field(default_factory=list)  # the team's handed-in work
    reflection_questions: list[tuple[str, str]] = field(default_factory=list)  # (question, my answer)
    has_reflected: bool = False

    @property
    def role_play(self) -> RolePlay:
        return self.session.role_play

    @property
    def can_edit_deliverable(self) -> bool:
        return (
            self.session.status == RolePlaySession.Status.RUNNING
            and self.stage is not None
            and (self.deliverable is None or self.deliverable.submitted_at is None)
        )

    @property
    def can_reflect(self) -> bool:
        return self.session.status == RolePlaySession.Status.REFLECTION

    @property
    def deliverable_text(self) -> str:
        return self.deliverable.text_md if self.deliverable else ""


def role_play_session_for_participant(*, user: AnyUser, session_id: int) -> ParticipantPage:
    """The participant's view of a session: their role card, team, the current stage and the
    team's deliverable for it, the team's earlier deliverables (with grades), and the
    reflection. Raises RolePlaySession.DoesNotExist for anyone who does not take part."""
    if not user.is_authenticated:
        raise RolePlaySession.DoesNotExist
    assignment = (
        RolePlayAssignment.objects.select_related(
            "session__role_play__course", "session__current_stage", "session__led_by", "team", "role"
        )
        .filter(session_id=session_id, user_id=user.pk)
        .first()
    )
    if assignment is None:
        raise RolePlaySession.DoesNotExist
    session = assignment.session
    teammates = list(
        RolePlayAssignment.objects.filter(team_id=assignment.team_id)
        .select_related("user", "role")
        .order_by("role__position", "user__username")
    )
    deliverables = {
        d.stage_id: d
        for d in RolePlayDeliverable.objects.filter(team_id=assignment.team_id).select_related("stage")
    }
    current = session.current_stage
    history = sorted(
        (
            StageDeliverable(stage=d.stage, deliverable=d)
            for d in deliverables.values()
            if d.submitted_at is not None and d.stage_id != getattr(current, "pk", None)
        ),
        key=lambda item: (item.stage.position, item.stage.pk),
    )
    reflection = RolePlayReflection.objects.filter(session=session, user_id=user.pk).first()
    questions = session.role_play.reflection_questions or []
    answers = list(reflection.answers) if reflection and isinstance(reflection.answers, list) else []
    answers += [""] * (len(questions) - len(answers))
    return ParticipantPage(
        session=session,
        assignment=assignment,
        teammates=teammates,
        stage=_stage_view(current) if current is not None else None,
        deliverable=deliverables.get(current.pk) if current is not None else None,
        history=history,
        reflection_questions=list(zip(questions, answers, strict=False)),
        has_reflected=reflection is not None,
    )
