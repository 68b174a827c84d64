"""Every field of every page's form has a label marked for translation: a field without one is
labelled by Django from its name, in English, on a Dutch or German business's page."""

import importlib
import inspect
import pkgutil

from django import forms
from django.utils.functional import Promise

import web.forms


def _page_forms():
    for module_info in pkgutil.iter_modules(web.forms.__path__):
        module = importlib.import_module(f"web.forms.{module_info.name}")
        for _name, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.BaseForm) and form.__module__ == module.__name__:
                yield form


def test_every_visible_form_field_has_a_translatable_label():
    unlabelled = [
        f"{form.__module__}.{form.__name__}.{name} ({field.label!r})"
        for form in _page_forms()
        for name, field in form.base_fields.items()
        if not isinstance(field.widget, forms.HiddenInput) and not isinstance(field.label, Promise)
    ]

    assert unlabelled == []


def test_the_forms_are_found():
    assert {"VehicleForm", "WebhookEndpointForm", "TransitionForm"} <= {
        form.__name__ for form in _page_forms()
    }
