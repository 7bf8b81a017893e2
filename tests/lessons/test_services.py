"""lesson_complete and lesson_open: the success paths and every refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.exceptions import ContentLocked, NotEnrolled, ReadOnlyViewer
from courses.models import Course, Enrollment
from lessons.models import Lesson, LessonProgress
from lessons.services import lesson_complete, lesson_open
from tests.accounts.factories import StaffUserFactory
from tests.courses.factories import CourseFactory, EnrollmentFactory, ModuleFactory
from tests.lessons.factories import LessonFactory, LessonProgressFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lessons(course):
    module = ModuleFactory(course=course)
    return LessonFactory.create_batch(4, module=module)


@pytest.fixture
def enrollment(student, course):
    return EnrollmentFactory(user=student, course=course)


def test_completing_a_lesson_marks_it_done_and_updates_the_enrollment(student, lessons, enrollment):
    # when
    progress, updated = lesson_complete(lesson=lessons[0], user=student)

    # then
    assert progress.status == LessonProgress.Status.DONE
    assert progress.completed_at is not None
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 25
    assert enrollment.last_lesson_id == lessons[0].pk
    assert updated.progress_percent == 25


def test_completing_a_started_lesson_finishes_its_progress_row(student, lessons, enrollment):
    started = LessonProgressFactory(user=student, lesson=lessons[1], status=LessonProgress.Status.IN_PROGRESS)

    progress, _enrollment = lesson_complete(lesson=lessons[1], user=student)

    assert progress.pk == started.pk
    assert LessonProgress.objects.get(pk=started.pk).status == LessonProgress.Status.DONE


def test_completing_twice_changes_nothing(student, lessons, enrollment):
    first, _ = lesson_complete(lesson=lessons[0], user=student)

    second, again = lesson_complete(lesson=lessons[0], user=student)

    assert second.pk == first.pk
    assert second.completed_at == first.completed_at
    assert LessonProgress.objects.filter(user=student).count() == 1
    assert again.progress_percent == 25


def test_completing_every_lesson_reaches_100_percent(student, lessons, enrollment):
    for lesson in lessons:
        lesson_complete(lesson=lesson, user=student)

    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 100


def test_a_student_not_enrolled_cannot_complete(student, lessons):
    with pytest.raises(NotEnrolled):
        lesson_complete(lesson=lessons[0], user=student)

    assert not LessonProgress.objects.exists()


def test_a_dropped_student_cannot_complete(student, course, lessons):
    EnrollmentFactory(user=student, course=course, status=Enrollment.Status.DROPPED)

    with pytest.raises(NotEnrolled, match="Enroll again"):
        lesson_complete(lesson=lessons[0], user=student)


@pytest.mark.parametrize("role", ["instructor", "staff"])
def test_the_team_and_staff_read_without_recording(role, instructor, lessons):
    user = instructor if role == "instructor" else StaffUserFactory()

    with pytest.raises(ReadOnlyViewer):
        lesson_complete(lesson=lessons[0], user=user)

    assert not LessonProgress.objects.exists()


def test_a_lesson_of_a_module_not_released_yet_is_locked(student, course, enrollment):
    module = ModuleFactory(course=course, release_at=timezone.now() + timedelta(days=2))
    lesson = LessonFactory(module=module)

    with pytest.raises(ContentLocked, match="opens on"):
        lesson_complete(lesson=lesson, user=student)


def test_a_lesson_behind_an_unfinished_prerequisite_is_locked(student, course, lessons, enrollment):
    later = ModuleFactory(course=course, title="Later", prerequisite=lessons[0].module)
    lesson = LessonFactory(module=later)

    with pytest.raises(ContentLocked, match="Finish the module"):
        lesson_complete(lesson=lesson, user=student)

    for done in lessons:
        lesson_complete(lesson=done, user=student)
    progress, _ = lesson_complete(lesson=lesson, user=student)
    assert progress.status == LessonProgress.Status.DONE


def test_an_unpublished_lesson_does_not_exist_for_students(student, course, enrollment):
    lesson = LessonFactory(module=ModuleFactory(course=course), is_published=False)

    with pytest.raises(Lesson.DoesNotExist):
        lesson_complete(lesson=lesson, user=student)


def test_a_lesson_of_an_archived_course_can_still_be_completed(student):
    course = CourseFactory(status=Course.Status.ARCHIVED)
    lesson = LessonFactory(module=ModuleFactory(course=course))
    EnrollmentFactory(user=student, course=course)

    progress, _ = lesson_complete(lesson=lesson, user=student)

    assert progress.status == LessonProgress.Status.DONE


def test_opening_a_lesson_records_in_progress_and_continue(student, lessons, enrollment):
    progress = lesson_open(lesson=lessons[2], user=student, enrollment=enrollment, progress=None)

    assert progress.status == LessonProgress.Status.IN_PROGRESS
    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == lessons[2].pk


def test_opening_a_done_lesson_keeps_it_done(student, lessons, enrollment):
    done = LessonProgressFactory(user=student, lesson=lessons[0], status=LessonProgress.Status.DONE)

    progress = lesson_open(lesson=lessons[0], user=student, enrollment=enrollment, progress=done)

    assert LessonProgress.objects.get(pk=progress.pk).status == LessonProgress.Status.DONE


def test_opening_records_nothing_for_someone_elses_enrollment(student, lessons):
    other = EnrollmentFactory(course=lessons[0].module.course)

    assert lesson_open(lesson=lessons[0], user=student, enrollment=other, progress=None) is None
    assert not LessonProgress.objects.exists()
