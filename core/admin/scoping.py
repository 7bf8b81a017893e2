"""Course-scoped admin permissions.

Two grants open an admin page, and either is enough:

* Django's model permissions (``is_staff`` users, superusers): course-wide, as in stock Django.
* Course membership (``courses.CourseStaff``): the user sees and edits only objects of the
  courses on whose team they are, and only the actions the admin's ``instructor_actions`` list.

Every path into the data is narrowed the same way: changelist, change/delete views (their
``get_object`` goes through ``get_queryset``), actions, autocomplete, list filters, inline
querysets, and the choices of foreign keys and many-to-many fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Model, QuerySet
from django.forms.models import _get_foreign_key
from django.http import HttpRequest

from core.admin.previews import MarkdownPreviewMixin
from courses.models import Course
from courses.permissions import authored_course_ids, course_team_members, courses_authored_by

if TYPE_CHECKING:
    from django.db.models import Field

ALL_ACTIONS = frozenset({"view", "add", "change", "delete"})
VIEW_ONLY = frozenset({"view"})
# Picking a user on a course form means picking one of the course's team.
TEAM_LOOKUP = "course_roles__course"


def course_id_of(obj: Model, course_path: str) -> int | None:
    """Follow ``course_path`` ("" for a Course itself, else a ``__`` lookup ending in a
    ForeignKey to Course) from ``obj`` to its course's id; None when the chain is broken."""
    if not course_path:
        return obj.pk
    *hops, last = course_path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


class RelatedOnlyListFilter(admin.RelatedOnlyFieldListFilter):
    """Offers only the objects the listed rows point at, so the sidebar never shows the titles
    of other courses' objects; and keeps a filter given in the URL (a "questions of this quiz"
    link) even when there is a single choice, which Django would otherwise drop silently."""

    def has_output(self) -> bool:
        return bool(self.lookup_val) or super().has_output()


def related_only(path: str) -> tuple[str, type[admin.RelatedOnlyFieldListFilter]]:
    """A list filter on the relation ``path``: see RelatedOnlyListFilter."""
    return (path, RelatedOnlyListFilter)


def _in_courses(course_path: str) -> str:
    return f"{course_path}__in" if course_path else "pk__in"


def _narrowed(
    form_class: type[forms.BaseForm], lookups: dict[str, str], course_id: int
) -> type[forms.BaseForm]:
    """A subclass of ``form_class`` whose ``lookups`` fields offer only ``course_id``'s objects."""

    def __init__(self: forms.BaseForm, *args: Any, **kwargs: Any) -> None:
        form_class.__init__(self, *args, **kwargs)
        for name, lookup in lookups.items():
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                queryset = field.queryset.filter(**{lookup: course_id})
                # Only the team lookup crosses a reverse relation (and User orders by a local field).
                field.queryset = queryset.distinct() if lookup == TEAM_LOOKUP else queryset

    return type(form_class.__name__, (form_class,), {"__init__": __init__})


class CourseChoicesMixin:
    """Foreign-key and many-to-many choices limited to what the user may author.

    ``same_course_fields`` are further limited, once the course of the edited object is
    known, to that course; ``team_member_fields`` (foreign keys to users) offer the course's
    team only.
    """

    same_course_fields: ClassVar[tuple[str, ...]] = ()
    team_member_fields: ClassVar[tuple[str, ...]] = ()
    # Links typed without a scheme are https (Django 6's default, opted into now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    admin_site: admin.AdminSite
    model: type[Model]

    def chooses_from_all_courses(self, request: HttpRequest) -> bool:
        raise NotImplementedError

    def get_field_queryset(self, db: str | None, db_field: Field, request: HttpRequest) -> QuerySet | None:
        queryset = super().get_field_queryset(db, db_field, request)  # type: ignore[misc]
        everywhere = self.chooses_from_all_courses(request)
        if db_field.name in self.team_member_fields:
            courses = Course.objects.all() if everywhere else courses_authored_by(request.user)
            return course_team_members(courses=courses).order_by("username")
        if everywhere:
            return queryset
        related_model = db_field.remote_field.model
        if queryset is None:
            queryset = related_model._default_manager.using(db).all()
        related_admin = self.admin_site._registry.get(related_model)
        if isinstance(related_admin, CourseScopedAdmin):
            return related_admin.scope_to_team(request, queryset)
        return queryset.none()  # fail closed: nothing says which of these a team member may pick

    def same_course_lookups(self) -> dict[str, str]:
        lookups = dict.fromkeys(self.team_member_fields, TEAM_LOOKUP)
        for name in self.same_course_fields:
            related_model = self.model._meta.get_field(name).remote_field.model
            related_admin = self.admin_site._registry[related_model]
            lookups[name] = related_admin.course_path or "pk"
        return lookups


class CourseScopedAdmin(MarkdownPreviewMixin, CourseChoicesMixin, admin.ModelAdmin):
    """A ModelAdmin for a model that belongs to a course through ``course_path``."""

    course_path: ClassVar[str] = "course"
    instructor_actions: ClassVar[frozenset[str]] = ALL_ACTIONS

    # -- the two grants ------------------------------------------------------------------
    def has_model_permission(self, request: HttpRequest, action: str) -> bool:
        """Django's course-wide model permission for ``action`` (view, add, change, delete)."""
        codename = get_permission_codename(action, self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def sees_all_courses(self, request: HttpRequest) -> bool:
        return self.has_model_permission(request, "view") or self.has_model_permission(request, "change")

    def chooses_from_all_courses(self, request: HttpRequest) -> bool:
        return self.has_model_permission(request, "change") or self.has_model_permission(request, "add")

    def course_id_of(self, obj: Model) -> int | None:
        return course_id_of(obj, self.course_path)

    def has_course_access(self, request: HttpRequest, obj: Model | None, action: str) -> bool:
        """Whether team membership allows ``action`` on ``obj`` (on some object if None)."""
        if action not in self.instructor_actions and action != "view":
            return False
        course_ids = authored_course_ids(request.user)
        if not course_ids:
            return False
        return obj is None or self.course_id_of(obj) in course_ids

    def scope_to_team(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to the courses the user is on the team of."""
        return queryset.filter(**{_in_courses(self.course_path): authored_course_ids(request.user)})

    # -- Django's hooks ------------------------------------------------------------------
    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or bool(authored_course_ids(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.sees_all_courses(request) or self.has_course_access(request, obj, "view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_model_permission(request, "add") or self.has_course_access(request, None, "add")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_model_permission(request, "change") or self.has_course_access(request, obj, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_model_permission(request, "delete") or self.has_course_access(request, obj, "delete")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return queryset if self.sees_all_courses(request) else self.scope_to_team(request, queryset)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # get_queryset already narrowed the changelist and autocomplete; narrowing again keeps
        # any other caller (a custom view, a future override) from searching other courses.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not self.sees_all_courses(request):
            queryset = self.scope_to_team(request, queryset)
        return queryset, may_have_duplicates

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.BaseForm]:
        form = super().get_form(request, obj, change, **kwargs)
        course_id = self.course_id_of(obj) if obj is not None else None
        lookups = self.same_course_lookups()
        return _narrowed(form, lookups, course_id) if course_id and lookups else form

    def save_model(self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool) -> None:
        # The form's choices already keep objects inside the user's courses; this re-checks the
        # object itself, where it would end up, before anything is written.
        if change:
            allowed = self.has_change_permission(request, obj)
        else:
            allowed = self.has_model_permission(request, "add") or self.has_course_access(request, obj, "add")
        if not allowed:
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class ViewOnlyForTeamAdmin(CourseScopedAdmin):
    """Records made by students (enrollments, attempts, sittings, submissions): the course's
    team may look, only Django's model permissions allow more."""

    instructor_actions = VIEW_ONLY


class CourseScopedInlineMixin(MarkdownPreviewMixin, CourseChoicesMixin):
    """Inline permissions follow the parent: seeing the parent shows the rows, changing the
    parent edits them. ``team_may_edit = False`` leaves editing to model permissions."""

    team_may_edit: ClassVar[bool] = True

    def parent_admin(self) -> CourseScopedAdmin:
        return self.admin_site._registry[self.parent_model]

    def chooses_from_all_courses(self, request: HttpRequest) -> bool:
        return self.parent_admin().chooses_from_all_courses(request)

    def _team_may(self, request: HttpRequest, obj: Model | None, action: str) -> bool:
        if action != "view" and not self.team_may_edit:
            return False
        return self.parent_admin().has_course_access(request, obj, action)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) or self._team_may(request, obj, "view")

    def has_add_permission(self, request: HttpRequest, obj: Model | None) -> bool:
        return super().has_add_permission(request, obj) or self._team_may(request, obj, "change")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) or self._team_may(request, obj, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) or self._team_may(request, obj, "change")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        parent = self.parent_admin()
        if parent.sees_all_courses(request):
            return queryset
        fk = _get_foreign_key(self.parent_model, self.model, fk_name=self.fk_name)
        path = "__".join(part for part in (fk.name, parent.course_path) if part)
        return queryset.filter(**{_in_courses(path): authored_course_ids(request.user)})

    def get_formset(
        self, request: HttpRequest, obj: Model | None = None, **kwargs: Any
    ) -> type[forms.BaseInlineFormSet]:
        formset = super().get_formset(request, obj, **kwargs)
        course_id = self.parent_admin().course_id_of(obj) if obj is not None else None
        lookups = self.same_course_lookups()
        if course_id and lookups:
            formset.form = _narrowed(formset.form, lookups, course_id)
        return formset


class CourseScopedTabularInline(CourseScopedInlineMixin, admin.TabularInline):
    pass


class CourseScopedStackedInline(CourseScopedInlineMixin, admin.StackedInline):
    pass


class ReadOnlyTabularInline(CourseScopedTabularInline):
    """Rows written by students and the grading services (answers, test results): shown to
    whoever sees the parent, edited by no one here."""

    team_may_edit = False
    can_delete = False
    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[Any]:
        return list(self.fields or ())

    def has_add_permission(self, request: HttpRequest, obj: Model | None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
