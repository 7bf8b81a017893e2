"""Who may read which course's feedback report.

- Staff (active ``is_staff`` users) and superusers read the report of every course, and the
  report across all courses.
- A member of a course's team (``courses.CourseStaff``, any role) reads the report of that
  course, and across the courses whose team they are on; nothing else.
- Everybody else (students, anonymous visitors) reads no report.

The report is aggregate for everybody: no reader, superusers included, ever sees who wrote an
anonymous item (see ``reviews.reports.queries.latest_comments``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from courses.permissions import authored_course_ids

if TYPE_CHECKING:
    from courses.permissions import AnyUser


def user_reads_all_reports(user: AnyUser) -> bool:
    """Whether the user reads the report of every course (staff and superusers)."""
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def report_course_ids(user: AnyUser) -> frozenset[int] | None:
    """The ids of the courses whose report the user may read; ``None`` means every course."""
    if user_reads_all_reports(user):
        return None
    return authored_course_ids(user)  # empty for anonymous, inactive and student users


def user_can_read_reports(user: AnyUser) -> bool:
    """Whether the user may open the report page at all (staff, or on some course's team)."""
    readable = report_course_ids(user)
    return readable is None or bool(readable)


def user_can_read_course_reports(user: AnyUser, course_ids: Iterable[int]) -> bool:
    """Whether the user may read the report of every one of ``course_ids``."""
    readable = report_course_ids(user)
    return readable is None or set(course_ids) <= readable
