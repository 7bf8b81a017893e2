"""Lesson admin: an author is picked among the course's team."""

from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory
from tests.lessons.factories import LessonFactory


def test_lesson_author_is_chosen_among_the_course_team(client, instructor, course, student):
    # given
    colleague = UserFactory(username="colleague")
    CourseStaffFactory(course=course, user=colleague)
    stranger = UserFactory(username="stranger")
    CourseStaffFactory(course=CourseFactory(), user=stranger)
    lesson = LessonFactory(module__course=course)
    client.force_login(instructor)

    # when
    response = client.get(reverse("admin:lessons_lesson_change", args=[lesson.pk]))

    # then
    authors = set(response.context["adminform"].form.fields["author"].queryset)
    assert authors == {instructor, colleague}


def test_lesson_author_outside_the_team_is_refused(client, instructor, course, student):
    # given
    lesson = LessonFactory(module__course=course)
    client.force_login(instructor)
    url = reverse("admin:lessons_lesson_change", args=[lesson.pk])
    data = {
        "module": lesson.module_id,
        "key": lesson.key,
        "title": lesson.title,
        "kind": lesson.kind,
        "author": student.pk,
        "estimated_minutes": 10,
        "position": 0,
    }

    # when
    response = client.post(url, data)

    # then
    assert response.status_code == 200
    assert "author" in response.context["adminform"].form.errors
    lesson.refresh_from_db()
    assert lesson.author is None
