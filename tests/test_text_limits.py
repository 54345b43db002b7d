"""Every free text has a maximum length, in the model, the forms and the API, found mechanically so a new
field is covered the day it is added:

- every TextField of every project model validates its `max_length` (`partnerportal.fields.LimitedTextField`);
- every text field of every project form has a `max_length` (the textarea gets `maxlength`, the server the
  message);
- every string in every request body of the API schema has a `maxLength`.

The messages themselves are tested on the path users take: tests/relations/test_text_limits.py (a notice,
page and API, Danish and English) and the minutes below (a hand-written form and serializer).
"""

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import get_resolver, reverse
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator

from partnerportal.fields import LimitedTextField

ROOT = Path(settings.BASE_DIR).resolve()


def _project_apps():
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(ROOT) and ".venv" not in path.parts:
            found.append(config)
    return found


def test_the_project_apps_are_found():
    names = {config.name for config in _project_apps()}
    assert {"agreements", "kpis", "meetings", "partners", "relations", "partnerportal.notifications"} <= names


def _text_fields():
    for config in _project_apps():
        for model in config.get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField):
                    yield f"{model._meta.label}.{field.name}", field


def test_every_text_field_of_every_model_has_a_maximum_length():
    fields = dict(_text_fields())
    assert "relations.Notice.description" in fields and "meetings.Meeting.minutes" in fields
    unlimited = [name for name, field in fields.items() if not field.max_length]
    assert not unlimited, f"TextFields without max_length (use partnerportal.fields.LimitedTextField): {unlimited}"
    unchecked = [
        name
        for name, field in fields.items()
        if not any(isinstance(v, MaxLengthValidator) and v.limit_value == field.max_length for v in field.validators)
    ]
    assert not unchecked, f"TextFields whose model does not validate max_length: {unchecked}"


def test_the_model_refuses_a_text_over_its_limit_whatever_the_entry_point():
    from django.core.exceptions import ValidationError

    field = apps.get_model("relations", "Notice")._meta.get_field("description")
    assert isinstance(field, LimitedTextField)
    field.clean("x" * field.max_length, None)
    with translation.override("en"), pytest.raises(ValidationError, match="at most 5000 characters"):
        field.clean("x" * (field.max_length + 1), None)


def _form_classes():
    assert get_resolver().url_patterns  # imports every view module, with the forms some of them define
    for config in _project_apps():
        try:
            importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.forms":
                raise
    prefixes = tuple(f"{config.name}." for config in _project_apps())
    seen, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted((c for c in seen if c.__module__.startswith(prefixes)), key=lambda c: c.__qualname__)


def _fields_of(cls):
    """The fields of a form as a page shows it (some set their limit when created), else as declared."""
    try:
        return cls().fields
    except TypeError:  # it needs its user, partner, meeting, …
        return cls.base_fields


@pytest.mark.django_db
def test_every_text_field_of_every_form_has_a_maximum_length():
    classes = _form_classes()
    names = {c.__name__ for c in classes}
    assert {"NoticeForm", "MinutesForm", "TerminateForm", "SurveyAnswerForm", "PortalLoginForm"} <= names
    unlimited = []
    for cls in classes:
        for name, field in _fields_of(cls).items():
            if isinstance(field.widget, forms.PasswordInput):
                continue  # checked against its hash, never stored or shown
            if isinstance(field, forms.CharField) and not field.max_length:
                unlimited.append(f"{inspect.getmodule(cls).__name__}.{cls.__name__}.{name}")
    assert not unlimited, f"form text fields without max_length: {unlimited}"


def test_textareas_carry_the_limit_for_the_browser():
    from meetings.forms import MinutesForm
    from relations.forms import CaseEditForm

    html = str(CaseEditForm()["what_happened"])
    assert "<textarea" in html and 'maxlength="5000"' in html
    assert 'maxlength="50000"' in str(MinutesForm.base_fields["minutes"].widget.render("minutes", ""))


# Strings the schema describes by their format carry no free text of their own.
NOT_FREE_TEXT = {"date", "date-time", "time", "binary", "uuid", "duration"}


def _request_schemas(schema):
    components = schema["components"]["schemas"]

    def resolve(node):
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                yield f"{method.upper()} {path}", resolve(content["schema"]), resolve


def _unlimited_strings(where, node, resolve, found, depth=0):
    node = resolve(node)
    if depth > 6:
        return
    for combined in ("allOf", "oneOf", "anyOf"):
        for part in node.get(combined, []):
            _unlimited_strings(where, part, resolve, found, depth + 1)
    if node.get("type") == "array" and "items" in node:
        _unlimited_strings(f"{where}[]", node["items"], resolve, found, depth + 1)
    for name, prop in node.get("properties", {}).items():
        prop = resolve(prop)
        if prop.get("readOnly"):
            continue
        if prop.get("type") == "string" and "enum" not in prop and prop.get("format") not in NOT_FREE_TEXT:
            if "maxLength" not in prop:
                found.add(f"{where}: {name}")
        else:
            _unlimited_strings(f"{where}.{name}", prop, resolve, found, depth + 1)


def test_every_string_the_api_accepts_has_a_maximum_length():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found, operations = set(), 0
    for where, body, resolve in _request_schemas(schema):
        operations += 1
        _unlimited_strings(where, body, resolve, found)
    assert operations > 20, "the schema lists too few request bodies"
    assert not found, "API request strings without maxLength:\n" + "\n".join(sorted(found))


@pytest.mark.django_db
def test_the_schema_tells_the_notice_limit():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    notice = schema["components"]["schemas"]["NoticeRequest"]["properties"]
    assert notice["description"]["maxLength"] == 5000 and notice["title"]["maxLength"] == 200


# The messages of a hand-written form and serializer (the minutes), in both languages.


@pytest.fixture
def held_meeting(world):
    from meetings.models import Meeting, MeetingStatus

    start = timezone.now() - timezone.timedelta(hours=2)
    meeting = Meeting.objects.create(
        partner=world.partner_a, title="Driftsmøde", start=start, end=start + timezone.timedelta(hours=1)
    )
    meeting.participants.add(world.manager, world.a_manager)
    assert meeting.status == MeetingStatus.PLANNED
    return meeting


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Ensure this value has at most 50000 characters (it has 50001)."),
        ("da", "Denne værdi må højst have 50000 tegn (den har 50001)."),
    ],
)
def test_minutes_over_the_limit_are_refused_on_the_page(world, client_as, held_meeting, language, message):
    world.manager.language = language
    world.manager.save(update_fields=["language"])
    url = reverse("meetings:meeting_minutes", args=[held_meeting.pk])
    response = client_as(world.manager).post(url, {"minutes": "x" * 50_001, "decisions": "Ny rute"})
    assert response.status_code == 400
    assert message in response.content.decode()
    held_meeting.refresh_from_db()
    assert held_meeting.minutes == "" and held_meeting.decisions == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Ensure this field has no more than 50000 characters."),
        ("da", "Tjek at dette felt ikke indeholder flere end 50000 tegn."),
    ],
)
def test_minutes_over_the_limit_are_refused_by_the_api(world, client_as, held_meeting, language, message):
    world.manager.language = language
    world.manager.save(update_fields=["language"])
    response = client_as(world.manager).post(
        reverse("api:meeting-minutes", args=[held_meeting.pk]),
        {"minutes": "x" * 50_001, "decisions": "Ny rute"},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert message in str(response.json())
    held_meeting.refresh_from_db()
    assert held_meeting.minutes == "" and held_meeting.decisions == ""
