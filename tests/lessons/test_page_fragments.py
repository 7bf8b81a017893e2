"""The lesson page's shared fragments (body, contents, pager, reading list) are rendered once
per course content version and language, and never served after the content has changed."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.cache_versions import course_content_version
from courses.models import Enrollment, Resource
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

    # then: lesson, enrollment, team, progress (the user comes from the cache); no neighbours,
    # reading list or body
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert len(queries) == 4, [query["sql"][:80] for query in queries.captured_queries]
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


# ---------------------------------------------------------------------------------------------
# The viewer's whole page (lessons.page_cache)


@pytest.fixture
def warm(client, reader):
    """The second lesson's page, viewed until its frame is cached (the first visit sets the
    CSRF cookie, the second renders and stores the frame)."""
    client.get(_url(reader[1]))
    return reader[1]


def test_a_repeat_visit_runs_no_query(client, warm):
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(warm))

    # then: the session, the user and the page all come from the cache
    assert response.status_code == 200
    assert [query["sql"] for query in queries.captured_queries] == []
    content = response.content.decode()
    assert "Some text." in content and "Designing ML Systems" in content and "Mark as done" in content
    assert "<!--kafedra:lesson-fragment" not in content


def test_marking_done_shows_on_the_next_visit(client, warm):
    # when
    client.post(reverse("lessons:lesson-complete", args=[warm.pk]), HTTP_HX_REQUEST="true")

    # then
    content = client.get(_url(warm)).content.decode()
    assert "Mark as done" not in content and "Done" in content


def test_a_flash_message_is_shown_once_and_never_cached(client, warm):
    # when: "mark as done" without JavaScript redirects back with a message
    client.post(reverse("lessons:lesson-complete", args=[warm.pk]))
    with_message = client.get(_url(warm)).content.decode()
    after = client.get(_url(warm)).content.decode()

    # then
    assert "Marked as done." in with_message
    assert "Marked as done." not in after


def test_viewers_never_share_a_page(client, warm, course):
    # given: another enrolled student
    other = EnrollmentFactory(course=course, user__username="someone-else").user

    # when
    client.force_login(other)
    client.get(_url(warm))
    content = client.get(_url(warm)).content.decode()

    # then: their own page (their own progress), not the first student's
    assert int(client.session[SESSION_KEY]) == other.pk
    assert "Mark as done" in content


def test_leaving_the_course_closes_the_page_at_once(client, warm, student, course):
    # when
    enrollment = Enrollment.objects.get(user=student, course=course)
    enrollment.status = Enrollment.Status.DROPPED
    enrollment.save(update_fields=["status", "updated_at"])

    # then
    assert client.get(_url(warm)).status_code == 403


def test_unpublishing_the_course_hides_the_page_at_once(client, warm, course):
    # when
    course.status = course.Status.DRAFT
    course.save()

    # then
    assert client.get(_url(warm)).status_code == 404


def test_a_new_preferred_language_shows_at_once(client, warm, student):
    # when
    student.preferred_language = "ru"
    student.save()

    # then
    assert '<html lang="ru">' in client.get(_url(warm)).content.decode()


def test_without_a_csrf_cookie_the_page_is_rendered_and_sets_one(client, warm):
    # given
    client.cookies.pop("csrftoken", None)

    # when
    response = client.get(_url(warm))

    # then: rendered (the view ran), with a fresh cookie for the page's forms
    assert response.status_code == 200 and "csrftoken" in response.cookies
    assert response.context is not None and "page" in response.context
