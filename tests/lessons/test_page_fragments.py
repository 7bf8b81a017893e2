"""The lesson page's shared fragments (body, contents, pager, reading list) are rendered once
per course content version and language, and never served after the content has changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.content_version import course_content_version
from courses.models import Resource
from lessons.models import Lesson
from tests.courses.factories import EnrollmentFactory, ModuleFactory, ResourceFactory
from tests.lessons.factories import LessonFactory

pytestmark = pytest.mark.django_db


def _url(lesson: Lesson) -> str:
    return reverse("lessons:lesson-detail", args=[lesson.pk])


@pytest.fixture
def reader(client, student, course):
    """An enrolled student on the second of three lessons, with a reading list."""
    module = ModuleFactory(course=course, position=1)
    lessons = [LessonFactory(module=module, position=n, title=f"Lesson {n}") for n in (1, 2, 3)]
    ResourceFactory(course=course, title="Designing ML Systems", collection=Resource.Collection.LITERATURE)
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)
    client.get(_url(lessons[1]))  # the first view renders and caches the fragments
    return lessons


def test_a_cached_page_runs_none_of_the_shared_parts_queries(client, reader):
    # given: the page was viewed once (fixture)
    lesson = reader[1]

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(lesson))

    # then: user, lesson, enrollment, team, progress; no neighbours, reading list or body
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert len(queries) == 5, [query["sql"][:80] for query in queries.captured_queries]
    assert "courses_resource" not in tables
    content = response.content.decode()
    assert "Lesson 1" in content and "Lesson 3" in content and "Designing ML Systems" in content
    assert "Some text." in content


def test_renaming_a_neighbour_shows_on_the_page_at_once(client, reader):
    # when
    neighbour = reader[2]
    neighbour.title = "Renamed neighbour"
    neighbour.save()

    # then
    assert "Renamed neighbour" in client.get(_url(reader[1])).content.decode()


def test_editing_the_lesson_itself_shows_at_once(client, reader):
    # when
    lesson = Lesson.objects.get(pk=reader[1].pk)
    lesson.body_md = "# Lesson 2\n\nA corrected paragraph.\n"
    lesson.save()

    # then
    content = client.get(_url(reader[1])).content.decode()
    assert "A corrected paragraph." in content and "Some text." not in content


def test_reading_list_changes_show_at_once(client, reader, course):
    # when
    Resource.objects.get(course=course).delete()
    ResourceFactory(course=course, title="Reliable Machine Learning")

    # then
    content = client.get(_url(reader[1])).content.decode()
    assert "Reliable Machine Learning" in content and "Designing ML Systems" not in content


def test_unpublishing_a_neighbour_removes_it_from_the_pager(client, reader):
    # when
    neighbour = Lesson.objects.get(pk=reader[2].pk)
    neighbour.is_published = False
    neighbour.save(update_fields=["is_published", "updated_at"])

    # then
    assert _url(reader[2]) not in client.get(_url(reader[1])).content.decode()


def test_each_language_gets_its_own_fragments(client, reader):
    # when
    english = client.get(_url(reader[1]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    russian = client.get(_url(reader[1]), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    # then: the cached parts speak the page's language
    assert "Reading list of the course" in english
    assert "Reading list of the course" not in russian and "Список литературы курса" in russian


def test_the_team_and_students_do_not_share_a_pager(client, reader, student, instructor):
    # given: an unpublished lesson after the last one
    LessonFactory(module=reader[2].module, position=4, title="Draft lesson", is_published=False)
    last = _url(reader[2])

    # when: the team and the student open the last published lesson
    client.force_login(instructor)
    team_page = client.get(last).content.decode()
    client.force_login(student)
    student_page = client.get(last).content.decode()

    # then: the team's pager leads to the draft, the student's never does
    assert "Draft lesson" in team_page
    assert "Draft lesson" not in student_page


def test_the_version_is_renewed_again_when_the_writer_commits(django_capture_on_commit_callbacks, course):
    # given
    before = course_content_version(course_id=course.pk)

    # when: a write inside a transaction; a reader takes the version before the commit
    with django_capture_on_commit_callbacks(execute=True):
        ModuleFactory(course=course)
        during = course_content_version(course_id=course.pk)

    # then: the version changed at the write and again at the commit
    after = course_content_version(course_id=course.pk)
    assert before != during != after
