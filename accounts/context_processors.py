"""What the site header offers the signed-in user, by role.

- Students: their own pages only (dashboard, grades, notifications, profile).
- A course's team (``courses.CourseStaff``): the grading desk, the feedback inbox and report
  of their courses, and authoring in the admin.
- Staff (``is_staff``) and superusers: the same, for every course (the admin itself still
  checks Django's model permissions page by page).

Each link is shown exactly when its page would let the user in: the rules are the pages' own
(``core.admin.sites.may_use_admin``, ``reviews.permissions``, ``reviews.report_permissions``,
the desk's ``exams.desk_selectors``). They all rest on ``courses.permissions.authored_course_ids``,
cached on the request's user, so the header costs at most one query, whatever the number of
courses, and none when the view already asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import SimpleLazyObject

if TYPE_CHECKING:
    from django.http import HttpRequest

    from courses.permissions import AnyUser


@dataclass(frozen=True)
class Navigation:
    grading_desk: bool = False
    feedback_inbox: bool = False
    feedback_report: bool = False
    authoring: bool = False


def navigation_for(user: AnyUser) -> Navigation:
    """The header links ``user`` may follow."""
    from core.admin.sites import may_use_admin
    from courses.permissions import user_is_instructor
    from reviews.permissions import user_has_inbox
    from reviews.report_permissions import user_can_read_reports

    if not user.is_authenticated or not user.is_active:
        return Navigation()
    # The desk index lists the courses of the user's team, or every course for staff
    # (exams.desk_selectors.desk_courses_for).
    grades = bool(user.is_staff or user.is_superuser or user_is_instructor(user))
    return Navigation(
        grading_desk=grades,
        feedback_inbox=user_has_inbox(user),
        feedback_report=user_can_read_reports(user),
        authoring=may_use_admin(user),
    )


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``site_nav`` for templates: worked out only when a template reads it (the header of a full
    page), never for HTMX fragments."""
    return {"site_nav": SimpleLazyObject(lambda: navigation_for(request.user))}
