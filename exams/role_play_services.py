"""Writes for role-play sessions (ролевые игры): forming teams, assigning roles, moving the
session through its stages, the teams' deliverables and the participants' reflections.

Teams (``teams_plan``): for N participants and a team size of min..max, the number of teams k
is the smallest k with ceil(N/k) ≤ max and floor(N/k) ≥ min (the game's ``teams_min``..
``teams_max`` narrows k when it can); sizes differ by at most one (23 people, 4–6 → 6, 6, 6, 5).
When no k fits, the service refuses with the reason (form the teams by hand instead).

Roles (``roles_for_team``): each team gets the game's roles in order; a team larger than the
number of roles gets them again from the first, so every role is held by ⌊size/R⌋ or
⌈size/R⌉ members.

Session status: setup (teams formed) → running (stage by stage, advanced by the instructor) →
reflection → finished. Advancing past a stage hands in the teams' drafts of that stage that
have text, so they reach the grading desk.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from datetime import datetime
from random import Random

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import ApplicationError, PermissionDeniedError
from courses.models import Enrollment
from courses.permissions import user_can_author_course
from exams.desk_exceptions import InvalidInput
from exams.models import (
    RolePlay,
    RolePlayAssignment,
    RolePlayDeliverable,
    RolePlayReflection,
    RolePlayRole,
    RolePlaySession,
    RolePlayStage,
    RolePlayTeam,
)

DELIVERABLE_MAX_LENGTH = 50_000
REFLECTION_ANSWER_MAX_LENGTH = 5_000
_TITLE_MAX_LENGTH = RolePlaySession._meta.get_field("title").max_length
_system_random = secrets.SystemRandom()


# ---------------------------------------------------------------------------------------------
# Teams and roles (pure)


def teams_plan(
    *, count: int, size_min: int, size_max: int, teams_min: int | None = None, teams_max: int | None = None
) -> list[int]:
    """Balanced team sizes for ``count`` participants (see the module docstring), largest first.
    Raises InvalidInput when the participants cannot be split within ``size_min..size_max``."""
    if count <= 0:
        raise InvalidInput(_("Choose the participants first."))
    size_min, size_max = max(size_min, 1), max(size_max, 1)
    low, high = math.ceil(count / size_max), count // size_min
    if low > high:
        raise InvalidInput(
            _(
                "%(count)d participants cannot be split into teams of %(min)d–%(max)d people. "
                "Change the participants or form the teams by hand."
            )
            % {"count": count, "min": size_min, "max": size_max}
        )
    preferred = [k for k in range(low, high + 1) if (teams_min or 1) <= k <= (teams_max or high)]
    teams = preferred[0] if preferred else low
    base, extra = divmod(count, teams)
    return [base + 1] * extra + [base] * (teams - extra)


def roles_for_team(*, roles: Sequence[RolePlayRole], size: int) -> list[RolePlayRole]:
    """The roles of a team of ``size`` members: the game's roles in order, repeated evenly."""
    return [roles[index % len(roles)] for index in range(size)]


# ---------------------------------------------------------------------------------------------
# Sessions


def _lead_check(*, user: User, course_id: int) -> None:
    if not user_can_author_course(user, course_id):
        raise PermissionDeniedError(_("Only the course's team runs its role-play sessions."))


def _teams_from_participants(
    *, role_play: RolePlay, enrolled: list[int], participant_ids: Sequence[int] | None, rng: Random
) -> list[list[int]]:
    chosen = list(dict.fromkeys(participant_ids)) if participant_ids is not None else list(enrolled)
    strangers = set(chosen) - set(enrolled)
    if strangers:
        raise InvalidInput(_("Only students actively enrolled in the course can take part."))
    sizes = teams_plan(
        count=len(chosen),
        size_min=role_play.team_size_min,
        size_max=role_play.team_size_max,
        teams_min=role_play.teams_min,
        teams_max=role_play.teams_max,
    )
    rng.shuffle(chosen)
    teams, start = [], 0
    for size in sizes:
        teams.append(chosen[start : start + size])
        start += size
    return teams


def _teams_by_hand(*, enrolled: list[int], manual_teams: Sequence[Sequence[int]]) -> list[list[int]]:
    teams = [list(team) for team in manual_teams if team]
    members = [user_id for team in teams for user_id in team]
    if not members:
        raise InvalidInput(_("Choose the participants first."))
    if len(members) != len(set(members)):
        raise InvalidInput(_("A participant can be in one team only."))
    if set(members) - set(enrolled):
        raise InvalidInput(_("Only students actively enrolled in the course can take part."))
    return teams


@transaction.atomic
def role_play_session_create(
    *,
    role_play: RolePlay,
    led_by: User,
    participant_ids: Sequence[int] | None = None,
    manual_teams: Sequence[Sequence[int]] | None = None,
    title: str = "",
    rng: Random | None = None,
) -> RolePlaySession:
    """Form the teams of a new session of ``role_play`` (status setup) and assign the roles.

    Teams are formed automatically from ``participant_ids`` (all the course's active
    enrollments when None), shuffled and balanced by ``teams_plan``; or taken as given in
    ``manual_teams`` (lists of user ids; sizes are the instructor's call). Each team gets the
    game's roles by ``roles_for_team``. Needs a member of the course's team (or a superuser)
    and a game with roles and stages. Raises PermissionDeniedError, InvalidInput (participants
    not enrolled, in two teams, or not splittable) or ApplicationError (no roles or stages).
    """
    _lead_check(user=led_by, course_id=role_play.course_id)
    roles = list(RolePlayRole.objects.filter(role_play=role_play).order_by("position", "id"))
    if not roles:
        raise ApplicationError(_("This game has no roles yet: add them before starting a session."))
    if not RolePlayStage.objects.filter(role_play=role_play).exists():
        raise ApplicationError(_("This game has no stages yet: add them before starting a session."))
    enrolled = list(
        Enrollment.objects.filter(course_id=role_play.course_id, status=Enrollment.Status.ACTIVE)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    if manual_teams is not None:
        teams = _teams_by_hand(enrolled=enrolled, manual_teams=manual_teams)
    else:
        teams = _teams_from_participants(
            role_play=role_play, enrolled=enrolled, participant_ids=participant_ids, rng=rng or _system_random
        )

    session = RolePlaySession(role_play=role_play, led_by=led_by, title=title.strip()[:_TITLE_MAX_LENGTH])
    session.full_clean()
    session.save()
    course_language = role_play.course.language
    with translation.override(course_language):
        team_rows = [
            RolePlayTeam(session=session, name=_("Team %(number)d") % {"number": index + 1}, position=index)
            for index in range(len(teams))
        ]
    RolePlayTeam.objects.bulk_create(team_rows)
    team_rows = list(RolePlayTeam.objects.filter(session=session).order_by("position"))
    RolePlayAssignment.objects.bulk_create(
        RolePlayAssignment(session=session, team=team, user_id=user_id, role=role)
        for team, members in zip(team_rows, teams, strict=True)
        for user_id, role in zip(members, roles_for_team(roles=roles, size=len(members)), strict=True)
    )
    return session


def _session_locked(session: RolePlaySession) -> RolePlaySession:
    return (
        RolePlaySession.objects.select_for_update(of=("self",))
        .select_related("role_play__course", "current_stage")
        .get(pk=session.pk)
    )


@transaction.atomic
def role_play_session_advance(
    *, session: RolePlaySession, actor: User, now: datetime | None = None
) -> RolePlaySession:
    """Move the session on: setup → the first stage (running); a stage → the next one; the
    last stage → reflection; reflection → finished. Leaving a stage hands in the teams'
    drafts of it that have text (``submitted_at`` set, no ``submitted_by``).
    Raises PermissionDeniedError (not the course's team) or ApplicationError (finished)."""
    now = now or timezone.now()
    session = _session_locked(session)
    _lead_check(user=actor, course_id=session.role_play.course_id)
    stages = list(RolePlayStage.objects.filter(role_play_id=session.role_play_id).order_by("position", "id"))
    fields = ["status", "current_stage", "updated_at"]
    if session.status == RolePlaySession.Status.SETUP:
        if not stages:
            raise ApplicationError(_("This game has no stages."))
        session.status, session.current_stage, session.started_at = (
            RolePlaySession.Status.RUNNING,
            stages[0],
            now,
        )
        fields.append("started_at")
    elif session.status == RolePlaySession.Status.RUNNING:
        current = session.current_stage
        RolePlayDeliverable.objects.filter(
            team__session=session, stage=current, submitted_at__isnull=True
        ).exclude(text_md="").update(submitted_at=now, updated_at=now)
        ids = [stage.pk for stage in stages]
        position = ids.index(current.pk) if current is not None and current.pk in ids else len(ids) - 1
        if position + 1 < len(stages):
            session.current_stage = stages[position + 1]
        else:
            session.status, session.current_stage = RolePlaySession.Status.REFLECTION, None
    elif session.status == RolePlaySession.Status.REFLECTION:
        session.status, session.finished_at = RolePlaySession.Status.FINISHED, now
        fields.append("finished_at")
    else:
        raise ApplicationError(_("This session is already finished."))
    session.save(update_fields=fields)
    return session


# ---------------------------------------------------------------------------------------------
# Participants: deliverables and reflections


def _assignment(*, session: RolePlaySession, user: User) -> RolePlayAssignment:
    assignment = (
        RolePlayAssignment.objects.select_related("team").filter(session=session, user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    if assignment is None:
        raise PermissionDeniedError(_("You are not a participant of this session."))
    return assignment


def _deliverable_locked(*, team: RolePlayTeam, stage: RolePlayStage) -> RolePlayDeliverable:
    rows = RolePlayDeliverable.objects.select_for_update().filter(team=team, stage=stage)
    deliverable = rows.first()
    if deliverable is not None:
        return deliverable
    try:
        with transaction.atomic():
            return RolePlayDeliverable.objects.create(team=team, stage=stage)
    except IntegrityError:
        return rows.get()


@transaction.atomic
def role_play_deliverable_save(
    *, session: RolePlaySession, user: User, text_md: str, submit: bool = False, now: datetime | None = None
) -> RolePlayDeliverable:
    """Save the team's deliverable for the current stage (any member edits it); with
    ``submit``, hand it in for grading (then nobody changes it).
    Raises PermissionDeniedError (not a participant), InvalidInput (not text, too long, empty
    on submit) or ApplicationError (no stage running, already handed in)."""
    now = now or timezone.now()
    session = _session_locked(session)
    assignment = _assignment(session=session, user=user)
    if not isinstance(text_md, str):
        raise InvalidInput(_("The deliverable must be text."))
    if len(text_md) > DELIVERABLE_MAX_LENGTH:
        raise InvalidInput(
            _("The deliverable is too long (at most %(limit)d characters).")
            % {"limit": DELIVERABLE_MAX_LENGTH}
        )
    if session.status != RolePlaySession.Status.RUNNING or session.current_stage is None:
        raise ApplicationError(_("No stage is running now."))
    deliverable = _deliverable_locked(team=assignment.team, stage=session.current_stage)
    if deliverable.submitted_at is not None:
        raise ApplicationError(_("Your team already handed in this stage's deliverable."))
    if submit and not text_md.strip():
        raise InvalidInput(_("Write the deliverable before handing it in."))
    deliverable.text_md = text_md
    fields = ["text_md", "updated_at"]
    if submit:
        deliverable.submitted_at, deliverable.submitted_by = now, user
        fields += ["submitted_at", "submitted_by"]
    deliverable.full_clean()
    deliverable.save(update_fields=fields)
    return deliverable


@transaction.atomic
def role_play_reflection_save(
    *, session: RolePlaySession, user: User, answers: Sequence[str], now: datetime | None = None
) -> RolePlayReflection:
    """Save the participant's reflection: one answer per reflection question of the game, in
    order. Open while the session is in its reflection phase; saving again replaces it.
    Raises PermissionDeniedError (not a participant), InvalidInput (wrong number of answers,
    not text, too long) or ApplicationError (not the reflection phase)."""
    session = _session_locked(session)
    _assignment(session=session, user=user)
    if session.status != RolePlaySession.Status.REFLECTION:
        raise ApplicationError(
            _("The reflection opens after the last stage and closes when the session ends.")
        )
    questions = session.role_play.reflection_questions or []
    if not isinstance(answers, list | tuple) or len(answers) != len(questions):
        raise InvalidInput(
            _("Answer each of the %(count)d reflection questions.") % {"count": len(questions)}
        )
    for answer in answers:
        if not isinstance(answer, str):
            raise InvalidInput(_("Each answer must be text."))
        if len(answer) > REFLECTION_ANSWER_MAX_LENGTH:
            raise InvalidInput(
                _("An answer is too long (at most %(limit)d characters).")
                % {"limit": REFLECTION_ANSWER_MAX_LENGTH}
            )
    reflection, _created = RolePlayReflection.objects.select_for_update().get_or_create(
        session=session, user=user, defaults={"answers": list(answers)}
    )
    if not _created:
        reflection.answers = list(answers)
        reflection.full_clean()
        reflection.save(update_fields=["answers", "updated_at"])
    return reflection
