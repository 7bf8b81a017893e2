"""Writing imported records: create-or-update by key, children synced by position, and the rule
for what may be deleted (only content that no student work hangs on)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.deletion import Collector, ProtectedError, RestrictedError

from courses.bundles.bundle import Bundle
from courses.bundles.errors import BundleError, Location
from courses.bundles.report import BundleReport
from courses.models import Course, Module

M = TypeVar("M", bound=models.Model)


class RecordRejected(Exception):
    """The model refused a record that passed the bundle checks (a check the bundle format does
    not know of). Raised inside the import transaction, so nothing is written."""

    def __init__(self, error: BundleError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class ImportContext:
    """What one bundle's import has written so far, by key, for later steps to point at."""

    bundle: Bundle
    course: Course
    report: BundleReport
    modules: dict[str, Module] = field(default_factory=dict)
    # (outline kind, key) → (module id, position in the module)
    placement: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def place(self, kind: str, key: str) -> dict[str, Any]:
        """The ``module_id``/``position`` of an outline item; ``None``/0 when in no module."""
        module_id, position = self.placement.get((kind, key), (None, 0))
        return {"module_id": module_id, "position": position}

    def course_record(self, name: str) -> Any:
        """A field of the bundle's course.yaml."""
        assert self.bundle.course is not None  # bundles_check refuses a bundle without course.yaml
        return self.bundle.course[name]

    def remember(self, kind: str, key: str, obj: Any) -> None:
        self.objects.setdefault(kind, {})[key] = obj

    def get(self, kind: str, key: str) -> Any:
        return self.objects[kind][key]


def save_checked(obj: models.Model, *, at: Location, update_fields: Iterable[str] | None = None) -> None:
    """``full_clean()`` the fields (relations and uniqueness are the importer's and the
    database's business) and save. Raises ``RecordRejected`` located at ``at``."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    try:
        obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        messages = [f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items()]
        raise RecordRejected(BundleError(at, "; ".join(messages))) from exc
    if update_fields is None:
        obj.save()
    else:
        obj.save(update_fields=[*update_fields, "updated_at"])


def upsert(
    model: type[M],
    existing: M | None,
    values: dict[str, Any],
    *,
    at: Location,
    report: BundleReport,
    kind: str,
    **create_only: Any,
) -> M:
    """Create the object from ``values`` (plus ``create_only``), or update the fields of
    ``existing`` that differ. Counts created/updated/unchanged under ``kind``."""
    if existing is None:
        obj = model(**values, **create_only)
        save_checked(obj, at=at)
        report.count(kind, "created")
        return obj
    changed = [name for name, value in values.items() if getattr(existing, name) != value]
    if not changed:
        report.count(kind, "unchanged")
        return existing
    for name in changed:
        setattr(existing, name, values[name])
    save_checked(existing, at=at, update_fields=[_field_name(model, name) for name in changed])
    report.count(kind, "updated")
    return existing


def _field_name(model: type[models.Model], attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.name
    return attname


def sync_by_position(
    model: type[M],
    existing: Sequence[M],
    desired: list[tuple[dict[str, Any], Location]],
    *,
    parent: dict[str, Any],
    report: BundleReport,
    kind: str,
) -> list[M]:
    """Make the children of one parent match ``desired`` (values in order): the n-th existing
    child (by position) is updated to the n-th desired one, missing ones are created, extra
    ones deleted. For pure content children (problems, roles, stages, points, outcomes)."""
    kept: list[M] = []
    for index, (values, at) in enumerate(desired):
        current = existing[index] if index < len(existing) else None
        values = {**values, "position": index + 1}
        kept.append(upsert(model, current, values, at=at, report=report, kind=kind, **parent))
    for extra in existing[len(desired) :]:
        extra.delete()
        report.count(kind, "deleted")
    return kept


def in_use(obj: models.Model, pure_content: set[type[models.Model]]) -> bool:
    """Whether deleting ``obj`` would take anything but pure content with it (student work such
    as responses, sittings, progress, feedback), or is refused (PROTECT/RESTRICT).

    Asked of Django's deletion collector, so relations added to the models later are covered.
    """
    collector = Collector(using=obj._state.db or "default", origin=obj)
    try:
        collector.collect([obj])
    except (ProtectedError, RestrictedError):
        return True
    allowed = {model._meta.concrete_model for model in pure_content} | {type(obj)._meta.concrete_model}
    for model, instances in collector.data.items():
        if instances and model._meta.concrete_model not in allowed and not _is_own_m2m(model, allowed):
            return True
    for queryset in collector.fast_deletes:
        model = queryset.model
        if (
            model._meta.concrete_model not in allowed
            and not _is_own_m2m(model, allowed)
            and queryset.exists()
        ):
            return True
    return False


def _is_own_m2m(model: type[models.Model], allowed: set[type[models.Model]]) -> bool:
    """An auto-created many-to-many table between content models (a question's tags)."""
    if not model._meta.auto_created:
        return False
    targets = {f.related_model._meta.concrete_model for f in model._meta.concrete_fields if f.is_relation}
    return targets <= allowed


def delete_unless_in_use(
    obj: models.Model, *, pure_content: set[type[models.Model]], report: BundleReport, kind: str, label: str
) -> bool:
    """Delete ``obj`` (gone from the bundle) unless student work depends on it; note either way.
    Returns whether it was deleted."""
    if in_use(obj, pure_content):
        report.note(kind, "kept", f"{label}: not in the bundle; kept because student work refers to it")
        return False
    obj.delete()
    report.note(kind, "deleted", f"{label}: not in the bundle; deleted")
    return True
