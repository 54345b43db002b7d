"""Scorecard, chart, portfolio, hub section, exports and API reads: right numbers, right people, flat query counts."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.urls import reverse

from kpis.models import KPITarget
from kpis.services import target_set
from tests.factories import OrganizationFactory
from tests.kpis.helpers import internal_kpi, measure, setup_partner

pytestmark = pytest.mark.django_db


def _data(world):
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=1, denominator=100)
    measure(world.partner_a, "error-rate", date(2025, 3, 4), numerator=30, denominator=1000)
    measure(world.partner_a, "delivery-time", date(2025, 3, 4), value=20, sample_size=10)
    measure(world.partner_a, internal_kpi(), date(2025, 3, 4), value=777)
    measure(world.partner_b, "error-rate", date(2025, 3, 4), numerator=5, denominator=1000)


def test_scorecard_month_shows_exact_values_and_status(world, client_as):
    _data(world)
    response = client_as(world.manager).get(
        reverse("kpis:scorecard", args=[world.partner_a.pk]), {"granularity": "month", "day": "2025-03-15"}
    )
    assert response.status_code == 200
    card = response.context["card"]
    results = {r.code: r for r in card.results}
    assert results["error-rate"].actual == pytest.approx(31 / 1100 * 100)
    assert results["error-rate"].status == "critical"  # 2.82 % ≥ critical 2.5 %
    assert results["delivery-time"].status == "on_target"
    assert "pallets-moved" in results  # host staff see internal KPIs
    assert card.overall == pytest.approx(100 * (2 * 0 + 1 * 1 + 1 * 1) / 4)  # error rate weighs 2, others 1
    html = response.content.decode()
    assert "status-critical" in html and "2.82" in html


def test_partner_user_sees_only_shared_kpis_of_own_partner(world, client_as):
    _data(world)
    client = client_as(world.a_viewer)
    page = client.get(reverse("kpis:scorecard", args=[world.partner_a.pk]), {"day": "2025-03-15"})
    assert {r.code for r in page.context["card"].results} == {"error-rate", "delivery-time"}
    assert "Pallets moved" not in page.content.decode()
    assert client.get(reverse("kpis:scorecard", args=[world.partner_b.pk])).status_code == 404
    export = client.get(reverse("kpis:measurements_export", args=[world.partner_a.pk]))
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "pallets-moved" not in body and "error-rate" in body
    api = client.get(reverse("api:kpi-measurement-list"))
    assert {m["kpi"] for m in api.json()["results"]} == {"error-rate", "delivery-time"}
    assert {m["partner"] for m in api.json()["results"]} == {world.partner_a.pk}
    definitions = client.get(reverse("api:kpi-definition-list")).json()
    codes = (
        {d["code"] for d in definitions["results"]}
        if isinstance(definitions, dict)
        else {d["code"] for d in definitions}
    )
    assert codes == {"error-rate", "delivery-time"}
    chart_internal = setup_partner(world.partner_a)[2]
    assert client.get(reverse("kpis:chart", args=[chart_internal.pk])).status_code == 404

    def results(url):
        body = client.get(url).json()
        return body["results"] if isinstance(body, dict) else body

    assignments = results(reverse("api:partner-kpi-list"))
    assert {a["partner"] for a in assignments} == {world.partner_a.pk}
    assert chart_internal.pk not in {a["id"] for a in assignments} and len(assignments) == 2
    targets = results(reverse("api:kpi-target-list"))
    assert {t["partner"] for t in targets} == {world.partner_a.pk}
    assert {t["kpi"] for t in targets} <= {"error-rate", "delivery-time"} and targets
    assert client.get(reverse("api:partner-kpi-detail", args=[chart_internal.pk])).status_code == 404
    assert client.get(reverse("api:kpi-definition-detail", args=[chart_internal.kpi_id])).status_code == 404


def test_measurement_export_csv_and_xlsx_parse_back(world, client_as):
    _data(world)
    client = client_as(world.manager)
    url = reverse("kpis:measurements_export", args=[world.partner_a.pk])
    body = b"".join(client.get(url, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 4
    error_rows = sorted(
        (r["period_start"], float(r["numerator"]), float(r["denominator"])) for r in rows if r["kpi"] == "error-rate"
    )
    assert error_rows == [("2025-03-03", 1.0, 100.0), ("2025-03-04", 30.0, 1000.0)]
    xlsx = client.get(url, {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("partner", "kpi", "period_kind", "period_start") and len(values) == 5


def test_scorecard_export_matches_the_page(world, client_as):
    _data(world)
    client = client_as(world.a_manager)
    url = reverse("kpis:scorecard_export", args=[world.partner_a.pk])
    body = b"".join(client.get(url, {"format": "csv", "day": "2025-03-01"}).streaming_content).decode("utf-8-sig")
    rows = {r["kpi"]: r for r in csv.DictReader(io.StringIO(body))}
    assert set(rows) == {"error-rate", "delivery-time", ""}
    assert float(rows["error-rate"]["actual"]) == pytest.approx(31 / 1100 * 100)
    assert rows["error-rate"]["status"] == "critical"
    page = client.get(reverse("kpis:scorecard", args=[world.partner_a.pk]), {"day": "2025-03-01"})
    overall = page.context["card"].overall
    assert overall is not None
    assert (rows[""]["name"], rows[""]["unit"]) == ("Overall score", "%")
    assert float(rows[""]["actual"]) == pytest.approx(overall, abs=0.01)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx", "day": "2025-03-01"}).content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][5] == "actual" and {row[2] for row in table[1:-1]} == {"error-rate", "delivery-time"}
    assert table[-1][3] == "Overall score" and table[-1][5] == pytest.approx(overall, abs=0.01)


def test_api_scorecard_uses_the_same_numbers(world, client_as):
    _data(world)
    data = (
        client_as(world.a_viewer)
        .get(reverse("api:kpi-scorecard", args=[world.partner_a.pk]), {"day": "2025-03-10"})
        .json()
    )
    actual = {r["code"]: r["actual"] for r in data["results"]}
    assert actual["error-rate"] == pytest.approx(31 / 1100 * 100)
    assert data["period"] == "2025-03"


def test_chart_page_has_series_target_and_thresholds(world, client_as):
    _data(world)
    error = setup_partner(world.partner_a)[0]
    response = client_as(world.a_viewer).get(reverse("kpis:chart", args=[error.pk]))
    rows = {r["label"]: r for r in response.context["chart"]["rows"]}
    assert rows["2025-03"]["actual"] == pytest.approx(2.8182, abs=1e-4)
    assert (rows["2025-03"]["target"], rows["2025-03"]["warning"], rows["2025-03"]["critical"]) == (1.0, 1.5, 2.5)
    assert 'id="kpi-chart-data"' in response.content.decode()


def test_portfolio_and_dashboard_panel(world, client_as):
    _data(world)
    client = client_as(world.manager)
    response = client.get(reverse("kpis:portfolio"), {"day": "2025-03-10"})
    portfolio = response.context["portfolio"]
    names = [row.partner.name for row in portfolio["rows"]]
    assert world.partner_a.name in names and world.partner_b.name in names
    row_b = next(r for r in portfolio["rows"] if r.partner.pk == world.partner_b.pk)
    error_col = [k.code for k in portfolio["columns"]].index("error-rate")
    assert row_b.cells[error_col].actual == pytest.approx(0.5) and row_b.cells[error_col].status == "on_target"
    dashboard = client.get(reverse("dashboard"))
    assert "KPI portfolio" in dashboard.content.decode()


@pytest.mark.parametrize("granularity", ["quarter", "year"])
def test_scorecard_quarter_and_year_sum_the_parts_of_every_month(world, client_as, granularity):
    _data(world)
    measure(world.partner_a, "error-rate", date(2025, 1, 20), numerator=2, denominator=100)
    response = client_as(world.a_viewer).get(
        reverse("kpis:scorecard", args=[world.partner_a.pk]), {"granularity": granularity, "day": "2025-03-15"}
    )
    card = response.context["card"]
    assert (card.start, card.end) == (
        (date(2025, 1, 1), date(2025, 3, 31)) if granularity == "quarter" else (date(2025, 1, 1), date(2025, 12, 31))
    )
    error = next(r for r in card.results if r.code == "error-rate")
    assert error.actual == pytest.approx(33 / 1200 * 100)  # (1 + 30 + 2) / (100 + 1000 + 100)
    assert "2.75" in response.content.decode()


def test_scorecard_sparkline_holds_the_last_twelve_months(world, client_as):
    _data(world)
    measure(world.partner_a, "error-rate", date(2025, 1, 20), numerator=2, denominator=100)
    error = setup_partner(world.partner_a)[0]
    response = client_as(world.a_viewer).get(
        reverse("kpis:scorecard", args=[world.partner_a.pk]), {"granularity": "month", "day": "2025-03-15"}
    )
    series = response.context["spark"][str(error.pk)]
    assert len(series) == 12 and series[:-3] == [None] * 9
    assert series[-3:] == [pytest.approx(2.0), None, pytest.approx(31 / 1100 * 100)]
    assert response.context["spark_labels"][-1] == "March 2025"  # the data table names periods in words
    assert 'id="kpi-spark-data"' in response.content.decode()


def test_portfolio_cells_carry_sort_values_and_the_overall_score(world, client_as):
    _data(world)
    response = client_as(world.manager).get(reverse("kpis:portfolio"), {"day": "2025-03-10"})
    html = response.content.decode()
    assert 'class="table table-sm align-middle kpi-sortable"' in html
    assert html.count('data-sort="number"') == len(response.context["portfolio"]["columns"]) + 1
    row_a = next(r for r in response.context["portfolio"]["rows"] if r.partner.pk == world.partner_a.pk)
    assert row_a.overall == pytest.approx(50.0)  # error rate critical (weight 2), the others on target
    assert f'data-value="{row_a.overall:f}">50 %</td>' in html
    assert f'data-value="{31 / 1100 * 100!r}"' in html  # the exact value to sort by, shown rounded


def test_hub_section_shows_scorecard_how_measured_and_successes(world, client_as):
    _data(world)
    response = client_as(world.a_viewer).get(reverse("partners:detail", args=[world.partner_a.pk]))
    html = response.content.decode()
    assert 'id="kpi-section"' in html
    assert "Order lines with an error" in html or "divided by all order lines" in html
    assert "Pallets moved" not in html


def test_successes_are_shown_to_both_sides_on_the_partner_page(world, client_as):
    from kpis.models import Success

    error, _delivery, internal = setup_partner(world.partner_a)
    for assignment, value in ((error, 0.4), (internal, 1234)):
        Success.objects.create(
            partner=world.partner_a,
            kpi=assignment.kpi,
            partner_kpi=assignment,
            kind="record",
            period_start=date(2025, 3, 1),
            value=value,
            text="",
        )
    url = reverse("partners:detail", args=[world.partner_a.pk])
    for user in (world.manager, world.a_viewer):
        html = client_as(user).get(url).content.decode()
        assert "Error rate: 0.40 % in March 2025 is the best month so far" in html, user
    # The internal KPI's success is for the host only.
    assert "Pallets moved (internal): 1,234" in client_as(world.manager).get(url).content.decode()
    assert "Pallets moved" not in client_as(world.a_viewer).get(url).content.decode()
    world.a_viewer.language = "da"
    world.a_viewer.save(update_fields=["language"])
    danish = client_as(world.a_viewer).get(url).content.decode()
    assert "Fejlrate: 0,40 % i marts 2025 er den bedste måned hidtil" in danish


def test_target_change_keeps_history(world, client_as):
    error = setup_partner(world.partner_a)[0]
    client = client_as(world.manager)
    response = client.post(
        reverse("kpis:target_create", args=[error.pk]),
        {"horizon": "short_term", "value": "0.8", "warning": "1.2", "critical": "2", "valid_from": "2025-06-01"},
    )
    assert response.status_code == 302
    targets = list(KPITarget.objects.filter(partner_kpi=error, horizon="short_term").order_by("valid_from"))
    assert [(t.value, t.valid_to) for t in targets] == [(1.0, date(2025, 5, 31)), (0.8, None)]
    bad = client.post(
        reverse("kpis:target_create", args=[error.pk]),
        {"horizon": "short_term", "value": "0.8", "warning": "0.5", "valid_from": "2025-07-01"},
    )
    assert bad.status_code == 200 and "warning" in bad.context["form"].errors
    assert KPITarget.objects.filter(partner_kpi=error).count() == 2


def test_target_set_rejects_overlap(world):
    error = setup_partner(world.partner_a)[0]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        target_set(user=world.manager, partner_kpi=error, horizon="short_term", value=0.9, valid_from=date(2024, 1, 1))
    assert KPITarget.objects.filter(partner_kpi=error).count() == 1


def _many(world, n_partners, days):
    for i in range(n_partners):
        partner = OrganizationFactory(name=f"Extra partner {i}")
        setup_partner(partner)
        for d in range(days):
            measure(partner, "error-rate", date(2025, 3, 1) + timedelta(days=d), numerator=d, denominator=100)


def test_query_counts_do_not_grow_with_partners_or_rows(world, client_as, django_assert_max_num_queries):
    _data(world)
    client = client_as(world.manager)
    urls = [
        (reverse("kpis:portfolio"), {"day": "2025-03-10"}),
        (reverse("kpis:scorecard", args=[world.partner_a.pk]), {"day": "2025-03-10"}),
        (reverse("kpis:scorecard", args=[world.partner_a.pk]), {"day": "2025-03-10", "granularity": "week"}),
        (reverse("kpis:chart", args=[setup_partner(world.partner_a)[0].pk]), {}),
        (reverse("kpis:measurements", args=[world.partner_a.pk]), {}),
    ]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts():
        result = []
        for url, params in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url, params).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    before = counts()
    _many(world, 5, 8)
    for d in range(20):
        measure(world.partner_a, "error-rate", date(2025, 2, 1) + timedelta(days=d), numerator=1, denominator=100)
    after = counts()
    assert after == before
    with django_assert_max_num_queries(15):
        client.get(reverse("kpis:portfolio"))


def test_the_measurement_list_pages_through_every_value_and_keeps_the_filter(world, client_as):
    setup_partner(world.partner_a)
    first = date(2025, 1, 1)
    for i in range(60):
        measure(world.partner_a, "delivery-time", first + timedelta(days=i), value=20 + i / 100, sample_size=1)
    measure(world.partner_a, "error-rate", date(2025, 1, 2), numerator=1, denominator=100)
    client = client_as(world.manager)
    url = reverse("kpis:measurements", args=[world.partner_a.pk])
    page1 = client.get(url, {"kpi": "delivery-time"}).content.decode()
    assert ">1 Mar 2025<" in page1 and ">1 Jan 2025<" not in page1  # newest first, 50 a page
    assert "kpi=delivery-time&amp;page=2" in page1
    page2 = client.get(url, {"kpi": "delivery-time", "page": 2})
    assert len(page2.context["measurements"]) == 10
    assert ">1 Jan 2025<" in page2.content.decode()


def test_scorecard_periods_in_words_follow_the_active_catalogue(world, client_as):
    """The periods' words are made once per catalogue, not once per language code: a catalogue put in the
    place of another under the same code (the pseudo-locale sweep's marked Danish) is not served the words
    the first one made."""
    from tests.test_pseudo_locale import pseudo_danish

    _data(world)
    world.a_viewer.language = "da"
    world.a_viewer.save(update_fields=["language"])
    client = client_as(world.a_viewer)
    url, query = reverse("kpis:scorecard", args=[world.partner_a.pk]), {"granularity": "month", "day": "2025-03-15"}
    assert client.get(url, query).context["spark_labels"][-1] == "marts 2025"
    with pseudo_danish():
        assert client.get(url, query).context["spark_labels"][-1] == "⟦marts⟧ 2025"
    assert client.get(url, query).context["spark_labels"][-1] == "marts 2025"
