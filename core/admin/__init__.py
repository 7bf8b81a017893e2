"""Shared admin machinery: the Kafedra admin site, course-scoped permissions, Markdown
previews and publish actions. Each app's ``admin.py`` builds on these."""

from django.contrib import admin

from core.admin.actions import field_transition, publish_actions, transition_action
from core.admin.previews import MarkdownPreviewMixin
from core.admin.scoping import (
    ALL_ACTIONS,
    VIEW_ONLY,
    CourseScopedAdmin,
    CourseScopedStackedInline,
    CourseScopedTabularInline,
    ReadOnlyTabularInline,
    ViewOnlyForTeamAdmin,
    related_only,
)
from core.admin.sites import KafedraAdminSite

__all__ = [
    "ALL_ACTIONS",
    "VIEW_ONLY",
    "CourseScopedAdmin",
    "CourseScopedStackedInline",
    "CourseScopedTabularInline",
    "KafedraAdminSite",
    "MarkdownPreviewMixin",
    "ReadOnlyTabularInline",
    "ViewOnlyForTeamAdmin",
    "field_transition",
    "publish_actions",
    "related_only",
    "transition_action",
]


def use_kafedra_admin_site() -> None:
    """Make ``django.contrib.admin.site`` a KafedraAdminSite.

    Django creates that site before any project admin module is imported, and third-party apps
    (auth, django-celery-beat, authtoken) register on it; changing its class keeps those
    registrations and ``admin.site.urls`` in ``config/urls.py`` as they are, and adds the
    instructor login rule. ``admin.site`` is a lazy proxy: the assignment reaches the real site.
    """
    if not isinstance(admin.site, KafedraAdminSite):
        admin.site.__class__ = KafedraAdminSite


use_kafedra_admin_site()
