"""KPI figures are rounded once, half up, on their decimal value (issue #12), on every page that shows them,
in the export and on the meeting agenda (kpis.figures)."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from kpis import figures
from meetings import agenda
from tests.kpis.helpers import assign, measure
from tests.meetings.helpers import meeting_for

pytestmark = pytest.mark.django_db

MARCH = {"granularity": "month", "day": "2025-03-15"}


def _satisfaction_of_1_955(partner, day=date(2025, 3, 3), other=date(2025, 3, 4)):
    """Customer satisfaction (two decimals) of (1.53 × 10 + 2.38 × 10) / 20 = 1.955: in floats 1.9549999999999996."""
    assign(partner, "customer-satisfaction", target=4.0, warning=3.5, critical=3.0)
    measure(partner, "customer-satisfaction", day, value=1.53, sample_size=10)
    measure(partner, "customer-satisfaction", other, value=2.38, sample_size=10)


def _actual_cells(html):
    """KPI code -> the text of its 'actual' cell on the scorecard."""
    rows = re.findall(r'<tr data-kpi="([^"]+)".*?kpi-actual[^>]*>(.*?)</td>', html, flags=re.S)
    return {code: text.strip() for code, text in rows}


def test_figures_round_half_up_on_the_decimal_value():
    assert str(figures.rounded(1.955, 2)) == "1.96"
    assert str(figures.rounded(1.53 * 10 / 20 + 2.38 * 10 / 20, 2)) == "1.96"  # 1.9549999999999998
    assert str(figures.rounded(9 / 4000 * 100, 2)) == "0.23"  # 0.22499999999999998
    assert str(figures.rounded(0.125, 2)) == "0.13"  # an exact binary tie: round() gives 0.12
    assert str(figures.rounded(2.5, 0)) == "3" and str(figures.rounded(-2.5, 0)) == "-3"
    assert str(figures.rounded(500 / 11, 0)) == "45"  # 45.45…: once, not 45.5 and then 46
    assert str(figures.rounded(1.9549999, 2)) == "1.95"  # below the tie stays below
    assert figures.number(500 / 11, 1) == 45.5 and figures.number(None, 1) is None
    assert figures.ratio(9, 4000, 100) == 0.225 and figures.ratio(1, 0, 100) is None


@pytest.mark.parametrize("count", [0.0, 1.0, -7.0, 1200.0, 2_000_000.0, 999_999_999_999_999.0, 1e15, 3.0e16])
def test_a_whole_number_reads_as_the_decimal_its_fifteen_digits_give(count):
    """Counts take a shortcut in to_decimal: it must give the very decimal the 15-digit reading gives."""
    read = figures.to_decimal(count)
    assert read == Decimal(format(count, ".15g"))
    assert read.as_tuple().exponent == Decimal(format(count, ".15g")).as_tuple().exponent
    assert figures.ratio(count + 1, 3.0) == float(Decimal(format(count + 1, ".15g")) / Decimal(3))


def test_scorecard_page_shows_ties_rounded_half_up(world, client_as):
    _satisfaction_of_1_955(world.partner_a)
    assign(world.partner_a, "error-rate", target=1.0)
    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=9, denominator=4000)  # 0.225 %
    page = client_as(world.manager).get(reverse("kpis:scorecard", args=[world.partner_a.pk]), MARCH)
    cells = _actual_cells(page.content.decode())
    assert cells["customer-satisfaction"] == "1.96"
    assert cells["error-rate"] == "0.23"
    data = client_as(world.manager).get(reverse("api:kpi-scorecard", args=[world.partner_a.pk]), MARCH).json()
    actual = {r["code"]: r["actual"] for r in data["results"]}
    assert actual == {"customer-satisfaction": 1.955, "error-rate": 0.225}  # computed on the decimals


def test_scorecard_page_in_danish_uses_the_decimal_comma(world, client_as):
    _satisfaction_of_1_955(world.partner_a)
    world.manager.language = "da"
    world.manager.save(update_fields=["language"])
    page = client_as(world.manager).get(reverse("kpis:scorecard", args=[world.partner_a.pk]), MARCH)
    assert _actual_cells(page.content.decode())["customer-satisfaction"] == "1,96"


def test_portfolio_cells_round_half_up(world, client_as):
    assign(world.partner_a, "error-rate", target=1.0)
    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=5, denominator=4000)  # 0.125 %: a binary tie
    response = client_as(world.manager).get(reverse("kpis:portfolio"), MARCH)
    html = response.content.decode()
    assert f'data-value="{5 / 4000 * 100!r}">' in html
    cell = re.search(r'data-value="0\.125"><a [^>]*>([^<]*)<', html)  # the figure, before its status mark
    assert cell is not None and cell.group(1) == "0.13"


def _overall_of_45_45(world):
    """Error rate critical with weight 6, delivery time on target with weight 5: 5 / 11 = 45.45 %."""
    assign(world.partner_a, "error-rate", target=1.0, warning=1.5, critical=2.5, weight=6)
    assign(world.partner_a, "delivery-time", target=24, warning=28, critical=36, weight=5)
    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=3, denominator=100)
    measure(world.partner_a, "delivery-time", date(2025, 3, 3), value=20, sample_size=10)


def test_overall_score_is_rounded_once_on_every_page(world, client_as):
    _overall_of_45_45(world)
    client = client_as(world.manager)
    scorecard = client.get(reverse("kpis:scorecard", args=[world.partner_a.pk]), MARCH)
    assert re.search(r'id="overall-score">\s*45 %', scorecard.content.decode())  # not 46 %
    assert scorecard.context["card"].overall == pytest.approx(500 / 11)  # not rounded on the way
    portfolio = client.get(reverse("kpis:portfolio"), MARCH).content.decode()
    assert re.search(r'data-value="45\.45[0-9]*">45 %</td>', portfolio)
    hub = client.get(reverse("partners:detail", args=[world.partner_a.pk])).content.decode()
    assert re.search(r"Overall score: <strong>45 %</strong>", hub)
    api = client.get(reverse("api:kpi-scorecard", args=[world.partner_a.pk]), MARCH).json()
    assert api["overall_score"] == 45.5  # the API's one decimal, rounded once from 45.45…


def test_scorecard_export_rounds_the_overall_score_once(world, client_as):
    _overall_of_45_45(world)
    url = reverse("kpis:scorecard_export", args=[world.partner_a.pk])
    body = b"".join(client_as(world.manager).get(url, {"format": "csv", **MARCH}).streaming_content)
    rows = {r["kpi"]: r for r in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))}
    assert rows[""]["actual"] == "45.45"  # not 45.5 (45.45… rounded to one decimal, then to two)
    assert rows["error-rate"]["actual"] == "3.0"


def test_meeting_agenda_shows_figures_with_the_kpis_decimals_rounded_half_up(world, client_as):
    meeting = meeting_for(world, world.partner_a, days=3)
    _start, end = agenda.kpi_period(meeting)
    _satisfaction_of_1_955(world.partner_a, day=end, other=end - timedelta(days=1))
    page = client_as(world.manager).get(meeting.get_absolute_url()).content.decode()
    row = re.search(r'data-code="customer-satisfaction">\s*<td>.*?</td>\s*<td class="text-end">([^<]*)</td>', page)
    assert row is not None and row.group(1).strip() == "1.96"
