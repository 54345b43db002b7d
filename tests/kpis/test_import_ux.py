"""Imports a person can get right (issue #14): KPIs by their Danish or English name, an unknown KPI
answered with the valid codes (only those within the user's reach), a template file per partner,
`12,5` in a comma file refused with its line, and the separator named when the header does not fit."""

import csv
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis import importing
from kpis.models import KPIDefinition, Measurement
from tests.kpis.helpers import assign, internal_kpi, setup_partner

pytestmark = pytest.mark.django_db

HEADER = "partner,kpi,period_start,value,numerator,denominator,sample_size\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, content: bytes, name="m.csv"):
    return client.post(reverse("kpis:import"), {"file": SimpleUploadedFile(name, content)})


def _problems(response) -> dict[int, str]:
    return {p["line"]: " ".join(p["errors"].values()) for p in response.context["problems"]}


def _confirm(client, preview):
    assert not preview.context["problems"], _problems(preview)
    return client.post(reverse("kpis:import"), {"confirm": "1", "token": preview.context["token"]})


# --- KPIs by name ----------------------------------------------------------------------------------


def test_kpis_are_found_by_code_danish_or_english_name_in_any_case(world, client_as):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    client = client_as(world.manager)
    content = (
        HEADER + f"{p},Leveringstid,2025-03-03,20,,,40\n"
        f"{p},  delivery TIME ,2025-03-04,21,,,40\n"
        f"{p},FEJLRATE,2025-03-03,,2,400,\n"
        f"{p},error rate,2025-03-04,,3,400,\n"
        f"{p},Error-Rate,2025-03-05,,4,400,\n"
    )
    preview = _upload(client, content.encode())
    assert [item.kpi.code for item in preview.context["items"]] == ["delivery-time"] * 2 + ["error-rate"] * 3
    _confirm(client, preview)
    assert Measurement.objects.filter(partner=world.partner_a, kpi__code="delivery-time").count() == 2
    assert Measurement.objects.filter(partner=world.partner_a, kpi__code="error-rate").count() == 3


def test_a_name_of_several_kpis_is_not_guessed(world, client_as):
    for code in ("dock-time-a", "dock-time-b"):
        definition = KPIDefinition.objects.create(
            code=code,
            name="Dock time",
            direction="lower",
            aggregation="last",
            how_measured="Minutes at the dock.",
            why_it_matters="Waiting trucks.",
        )
        assign(world.partner_a, definition)
    preview = _upload(
        client_as(world.manager),
        f"partner,kpi,period_start,value\n{world.partner_a.pk},dock time,2025-03-03,5\n".encode(),
    )
    assert "“dock time” is the name of several KPIs; give the code: dock-time-a, dock-time-b." in _problems(preview)[2]
    assert not Measurement.objects.exists()


# --- unknown KPIs ----------------------------------------------------------------------------------


def test_an_unknown_kpi_lists_the_valid_codes_for_host_staff(world, client_as):
    setup_partner(world.partner_a)
    preview = _upload(client_as(world.manager), f"{HEADER}{world.partner_a.pk},nope,2025-03-03,1,,,1\n".encode())
    message = _problems(preview)[2]
    codes = sorted(KPIDefinition.objects.filter(is_active=True).values_list("code", flat=True))
    assert "pallets-moved" in codes
    assert f"Unknown KPI code “nope”. Valid: {', '.join(codes)}." in message


def test_a_partner_user_is_told_only_their_shared_codes_and_hidden_ones_answer_like_missing(world, client_as):
    setup_partner(world.partner_a)
    assign(world.partner_b, "customer-satisfaction")  # shared, but with partner B only
    internal = internal_kpi()
    p = world.partner_a.pk
    raws = ["nope", "pallets-moved", internal.name, "customer-satisfaction", "Customer satisfaction"]
    content = HEADER + "".join(f"{p},{raw},2025-03-03,1,,,1\n" for raw in raws)
    preview = _upload(client_as(world.a_manager), content.encode())
    problems = _problems(preview)
    answers = {problems[line].replace(f"“{raw}”", "“X”") for line, raw in enumerate(raws, start=2)}
    assert answers == {"Unknown KPI code “X”. Valid: delivery-time, error-rate."}
    assert not Measurement.objects.exists()


def test_the_valid_codes_are_given_in_danish_too(world, client_as):
    setup_partner(world.partner_a)
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    content = f"{HEADER}{world.partner_a.pk},nope,2025-03-03,1,,,1\n"
    preview = _upload(client_as(world.a_manager), content.encode())
    assert "Ukendt KPI-kode “nope”. Gyldige: delivery-time, error-rate." in _problems(preview)[2]


# --- the template file -----------------------------------------------------------------------------


def _template(client, partner=None, fmt="csv"):
    query = {"format": fmt}
    if partner is not None:
        query["partner"] = partner.pk
    return client.get(reverse("kpis:import_template"), query)


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_partner_manager_gets_a_template_of_the_kpis_they_may_submit_and_it_imports(world, client_as):
    setup_partner(world.partner_a)  # error rate: partner may submit; delivery time: host only; one internal
    client = client_as(world.a_manager)
    page = client.get(reverse("kpis:import"))
    link = f"{reverse('kpis:import_template')}?partner={world.partner_a.pk}&amp;format=csv"
    assert link.encode() in page.content and b"template-xlsx" in page.content
    assert world.partner_b.name.encode() not in page.content

    response = _template(client)  # no partner named: their own organisation's
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="import-template-{world.partner_a.pk}.csv"'
    header, *rows = _csv_rows(response)
    assert header == importing.COLUMNS
    assert [(r[0], r[1], r[2]) for r in rows] == [(str(world.partner_a.pk), "error-rate", "day")]

    # Filled in, it imports as it is.
    rows[0][header.index("numerator")] = "2"
    rows[0][header.index("denominator")] = "400"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    preview = _upload(client, buffer.getvalue().encode())
    _confirm(client, preview)
    assert Measurement.objects.get(partner=world.partner_a).kpi.code == "error-rate"


def test_host_staff_choose_the_partner_and_get_every_assigned_kpi_as_xlsx(world, client_as):
    setup_partner(world.partner_a)
    client = client_as(world.manager)
    page = client.get(reverse("kpis:import"))
    assert b'id="template-form"' in page.content
    # The searchable partner picker (tests/partners/test_picker.py), not a drop-down of every partner.
    assert b'id="template-partner"' in page.content and b'role="combobox"' in page.content
    assert world.partner_b.name.encode() not in page.content

    response = _template(client, world.partner_a, "xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == importing.COLUMNS
    assert sorted(r[1] for r in rows) == ["delivery-time", "error-rate", "pallets-moved"]
    assert {r[0] for r in rows} == {world.partner_a.pk}

    parts = {
        "error-rate": {"numerator": 2, "denominator": 400},
        "delivery-time": {"value": 20, "sample_size": 40},
        "pallets-moved": {"value": 120},
    }
    for row in rows:
        for name, number in parts[row[1]].items():
            row[header.index(name)] = number
    workbook = openpyxl.Workbook()
    for row in [header, *rows]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = _upload(client, buffer.getvalue(), "filled.xlsx")
    _confirm(client, preview)
    assert Measurement.objects.filter(partner=world.partner_a).count() == 3


def test_template_refusals(world, client_as):
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    assert _template(client_as(world.a_manager), world.partner_b).status_code == 404
    assert _template(client_as(world.a_viewer), world.partner_a).status_code == 403
    assert _template(client_as(world.manager), world.partner_a, "pdf").status_code == 404
    response = client_as(world.manager).get(reverse("kpis:import_template"), {"format": "csv"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("kpis:import")
    assert "Choose the partner whose template you want." in response.content.decode()


# --- separators ------------------------------------------------------------------------------------


def test_an_unquoted_decimal_comma_in_a_comma_file_is_refused_with_its_line(world, client_as):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    client = client_as(world.manager)
    content = (
        "partner,kpi,period_start,numerator,denominator\n"
        f'{p},error-rate,2025-03-03,"2,5",400\n'
        f"{p},error-rate,2025-03-04,2,5,400\n"
    )
    problems = _problems(_upload(client, content.encode()))
    assert list(problems) == [3]
    assert "line 3 has 6 fields, but the header has 5" in problems[3]
    assert "12.5" in problems[3]
    assert not Measurement.objects.exists()
    # Quoted, or in a semicolon file, 2,5 is two and a half.
    preview = _upload(
        client, f"partner;kpi;period_start;numerator;denominator\n{p};error-rate;2025-03-04;2,5;400\n".encode()
    )
    assert preview.context["items"][0].numerator == 2.5 and not preview.context["problems"]


def test_a_header_that_does_not_fit_names_the_separator_it_was_read_with(world, client_as):
    response = _upload(client_as(world.manager), b"kpi;periode;value\nerror-rate;2025-03-03;1\n")
    message = " ".join(response.context["form"].errors["file"])
    assert re.search(r"lacks the column\(s\) period_start\b", message)
    assert "The file was read with “;” as separator." in message
