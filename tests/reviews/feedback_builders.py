"""Builders for the feedback-loop tests: a course with a team and students, lectures and
questions to give feedback on, and submitted items in its inbox. Built on the factories of
tests/*/factories.py and the reviews services (so items arrive the way students send them)."""

from dataclasses import dataclass, field

import pytest
from django.utils import translation

from accounts.models import User
from courses.models import Course, CourseStaff, Enrollment
from lessons.models import Lesson
from reviews import selectors, services
from reviews.models import FeedbackResponse, LectureFeedback
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory, EnrollmentFactory, ModuleFactory
from tests.lessons.factories import LessonFactory


@dataclass
class Classroom:
    course: Course
    lead: User
    instructor: User
    lessons: list[Lesson]
    students: list[User] = field(default_factory=list)

    def enroll(self, count: int = 1, **fields) -> list[User]:
        new = [EnrollmentFactory(course=self.course, **fields).user for _ in range(count)]
        self.students.extend(new)
        return new

    @property
    def lesson(self) -> Lesson:
        return self.lessons[0]


def classroom(
    *, lessons: int = 1, students: int = 1, sla_hours: int = 48, author_is_instructor: bool = True
) -> Classroom:
    """A published course with a lead and an instructor (who authored the lessons) and
    enrolled students."""
    course = CourseFactory(feedback_sla_hours=sla_hours)
    lead = UserFactory()
    instructor = UserFactory()
    CourseStaffFactory(course=course, user=lead, role=CourseStaff.Role.LEAD)
    CourseStaffFactory(course=course, user=instructor, role=CourseStaff.Role.INSTRUCTOR)
    module = ModuleFactory(course=course)
    built = [
        LessonFactory(module=module, author=instructor if author_is_instructor else None)
        for _ in range(lessons)
    ]
    room = Classroom(course=course, lead=lead, instructor=instructor, lessons=built)
    room.enroll(students)
    return room


def target(kind: str, obj) -> selectors.FeedbackTarget:
    return selectors.feedback_target_get(kind=kind, target_id=obj.pk)


def submit(user: User, lesson: Lesson, **values) -> LectureFeedback:
    values.setdefault("clarity", 4)
    feedback, _created = services.feedback_submit(user=user, target=target("lesson", lesson), **values)
    return feedback


def inbox_item(user: User, lesson: Lesson, **values) -> FeedbackResponse:
    return submit(user, lesson, **values).response


def enrollment_status(room: Classroom, user: User, status: str) -> None:
    Enrollment.objects.filter(course=room.course, user=user).update(status=status)


@pytest.fixture
def english(settings):
    """Pages, messages and notifications in English (the site default is Russian, and the
    translations change as the catalogue grows): tests read the source strings."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
