"""Who may see what in exams beyond a course's own objects (those rules live in the selectors)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from courses.permissions import AnyUser


def user_can_see_sandbox_health(user: AnyUser) -> bool:
    """The sandbox health page tells how the grading hosts are set up: staff only (superusers
    included), not course teams or students."""
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))
