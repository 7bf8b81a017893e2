"""Who may handle which course's feedback inbox, moderate its reviews and write its board.

- Superusers and active ``is_staff`` users: every course.
- A member of a course's team (``courses.CourseStaff``, any role): that course only.
- Everybody else: none. Students see only their own items (``selectors.my_feedback_list``)
  and the public board and reviews.

Who wrote an anonymous item is known to its author and to superusers only: staff and the
course's team see "anonymous" in the inbox, the API, the CSV export and every notification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from courses.models import Course
from courses.permissions import authored_course_ids

if TYPE_CHECKING:
    from courses.permissions import AnyUser


def user_handles_all_feedback(user: AnyUser) -> bool:
    """Staff and superusers handle every course's feedback."""
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def feedback_course_ids(user: AnyUser) -> frozenset[int] | None:
    """The ids of the courses whose inbox the user handles; ``None`` means every course."""
    if user_handles_all_feedback(user):
        return None
    return authored_course_ids(user)  # empty for anonymous, inactive and student users


def user_can_handle_feedback(user: AnyUser, course: Course | int) -> bool:
    """Whether the user may read and answer ``course``'s inbox, moderate and publish for it."""
    course_ids = feedback_course_ids(user)
    if course_ids is None:
        return True
    return (course.pk if isinstance(course, Course) else course) in course_ids


def user_has_inbox(user: AnyUser) -> bool:
    """Whether the user may open the inbox at all (staff, or on some course's team)."""
    course_ids = feedback_course_ids(user)
    return course_ids is None or bool(course_ids)


def user_sees_anonymous_authors(user: AnyUser) -> bool:
    """Only superusers see who wrote an anonymous item (besides the author)."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)
