"""The Kafedra admin site: instructors (course team members) log in next to ``is_staff`` users."""

from __future__ import annotations

from functools import cache

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from core.markdown import pygments_stylesheet
from courses.permissions import user_is_instructor


def may_use_admin(user: AbstractBaseUser) -> bool:
    """Active staff users and active members of any course's team."""
    return bool(user.is_active and (user.is_staff or user_is_instructor(user)))


class AdmitsCourseTeamsMixin:
    """For an admin login form: admit active members of a course's team as well as staff."""

    def confirm_login_allowed(self, user: AbstractBaseUser) -> None:
        # AuthenticationForm's rule (active users), not AdminAuthenticationForm's (is_staff).
        AuthenticationForm.confirm_login_allowed(self, user)  # type: ignore[arg-type]
        if not may_use_admin(user):
            raise ValidationError(
                self.error_messages["invalid_login"],  # type: ignore[attr-defined]
                code="invalid_login",
                params={"username": self.username_field.verbose_name},  # type: ignore[attr-defined]
            )


class KafedraAdminAuthenticationForm(AdmitsCourseTeamsMixin, AdminAuthenticationForm):
    pass


@cache
def admitting_course_teams(form_class: type[AuthenticationForm]) -> type[AuthenticationForm]:
    """``form_class`` (an admin login form installed by another app, e.g. a throttled one) with
    the course-team rule layered on top, keeping everything else it does."""
    if issubclass(form_class, AdmitsCourseTeamsMixin):
        return form_class
    return type(form_class.__name__, (AdmitsCourseTeamsMixin, form_class), {})


@cache
def _stylesheet() -> str:
    return pygments_stylesheet()


@require_GET
@cache_control(max_age=86400, public=True)
def pygments_css(request: HttpRequest) -> HttpResponse:
    """Pygments' stylesheet for highlighted code in Markdown previews, generated (never
    hand-written) from the same style the renderer uses."""
    return HttpResponse(_stylesheet(), content_type="text/css; charset=utf-8")


class KafedraAdminSite(admin.AdminSite):
    """Installed as the class of ``django.contrib.admin.site`` (see ``core.admin``), so it
    must not need any instance state beyond ``AdminSite``'s own."""

    site_header = _("Kafedra administration")
    site_title = _("Kafedra")
    index_title = _("Authoring and reports")

    @property
    def login_form(self) -> type[AuthenticationForm]:
        # Another app may install its own login form (accounts does, for the login throttle),
        # before or after this class is installed; whichever it is, instructors stay admitted.
        installed = self.__dict__.get("_installed_login_form") or self.__dict__.get("login_form")
        return admitting_course_teams(installed or KafedraAdminAuthenticationForm)

    @login_form.setter
    def login_form(self, form_class: type[AuthenticationForm]) -> None:
        self.__dict__["_installed_login_form"] = form_class

    def has_permission(self, request: HttpRequest) -> bool:
        return may_use_admin(request.user)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        # Ahead of the site's own patterns, which end with a catch-all.
        return [path("pygments.css", pygments_css, name="pygments-css"), *super().get_urls()]
