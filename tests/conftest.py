import pytest
from django.core.cache import cache

from tests.accounts.factories import StaffUserFactory, UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and cached fragments must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def student(db):
    return UserFactory(username="student")


@pytest.fixture
def course(db):
    return CourseFactory()


@pytest.fixture
def instructor(db, course):
    """A member of ``course``'s staff (not a Django staff user)."""
    user = UserFactory(username="instructor")
    CourseStaffFactory(course=course, user=user)
    return user


@pytest.fixture
def staff_user(db):
    return StaffUserFactory(username="staffer")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)
