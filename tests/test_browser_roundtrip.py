"""Editing never loses data: every edit page of the portal, opened in real Chromium and saved unchanged,
in Danish and in English, leaves the database as it was.

The pages come from the access registries (tests/<app>/access.py): every page entry whose URL resolves to
an edit or create form. A URL pattern of an edit page without a registry entry fails the test, so a new form
is swept as soon as it exists. Create pages are opened but not saved; on every page the browser must keep
each value the server put into a date/time input (Chromium silently empties a value it cannot read, such as
`15.12.2026` in `<input type="date">`, and the next save wipes the field).
"""

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser import log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TESTS_DIR = Path(__file__).parent

# Form pages whose URL does not end in edit/ or new/ but which change an existing object.
OTHER_EDIT_PAGES = {"meetings:meeting_move", "meetings:meeting_minutes", "profile", "notifications:preferences"}
# Apps whose data a save must not change.
PROJECT_APPS = {"partners", "agreements", "relations", "meetings", "kpis", "notifications", "auth"}

# Registry ids that may be form pages (the URL pattern decides).
CANDIDATE_WORDS = ("edit", "create", "new", "move", "minutes", "profile", "preferences")
# Pages that refuse an unchanged save for a reason outside this sweep: {view name: reason}. Their data is
# still compared, and their date inputs checked.
KNOWN_REFUSALS: dict[str, str] = {}  # view name -> why saving it unchanged may be refused
# Form pages this sweep cannot open as the admin it signs in: {view name: why, and where they are tested}.
NOT_SWEPT = {
    "mfa_edit_webauthn": "renaming one's own passkey needs one, and the admin would then sign in with it "
    "(tests/accounts/test_browser_two_factor.py adds and uses a passkey)",
}
DATE_INPUTS = "input[type=date], input[type=time], input[type=datetime-local]"


def _route_kind(view_name, route):
    segments = route.strip("/").split("/")
    if view_name in OTHER_EDIT_PAGES or "edit" in segments:
        return "edit"
    if "new" in segments:
        return "create"
    return None


def _patterns(resolvers=None, prefix="", namespace=""):
    """(view name, full route) of every URL pattern."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def _registry():
    endpoints = []
    for module_path in sorted(TESTS_DIR.glob("*/access.py")):
        endpoints.extend(importlib.import_module(f"tests.{module_path.parent.name}.access").ENDPOINTS)
    return [e for e in endpoints if not e.api and e.method == "get" and e.data is None]


def _form_pages(world):
    """[(view name, kind, url)] of the registry's edit/create pages, built for partner A."""
    routes = dict(_patterns())
    pages, seen = [], set()
    for endpoint in _registry():
        if not any(word in endpoint.id for word in CANDIDATE_WORDS):
            continue
        url = endpoint.build(world, world.partner_a)
        view_name = resolve(url.split("?")[0]).view_name
        kind = _route_kind(view_name, routes.get(view_name, ""))
        if kind and view_name not in seen:
            seen.add(view_name)
            pages.append((view_name, kind, url))
    missing = sorted(n for n, r in routes.items() if _route_kind(n, r) and not n.startswith("admin:"))
    missing = [n for n in missing if n not in seen and n not in NOT_SWEPT]
    assert not missing, f"edit and create pages without an entry in tests/<app>/access.py: {missing}"
    return pages


def _give_dates(world):
    """The swept objects carry every kind of date the forms edit."""
    from agreements.models import AgreementVersion
    from partners.models import Organization
    from relations.models import RoadmapItem

    Organization.objects.filter(partner_since__isnull=True).update(partner_since=date(2019, 12, 15))
    AgreementVersion.objects.filter(status="draft").update(review_date=date(2026, 12, 15))
    RoadmapItem.objects.update(starts_on=date(2026, 1, 12), ends_on=date(2026, 12, 15))


def _snapshot():
    """{model: {pk: values}} of the project's data: the fields a form can edit (model_to_dict's choice),
    without automatic timestamps and bookkeeping that is not editable."""
    data = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in PROJECT_APPS or model._meta.model_name.startswith("historical"):
            continue
        auto_created = model._meta.auto_created  # m2m tables: the links themselves are the data
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not f.primary_key
            and (auto_created or f.editable)
            and not getattr(f, "auto_now", False)
            and not getattr(f, "auto_now_add", False)
        ]
        data[model._meta.label_lower] = {row.pop("pk"): row for row in model.objects.values("pk", *fields)}
    return data


def _differences(before, after):
    """Changed or deleted rows. A save may add rows (its history, attendance it records); a row it deletes
    must come back with the same values (a set of links rewritten)."""
    problems = []
    for label, rows in before.items():
        added = [row for pk, row in after[label].items() if pk not in rows]
        for pk, row in rows.items():
            new = after[label].get(pk)
            if new is None:
                if row in added:
                    added.remove(row)
                else:
                    problems.append(f"{label} #{pk} was deleted: {row}")
                continue
            changed = {k: (v, new[k]) for k, v in row.items() if new[k] != v}
            if changed:
                problems.append(f"{label} #{pk} changed (before, after): {changed}")
    return problems


def _main_form(page):
    """The page's own POST form (action: this page), the one with the most fields."""
    index = page.evaluate(
        """() => {
            const forms = [...document.querySelectorAll('form[method=post]')];
            let best = -1, most = 0;
            forms.forEach((f, i) => {
                if (new URL(f.action).pathname !== location.pathname) return;
                const n = [...f.elements].filter(e => e.name && e.name !== 'csrfmiddlewaretoken').length;
                if (n > most) { most = n; best = i; }
            });
            return best;
        }"""
    )
    return None if index < 0 else page.locator("form[method=post]").nth(index)


def _lost_values(page):
    """Date/time inputs whose server value the browser threw away (name, sent, kept)."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(e => (e.getAttribute('value') || '') !== e.value)
            .map(e => [e.name, e.getAttribute('value'), e.value])""",
        DATE_INPUTS,
    )


def test_every_edit_page_saved_unchanged_changes_nothing(world, live_server, browser):
    from partners.models import User

    pages = _form_pages(world)
    _give_dates(world)
    assert {kind for _n, kind, _u in pages} == {"edit", "create"}
    problems, dated_inputs = [], 0
    page = log_in(new_page(browser), live_server.url, world.admin.username)
    for language in ("da", "en"):
        User.objects.filter(pk=world.admin.pk).update(language=language)
        for view_name, kind, url in pages:
            where = f"[{language}] {view_name} {url}"
            response = page.goto(live_server.url + url)
            if response.status != 200:
                problems.append(f"{where}: status {response.status}")
                continue
            assert page.locator("html").get_attribute("lang") == language, where
            lost = _lost_values(page)
            if lost:
                problems.append(f"{where}: the browser dropped date/time values (name, sent, kept) {lost}")
            dated_inputs += page.locator(DATE_INPUTS).evaluate_all("l => l.filter(e => e.value).length")
            if kind != "edit":
                continue
            form = _main_form(page)
            if form is None:
                problems.append(f"{where}: no form posting to the page")
                continue
            before = _snapshot()
            page.evaluate("() => { document.documentElement.dataset.sweepSaving = '1'; }")  # gone on a new page
            try:  # a plain post or an htmx one: wait for the answer to the post
                with page.expect_response(lambda r: r.request.method == "POST", timeout=5000) as posted:
                    form.locator("[type=submit]").first.click()
            except PlaywrightTimeout:
                problems.append(f"{where}: the browser refused to submit the unchanged form")
                continue
            if posted.value.request.is_navigation_request():
                # A plain post: the page it leads to is read, not the form page still shown (a load state
                # alone can be that page's own), and the next goto does not abort it.
                expect(page.locator("html[data-sweep-saving]")).to_have_count(0, timeout=15000)
            page.wait_for_load_state()
            errors = page.locator(".invalid-feedback, .alert-danger").all_inner_texts()
            if errors and view_name not in KNOWN_REFUSALS:
                problems.append(f"{where}: saving unchanged was refused: {errors}")
            problems += [f"{where}: {d}" for d in _differences(before, _snapshot())]
    # The sweep saw real dates, so it can fail: partner since, review date, series, engagement, roadmap.
    assert dated_inputs >= 8, dated_inputs
    assert not problems, "\n".join(problems)


def test_registry_finds_the_form_pages(world):
    pages = {name: kind for name, kind, _url in _form_pages(world)}
    for name in ("partners:edit", "agreements:edit", "meetings:series_edit", "relations:roadmap_edit"):
        assert pages.get(name) == "edit", name
    for name in ("meetings:series_create", "meetings:action_create", "relations:survey_create"):
        assert pages.get(name) == "create", name
