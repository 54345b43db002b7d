"""Form help and errors are tied to their fields for screen readers (WCAG 1.3.1, 3.3.1, 3.3.3, 4.1.2).

Django names `<id>_helptext` and `<id>_error` in a field's `aria-describedby` and sets `aria-invalid`;
the templates must render elements with those ids. After a failed submit an error summary at the top of
the form (role=alert, focused by portal.js) lists each error with a link to its field.
"""

import importlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from tests.conftest import client_for

TESTS_DIR = Path(__file__).parent.parent
REFERENCES = ("aria-describedby", "aria-labelledby", "aria-controls", "for")


class Elements(HTMLParser):
    """Every element's tag and attributes, in document order."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def ids(self):
        return [a["id"] for _, a in self.elements if a.get("id")]

    def by_id(self, id_):
        return next((a for _, a in self.elements if a.get("id") == id_), None)

    def dangling(self):
        """(attribute, id) pairs that name an id the page does not have; duplicate ids."""
        ids = set(self.ids())
        missing = []
        for tag, attrs in self.elements:
            for name in REFERENCES:
                if name == "for" and tag != "label":
                    continue
                missing += [(name, ref) for ref in (attrs.get(name) or "").split() if ref not in ids]
        duplicates = sorted({i for i in self.ids() if self.ids().count(i) > 1})
        return missing, duplicates


def _pages():
    endpoints = []
    for module_path in sorted(TESTS_DIR.glob("*/access.py")):
        endpoints += importlib.import_module(f"tests.{module_path.parent.name}.access").ENDPOINTS
    return [e for e in endpoints if not e.api and e.method == "get" and e.data is None]


PAGES = _pages()


def test_every_page_names_only_ids_it_renders(world):
    """Over every page of the access registries, as a host admin and a partner manager. Each page's
    objects are made inside a savepoint that is rolled back, so the registries' builders do not meet."""
    problems, described = [], 0
    clients = {role: client_for(world.user(role)) for role in ("admin", "partner_manager")}
    for endpoint in PAGES:
        with transaction.atomic():
            url = endpoint.build(world, world.partner_a)
            for role, client in clients.items():
                if role not in endpoint.allowed:
                    continue
                response = client.get(url)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue
                page = Elements(response.content.decode())
                missing, duplicates = page.dangling()
                if missing or duplicates:
                    problems.append(f"{role} {url}: missing {missing}, duplicate ids {duplicates}")
                described += sum("_helptext" in (a.get("aria-describedby") or "") for _, a in page.elements)
            transaction.set_rollback(True)
    assert described > 5, "no page linked a help text to its field: the sweep checked nothing"
    assert not problems, "\n".join(problems)


# (user role, URL name, POST data that fails validation, fields expected to be in error)
FAILED_SUBMITS = [
    ("manager", "partners:create", {"name": "", "kind": "3pl", "email": "not-an-address"}, ["name", "email"]),
    ("a_manager", "relations:notice_create", {"kind": "capacity", "severity": "low"}, ["title", "affected_from"]),
    ("manager", "relations:case_create", {"title": ""}, ["partner", "title"]),
    ("manager", "relations:roadmap_create", {"title": "", "category": "automation"}, ["title"]),
]


@pytest.mark.parametrize(("who", "url_name", "data", "fields"), FAILED_SUBMITS, ids=[f[1] for f in FAILED_SUBMITS])
def test_failed_submit_ties_errors_to_fields_and_summarises_them(world, who, url_name, data, fields):
    user = {"manager": world.manager, "a_manager": world.a_manager}[who]
    response = client_for(user).post(reverse(url_name), data)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    page = Elements(html)
    missing, duplicates = page.dangling()
    assert not missing and not duplicates, (missing, duplicates)

    summary = html[html.index("data-error-summary") :]
    summary = summary[: summary.index("</div>")]
    opening = html[html.rindex("<div", 0, html.index("data-error-summary")) : html.index("data-error-summary")]
    assert 'role="alert"' in opening and 'tabindex="-1"' in opening
    form_errors = response.context["form"].errors
    assert set(fields) <= set(form_errors), form_errors
    for name in fields:
        field_input = page.by_id(f"id_{name}")
        assert field_input is not None, name
        assert field_input.get("aria-invalid") == "true", (name, field_input)
        assert f"id_{name}_error" in field_input.get("aria-describedby", "").split(), (name, field_input)
        error_box = html[html.index(f'id="id_{name}_error"') :]
        assert str(form_errors[name][0]) in error_box[: error_box.index("</div></div>")], name
        # The summary names the error and links to the field.
        assert f'href="#id_{name}"' in summary and str(form_errors[name][0]) in summary, name
    # Fields without errors are not marked invalid.
    valid = [a for t, a in page.elements if t in ("input", "select", "textarea") and a.get("aria-invalid")]
    assert {a.get("name") for a in valid} <= {f.html_name for f in response.context["form"] if f.errors}


def test_help_text_and_errors_of_a_checkbox_group_describe_the_group(world):
    """A group of checkboxes is a fieldset: the legend names it, the fieldset carries the description."""
    response = client_for(world.manager).post(reverse("relations:roadmap_create"), {"title": "", "category": "x"})
    page = Elements(response.content.decode())
    groups = [attrs for tag, attrs in page.elements if tag == "fieldset"]
    group = next((a for a in groups if "id_shared_with_helptext" in a.get("aria-describedby", "").split()), None)
    assert group is not None, "the partners' checkbox group is not a fieldset described by its help text"
    assert any(i.startswith("id_shared_with") for i in page.ids() if i != "id_shared_with_helptext")
    assert page.by_id("id_shared_with_helptext") is not None


def test_page_without_errors_has_no_summary(world):
    html = client_for(world.manager).get(reverse("partners:create")).content.decode()
    assert "data-error-summary" not in html and 'aria-invalid="true"' not in html
