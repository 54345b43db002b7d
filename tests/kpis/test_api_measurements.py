"""The API's measurement list pages by cursor: no COUNT, no OFFSET, every row once, filters kept (issue 16)."""

from base64 import b64encode
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis.models import Measurement
from partners.models import Site
from tests.factories import OrganizationFactory
from tests.kpis.helpers import internal_kpi, kpi, setup_partner

LIST = "/api/kpis/measurements/"


def _rows(partner, days, codes=("error-rate", "delivery-time"), first=date(2025, 1, 1)):
    """Several rows a day (one per KPI), so pages break inside a day; bulk-created, no rollups needed."""
    definitions = [kpi(code) if code != "pallets-moved" else internal_kpi() for code in codes]
    Measurement.objects.bulk_create(
        Measurement(partner=partner, kpi=d, period_kind="day", period_start=first + timedelta(days=i), value=i)
        for i in range(days)
        for d in definitions
    )


def _walk(client, url, params=None):
    """Every page from the first, following `next`; the pages' rows and the queries of each request."""
    pages, queries = [], []
    response = client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        assert "count" not in body
        pages.append(body["results"])
        if not body["next"]:
            return pages, queries
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(body["next"])
        queries.append([q["sql"] for q in ctx.captured_queries])


@pytest.fixture
def data(world):
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    _rows(world.partner_a, 40, codes=("error-rate", "delivery-time", "pallets-moved"))
    _rows(world.partner_b, 30)
    return world


def test_a_page_runs_no_count_and_a_deep_page_no_offset(data, client_as):
    client = client_as(data.manager)
    with CaptureQueriesContext(connection) as first:
        body = client.get(LIST, {"page_size": 7}).json()
    assert not [q for q in first.captured_queries if "COUNT(" in q["sql"].upper()]
    assert set(body) == {"next", "previous", "results"}
    _pages, queries = _walk(client, LIST, {"page_size": 7})
    assert len(queries) > 20
    deep = [sql for sql in queries[-1] if "kpis_measurement" in sql]
    assert deep and not [sql for sql in deep if "OFFSET" in sql.upper() or "COUNT(" in sql.upper()]
    assert len(queries[-1]) == len(queries[1])  # a deep page costs what page 2 costs


def test_following_next_yields_every_row_once_newest_first(data, client_as):
    client = client_as(data.manager)
    pages, _queries = _walk(client, LIST, {"page_size": 7})
    rows = [row for page in pages for row in page]
    expected = list(Measurement.objects.order_by("-period_start", "-id").values_list("id", flat=True))
    assert [r["id"] for r in rows] == expected
    assert all(len(page) == 7 for page in pages[:-1])
    default = client.get(LIST).json()
    assert len(default["results"]) == 50 and default["previous"] is None


def test_previous_goes_back_to_the_same_rows(data, client_as):
    client = client_as(data.manager)
    page1 = client.get(LIST, {"page_size": 5}).json()
    page2 = client.get(page1["next"]).json()
    page3 = client.get(page2["next"]).json()
    back = client.get(page3["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in page2["results"]]
    first = client.get(back["previous"]).json()
    assert [r["id"] for r in first["results"]] == [r["id"] for r in page1["results"]]
    assert first["previous"] is None


def test_filters_are_kept_in_the_next_link(data, client_as):
    client = client_as(data.manager)
    params = {"partner": data.partner_a.pk, "kpi": "error-rate", "start": "2025-01-05", "end": "2025-01-30"}
    pages, _queries = _walk(client, LIST, {**params, "page_size": 4})
    rows = [row for page in pages for row in page]
    assert len(pages) == 7 and len(rows) == 26
    assert {(r["partner"], r["kpi"]) for r in rows} == {(data.partner_a.pk, "error-rate")}
    assert rows[0]["period_start"] == "2025-01-30" and rows[-1]["period_start"] == "2025-01-05"
    by_kind = client.get(LIST, {"period_kind": "month"}).json()
    assert by_kind["results"] == [] and by_kind["next"] is None


def test_a_partner_user_pages_through_own_shared_rows_only(data, client_as):
    pages, _queries = _walk(client_as(data.a_viewer), LIST, {"page_size": 9})
    rows = [row for page in pages for row in page]
    assert len(rows) == 80  # 40 days × the two shared KPIs; not the internal one, not partner B's
    assert {r["partner"] for r in rows} == {data.partner_a.pk}
    assert "pallets-moved" not in {r["kpi"] for r in rows}


def test_an_ordering_parameter_cannot_break_the_cursor(data, client_as):
    client = client_as(data.manager)
    plain, _q = _walk(client, LIST, {"page_size": 11})
    for ordering in ("period_start", "id", "-value", "kpi__code"):
        pages, _q = _walk(client, LIST, {"page_size": 11, "ordering": ordering})
        assert pages == plain, ordering


def test_a_bad_cursor_or_page_size_is_answered_not_a_server_error(data, client_as):
    client = client_as(data.manager)

    def cursor(text):
        return b64encode(text.encode()).decode()

    for bad in ("nonsense", cursor("p=2025-13-01_5"), cursor("p=x"), cursor(f"p=2025-01-01_{2**70}"), cursor("o=3")):
        assert client.get(LIST, {"cursor": bad}).status_code == 404, bad
    assert len(client.get(LIST, {"page_size": 10_000}).json()["results"]) == 180  # all 180: under the cap
    assert len(client.get(LIST, {"page_size": 0}).json()["results"]) == 50


def test_the_page_size_is_capped(world, client_as):
    setup_partner(world.partner_a)
    _rows(world.partner_a, 300)
    body = client_as(world.manager).get(LIST, {"page_size": 10_000}).json()
    assert len(body["results"]) == 500 and body["next"]


def test_many_rows_on_one_day_page_through(world, client_as):
    """More rows on one day than REST framework's cursor offset allows (1,000): every row once."""
    partners = [OrganizationFactory(name=f"Day partner {i}") for i in range(6)]
    definition = kpi("error-rate")
    day = date(2025, 6, 1)
    sites = [
        Site.objects.create(organization=p, name=f"Site {p.pk}-{n}", code=f"S{p.pk}N{n}")
        for p in partners
        for n in range(180)
    ]
    Measurement.objects.bulk_create(
        Measurement(partner=s.organization, kpi=definition, period_kind="day", period_start=day, site=s, value=1)
        for s in sites
    )
    pages, _queries = _walk(client_as(world.manager), LIST, {"page_size": 200})
    ids = [row["id"] for page in pages for row in page]
    assert len(ids) == len(set(ids)) == 1080


def test_a_row_shows_kpi_and_site_codes_as_its_detail_does(world, client_as):
    setup_partner(world.partner_a)
    row = Measurement.objects.create(
        partner=world.partner_a,
        kpi=kpi("delivery-time"),
        period_kind="day",
        period_start=date(2025, 2, 1),
        site=world.site_a,
        value=21.5,
        sample_size=4,
    )
    client = client_as(world.manager)
    listed = client.get(LIST).json()["results"]
    detail = client.get(f"{LIST}{row.pk}/").json()
    assert listed == [detail]
    assert detail["kpi"] == "delivery-time" and detail["site"] == "ALFA1" and detail["partner"] == world.partner_a.pk
    assert detail["value"] == 21.5 and detail["numerator"] is None and detail["period_start"] == "2025-02-01"
    assert set(detail) == {
        "id", "partner", "kpi", "period_kind", "period_start", "site", "value", "numerator", "denominator",
        "sample_size", "source", "created_at", "updated_at",
    }  # fmt: skip
