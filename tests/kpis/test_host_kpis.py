"""KPIs about the host (issue 18): the standard ones from the migration, the partner submitting them through
the same form, import and API as every other value, and the scorecard's two halves."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kpis import selectors, services
from kpis.models import KPIDefinition, Measurement, MonthlyRollup, PartnerKPI
from partnerportal import policy
from tests.kpis.helpers import assign, measure, setup_partner

pytestmark = pytest.mark.django_db

HOST = {
    # code: (aggregation, direction, scale, unit, measured from)
    "forecast-accuracy": ("ratio", "higher", 100, "%", "partner"),
    "notice-lead-time": ("weighted_average", "higher", 1, "hours", "partner"),
    "on-time-payment": ("ratio", "higher", 100, "%", "partner"),
    "host-response-time": ("weighted_average", "lower", 1, "hours", "portal"),
}


def test_the_migration_creates_the_standard_host_kpis_with_danish_and_english_texts():
    host = {k.code: k for k in KPIDefinition.objects.filter(is_standard=True, subject="host")}
    assert set(host) == set(HOST)
    for code, (aggregation, direction, scale, unit, measured_from) in HOST.items():
        kpi = host[code]
        assert (kpi.aggregation, kpi.direction, kpi.scale, kpi.unit, kpi.measured_from) == (
            aggregation,
            direction,
            scale,
            unit,
            measured_from,
        ), code
        assert kpi.is_active and kpi.is_about_host
        # The parts the exact aggregation needs are named.
        if kpi.is_ratio:
            assert kpi.numerator_label and kpi.denominator_label, code
        else:
            assert kpi.sample_size_label, code
        assert len(kpi.how_measured) > 80 and len(kpi.why_it_matters) > 40, code
        with translation.override("da"):
            texts = (kpi.display_name, kpi.display_how_measured, kpi.display_why_it_matters)
        assert all(texts)
        assert texts[0] != kpi.name and texts[1] != kpi.how_measured and texts[2] != kpi.why_it_matters, code
    with translation.override("da"):
        assert host["forecast-accuracy"].display_name == "Prognosenøjagtighed"
    # The four about the partner are the partner's, as before.
    assert set(KPIDefinition.objects.filter(is_standard=True, subject="partner").values_list("code", flat=True)) == {
        "delivery-time",
        "error-rate",
        "inventory-turnover",
        "customer-satisfaction",
    }


def test_only_host_kpis_are_computed_from_portal_data():
    kpi = KPIDefinition(
        code="x",
        name="X",
        direction="lower",
        aggregation="sum",
        how_measured="h",
        why_it_matters="w",
        measured_from="portal",
    )
    with pytest.raises(ValidationError) as error:
        kpi.full_clean()
    assert "measured_from" in error.value.message_dict


def test_an_assignment_of_a_partner_submitted_host_kpi_is_shared_and_open_to_the_partner(world):
    kpi = KPIDefinition.objects.get(code="on-time-payment")
    assignment = PartnerKPI(partner=world.partner_a, kpi=kpi, shared=False, partner_can_submit=False)
    assignment.full_clean()
    assert assignment.shared and assignment.partner_can_submit
    computed = PartnerKPI(partner=world.partner_a, kpi=KPIDefinition.objects.get(code="host-response-time"))
    computed.partner_can_submit = True
    computed.full_clean()
    assert computed.shared and not computed.partner_can_submit
    assignment.save()
    computed.save()
    # The access policy's "submit": the partner's manager may enter the one, nobody enters the other.
    assert policy.can(world.a_manager, "submit", assignment) and policy.can(world.manager, "submit", assignment)
    assert not policy.can(world.a_manager, "submit", computed) and not policy.can(world.manager, "submit", computed)


@pytest.fixture
def host_kpis(world):
    """Forecast accuracy and the response time for both partners; the assignment row as the old helper writes
    it (partner_can_submit left False): the KPI being one the partner submits is what opens it."""
    for partner in (world.partner_a, world.partner_b):
        assign(partner, "forecast-accuracy", target=90, warning=85, critical=75)
        assign(partner, "host-response-time", target=8, warning=24, critical=48)
    return world


def _form(client, partner, **data):
    return client.post(reverse("kpis:measurement_create", args=[partner.pk]), data)


def test_partner_manager_submits_a_host_kpi_value_through_the_form(host_kpis, client_as):
    world = host_kpis
    kpi = KPIDefinition.objects.get(code="forecast-accuracy")
    data = {"kpi": kpi.pk, "period_kind": "month", "period_start": "2025-03-01", "numerator": 45, "denominator": 50}
    response = _form(client_as(world.a_manager), world.partner_a, **data)
    assert response.status_code == 302, getattr(response, "context", {}) and response.context["form"].errors
    m = Measurement.objects.get()
    assert (m.partner, m.kpi, m.value, m.source, m.entered_by) == (world.partner_a, kpi, 90.0, "form", world.a_manager)
    assert MonthlyRollup.objects.get(kpi=kpi).sum_numerator == 45
    # Another organisation's form is a 404; a viewer may not submit at all.
    assert _form(client_as(world.a_manager), world.partner_b, **data).status_code == 404
    assert (
        client_as(world.a_manager).get(reverse("kpis:measurement_create", args=[world.partner_b.pk])).status_code == 404
    )
    viewer = _form(client_as(world.a_viewer), world.partner_a, **{**data, "numerator": 40})
    assert viewer.status_code in (403, 404)
    assert Measurement.objects.get().numerator == 45


def test_nobody_enters_a_value_the_portal_computes(host_kpis, client_as):
    world = host_kpis
    kpi = KPIDefinition.objects.get(code="host-response-time")
    data = {"kpi": kpi.pk, "period_kind": "month", "period_start": "2025-03-01", "value": 1, "sample_size": 3}
    for user in (world.a_manager, world.manager):
        response = _form(client_as(user), world.partner_a, **data)
        assert response.status_code == 200 and "kpi" in response.context["form"].errors
    assert not Measurement.objects.exists()
    with pytest.raises(ValidationError):
        services.measurement_upsert(
            user=world.manager,
            partner=world.partner_a,
            kpi=kpi,
            period_kind="month",
            period_start=date(2025, 3, 1),
            value=1,
            sample_size=3,
        )


def _upload(client, content: bytes, name="m.csv"):
    return client.post(reverse("kpis:import"), {"file": SimpleUploadedFile(name, content)})


def test_partner_manager_imports_a_host_kpi_value_for_their_own_organisation_only(host_kpis, client_as):
    world = host_kpis
    client = client_as(world.a_manager)
    preview = _upload(
        client, b"kpi,period_kind,period_start,numerator,denominator\nforecast-accuracy,month,2025-04-01,8,10\n"
    )
    assert preview.context["problems"] == []
    done = client.post(reverse("kpis:import"), {"confirm": "1", "token": preview.context["token"]})
    assert done.status_code == 302
    m = Measurement.objects.get()
    assert (m.partner, m.value, m.source) == (world.partner_a, 80.0, "import")
    other = _upload(
        client,
        f"partner,kpi,period_kind,period_start,numerator,denominator\n"
        f"{world.partner_b.pk},forecast-accuracy,month,2025-04-01,8,10\n".encode(),
    )
    assert other.context["problems"][0]["errors"] == {"partner": f"Unknown partner “{world.partner_b.pk}”."}
    computed = _upload(
        client, b"kpi,period_kind,period_start,value,sample_size\nhost-response-time,month,2025-04-01,3,2\n"
    )
    assert computed.context["problems"]
    assert Measurement.objects.count() == 1


def _api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _bulk(client, items):
    return client.post(
        reverse("api:kpi-measurement-bulk"), data=json.dumps({"measurements": items}), content_type="application/json"
    )


def test_partner_manager_sends_a_host_kpi_value_through_the_api(host_kpis):
    world = host_kpis
    item = {
        "kpi": "forecast-accuracy",
        "period_kind": "month",
        "period_start": "2025-05-01",
        "numerator": 7,
        "denominator": 8,
    }
    own = _bulk(_api(world.a_manager), [item])
    assert own.status_code == 200, own.content
    assert Measurement.objects.get().value == pytest.approx(87.5)
    other = _bulk(_api(world.a_manager), [{**item, "partner": world.partner_b.pk}])
    assert other.status_code == 400 and world.partner_b.name not in other.content.decode()
    assert _bulk(_api(world.a_viewer), [{**item, "numerator": 1}]).status_code == 403
    computed = _bulk(_api(world.a_manager), [{**item, "kpi": "host-response-time", "value": 2, "sample_size": 1}])
    assert computed.status_code == 400
    assert Measurement.objects.count() == 1
    # The API's scorecard gives both halves' scores, never one mixed number.
    card = _api(world.a_manager).get(
        reverse("api:kpi-scorecard", args=[world.partner_a.pk]), {"granularity": "month", "day": "2025-05-01"}
    )
    assert card.status_code == 200
    body = card.json()
    assert body["overall_score_host"] == 100.0 and body["overall_score"] is None
    assert {r["code"]: r["subject"] for r in body["results"]}["forecast-accuracy"] == "host"


def test_the_scorecard_has_two_halves_each_with_its_own_score(host_kpis, client_as):
    world = host_kpis
    setup_partner(world.partner_a)
    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=5, denominator=100)  # 5 %: critical
    measure(world.partner_a, "forecast-accuracy", date(2025, 3, 4), numerator=19, denominator=20)  # 95 %: on target
    card = selectors.scorecard(user=world.manager, partner=world.partner_a, day=date(2025, 3, 1))
    assert [h.subject for h in card.halves] == ["partner", "host"]
    partner_half, host_half = card.halves
    assert {r.code for r in host_half.results} == {"forecast-accuracy", "host-response-time"}
    assert "forecast-accuracy" not in {r.code for r in partner_half.results}
    assert host_half.overall == card.overall_host == 100.0
    assert card.overall == partner_half.overall != card.overall_host
    response = next(r for r in host_half.results if r.code == "host-response-time")
    assert response.actual is None and response.status == selectors.NO_DATA  # no data: never 0 or 100 %
    for user in (world.manager, world.a_manager, world.a_viewer):
        page = client_as(user).get(reverse("kpis:scorecard", args=[world.partner_a.pk]), {"day": "2025-03-01"})
        html = page.content.decode()
        assert page.status_code == 200
        assert 'id="scorecard-partner"' in html and 'id="scorecard-host"' in html
        assert html.index("How the partner does") < html.index("How we do") < html.index('data-kpi="forecast-accuracy"')
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    html = (
        client_as(world.a_manager)
        .get(reverse("kpis:scorecard", args=[world.partner_a.pk]), {"day": "2025-03-01"})
        .content.decode()
    )
    assert "Sådan klarer partneren sig" in html and "Sådan klarer vi os" in html
    # Another partner's scorecard stays a 404.
    assert client_as(world.a_manager).get(reverse("kpis:scorecard", args=[world.partner_b.pk])).status_code == 404


def test_a_half_without_any_data_shows_no_data(host_kpis, client_as):
    world = host_kpis
    html = client_as(world.a_manager).get(reverse("kpis:scorecard", args=[world.partner_a.pk])).content.decode()
    host_part = html[html.index('id="scorecard-host"') :]
    assert "no data" in host_part.split("</tbody>")[0]
    assert "0 %" not in host_part.split("</tbody>")[0] and "100 %" not in host_part.split("</tbody>")[0]


def test_attainment_per_subject(host_kpis):
    world = host_kpis
    setup_partner(world.partner_a)
    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=5, denominator=100)  # critical
    measure(world.partner_a, "forecast-accuracy", date(2025, 3, 4), numerator=19, denominator=20)  # on target
    span = {"partner": world.partner_a, "start": date(2025, 3, 1), "end": date(2025, 3, 31), "shared_only": True}
    assert selectors.kpi_attainment(**span, subject="host") == 1.0
    assert selectors.kpi_attainment(**span, subject="partner") == 0.0
    assert selectors.kpi_attainment(**span) == 0.5


def test_the_portfolio_and_its_counters_are_how_the_partners_do(host_kpis):
    world = host_kpis
    setup_partner(world.partner_a)
    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=5, denominator=100)  # critical
    measure(world.partner_a, "forecast-accuracy", date(2025, 3, 4), numerator=19, denominator=20)  # on target
    card = selectors.portfolio(user=world.manager, day=date(2025, 3, 1))
    assert "forecast-accuracy" not in {k.code for k in card["columns"]}
    row = next(r for r in card["rows"] if r.partner.pk == world.partner_a.pk)
    scorecard = selectors.scorecard(user=world.manager, partner=world.partner_a, day=date(2025, 3, 1))
    assert row.overall == scorecard.overall  # the partner's half only, as on the scorecard
    overview = selectors.portfolio_overview(user=world.manager, day=date(2025, 3, 1))
    assert [s.overall for s in overview.lowest if s.partner.pk == world.partner_a.pk] == [scorecard.overall]


def test_the_demo_part_assigns_host_kpis_with_values_the_partner_submitted(world):
    from types import SimpleNamespace

    from kpis import demo
    from tests.factories import OrganizationFactory, UserFactory

    danlog = OrganizationFactory(name="DanLog 3PL A/S")
    manager = UserFactory(username="danlog", organization=danlog, role="partner_manager")
    fake = SimpleNamespace(objects={"users": {"lager": world.manager, "danlog": manager}, "partners": [danlog]})
    demo.seed_host_kpis(fake)
    demo.seed_host_kpis(fake)  # idempotent
    codes = set(PartnerKPI.objects.filter(partner=danlog).values_list("kpi__code", flat=True))
    assert codes == {"forecast-accuracy", "on-time-payment", "host-response-time"}
    submitted = Measurement.objects.filter(partner=danlog)
    assert submitted.count() == 2 * demo.HOST_MONTHS
    assert set(submitted.values_list("entered_by", flat=True)) == {manager.pk}
    card = selectors.scorecard(user=manager, partner=danlog)
    assert [h.subject for h in card.halves] == ["host"] and card.overall_host is not None
