"""Formula injection: no exported cell may start a formula in a spreadsheet (CSV and XLSX).

Every export is downloaded through its URL with hostile partner, KPI, unit and site names; each
text cell that starts with =, +, -, @, tab or CR comes out prefixed with a single quote, XLSX text
cells are text (never formulas), and numbers, negative ones included, stay numbers.
"""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from kpis.models import KPIDefinition
from partnerportal.exports import safe_cell
from tests.factories import SiteFactory
from tests.kpis.helpers import assign, measure

pytestmark = pytest.mark.django_db

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_PARTNER = "=1+2"
HOSTILE_KPI = '+HYPERLINK("http://evil.example","x")'
HOSTILE_UNIT = "@SUM(A1)"
HOSTILE_SITE = "-2+3"


def _hostile_world(world):
    partner = world.partner_a
    partner.name = HOSTILE_PARTNER
    partner.save()
    site = SiteFactory(organization=partner, name="\tTab hub", code=HOSTILE_SITE)
    definition = KPIDefinition.objects.create(
        code="temperature-delta",
        name=HOSTILE_KPI,
        unit=HOSTILE_UNIT,
        direction="higher",
        aggregation="last",
        how_measured="-",
        why_it_matters="=",
    )
    assign(partner, definition, target=-2, warning=-4, critical=-6)
    measure(partner, definition, date(2025, 3, 3), value=-5.5, site=site)
    return partner


def _csv(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _xlsx_cells(client, url, **params):
    response = client.get(url, {**params, "format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _assert_no_live_cell_in_csv(rows):
    for row in rows:
        for value in row:
            if value and value[0] in DANGEROUS:
                # Only a number may start with "-"; it must parse as one.
                assert value[0] == "-" and float(value) < 0, f"live cell in CSV: {value!r}"


def _assert_no_live_cell_in_xlsx(cells):
    for cell in cells:
        assert cell.data_type != "f", f"formula cell: {cell.value!r}"
        if isinstance(cell.value, str):
            assert cell.data_type == "s"
            assert cell.value[0] not in DANGEROUS, f"live text cell in XLSX: {cell.value!r}"


def test_scorecard_exports_neutralise_hostile_names_and_keep_negative_numbers(world, client_as):
    partner = _hostile_world(world)
    client = client_as(world.manager)
    url = reverse("kpis:scorecard_export", args=[partner.pk])

    rows = _csv(client, url, day="2025-03-01")
    _assert_no_live_cell_in_csv(rows)
    kpi_row = next(r for r in rows if r[2] == "temperature-delta")
    assert kpi_row[0] == "'" + HOSTILE_PARTNER
    assert kpi_row[3] == "'" + HOSTILE_KPI
    assert kpi_row[4] == "'" + HOSTILE_UNIT
    assert float(kpi_row[5]) == -5.5 and float(kpi_row[6]) == -2  # numbers, not "'-5.5"

    cells = _xlsx_cells(client, url, day="2025-03-01")
    _assert_no_live_cell_in_xlsx(cells)
    values = [c.value for c in cells]
    assert "'" + HOSTILE_PARTNER in values and "'" + HOSTILE_KPI in values and "'" + HOSTILE_UNIT in values
    numbers = [c for c in cells if c.value in (-5.5, -2)]
    assert {c.value for c in numbers} == {-5.5, -2} and all(c.data_type == "n" for c in numbers)


def test_measurement_exports_neutralise_hostile_site_codes(world, client_as):
    partner = _hostile_world(world)
    client = client_as(world.manager)
    url = reverse("kpis:measurements_export", args=[partner.pk])

    rows = _csv(client, url)
    _assert_no_live_cell_in_csv(rows)
    data = next(r for r in rows if r[1] == "temperature-delta")
    assert data[4] == "'" + HOSTILE_SITE
    assert float(data[5]) == -5.5

    cells = _xlsx_cells(client, url)
    _assert_no_live_cell_in_xlsx(cells)
    assert "'" + HOSTILE_SITE in [c.value for c in cells]
    assert any(c.value == -5.5 and c.data_type == "n" for c in cells)


def test_a_partner_user_gets_the_same_neutralised_export(world, client_as):
    partner = _hostile_world(world)
    rows = _csv(client_as(world.a_viewer), reverse("kpis:scorecard_export", args=[partner.pk]), day="2025-03-01")
    _assert_no_live_cell_in_csv(rows)
    assert rows[1][0] == "'" + HOSTILE_PARTNER


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),  # text that looks like a number is still text
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        (-3, -3),
        (-2.5, -2.5),
        (0, 0),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
