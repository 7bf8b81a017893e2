"""What the course services and access rules refuse. Every message is safe to show to the user.

HTTP mapping used by the pages and the API: ``PermissionDeniedError`` subclasses → 403 (with
the reason), every other ``CourseError`` → 409 (the request is fine, the state refuses it).
"""

from core.exceptions import ApplicationError, PermissionDeniedError


class CourseError(ApplicationError):
    """A course rule refused the operation."""


class EnrollmentClosed(CourseError):
    """The course is not published, so nobody can enroll (announced, archived)."""


class AlreadyEnrolled(CourseError):
    """The user is already enrolled (active or completed)."""


class NotEnrolled(PermissionDeniedError):
    """The user is not enrolled in the course whose content they asked for."""


class ContentLocked(PermissionDeniedError):
    """The module is not released yet or its prerequisite is not finished."""


class ReadOnlyViewer(PermissionDeniedError):
    """The course's team or staff: they read the course without enrolling, nothing is recorded."""


class TeamCannotEnroll(PermissionDeniedError):
    """Members of a course's team read it without enrolling."""
