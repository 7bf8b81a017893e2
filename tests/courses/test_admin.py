"""The course admin and the services its actions call."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.exceptions import PermissionDeniedError
from courses.models import Course, CourseStaff
from courses.services import course_publish, course_unpublish
from tests.courses.conftest import changeform_data
from tests.courses.factories import ModuleFactory
from tests.lessons.factories import LessonFactory


def change_url(course: Course) -> str:
    return reverse("admin:courses_course_change", args=[course.pk])


# -- course_publish / course_unpublish --------------------------------------------------------


def test_course_publish_publishes_and_stamps_the_date(instructor, course):
    # given
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT, published_at=None)

    # when
    published = course_publish(course=course, user=instructor)

    # then
    course.refresh_from_db()
    assert course.status == published.status == Course.Status.PUBLISHED
    assert course.published_at is not None


def test_course_publish_keeps_the_date_of_a_published_course(instructor, course):
    # given
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    first = course_publish(course=course, user=instructor).published_at

    # when
    again = course_publish(course=course, user=instructor)

    # then
    assert again.published_at == first


def test_course_publish_refuses_a_user_outside_the_team(student, course):
    # given
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)

    # when
    with pytest.raises(PermissionDeniedError):
        course_publish(course=course, user=student)

    # then
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT


def test_course_publish_allows_staff_with_the_change_permission(staff_user, course):
    # given
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    staff_user.user_permissions.add(Permission.objects.get(codename="change_course"))

    # when
    published = course_publish(course=course, user=staff_user)

    # then
    assert published.status == Course.Status.PUBLISHED


def test_course_unpublish_returns_to_draft_and_clears_the_date(instructor, course):
    # given
    course = course_publish(course=course, user=instructor)

    # when
    course_unpublish(course=course, user=instructor)

    # then
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT
    assert course.published_at is None


def test_course_unpublish_leaves_an_announced_course_alone(instructor, course):
    # given
    Course.objects.filter(pk=course.pk).update(status=Course.Status.ANNOUNCED)

    # when
    course_unpublish(course=course, user=instructor)

    # then
    course.refresh_from_db()
    assert course.status == Course.Status.ANNOUNCED


def test_course_unpublish_refuses_a_user_outside_the_team(student, course):
    # when / then
    with pytest.raises(PermissionDeniedError):
        course_unpublish(course=course, user=student)


# -- the course admin ---------------------------------------------------------------------


def test_instructor_cannot_change_status_through_the_form(instructor_client, course):
    # given
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    data = changeform_data(instructor_client.get(change_url(course))) | {"status": Course.Status.PUBLISHED}

    # when
    response = instructor_client.post(change_url(course), data)

    # then
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT


def test_instructor_cannot_add_people_to_the_course_team(instructor_client, course, student):
    # given
    data = changeform_data(instructor_client.get(change_url(course)))
    prefix = "staff"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data |= {
        f"{prefix}-TOTAL_FORMS": str(total + 1),
        f"{prefix}-{total}-user": str(student.pk),
        f"{prefix}-{total}-role": CourseStaff.Role.LEAD,
    }

    # when
    instructor_client.post(change_url(course), data)

    # then
    assert not CourseStaff.objects.filter(user=student).exists()


def test_superuser_adds_people_to_the_course_team(admin_client, course, student):
    # given
    data = changeform_data(admin_client.get(change_url(course)))
    total = int(data["staff-TOTAL_FORMS"])
    data |= {
        "staff-TOTAL_FORMS": str(total + 1),
        f"staff-{total}-user": str(student.pk),
        f"staff-{total}-role": CourseStaff.Role.ASSISTANT,
    }

    # when
    response = admin_client.post(change_url(course), data)

    # then
    assert response.status_code == 302
    assert CourseStaff.objects.filter(user=student, course=course, role=CourseStaff.Role.ASSISTANT).exists()


def test_course_page_links_its_modules_in_order(instructor_client, course):
    # given
    second = ModuleFactory(course=course, position=2, title="Second")
    first = ModuleFactory(course=course, position=1, title="First")

    # when
    response = instructor_client.get(change_url(course))

    # then
    html = response.content.decode()
    first_link = reverse("admin:courses_module_change", args=[first.pk])
    second_link = reverse("admin:courses_module_change", args=[second.pk])
    assert html.index(first_link) < html.index(second_link)
    assert f"{reverse('admin:courses_module_add')}?course={course.pk}" in html


def test_module_page_lists_its_lessons_by_position(instructor_client, course):
    # given
    module = ModuleFactory(course=course)
    late = LessonFactory(module=module, position=5)
    early = LessonFactory(module=module, position=1)

    # when
    response = instructor_client.get(reverse("admin:courses_module_change", args=[module.pk]))

    # then
    (lessons,) = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.opts.model.__name__ == "Lesson"
    ]
    assert [form.instance for form in lessons.formset.initial_forms] == [early, late]
