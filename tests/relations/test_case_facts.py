"""Cases with KPI measurements as facts (needs the kpis app)."""

import re
from datetime import date

import pytest
from django.urls import reverse

from relations.models import Case

kpis = pytest.importorskip("kpis.models")

pytestmark = pytest.mark.django_db


def _measurement(partner, code, *, shared=True, value=0.9, month=date(2026, 9, 1)):
    kpi = kpis.KPIDefinition.objects.get(code=code)
    kpis.PartnerKPI.objects.get_or_create(partner=partner, kpi=kpi, defaults={"shared": shared})
    return kpis.Measurement.objects.create(
        partner=partner, kpi=kpi, period_kind="month", period_start=month, value=value, numerator=9, denominator=1000
    )


def test_case_raised_from_a_measurement_keeps_it_as_a_fact(world, client_as):
    bad_month = _measurement(world.partner_a, "error-rate", value=0.9)
    client = client_as(world.manager)
    page = client.get(reverse("relations:case_create") + f"?measurement={bad_month.pk}")
    assert page.status_code == 200
    # The measurement the case was started from is the one chosen in the picker (and only it).
    assert re.search(rf'type="radio" name="measurement" value="{bad_month.pk}"[^>]* checked', page.content.decode())
    response = client.post(
        reverse("relations:case_create") + f"?measurement={bad_month.pk}",
        {
            "partner": world.partner_a.pk,
            "title": "Error rate 0.9 % in September",
            "what_happened": "Error rate almost twice the target.",
            "measurement": bad_month.pk,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert list(case.measurements.all()) == [bad_month]
    assert "0.9" in client_as(world.a_viewer).get(case.get_absolute_url()).content.decode()


def test_partner_never_sees_a_linked_measurement_of_an_internal_kpi(world, client_as):
    internal = _measurement(world.partner_a, "inventory-turnover", shared=False, value=4.321)
    case = Case.objects.create(
        partner=world.partner_a, side="host", title="Stock", what_happened="x", raised_by=world.manager
    )
    case.measurements.add(internal)
    assert "4.32" in client_as(world.manager).get(case.get_absolute_url()).content.decode()
    assert "4.32" not in client_as(world.a_manager).get(case.get_absolute_url()).content.decode()


def test_another_partners_measurement_cannot_be_linked(world, client_as):
    other = _measurement(world.partner_b, "error-rate")
    case = Case.objects.create(
        partner=world.partner_a, side="host", title="Stock", what_happened="x", raised_by=world.manager
    )
    response = client_as(world.manager).post(
        reverse("relations:case_measurement", args=[case.pk]), {"measurement": other.pk}, follow=True
    )
    assert "belongs to another partner" in response.content.decode()
    assert not case.measurements.exists()
    # a partner user cannot even reach the other partner's measurement
    assert (
        client_as(world.a_manager).get(reverse("relations:case_create") + f"?measurement={other.pk}").status_code == 404
    )


# --- the same facts through the API ---------------------------------------------------------------


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_links_a_measurement_of_the_cases_partner_only(world):
    from tests.relations import helpers

    case = helpers.case(world, world.partner_a, by=world.a_manager)
    own = helpers.shared_measurement(world.partner_a)
    other = helpers.shared_measurement(world.partner_b)
    internal = _measurement(world.partner_a, "delivery-time", shared=False, value=30)
    url = reverse("api:case-link-measurement", args=[case.pk])
    client = _api(world.a_manager)
    response = client.post(url, {"measurement": own.pk}, format="json")
    assert response.status_code == 200 and response.json()["measurements"] == [own.pk]
    for bad, message in ((other.pk, "does not exist"), (internal.pk, "does not exist"), ("x", "Incorrect type")):
        refused = client.post(url, {"measurement": bad}, format="json")
        assert refused.status_code == 400 and message in str(refused.json()), refused.json()
    # The host may link another partner's measurement to nothing but that partner's cases.
    wrong_partner = _api(world.manager).post(url, {"measurement": other.pk}, format="json")
    assert wrong_partner.status_code == 400 and "another partner" in str(wrong_partner.json())
    assert list(Case.objects.get(pk=case.pk).measurements.all()) == [own]


def test_api_attaches_a_file_within_the_limits(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from relations.models import CaseFile
    from tests.relations import helpers

    case = helpers.case(world, world.partner_a)
    url = reverse("api:case-attach-file", args=[case.pk])
    client = _api(world.a_manager)
    response = client.post(url, {"file": SimpleUploadedFile("pods.csv", b"pod,time\n1,08:00\n")}, format="multipart")
    assert response.status_code == 201, response.content
    assert [f["name"] for f in response.json()["files"]] == ["pods.csv"]
    forbidden = client.post(url, {"file": SimpleUploadedFile("run.exe", b"MZ")}, format="multipart")
    assert forbidden.status_code == 400
    assert client.post(url, {}, format="multipart").status_code == 400
    assert _api(world.a_viewer).post(url, {"file": SimpleUploadedFile("a.txt", b"x")}).status_code == 403
    assert _api(world.b_manager).post(url, {"file": SimpleUploadedFile("a.txt", b"x")}).status_code == 404
    assert list(CaseFile.objects.values_list("name", flat=True)) == ["pods.csv"]
