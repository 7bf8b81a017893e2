"""A rendered preview of every Markdown field on admin change forms.

Driven by the model's ``markdown_fields`` mapping (source → stored HTML): each source field is
followed by a read-only "preview" showing the stored HTML, which ``MarkdownModel.save()``
rendered and sanitized with nh3, so it is shown as it is. Highlighted code picks up the
Pygments stylesheet that ``templates/admin/base_site.html`` links on every admin page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

PREVIEW_SUFFIX = "_preview"


def _preview_of(target: str, label: Any) -> Callable[[Model], SafeString | str]:
    def preview(obj: Model) -> SafeString | str:
        html = getattr(obj, target, "") or ""
        if not html:
            return ""
        # Sanitized when saved (core.markdown.render_markdown): safe to show unescaped.
        return format_html('<div class="markdown-preview">{}</div>', mark_safe(html))  # noqa: S308

    preview.short_description = label  # type: ignore[attr-defined]
    return preview


def _with_previews(fields: Sequence[Any], previews: dict[str, str]) -> list[Any]:
    """``fields`` with each preview moved right after its source (entries may be tuples of
    fields shown on one line)."""
    preview_names = set(previews.values())
    result: list[Any] = []
    for entry in fields:
        if entry in preview_names:
            continue
        result.append(entry)
        names = entry if isinstance(entry, list | tuple) else (entry,)
        result.extend(previews[name] for name in names if name in previews)
    return result


class MarkdownPreviewMixin:
    """For ModelAdmin and InlineModelAdmin subclasses. Previews appear once the object exists
    (for inlines: once the parent does)."""

    model: type[Model]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.markdown_previews: dict[str, str] = {}
        for source, target in getattr(self.model, "markdown_fields", {}).items():
            name = f"{source}{PREVIEW_SUFFIX}"
            verbose_name = self.model._meta.get_field(source).verbose_name
            # An instance attribute: admin looks readonly names up with getattr(model_admin, name).
            setattr(self, name, _preview_of(target, format_lazy("{} — {}", verbose_name, _("preview"))))
            self.markdown_previews[source] = name

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[Any]:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if obj is None:
            return fields
        return fields + [name for name in self.markdown_previews.values() if name not in fields]

    def get_fieldsets(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[tuple[Any, dict[str, Any]]]:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if obj is None or not self.markdown_previews:
            return fieldsets
        return [
            (title, {**options, "fields": _with_previews(options["fields"], self.markdown_previews)})
            for title, options in fieldsets
        ]
