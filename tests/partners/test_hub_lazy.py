"""The partner hub's lazy sections (issue 16): what a section only shows below the fold is left out of the
hub's first answer and loaded by htmx from partners:section, which checks access as the hub does."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerportal import hub
from tests.factories import OrganizationFactory
from tests.kpis import helpers as kpi_helpers
from tests.meetings.helpers import action_for, meeting_for
from tests.partners.hub import hub_page, lazy_urls
from tests.relations import helpers

pytestmark = pytest.mark.django_db

LAZY = ["relationship", "successes", "meetings", "engagements", "roadmap", "people"]
HTMX = {"HTTP_HX_REQUEST": "true"}


def _rows(world, partner, n=1):
    """Rows of every kind a hub section shows, for `partner`."""
    for _ in range(n):
        helpers.notice(world, partner)
        helpers.case(world, partner)
        helpers.engagement(world, partner)
        helpers.roadmap_item(world, partner)
        helpers.kudos(world, partner)
        action_for(world, partner)
    meeting_for(world, partner, days=2)


def _kpi_data(partner, months=(1,)):
    kpi_helpers.setup_partner(partner)
    for month in months:
        kpi_helpers.measure(partner, "error-rate", date(2026, month, 3), numerator=3, denominator=400)
        kpi_helpers.measure(partner, "delivery-time", date(2026, month, 3), value=20 + month)


def _hub_queries(client, partner):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("partners:detail", args=[partner.pk])).status_code == 200
    return len(queries)


def test_lazy_sections_are_placeholders_that_load_their_section(world, client_as):
    _rows(world, world.partner_a)
    client = client_as(world.manager)
    first = client.get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode()
    # The first answer: the top sections in full, the lazy ones as titled, busy placeholders.
    assert 'id="section-agreements"' in first and 'id="section-relationship"' in first
    assert lazy_urls(first) == [reverse("partners:section", args=[world.partner_a.pk, key]) for key in LAZY]
    assert first.count('aria-busy="true"') == len(LAZY)
    for title in ("Relationship", "Successes", "Meetings and actions", "Engagements", "Shared roadmap"):
        assert f">{title}</a></li>" in first  # the list of sections names them before they load
    pk = world.partner_a.pk
    shown_by_lazy_sections = (
        'id="hub-health-score"',  # relationship
        "All successes",  # successes
        "1 open actions, 0 overdue",  # meetings
        '<h3 class="h6">Planned</h3>',  # engagements
        f'href="{reverse("relations:roadmap_list")}?partner={pk}">Roadmap',  # roadmap
    )
    for text in shown_by_lazy_sections:
        assert text not in first
    # What htmx swaps in: the bare section, in place of its placeholder.
    fragment = client.get(reverse("partners:section", args=[world.partner_a.pk, "engagements"]), **HTMX)
    html = fragment.content.decode()
    assert html.startswith('<section class="hub-section mb-4" id="section-engagements">')
    assert "Visit Alfa Logistik A/S" in html and "<html" not in html and "aria-busy" not in html
    assert "HX-Request" in fragment["Vary"]
    loaded = hub_page(client, world.partner_a)
    for text in shown_by_lazy_sections[:4]:
        assert text in loaded
    assert f'href="{reverse("relations:roadmap_list")}?partner={pk}">Roadmap' in loaded
    assert "data-lazy-section" not in loaded


def test_without_javascript_the_placeholder_links_to_a_page_of_the_section(world, client_as):
    _rows(world, world.partner_a)
    client = client_as(world.a_viewer)
    url = reverse("partners:section", args=[world.partner_a.pk, "roadmap"])
    first = client.get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode()
    assert f'<a href="{url}">Show Shared roadmap</a>' in first
    page = client.get(url).content.decode()
    assert "<html" in page and 'aria-current="page">Shared roadmap<' in page
    assert "Roadmap Alfa Logistik A/S" in page
    assert reverse("partners:detail", args=[world.partner_a.pk]) in page  # back to the hub


def test_section_endpoint_refuses_what_the_hub_refuses(world, client_as):
    client = client_as(world.a_manager)
    assert client.get(reverse("partners:section", args=[world.partner_b.pk, "meetings"]), **HTMX).status_code == 404
    assert client.get(reverse("partners:section", args=[world.partner_a.pk, "no-such"]), **HTMX).status_code == 404
    assert client.get(reverse("partners:section", args=[world.host.pk, "meetings"])).status_code == 404
    anonymous = client_as(None).get(reverse("partners:section", args=[world.partner_a.pk, "meetings"]))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_a_section_hidden_from_the_reader_is_a_404(world, client_as, monkeypatch):
    hidden = hub.PartnerSection("hidden", "x.html", lambda r, p: None, 99, lazy=True, title="X")
    monkeypatch.setitem(hub._SECTIONS, "hidden", hidden)
    url = reverse("partners:section", args=[world.partner_a.pk, "hidden"])
    assert client_as(world.manager).get(url, **HTMX).status_code == 404
    assert client_as(world.manager).get(url).status_code == 404
    with pytest.raises(ValueError):
        hub.partner_section("untitled", "x.html", lambda r, p: {}, lazy=True)


def test_lazy_sections_in_danish(world, client_as):
    _rows(world, world.partner_a)
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    client = client_as(world.a_manager)
    first = client.get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode()
    assert ">Vis Delt køreplan</a>" in first and ">Succeser</a></li>" in first
    loaded = hub_page(client, world.partner_a)
    assert "Planlagt" in loaded and "Visit Alfa Logistik A/S" in loaded


def test_each_heading_of_the_hub_once(world, client_as):
    """The side card of people to contact and the People section (accounts) are two things with two names."""
    import re

    for language, contacts, people in (("en", "Contacts", "People"), ("da", "Kontaktpersoner", "Personer")):
        world.a_manager.language = language
        world.a_manager.save(update_fields=["language"])
        page = hub_page(client_as(world.a_manager), world.partner_a)
        headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page, re.S)]
        assert len(headings) == len(set(headings)), headings
        assert contacts in headings and people in headings


@pytest.mark.parametrize("role", ["manager", "a_manager"])
def test_hub_and_sections_cost_the_same_queries_for_2_or_many_partners_and_rows(world, client_as, role):
    client = client_as(getattr(world, role))
    for partner in (world.partner_a, world.partner_b):
        _rows(world, partner)
        _kpi_data(partner)
    # The month's health snapshot is computed on the first read (the relationship section), once.
    client.get(reverse("partners:section", args=[world.partner_a.pk, "relationship"]), **HTMX)
    hub_before = _hub_queries(client, world.partner_a)
    sections_before = {}
    for key in LAZY:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("partners:section", args=[world.partner_a.pk, key]), **HTMX)
        sections_before[key] = len(queries)

    for i in range(10):  # many partners with data of their own, and many more rows for A and B
        other = OrganizationFactory(name=f"Partner {i}")
        _kpi_data(other, months=(1, 2))
        helpers.notice(world, other, by=world.manager)
        helpers.case(world, other)
        helpers.engagement(world, other)
    for partner in (world.partner_a, world.partner_b):
        _rows(world, partner, n=6)
        _kpi_data(partner, months=range(2, 8))

    assert _hub_queries(client, world.partner_a) == hub_before
    for key in LAZY:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("partners:section", args=[world.partner_a.pk, key]), **HTMX)
        assert len(queries) == sections_before[key], key


def test_lazy_sections_leave_the_hubs_first_answer_cheaper(world, client_as, monkeypatch):
    _rows(world, world.partner_a)
    client = client_as(world.manager)
    _hub_queries(client, world.partner_a)  # the month's health snapshot is computed on the first read, once
    lazy = _hub_queries(client, world.partner_a)
    for key in LAZY:
        section = hub._SECTIONS[key]
        eager = hub.PartnerSection(key, section.template, section.context, section.order)
        monkeypatch.setitem(hub._SECTIONS, key, eager)
    assert _hub_queries(client, world.partner_a) > lazy + len(LAZY)


def test_placeholders_wait_for_the_reader(world, client_as):
    """Loaded when scrolled into view, once; the swap replaces the placeholder with the section."""
    first = client_as(world.manager).get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode()
    assert first.count('hx-trigger="intersect once, focusin once" hx-swap="outerHTML"') == len(LAZY)
