"""The role × object world the permission-matrix tests run against (lessons, course pages,
case and role-play pages, the dashboard and their API equivalents)."""

from dataclasses import dataclass

from django.test import Client

from accounts.models import User
from courses.models import Course, Enrollment, Module
from exams.models import CaseStudy, RolePlay
from lessons.models import Lesson
from tests.accounts.factories import StaffUserFactory, UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, EnrollmentFactory, ModuleFactory
from tests.exams.factories import CaseProblemFactory, CaseStudyFactory, RolePlayFactory, RolePlayRoleFactory
from tests.lessons.factories import LessonFactory

ROLES = ("anonymous", "student", "enrolled", "other_instructor", "instructor", "staff")


@dataclass
class World:
    course: Course
    module: Module
    lesson: Lesson
    case: CaseStudy
    role_play: RolePlay
    users: dict[str, User]

    def login(self, client: Client, role: str) -> User | None:
        """Log ``client`` in as ``role`` (nobody for "anonymous"); returns the user."""
        user = self.users.get(role)
        if user is not None:
            client.force_login(user)
        return user


def build_world() -> World:
    """A published course with one module holding a lesson, a case and a role play, and one
    user per role: a student not enrolled, an enrolled student, an instructor of another
    course, an instructor of this course and a staff user."""
    course = CourseFactory(slug="matrix", title="Matrix course")
    module = ModuleFactory(course=course, title="Module one")
    lesson = LessonFactory(module=module, title="Lesson one", body_md="# Lesson one\n\n## Part\n\nText.\n")
    case = CaseStudyFactory(course=course, module=module, title="Case one")
    CaseProblemFactory(case=case, title="Secret problem", symptom="Secret symptom")
    role_play = RolePlayFactory(course=course, module=module, title="Role play one")
    RolePlayRoleFactory(role_play=role_play, name="ML Engineer")
    users = {
        "student": UserFactory(username="m-student"),
        "enrolled": UserFactory(username="m-enrolled"),
        "other_instructor": UserFactory(username="m-other"),
        "instructor": UserFactory(username="m-instructor"),
        "staff": StaffUserFactory(username="m-staff"),
    }
    EnrollmentFactory(user=users["enrolled"], course=course, status=Enrollment.Status.ACTIVE)
    CourseStaffFactory(course=CourseFactory(slug="elsewhere"), user=users["other_instructor"])
    CourseStaffFactory(course=course, user=users["instructor"])
    return World(course=course, module=module, lesson=lesson, case=case, role_play=role_play, users=users)
