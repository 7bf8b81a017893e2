"""Who may author which course.

An instructor is a member of a course's team (``CourseStaff``, any role); they author that
course and everything in it, and nothing else. Superusers author every course. Django's
model permissions (held by ``is_staff`` users) are a separate, course-wide grant that the
admin checks on its own; these functions are only about course membership.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from courses.models import Course, CourseStaff

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = AbstractBaseUser | AnonymousUser

# Cached on the user object, which lives for one request (like Django's own ``_perm_cache``).
_CACHE_ATTRIBUTE = "_authored_course_ids_cache"


def authored_course_ids(user: AnyUser) -> frozenset[int]:
    """Ids of the courses whose team the user is on. Empty for anonymous and inactive users."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        # order_by(): the model's ordering would join the course and user tables for nothing.
        rows = CourseStaff.objects.filter(user=user).order_by().values_list("course_id", flat=True)
        cached = frozenset(rows)
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def user_is_instructor(user: AnyUser) -> bool:
    """Whether the user is on the team of at least one course."""
    return bool(authored_course_ids(user))


def courses_authored_by(user: AnyUser) -> QuerySet[Course]:
    """The courses the user may author: all for a superuser, their team's courses otherwise."""
    if not user.is_authenticated or not user.is_active:
        return Course.objects.none()
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(pk__in=authored_course_ids(user))


def user_can_author_course(user: AnyUser, course: Course | int | None) -> bool:
    """Whether the user may author ``course`` (a Course or its id)."""
    if course is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    course_id = course.pk if isinstance(course, Course) else course
    return course_id in authored_course_ids(user)


def course_team_members(*, courses: QuerySet[Course]) -> QuerySet[User]:
    """Users on the team of any of ``courses``: who may be named a lesson's author or a
    feedback item's owner."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(course_roles__course__in=courses).distinct()
