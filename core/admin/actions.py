"""Admin actions that move selected objects between states (publish / unpublish).

An action gets the changelist's queryset, which ``get_queryset`` has already narrowed to the
user's courses; each object is checked again with ``has_change_permission(request, obj)``
before its transition runs, so an action never touches an object the user may not change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.exceptions import ApplicationError

# Moves one object; returns whether anything changed. Raises ValidationError/ApplicationError.
Transition = Callable[[Model, AbstractBaseUser], bool]
Action = Callable[[admin.ModelAdmin, HttpRequest, QuerySet], None]


def field_transition(field: str, value: Any) -> Transition:
    """Set ``field`` to ``value``: validated, saved alone, a no-op when already there."""

    @transaction.atomic
    def transition(obj: Model, user: AbstractBaseUser) -> bool:
        if getattr(obj, field) == value:
            return False
        setattr(obj, field, value)
        obj.full_clean()
        obj.save(update_fields=[field, "updated_at"])
        return True

    return transition


def transition_action(*, name: str, description: str | Promise, transition: Transition) -> Action:
    """An admin action running ``transition`` on each selected object the user may change."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        changed, refused = 0, []
        for obj in queryset:
            if not modeladmin.has_change_permission(request, obj):
                refused.append(obj)
                continue
            try:
                changed += transition(obj, request.user)
            except (ValidationError, ApplicationError):
                refused.append(obj)
        opts = modeladmin.model._meta
        modeladmin.message_user(
            request,
            ngettext("%(count)d %(name)s changed.", "%(count)d %(name_plural)s changed.", changed)
            % {"count": changed, "name": opts.verbose_name, "name_plural": opts.verbose_name_plural},
            messages.SUCCESS,
        )
        if refused:
            modeladmin.message_user(
                request,
                _("Left unchanged (not permitted or not valid): %(objects)s")
                % {"objects": ", ".join(str(obj) for obj in refused)},
                messages.WARNING,
            )

    action.__name__ = name
    return action


def publish_actions(*, publish: Transition, unpublish: Transition) -> list[Action]:
    """The "publish" and "unpublish" actions of a model admin."""
    return [
        transition_action(
            name="publish", description=_("Publish selected %(verbose_name_plural)s"), transition=publish
        ),
        transition_action(
            name="unpublish",
            description=_("Unpublish selected %(verbose_name_plural)s"),
            transition=unpublish,
        ),
    ]
