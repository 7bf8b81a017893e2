"""The shared admin machinery: the site and its login, the Pygments stylesheet, Markdown
previews and the publish action factory."""

import pytest
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse

from core.admin import KafedraAdminSite
from core.admin.sites import AdmitsCourseTeamsMixin
from core.markdown import pygments_stylesheet
from lessons.models import Lesson
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, CourseStaffFactory
from tests.exams.factories import RolePlayStageFactory
from tests.lessons.factories import LessonFactory


@pytest.fixture
def instructor_client_core(client, instructor):
    client.force_login(instructor)
    return client


def test_default_admin_site_is_the_kafedra_site():
    # then
    assert isinstance(admin.site, KafedraAdminSite)
    assert reverse("admin:index") == "/admin/"


@pytest.mark.parametrize(
    ("role", "may_enter"),
    [("instructor", True), ("staff", True), ("student", False), ("inactive_instructor", False)],
)
def test_admin_login_admits_staff_and_instructors_only(client, course, role, may_enter):
    # given
    user = UserFactory(username=role, is_staff=role == "staff", is_active=role != "inactive_instructor")
    if "instructor" in role:
        CourseStaffFactory(course=course, user=user)

    # when
    response = client.post(
        reverse("admin:login"),
        {"username": role, "password": "pass-word-123", "next": reverse("admin:index")},
    )

    # then
    if may_enter:
        assert response.status_code == 302
        assert response.url == reverse("admin:index")
    else:
        assert response.status_code == 200
        assert response.context["form"].errors


def test_login_form_installed_by_another_app_keeps_admitting_instructors():
    # given: an app installs its own admin login form (accounts does, for its login throttle)
    class ThrottledForm(AdminAuthenticationForm):
        pass

    site = KafedraAdminSite(name="throwaway")

    # when
    site.login_form = ThrottledForm

    # then
    assert issubclass(site.login_form, ThrottledForm)
    assert issubclass(site.login_form, AdmitsCourseTeamsMixin)


def test_pygments_stylesheet_is_served_from_the_generator(client):
    # when
    response = client.get(reverse("admin:pygments-css"))

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response.content.decode() == pygments_stylesheet()


def test_admin_pages_link_the_pygments_stylesheet(instructor_client_core):
    # when
    response = instructor_client_core.get(reverse("admin:index"))

    # then
    assert reverse("admin:pygments-css") in response.content.decode()


def test_change_form_shows_the_rendered_markdown_after_its_source(instructor_client_core, course):
    # given
    lesson = LessonFactory(module__course=course, body_md="# Title\n\n```python\nprint('hi')\n```\n")

    # when
    response = instructor_client_core.get(reverse("admin:lessons_lesson_change", args=[lesson.pk]))

    # then
    fields = [name for _, options in response.context["adminform"].fieldsets for name in options["fields"]]
    assert fields[fields.index("body_md") + 1] == "body_md_preview"
    html = response.content.decode()
    assert '<div class="markdown-preview">' in html
    assert '<h1 id="title">Title</h1>' in html
    assert 'class="highlight"' in html


def test_preview_shows_the_stored_html_which_is_sanitized(instructor_client_core, course):
    # given
    lesson = LessonFactory(
        module__course=course, body_md="<script>alert(1)</script>\n\n[x](javascript:alert(2))"
    )

    # when
    response = instructor_client_core.get(reverse("admin:lessons_lesson_change", args=[lesson.pk]))

    # then
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html


def test_add_form_has_no_preview(instructor_client_core):
    # when
    response = instructor_client_core.get(reverse("admin:lessons_lesson_add"))

    # then
    fields = [name for _, options in response.context["adminform"].fieldsets for name in options["fields"]]
    assert "body_md" in fields
    assert "body_md_preview" not in fields


def test_every_markdown_field_of_an_inline_gets_a_preview(admin_client):
    # given
    stage = RolePlayStageFactory(brief_md="**Brief**")

    # when
    response = admin_client.get(reverse("admin:exams_roleplay_change", args=[stage.role_play.pk]))

    # then
    assert "<strong>Brief</strong>" in response.content.decode()


def test_publish_action_rechecks_each_object_it_is_handed(instructor, course):
    # given: a queryset that bypassed the changelist and holds another course's lesson
    mine = LessonFactory(module__course=course, is_published=False)
    theirs = LessonFactory(module__course=CourseFactory(), is_published=False)
    model_admin = admin.site._registry[Lesson]
    request = RequestFactory().post("/admin/lessons/lesson/")
    request.user = instructor
    request.session = {}
    request._messages = FallbackStorage(request)
    publish = model_admin.get_actions(request)["publish"][0]

    # when
    publish(model_admin, request, Lesson.objects.filter(pk__in=[mine.pk, theirs.pk]))

    # then
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_published
    assert not theirs.is_published
    assert any(str(theirs) in str(message) for message in request._messages)
