"""Date and time inputs carry ISO values in every language (issue 14); the quick guard next to the browser sweep
in test_browser_roundtrip.py."""

import importlib
from datetime import UTC, date, datetime, time

import pytest
from django import forms
from django.utils import timezone, translation

from partnerportal import widgets

FORM_MODULES = ["partners.forms", "agreements.forms", "kpis.forms", "meetings.forms", "relations.forms"]
DJANGO_WIDGETS = (forms.DateInput, forms.DateTimeInput, forms.TimeInput)
PORTAL_WIDGETS = (widgets.DateInput, widgets.DateTimeInput, widgets.TimeInput)


def _form_classes():
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == name:
                yield value


def test_every_date_field_of_every_form_uses_the_iso_widgets():
    checked, wrong = 0, []
    for form_class in _form_classes():
        for name, field in form_class.base_fields.items():
            temporal = isinstance(field, (forms.DateField, forms.DateTimeField, forms.TimeField))
            if temporal or isinstance(field.widget, DJANGO_WIDGETS):
                checked += 1
                if not isinstance(field.widget, PORTAL_WIDGETS):
                    wrong.append(f"{form_class.__module__}.{form_class.__name__}.{name}: {type(field.widget)}")
    assert checked >= 15, checked
    assert not wrong, "use partnerportal.widgets for date and time inputs:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize(
    ("widget", "field", "value", "posted", "rendered"),
    [
        (widgets.DateInput, forms.DateField, date(2026, 12, 15), "2026-12-15", 'value="2026-12-15"'),
        (widgets.TimeInput, forms.TimeField, time(9, 30), "09:30", 'value="09:30"'),
        (
            widgets.DateTimeInput,
            forms.DateTimeField,
            datetime(2026, 12, 15, 9, 30),
            "2026-12-15T09:30",
            'value="2026-12-15T09:30"',
        ),
    ],
)
def test_iso_in_and_out_in_both_languages(language, widget, field, value, posted, rendered, settings):
    with translation.override(language), timezone.override("Europe/Copenhagen"):
        form_field = field(widget=widget())
        html = form_field.widget.render("x", value)
        assert rendered in html and f'type="{widget.input_type}"' in html
        cleaned = form_field.clean(posted)
        if isinstance(cleaned, datetime):
            cleaned = timezone.make_naive(cleaned)
        assert cleaned == value


def test_an_unchanged_datetime_keeps_its_seconds():
    class Form(widgets.KeepPrecisionMixin, forms.Form):
        at = forms.DateTimeField(widget=widgets.DateTimeInput())

    stored = datetime(2026, 12, 15, 9, 30, 41, 123456, tzinfo=UTC)
    with timezone.override("UTC"):
        unchanged = Form({"at": "2026-12-15T09:30"}, initial={"at": stored})
        moved = Form({"at": "2026-12-15T09:31"}, initial={"at": stored})
        assert unchanged.is_valid() and moved.is_valid()
    assert unchanged.cleaned_data["at"] == stored
    assert moved.cleaned_data["at"] == datetime(2026, 12, 15, 9, 31, tzinfo=UTC)
