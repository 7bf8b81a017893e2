"""Abstract building blocks shared by every app. Nothing domain-specific lives here."""

from typing import ClassVar

from django.db import models

from core.markdown import render_markdown


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class MarkdownModel(BaseModel):
    """A model with Markdown source fields rendered to sanitized HTML when saved.

    ``markdown_fields`` maps each Markdown source field to the field that stores its HTML.
    Rendering happens in ``save()`` so that every write path (admin, services, bundle import)
    stores HTML, and pages never render Markdown per request. ``bulk_create`` callers call
    ``render_markdown_fields()`` themselves.
    """

    markdown_fields: ClassVar[dict[str, str]] = {}

    class Meta:
        abstract = True

    def render_markdown_fields(self) -> None:
        for source, target in self.markdown_fields.items():
            setattr(self, target, render_markdown(getattr(self, source) or ""))

    def save(self, *args, **kwargs):
        self.render_markdown_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            rendered = {t for s, t in self.markdown_fields.items() if s in update_fields}
            kwargs["update_fields"] = list(set(update_fields) | rendered)
        super().save(*args, **kwargs)
