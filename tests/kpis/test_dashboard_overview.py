"""The dashboard's KPI panel: the portfolio's status counts and lowest overall scores, read in one query.

The figures must be the portfolio's own (same month, targets, status rules and overall score), and the
dashboard's query count must not grow with the partners.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis import selectors
from kpis.models import KPIDefinition, KPITarget
from tests.factories import OrganizationFactory, SiteFactory
from tests.kpis.helpers import START, assign, internal_kpi, measure, setup_partner

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 10)


def _last_value_kpi() -> KPIDefinition:
    definition, _ = KPIDefinition.objects.get_or_create(
        code="dock-doors-open",
        defaults={
            "name": "Dock doors open",
            "unit": "doors",
            "direction": "higher",
            "aggregation": "last",
            "how_measured": "Doors open at the end of the day.",
            "why_it_matters": "Capacity.",
            "min_value": 0,
        },
    )
    return definition


def _fixture(world):
    """Five partners with every aggregation kind, thresholds reached exactly, and cells without data."""
    a, b = world.partner_a, world.partner_b
    setup_partner(a)  # error rate (weight 2) 1.0/1.5/2.5, delivery time 24/28/36, internal pallets ≥ 100
    measure(a, "error-rate", date(2025, 3, 3), numerator=1, denominator=100)
    measure(a, "error-rate", date(2025, 3, 4), numerator=30, denominator=1000)  # 2.82 %: critical
    measure(a, "delivery-time", date(2025, 3, 4), value=20, sample_size=10)  # on target
    measure(a, internal_kpi(), date(2025, 3, 4), value=777)  # on target (a sum)
    measure(a, "error-rate", date(2025, 2, 4), numerator=0, denominator=1000)  # another month: not counted

    setup_partner(b)
    measure(b, "error-rate", date(2025, 3, 4), numerator=5, denominator=1000)  # 0.5 %: on target
    # delivery time and pallets without data in March: no-data cells, never counted as 0

    c = OrganizationFactory(name="Ceres Lager ApS")
    # 9 / 1000 × 100 is 0.8999999999999999 in floats, 0.9 on the decimals: it reaches the critical 0.9.
    assign(c, "error-rate", target=0.5, warning=0.7, critical=0.9)
    measure(c, "error-rate", date(2025, 3, 5), numerator=9, denominator=1000)
    # Satisfaction (higher is better, weighted): (3.0 × 10 + 3.4 × 10) / 20 = 3.2 < warning 3.5: warning.
    assign(c, "customer-satisfaction", target=4.0, warning=3.5, critical=3.0, weight=3)
    measure(c, "customer-satisfaction", date(2025, 3, 5), value=3.0, sample_size=10)
    measure(c, "customer-satisfaction", date(2025, 3, 6), value=3.4, sample_size=10)
    # Last value: two sites on the month's last day, 4 + 6 = 10, reaching the critical 10 (the 50 before is not last).
    doors = assign(c, _last_value_kpi(), target=14, critical=10)
    site1, site2 = SiteFactory(organization=c, code="C1"), SiteFactory(organization=c, code="C2")
    measure(c, doors.kpi, date(2025, 3, 2), value=50, site=site1)
    measure(c, doors.kpi, date(2025, 3, 20), value=4, site=site1)
    measure(c, doors.kpi, date(2025, 3, 20), value=6, site=site2)
    # Inventory turnover: the short-term target (2) wins over the long-term one (5): 3.65 is on target.
    turnover = assign(c, "inventory-turnover", target=5, warning=4)
    KPITarget.objects.create(partner_kpi=turnover, horizon="short_term", value=2, valid_from=START)
    KPITarget.objects.filter(partner_kpi=turnover, value=5).update(horizon="long_term")
    measure(c, "inventory-turnover", date(2025, 3, 5), numerator=1, denominator=100)  # 1/100 × 365 = 3.65

    d = OrganizationFactory(name="Delta Transport A/S")  # data but no target: no data
    assign(d, "delivery-time")
    measure(d, "delivery-time", date(2025, 3, 4), value=50, sample_size=10)
    # Same overall score as Beta (100 %), listed after it by name; a target with a warning only.
    e = OrganizationFactory(name="Epsilon Service ApS")
    assign(e, "delivery-time", target=24, warning=30)
    measure(e, "delivery-time", date(2025, 3, 4), value=30, sample_size=10)  # reaching the warning: on target
    OrganizationFactory(name="Foxtrot Fragt ApS")  # no KPIs at all
    return c, d, e


def _from_portfolio(user, day=None):
    data = selectors.portfolio(user=user, day=day)
    counts = {"on_target": 0, "warning": 0, "critical": 0}
    for row in data["rows"]:
        for cell in row.cells:
            if cell is not None and cell.status in counts:
                counts[cell.status] += 1
    scored = sorted((r for r in data["rows"] if r.overall is not None), key=lambda r: r.overall)
    return data["start"], counts, [(r.partner.pk, r.partner.name, r.overall) for r in scored]


def _lowest(overview):
    return [(s.partner.pk, s.partner.name, s.overall) for s in overview.lowest]


def test_overview_equals_the_portfolio(world):
    c, _d, e = _fixture(world)
    start, counts, scored = _from_portfolio(world.manager)
    overview = selectors.portfolio_overview(user=world.manager, lowest=10)
    assert (overview.start, overview.counts, _lowest(overview)) == (start, counts, scored)
    # What the portfolio shows, worked out by hand: the test cannot pass on two empty answers.
    assert start == date(2025, 3, 1)
    assert counts == {"on_target": 5, "warning": 1, "critical": 3}
    # Ceres: error 0 × 1 + satisfaction ½ × 3 + doors 0 × 1 + turnover 1 × 1 over 6 → 41.67 %;
    # Alfa: error 0 × 2 + delivery 1 + pallets 1 over 4 → 50 %; Beta and Epsilon 100 %, by name.
    assert scored == [
        (c.pk, c.name, pytest.approx(250 / 6)),
        (world.partner_a.pk, world.partner_a.name, 50.0),
        (world.partner_b.pk, world.partner_b.name, 100.0),
        (e.pk, e.name, 100.0),
    ]
    assert _lowest(selectors.portfolio_overview(user=world.manager)) == scored[:3]


def test_overview_of_a_month_without_data_counts_nothing(world):
    _fixture(world)
    overview = selectors.portfolio_overview(user=world.manager, day=date(2025, 5, 2))
    assert overview.counts == {"on_target": 0, "warning": 0, "critical": 0}
    assert overview.lowest == []
    february = selectors.portfolio_overview(user=world.manager, day=date(2025, 2, 2), lowest=10)
    start, counts, scored = _from_portfolio(world.manager, day=date(2025, 2, 2))
    assert (february.counts, _lowest(february)) == (counts, scored)
    assert counts == {"on_target": 1, "warning": 0, "critical": 0}


def test_dashboard_panel_shows_the_portfolio_figures(world, client_as):
    c, _d, _e = _fixture(world)
    response = client_as(world.manager).get(reverse("dashboard"))
    panel = next(ctx for panel, ctx in response.context["panels"] if panel.key == "kpis")
    _start, counts, scored = _from_portfolio(world.manager)
    assert panel["overview"].counts == counts
    assert _lowest(panel["overview"]) == scored[:3]
    html = response.content.decode()
    assert "On target: 5" in html and "Warning: 1" in html and "Critical: 3" in html
    assert f'{reverse("kpis:scorecard", args=[c.pk])}">{c.name}</a> (42 %)' in html


def test_dashboard_panel_in_danish(world, client_as):
    c, _d, _e = _fixture(world)
    world.manager.language = "da"
    world.manager.save(update_fields=["language"])
    html = client_as(world.manager).get(reverse("dashboard")).content.decode()
    assert "KPI-portefølje" in html and "marts 2025" in html
    assert "På mål: 5" in html and "Laveste samlede score" in html
    assert f"{c.name}</a> (42 %)" in html


def test_partner_users_get_no_portfolio_panel(world, client_as):
    _fixture(world)
    assert client_as(world.a_manager).get(reverse("dashboard")).status_code in (302, 403)


def _partners_with_data(first, n):
    for i in range(first, first + n):
        partner = OrganizationFactory(name=f"Load partner {i:03d}")
        setup_partner(partner)
        measure(partner, "error-rate", date(2025, 3, 4), numerator=i, denominator=1000)
        measure(partner, "delivery-time", date(2025, 3, 4), value=20 + i, sample_size=10)


# Session and user 2, the KPI panel 1 (month, counts and lowest scores in one statement), the other panels 8.
DASHBOARD_QUERIES = 11


# SQLite (the embedded default) takes the figures from the portfolio itself, in more queries.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query counts")
@pytest.mark.postgres
def test_dashboard_query_count_does_not_grow_with_partners(world, client_as, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0  # the panels' own queries every time (the cache: tests/test_dashboard.py)
    _partners_with_data(0, 2)
    client = client_as(world.manager)
    client.get(reverse("dashboard"))  # warm-up: the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("dashboard")).status_code == 200
    _partners_with_data(2, 25)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("dashboard"))
    panel = next(ctx for panel, ctx in response.context["panels"] if panel.key == "kpis")
    assert sum(panel["overview"].counts.values()) == 27 * 2
    assert len(many.captured_queries) == len(few.captured_queries) <= DASHBOARD_QUERIES
