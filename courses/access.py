"""Who may read a course's content, and why a module is locked: pure rules over loaded rows.

Selectors use these to tell pages what to show (the state and the reason), services use the
same functions to refuse writes, so the two never disagree.

- A *learner* is a user with an active or completed enrollment in a published or archived
  course. Learners read what is released and unlocked; their progress is recorded.
- A *reviewer* is a member of the course's team, a staff user or a superuser. Reviewers read
  every lesson of the course (unpublished and locked ones too, for previews) without enrolling;
  nothing is recorded for them.
- Everybody else sees the public course page only.

A module is locked for a learner until its ``release_at`` and until every published lesson of
its prerequisite module is done. Locks are enforced on the server: a locked lesson, case or
role play answers 403 with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import Course, Enrollment, Module

if TYPE_CHECKING:
    from courses.permissions import AnyUser

LEARNING_STATUSES = (Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)
READABLE_COURSE_STATUSES = (Course.Status.PUBLISHED, Course.Status.ARCHIVED)


@dataclass(frozen=True)
class CourseViewer:
    """A user's standing in one course, loaded once per request by
    ``courses.selectors.course_viewer``."""

    course: Course
    user: AnyUser
    enrollment: Enrollment | None  # whatever its status
    is_team: bool
    is_staff: bool  # ``is_staff`` or superuser

    @property
    def is_learner(self) -> bool:
        return (
            self.enrollment is not None
            and self.enrollment.status in LEARNING_STATUSES
            and self.course.status in READABLE_COURSE_STATUSES
        )

    @property
    def is_reviewer(self) -> bool:
        return self.is_team or self.is_staff

    @property
    def can_read(self) -> bool:
        return self.is_learner or self.is_reviewer

    @property
    def is_read_only(self) -> bool:
        """Reads the content, but nothing is recorded (the team and staff)."""
        return self.can_read and not self.is_learner

    @property
    def can_enroll(self) -> bool:
        """Whether the enroll button applies (the service has the final word)."""
        return self.course.status == Course.Status.PUBLISHED and not self.is_team and not self.is_learner

    @property
    def can_see_drafts(self) -> bool:
        return self.is_reviewer

    def read_refusal(self) -> str | None:
        """Why this user may not read the course's content, or None."""
        if self.can_read:
            return None
        if self.course.status not in READABLE_COURSE_STATUSES:
            return _("This course is not open yet.")
        if self.enrollment is not None and self.enrollment.status == Enrollment.Status.DROPPED:
            return _("You left this course. Enroll again to continue.")
        return _("Enroll in the course to open its lessons.")


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def module_lock_reason(
    *, module: Module, prerequisite: Module | None, prerequisite_done: bool, now: datetime
) -> str | None:
    """Why a learner cannot open ``module`` now, or None. ``prerequisite`` is the loaded
    prerequisite module (for its title); ``prerequisite_done`` whether all its published
    lessons are done."""
    if module.release_at is not None and now < module.release_at:
        return _("This module opens on %(when)s.") % {"when": _when(module.release_at)}
    if module.prerequisite_id is not None and not prerequisite_done:
        title = prerequisite.title if prerequisite is not None else ""
        return _("Finish the module “%(title)s” first.") % {"title": title}
    return None


def viewer_lock_reason(*, viewer: CourseViewer, module_reason: str | None) -> str | None:
    """The lock that applies to this viewer: reviewers are never locked out."""
    return None if viewer.is_reviewer else module_reason
