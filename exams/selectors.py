"""Read queries for exams' content pages, scoped to what the viewer may see, each with a fixed
number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from courses.access import CourseViewer
from courses.models import Course
from courses.selectors import course_viewer
from exams.models import CaseProblem, CaseStudy, RolePlay, RolePlayRole, RolePlayStage
from lessons.selectors import content_access

if TYPE_CHECKING:
    from courses.permissions import AnyUser

_PUBLIC_COURSE_STATUSES = (Course.Status.PUBLISHED, Course.Status.ARCHIVED)


# ---------------------------------------------------------------------------------------------
# Case studies


@dataclass
class CaseAccess:
    case: CaseStudy
    viewer: CourseViewer
    refusal: str | None  # why the viewer may not open it (403), None when they may
    module_lock: str | None  # the module's lock, shown to reviewers as information
    problems: list[CaseProblem]  # the reference analysis: empty unless ``show_analysis``

    @property
    def show_analysis(self) -> bool:
        """The reference analysis (problems, conclusions) is for the course's team and staff;
        students see it only once their own analysis is graded (not on this page)."""
        return self.viewer.is_reviewer


def case_get_for_viewer(*, user: AnyUser, case_id: int, now: datetime | None = None) -> CaseAccess:
    """The case with its course and module, and the viewer's access to it. Unpublished cases
    and cases of courses that are not public exist only for the team and staff:
    CaseStudy.DoesNotExist for everybody else (404). The reference analysis is loaded only for
    those who may see it."""
    case = CaseStudy.objects.select_related("course", "module__prerequisite").get(pk=case_id)
    viewer = course_viewer(user=user, course=case.course)
    visible = case.is_published and case.course.status in _PUBLIC_COURSE_STATUSES
    if not (visible or viewer.is_reviewer):
        raise CaseStudy.DoesNotExist
    refusal, lock = content_access(viewer=viewer, module=case.module, now=now)
    problems = (
        list(CaseProblem.objects.filter(case=case).order_by("position", "id")) if viewer.is_reviewer else []
    )
    return CaseAccess(case=case, viewer=viewer, refusal=refusal, module_lock=lock, problems=problems)


# ---------------------------------------------------------------------------------------------
# Role plays


def _range_text(low: int | None, high: int | None) -> str:
    """ "4–6", "4" or "" for a range whose ends may be missing or equal."""
    if low and high and low != high:
        return f"{low}–{high}"
    return str(low or high or "")


@dataclass
class StageView:
    stage: RolePlayStage
    parts: list[tuple[str, list[str]]]  # (heading, items), only the non-empty lists


def _stage_view(stage: RolePlayStage) -> StageView:
    parts = [
        (_("What the teams are given"), stage.inputs),
        (_("What to find out"), stage.questions),
        (_("What to decide"), stage.decisions),
        (_("Complications"), stage.complications),
        (_("What to present"), stage.deliverables),
    ]
    return StageView(stage=stage, parts=[(str(title), items) for title, items in parts if items])


@dataclass
class RolePlayAccess:
    role_play: RolePlay
    viewer: CourseViewer
    refusal: str | None
    module_lock: str | None

    @property
    def team_size(self) -> str:
        return _range_text(self.role_play.team_size_min, self.role_play.team_size_max)

    @property
    def teams(self) -> str:
        return _range_text(self.role_play.teams_min, self.role_play.teams_max)

    @property
    def duration(self) -> str:
        return _range_text(self.role_play.duration_min_minutes, self.role_play.duration_max_minutes)

    @property
    def stages(self) -> list[StageView]:
        return [_stage_view(stage) for stage in self.role_play.stages.all()]


def role_play_get_for_viewer(
    *, user: AnyUser, role_play_id: int, now: datetime | None = None
) -> RolePlayAccess:
    """The role play with its roles and stages, and the viewer's access to it; visibility as
    for cases (RolePlay.DoesNotExist → 404)."""
    role_play = (
        RolePlay.objects.select_related("course", "module__prerequisite")
        .prefetch_related(
            Prefetch("roles", queryset=RolePlayRole.objects.order_by("position", "id")),
            Prefetch("stages", queryset=RolePlayStage.objects.order_by("position", "id")),
        )
        .get(pk=role_play_id)
    )
    viewer = course_viewer(user=user, course=role_play.course)
    visible = role_play.is_published and role_play.course.status in _PUBLIC_COURSE_STATUSES
    if not (visible or viewer.is_reviewer):
        raise RolePlay.DoesNotExist
    refusal, lock = content_access(viewer=viewer, module=role_play.module, now=now)
    return RolePlayAccess(role_play=role_play, viewer=viewer, refusal=refusal, module_lock=lock)
