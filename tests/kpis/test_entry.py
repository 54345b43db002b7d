"""Measurement entry through the form, the import (preview → confirm) and the ingestion API: bad input
gets a clear message and changes nothing; good input is written once (idempotent by the natural key)."""

import io
import json
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kpis.models import Measurement, MonthlyRollup
from tests.kpis.helpers import setup_partner

pytestmark = pytest.mark.django_db

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


# --- form ---------------------------------------------------------------------------------------


def _form(client, partner, **data):
    return client.post(reverse("kpis:measurement_create", args=[partner.pk]), data)


def test_form_saves_ratio_from_its_parts_and_corrects_with_history(world, client_as):
    error, *_ = setup_partner(world.partner_a)
    client = client_as(world.manager)
    data = {
        "kpi": error.kpi_id,
        "period_kind": "day",
        "period_start": "2025-03-03",
        "numerator": "3",
        "denominator": "200",
    }
    response = _form(client, world.partner_a, **data)
    assert response.status_code == 302
    m = Measurement.objects.get()
    assert (m.value, m.source, m.entered_by) == (1.5, "form", world.manager)
    assert MonthlyRollup.objects.get(kpi=error.kpi).sum_numerator == 3
    _form(client, world.partner_a, **{**data, "numerator": "4"})
    m.refresh_from_db()
    assert m.value == 2.0
    assert [h.numerator for h in m.history.order_by("history_date")] == [3, 4]
    assert MonthlyRollup.objects.get(kpi=error.kpi).sum_numerator == 4


@pytest.mark.parametrize(
    "kpi_index,data,field,message",
    [
        (0, {"numerator": "tre", "denominator": "100"}, "numerator", "Enter a number"),
        (0, {"numerator": "-1", "denominator": "100"}, "numerator", "cannot be negative"),
        (0, {"numerator": "101", "denominator": "100"}, "value", "cannot be above 100"),
        (0, {"numerator": "1", "denominator": "0"}, "denominator", "cannot be zero"),
        (0, {"numerator": "1", "denominator": "10", "period_start": TOMORROW}, "period_start", "in the future"),
        (1, {"value": "20"}, "sample_size", "is required"),
        (1, {"value": "-2", "sample_size": "10"}, "value", "cannot be below 0"),
    ],
)
def test_form_rejects_bad_input_and_saves_nothing(world, client_as, kpi_index, data, field, message):
    assignment = setup_partner(world.partner_a)[kpi_index]
    payload = {"kpi": assignment.kpi_id, "period_kind": "day", "period_start": "2025-03-03", **data}
    response = _form(client_as(world.manager), world.partner_a, **payload)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert not Measurement.objects.exists()


def test_partner_manager_submits_only_where_allowed(world, client_as):
    error, delivery, _internal = setup_partner(world.partner_a)
    client = client_as(world.a_manager)
    ok = _form(
        client,
        world.partner_a,
        kpi=error.kpi_id,
        period_kind="day",
        period_start="2025-03-03",
        numerator=1,
        denominator=100,
    )
    assert ok.status_code == 302
    refused = _form(
        client,
        world.partner_a,
        kpi=delivery.kpi_id,
        period_kind="day",
        period_start="2025-03-03",
        value=20,
        sample_size=3,
    )
    assert refused.status_code == 200 and "kpi" in refused.context["form"].errors  # not a choice for the partner
    assert Measurement.objects.count() == 1
    assert Measurement.objects.get().entered_by == world.a_manager


# --- import -------------------------------------------------------------------------------------


def _upload(client, content: bytes, name="m.csv"):
    return client.post(reverse("kpis:import"), {"file": SimpleUploadedFile(name, content)})


def _confirm(client, response):
    return client.post(reverse("kpis:import"), {"confirm": "1", "token": response.context["token"]})


def test_import_preview_then_confirm_danish_style(world, client_as):
    setup_partner(world.partner_a)
    client = client_as(world.manager)
    csv_text = (
        "partner;kpi;period_start;site;value;numerator;denominator;sample_size\n"
        f"{world.partner_a.pk};error-rate;2025-03-03;ALFA1;;3;200;\n"
        f"{world.partner_a.name};delivery-time;03-03-2025;;12,5;;;40\n"
    )
    preview = _upload(client, csv_text.encode("cp1252"))
    assert preview.status_code == 200
    assert preview.context["problems"] == []
    assert not Measurement.objects.exists()  # the preview saves nothing
    done = _confirm(client, preview)
    assert done.status_code == 302
    values = dict(Measurement.objects.values_list("kpi__code", "value"))
    assert values == {"error-rate": 1.5, "delivery-time": 12.5}
    assert set(Measurement.objects.values_list("source", flat=True)) == {"import"}


def test_import_danish_thousands_separator_in_a_semicolon_file(world, client_as):
    setup_partner(world.partner_a)
    client = client_as(world.manager)
    p = world.partner_a.pk
    csv_text = (
        "partner;kpi;period_start;value;numerator;denominator;sample_size\n"
        f"{p};error-rate;2025-03-03;;12;1.200;\n"  # 12 errors in 1,200 lines
        f"{p};error-rate;2025-03-04;;3;150;\n"
        f"{p};delivery-time;2025-03-03;1.012,5;;;1.000\n"
        f"{p};delivery-time;2025-03-04;0.5;;;2\n"  # a decimal point, not a thousands group
    )
    preview = _upload(client, csv_text.encode())
    assert preview.context["problems"] == []
    _confirm(client, preview)
    rates = dict(Measurement.objects.filter(kpi__code="error-rate").values_list("period_start__day", "value"))
    assert rates == {3: pytest.approx(1.0), 4: pytest.approx(2.0)}
    times = {
        day: (value, n)
        for day, value, n in Measurement.objects.filter(kpi__code="delivery-time").values_list(
            "period_start__day", "value", "sample_size"
        )
    }
    assert times == {3: (1012.5, 1000.0), 4: (0.5, 2.0)}


def test_import_xlsx(world, client_as):
    setup_partner(world.partner_a)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["partner", "kpi", "period_start", "numerator", "denominator"])
    sheet.append([world.partner_a.pk, "error-rate", date(2025, 3, 4), 1, 400])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_as(world.manager)
    preview = _upload(client, buffer.getvalue(), "m.xlsx")
    assert preview.context["problems"] == []
    _confirm(client, preview)
    assert Measurement.objects.get().value == 0.25


def test_import_is_all_or_nothing_with_row_report(world, client_as):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    csv_text = (
        "partner,kpi,period_start,value,numerator,denominator,sample_size\n"
        f"{p},error-rate,2025-03-03,,1,100,\n"  # good
        f"{p},error-rate,2025-03-04,,abc,100,\n"  # text for a number
        f"{p},error-rate,2025-03-05,,-1,100,\n"  # negative count
        f"{p},error-rate,2025-03-06,,150,100,\n"  # above 100 %
        f"{p},error-rate,2025-03-07,,1,0,\n"  # denominator 0
        f"{p},error-rate,{TOMORROW},,1,10,\n"  # future
        f"99999,error-rate,2025-03-08,,1,10,\n"  # unknown partner
        f"{p},no-such-kpi,2025-03-09,,1,10,\n"  # unknown KPI
        f"{p},error-rate,2025-03-03,,1,100,\n"  # same key twice
    )
    client = client_as(world.manager)
    preview = _upload(client, csv_text.encode())
    problems = {p["index"]: " ".join(p["errors"].values()) for p in preview.context["problems"]}
    assert sorted(problems) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert "not a number" in problems[1]
    assert "negative" in problems[2]
    assert "above 100" in problems[3]
    assert "zero" in problems[4]
    assert "future" in problems[5]
    assert "Unknown partner" in problems[6]
    assert "Unknown KPI code" in problems[7]
    assert "twice" in problems[8]
    assert "token" not in preview.content.decode() or b"confirm-import" not in preview.content
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    "content,name,message",
    [
        (b"", "m.csv", "file is empty"),
        (b"\n\n \n", "m.csv", "The file is empty"),
        (b"\xff\xfe\x00\x00garbage\x00\x81", "m.csv", "could not be read as text"),
        (b"PK\x03\x04 not really a workbook", "m.xlsx", "not a valid XLSX"),
        (b"kpi;period_start\n", "m.csv", "no measurements"),
        (b"foo,bar\n1,2\n", "m.csv", "lacks the column"),
        (b"a" * (5 * 1024 * 1024 + 1), "m.csv", "larger than 5 MB"),
    ],
)
def test_import_refuses_unusable_files(world, client_as, content, name, message):
    response = _upload(client_as(world.manager), content, name)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not Measurement.objects.exists()


def test_import_confirm_with_a_foreign_token_does_nothing(world, client_as):
    setup_partner(world.partner_a)
    csv_text = f"partner,kpi,period_start,numerator,denominator\n{world.partner_a.pk},error-rate,2025-03-03,1,100\n"
    preview = _upload(client_as(world.manager), csv_text.encode())
    other = client_as(world.admin)  # another session does not know the token
    response = other.post(reverse("kpis:import"), {"confirm": "1", "token": preview.context["token"]})
    assert response.status_code == 302
    assert not Measurement.objects.exists()


def test_partner_manager_import_defaults_to_own_partner_and_cannot_write_others(world, client_as):
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    client = client_as(world.a_manager)
    own = _upload(client, b"kpi,period_start,numerator,denominator\nerror-rate,2025-03-03,1,100\n")
    assert own.context["problems"] == []
    other = _upload(
        client,
        f"partner,kpi,period_start,numerator,denominator\n{world.partner_b.pk},error-rate,2025-03-03,1,100\n".encode(),
    )
    # Another partner is as unknown to a partner user as one that does not exist (no name shown).
    assert other.context["problems"][0]["errors"] == {"partner": f"Unknown partner “{world.partner_b.pk}”."}
    assert world.partner_b.name not in other.content.decode()


# --- API ----------------------------------------------------------------------------------------


def _api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _bulk(client, items):
    return client.post(
        reverse("api:kpi-measurement-bulk"), data=json.dumps({"measurements": items}), content_type="application/json"
    )


def test_bulk_ingestion_is_idempotent(world):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    items = [
        {
            "partner": p,
            "kpi": "error-rate",
            "period_start": "2025-03-04",
            "site": "ALFA1",
            "numerator": 2,
            "denominator": 400,
        },
        {"partner": p, "kpi": "error-rate", "period_start": "2025-03-03", "numerator": 1, "denominator": 100},
        {
            "partner": p,
            "kpi": "delivery-time",
            "period_kind": "week",
            "period_start": "2025-03-05",
            "value": "22,5",
            "sample_size": 30,
        },
    ]
    client = _api(world.manager)
    first = _bulk(client, items)
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 3, "updated": 0, "unchanged": 0}
    again = _bulk(client, items)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3}
    assert Measurement.objects.count() == 3
    assert Measurement.objects.get(kpi__code="delivery-time").period_start == date(2025, 3, 3)  # the week's Monday
    items[1]["numerator"] = 5
    changed = _bulk(client, items)
    assert changed.json() == {"created": 0, "updated": 1, "unchanged": 2}
    assert MonthlyRollup.objects.get(kpi__code="error-rate").sum_numerator == 7
    corrected = Measurement.objects.get(kpi__code="error-rate", site=None)
    history = list(corrected.history.order_by("history_date").values_list("numerator", "value", "source"))
    assert history == [(1, 1.0, "api"), (5, 5.0, "api")]  # the earlier value is kept


def test_bulk_ingestion_all_or_nothing_with_item_errors(world):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    items = [
        {"partner": p, "kpi": "error-rate", "period_start": "2025-03-03", "numerator": 1, "denominator": 100},
        {"partner": p, "kpi": "error-rate", "period_start": "2025-03-04", "numerator": 1, "denominator": 0},
        {"partner": p, "kpi": "nope", "period_start": "2025-03-05", "value": 1},
        {"partner": p, "kpi": "error-rate", "period_start": "yesterday", "numerator": 1, "denominator": 10},
    ]
    response = _bulk(_api(world.manager), items)
    assert response.status_code == 400
    body = response.json()
    assert [e["index"] for e in body["errors"]] == [1, 2, 3]
    assert "zero" in body["errors"][0]["errors"]["denominator"]
    assert "Unknown KPI" in body["errors"][1]["errors"]["kpi"]
    assert "not a date" in body["errors"][2]["errors"]["period_start"]
    assert not Measurement.objects.exists()


def test_bulk_ingestion_refuses_malformed_payload_and_anonymous(world):
    client = _api(world.manager)
    assert (
        client.post(reverse("api:kpi-measurement-bulk"), data="nope", content_type="application/json").status_code
        == 400
    )
    assert _bulk(client, []).status_code == 400
    assert APIClient().post(reverse("api:kpi-measurement-bulk"), data={}, format="json").status_code == 401


def test_bulk_partner_manager_only_own_submittable_kpis(world):
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    client = _api(world.a_manager)
    own = _bulk(client, [{"kpi": "error-rate", "period_start": "2025-03-03", "numerator": 1, "denominator": 100}])
    assert own.status_code == 200
    host_only = _bulk(client, [{"kpi": "delivery-time", "period_start": "2025-03-03", "value": 1, "sample_size": 1}])
    assert host_only.status_code == 400
    other = _bulk(
        client,
        [
            {
                "partner": world.partner_b.pk,
                "kpi": "error-rate",
                "period_start": "2025-03-03",
                "numerator": 1,
                "denominator": 9,
            }
        ],
    )
    assert other.status_code == 400
    assert Measurement.objects.count() == 1
    viewer = _bulk(
        _api(world.a_viewer), [{"kpi": "error-rate", "period_start": "2025-03-03", "numerator": 1, "denominator": 9}]
    )
    assert viewer.status_code == 403


def test_values_that_would_count_the_same_days_twice_are_refused(world):
    """A month beside days of that month, a week over a month's days, a total beside values per
    site: the aggregation adds them all up, so the second one is refused (the first stays)."""
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    client = _api(world.manager)
    day = {"partner": p, "kpi": "error-rate", "numerator": 1, "denominator": 100}
    assert _bulk(client, [{**day, "period_start": "2025-03-31"}]).status_code == 200

    def refused(*items):
        response = _bulk(client, list(items))
        assert response.status_code == 400, response.content
        return {e["index"]: e["errors"]["period_start"] for e in response.json()["errors"]}

    month = refused({**day, "period_kind": "month", "period_start": "2025-03-01"})
    assert "already covered by a value without a site, per day from 31 Mar 2025" in month[0]
    assert "counted twice" in month[0]
    week = refused({**day, "period_kind": "week", "period_start": "2025-04-01"})  # Mon 31 March – 6 April
    assert "per day from 31 Mar 2025" in week[0]
    per_site = refused({**day, "period_start": "2025-03-31", "site": "ALFA1"})
    assert "without a site, per day" in per_site[0]
    # Within one call: the later of two overlapping items is named; nothing is saved.
    batch = refused(
        {**day, "period_kind": "month", "period_start": "2025-05-01"},
        {**day, "period_start": "2025-05-20"},
    )
    assert list(batch) == [1] and "per month from 1 May 2025" in batch[1]
    assert Measurement.objects.count() == 1
    # Not overlapping: a month after the days, the next week, a site on another day are fine.
    fine = _bulk(
        client,
        [
            {**day, "period_kind": "month", "period_start": "2025-04-01"},
            {
                **day,
                "period_kind": "week",
                "period_start": "2025-03-24",
                "kpi": "delivery-time",
                "value": 20,
                "sample_size": 5,
            },
            {**day, "period_start": "2025-03-30", "site": "ALFA1"},
        ],
    )
    assert fine.status_code == 200, fine.content
    # A correction of the stored value keeps its own kind and level: not an overlap.
    assert _bulk(client, [{**day, "period_start": "2025-03-31", "numerator": 2}]).json()["updated"] == 1


def test_bulk_ingestion_refuses_a_body_over_the_size_limit_with_a_clear_message(world, settings):
    setup_partner(world.partner_a)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    item = {"partner": world.partner_a.pk, "kpi": "error-rate", "period_start": "2025-03-03", "numerator": 1}
    body = json.dumps({"measurements": [{**item, "denominator": 100}], "padding": "x" * (2 * 1024 * 1024)})
    response = _api(world.manager).post(reverse("api:kpi-measurement-bulk"), data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 2 MB."}
    assert not Measurement.objects.exists()


def test_bulk_partner_user_cannot_tell_another_partner_from_none(world):
    """Another partner's id, name or site answers like one that does not exist (the 404 rule)."""
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    other_site = world.partner_b.sites.create(name="Other DC", code="OTH1")
    client = _api(world.a_manager)
    item = {"kpi": "error-rate", "period_start": "2025-03-03", "numerator": 1, "denominator": 9}

    def error_of(**changes):
        response = _bulk(client, [{**item, **changes}])
        assert response.status_code == 400
        [error] = response.json()["errors"]
        return error["errors"]

    assert error_of(partner=world.partner_b.pk) == {"partner": f"Unknown partner “{world.partner_b.pk}”."}
    assert error_of(partner=999999) == {"partner": "Unknown partner “999999”."}
    assert error_of(partner=world.partner_b.name) == {"partner": f"Unknown partner “{world.partner_b.name}”."}
    assert error_of(site=other_site.code) == {"site": "Unknown site code “OTH1”."}
    assert error_of(site="NOPE1") == {"site": "Unknown site code “NOPE1”."}
    assert world.partner_b.name not in json.dumps(error_of(partner=world.partner_b.pk))
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    "item,field,message",
    [
        ({"kpi": "error-rate", "numerator": "tre", "denominator": 100}, "numerator", "is not a number"),
        ({"kpi": "error-rate", "numerator": -1, "denominator": 100}, "numerator", "cannot be negative"),
        ({"kpi": "error-rate", "numerator": 101, "denominator": 100}, "value", "cannot be above 100"),
        ({"kpi": "error-rate", "numerator": 1, "denominator": 10, "period_start": TOMORROW}, "period_start", "future"),
        ({"kpi": "error-rate", "partner": 999999, "numerator": 1, "denominator": 10}, "partner", "Unknown partner"),
        ({"kpi": "delivery-time", "value": "-2", "sample_size": 10}, "value", "cannot be below 0"),
    ],
)
def test_bulk_ingestion_rejects_each_bad_input_and_saves_nothing(world, item, field, message):
    setup_partner(world.partner_a)
    good = {"partner": world.partner_a.pk, "kpi": "error-rate", "period_start": "2025-03-02", "numerator": 1}
    bad = {"partner": world.partner_a.pk, "period_start": "2025-03-03", **item}
    response = _bulk(_api(world.manager), [{**good, "denominator": 50}, bad])
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["index"] == 1
    assert message in error["errors"].get(field, ""), error
    assert not Measurement.objects.exists()


def test_bulk_ingestion_refuses_the_same_key_twice_a_bad_encoding_and_too_many_items(world):
    from kpis.api.views import MAX_BULK_ITEMS

    setup_partner(world.partner_a)
    client = _api(world.manager)
    item = {"partner": world.partner_a.pk, "kpi": "error-rate", "period_start": "2025-03-03", "numerator": 1}
    twice = _bulk(client, [{**item, "denominator": 100}, {**item, "denominator": 200}])
    assert twice.status_code == 400
    assert "twice" in json.dumps(twice.json()), twice.json()
    body = json.dumps({"measurements": [{**item, "kpi": "fejlrate-ø", "denominator": 100}]}, ensure_ascii=False)
    encoded = client.post(
        reverse("api:kpi-measurement-bulk"), data=body.encode("cp1252"), content_type="application/json"
    )
    assert encoded.status_code == 400
    assert "JSON" in encoded.json()["detail"]
    too_many = _bulk(client, [{**item, "denominator": 100}] * (MAX_BULK_ITEMS + 1))
    assert too_many.status_code == 400
    assert f"At most {MAX_BULK_ITEMS} measurements" in too_many.json()["measurements"][0]
    empty = _bulk(client, [])
    assert empty.json() == {"measurements": ["The list of measurements is empty."]}
    danish = client.post(
        reverse("api:kpi-measurement-bulk"),
        data=json.dumps({"measurements": []}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert danish.json() == {"measurements": ["Listen over målinger er tom."]}
    assert not Measurement.objects.exists()
