"""Fixtures and helpers for the admin tests."""

from datetime import date, datetime, time
from typing import Any

import pytest
from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.test import Client

from tests.courses.factories import CourseFactory


@pytest.fixture
def other_course(db):
    """A course ``instructor`` is not on the team of."""
    return CourseFactory(title="Other course")


@pytest.fixture
def instructor_client(client: Client, instructor) -> Client:
    client.force_login(instructor)
    return client


def _post_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return "" if value is None else str(value)


def _form_data(form: forms.BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        value = form[name].value()
        widget = field.widget.widget if isinstance(field.widget, RelatedFieldWidgetWrapper) else field.widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[key] = "on"
        elif isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{key}_{index}"] = _post_value(part)
        elif isinstance(value, list | tuple):
            data[key] = [_post_value(item) for item in value]
        else:
            data[key] = _post_value(value)
    return data


def changeform_data(response) -> dict[str, Any]:
    """What a browser would post back, unchanged, from an admin add/change page: the main
    form and each inline's existing rows (extra blank rows left out)."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        initial = formset.initial_form_count()
        data |= {
            f"{formset.prefix}-TOTAL_FORMS": str(initial),
            f"{formset.prefix}-INITIAL_FORMS": str(initial),
            f"{formset.prefix}-MIN_NUM_FORMS": "0",
            f"{formset.prefix}-MAX_NUM_FORMS": "1000",
        }
        for form in formset.forms[:initial]:
            data |= _form_data(form)
    return data
