"""Who may submit a measurement, for which KPI, through every path people take (the form page, the
import page, the ingestion API): host staff always (but never a value the portal computes); a partner
manager only where the KPI allows partner input (the assignment says so, or the KPI is one the partner
submits, e.g. about the host); a partner viewer never; another partner's manager gets the 404 answer.

The rule is the access policy's "submit" action on PartnerKPI (kpis.policies); these tests pin the
behaviour of every place that asks it."""

import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kpis import services
from kpis.models import KPIDefinition, KPITarget, Measurement, PartnerKPI
from partnerportal import hub
from tests.kpis.helpers import assign, setup_partner

pytestmark = pytest.mark.django_db

# One month's value per KPI, as the form, the file and the API take it.
PARTS = {
    "error-rate": {"numerator": 1, "denominator": 100},  # shared, the assignment allows partner input
    "delivery-time": {"value": 20, "sample_size": 3},  # shared, entered by the host only
    "pallets-moved": {"value": 5},  # internal (not shared)
    "forecast-accuracy": {"numerator": 8, "denominator": 10},  # about the host, submitted by the partner
    "host-response-time": {"value": 2, "sample_size": 1},  # about the host, computed by the portal
}
HOST_MAY = {"error-rate", "delivery-time", "pallets-moved", "forecast-accuracy"}
PARTNER_MANAGER_MAY = {"error-rate", "forecast-accuracy"}


@pytest.fixture
def kpis_of_a(world):
    for partner in (world.partner_a, world.partner_b):
        setup_partner(partner)
        # As the old helper writes it (partner_can_submit left False): the KPI being one the partner submits
        # is what opens it to the partner.
        assign(partner, "forecast-accuracy", target=90)
        assign(partner, "host-response-time", target=8)
    return world


def _user(world, name):
    return getattr(world, name)


def _item(code, **changes):
    return {"kpi": code, "period_kind": "month", "period_start": "2025-03-01", **PARTS[code], **changes}


# --- the form page --------------------------------------------------------------------------------


def _create_url(partner):
    return reverse("kpis:measurement_create", args=[partner.pk])


def _kpi_choices(response):
    return {kpi.code for kpi in response.context["form"].fields["kpi"].queryset}


@pytest.mark.parametrize("name", ["admin", "manager"])
def test_host_staff_may_submit_every_kpi_but_a_computed_one_through_the_form(kpis_of_a, client_as, name):
    world = kpis_of_a
    client = client_as(_user(world, name))
    page = client.get(_create_url(world.partner_a))
    assert page.status_code == 200
    assert _kpi_choices(page) == HOST_MAY
    assert client.get(reverse("kpis:measurements", args=[world.partner_a.pk])).context["can_add"] is True
    for code in sorted(HOST_MAY):
        kpi_pk = next(a.kpi_id for a in world.partner_a.partner_kpis.all() if a.kpi.code == code)
        response = client.post(_create_url(world.partner_a), {**_item(code), "kpi": kpi_pk})
        assert response.status_code == 302, (code, response.context and response.context["form"].errors)
    assert set(Measurement.objects.values_list("kpi__code", flat=True)) == HOST_MAY


def test_partner_manager_chooses_only_kpis_open_to_partner_input_in_the_form(kpis_of_a, client_as):
    world = kpis_of_a
    client = client_as(world.a_manager)
    page = client.get(_create_url(world.partner_a))
    assert page.status_code == 200
    assert _kpi_choices(page) == PARTNER_MANAGER_MAY
    assert client.get(reverse("kpis:measurements", args=[world.partner_a.pk])).context["can_add"] is True
    by_code = {a.kpi.code: a.kpi_id for a in world.partner_a.partner_kpis.all()}
    for code in sorted(PARTS):
        response = client.post(_create_url(world.partner_a), {**_item(code), "kpi": by_code[code]})
        if code in PARTNER_MANAGER_MAY:
            assert response.status_code == 302, code
        else:
            assert response.status_code == 200 and "kpi" in response.context["form"].errors, code
    assert set(Measurement.objects.values_list("kpi__code", flat=True)) == PARTNER_MANAGER_MAY


def test_partner_manager_without_any_kpi_open_to_input_gets_no_form(world, client_as):
    assign(world.partner_a, "delivery-time", target=24)  # shared, but entered by the host only
    client = client_as(world.a_manager)
    assert client.get(_create_url(world.partner_a)).status_code == 403
    assert client.get(reverse("kpis:measurements", args=[world.partner_a.pk])).context["can_add"] is False
    assert client_as(world.manager).get(_create_url(world.partner_a)).status_code == 200


def test_partner_viewer_never_submits_through_the_form(kpis_of_a, client_as):
    world = kpis_of_a
    client = client_as(world.a_viewer)
    assert client.get(_create_url(world.partner_a)).status_code == 403
    kpi_pk = next(a.kpi_id for a in world.partner_a.partner_kpis.all() if a.kpi.code == "error-rate")
    assert client.post(_create_url(world.partner_a), {**_item("error-rate"), "kpi": kpi_pk}).status_code == 403
    assert client.get(reverse("kpis:measurements", args=[world.partner_a.pk])).context["can_add"] is False
    assert not Measurement.objects.exists()


def test_another_partners_manager_gets_a_404_from_the_form(kpis_of_a, client_as):
    world = kpis_of_a
    client = client_as(world.b_manager)
    assert client.get(_create_url(world.partner_a)).status_code == 404
    kpi_pk = next(a.kpi_id for a in world.partner_a.partner_kpis.all() if a.kpi.code == "error-rate")
    assert client.post(_create_url(world.partner_a), {**_item("error-rate"), "kpi": kpi_pk}).status_code == 404
    assert not Measurement.objects.exists()


# --- the import page ------------------------------------------------------------------------------


def _csv(code, partner=None):
    item = _item(code)
    columns = ["kpi", "period_kind", "period_start", *PARTS[code]] + (["partner"] if partner else [])
    values = [str(item[c]) for c in columns if c != "partner"] + ([str(partner.pk)] if partner else [])
    return (",".join(columns) + "\n" + ",".join(values) + "\n").encode()


def _preview(client, content):
    return client.post(reverse("kpis:import"), {"file": SimpleUploadedFile("m.csv", content)})


HOST_ONLY = "Values for “Delivery time” are entered by the host only."
COMPUTED = "Values for “Our response time to notices and cases” are computed by the portal from its own data."
# A partner user's unknown code lists the codes they may name (those they see).
UNKNOWN = "Unknown KPI code “pallets-moved”. Valid: delivery-time, error-rate, forecast-accuracy, host-response-time."


def _errors_of(problems):
    return [p["errors"] for p in problems]


@pytest.mark.parametrize("code", sorted(PARTS))
def test_who_may_import_what(kpis_of_a, client_as, code):
    world = kpis_of_a
    host = _preview(client_as(world.manager), _csv(code, world.partner_a))
    client = client_as(world.a_manager)
    partner = _preview(client, _csv(code))
    if code in HOST_MAY:
        assert host.context["problems"] == []
    else:
        assert _errors_of(host.context["problems"]) == [{"kpi": COMPUTED}]
    if code in PARTNER_MANAGER_MAY:
        assert partner.context["problems"] == []
    else:
        assert _errors_of(partner.context["problems"]) == [
            {
                "delivery-time": {"kpi": HOST_ONLY},
                "pallets-moved": {"kpi": UNKNOWN},
                "host-response-time": {"kpi": COMPUTED},
            }[code]
        ]
    if code in PARTNER_MANAGER_MAY:
        done = client.post(reverse("kpis:import"), {"confirm": "1", "token": partner.context["token"]})
        assert done.status_code == 302
        assert Measurement.objects.get().kpi.code == code
    else:
        assert partner.context["token"] is None
        assert not Measurement.objects.exists()


def test_partner_viewer_never_imports_and_another_partner_is_unknown(kpis_of_a, client_as):
    world = kpis_of_a
    viewer = client_as(world.a_viewer)
    assert viewer.get(reverse("kpis:import")).status_code == 403
    assert _preview(viewer, _csv("error-rate")).status_code == 403
    assert viewer.get(reverse("kpis:import_template") + f"?partner={world.partner_a.pk}").status_code == 403
    other = _preview(client_as(world.b_manager), _csv("error-rate", world.partner_a))
    assert _errors_of(other.context["problems"]) == [{"partner": f"Unknown partner “{world.partner_a.pk}”."}]
    assert (
        client_as(world.b_manager).get(reverse("kpis:import_template") + f"?partner={world.partner_a.pk}").status_code
        == 404
    )
    assert not Measurement.objects.exists()


def test_the_import_template_lists_the_kpis_the_user_may_submit(kpis_of_a, client_as):
    world = kpis_of_a

    def codes(user, query=""):
        response = client_as(user).get(reverse("kpis:import_template") + query)
        assert response.status_code == 200
        lines = b"".join(response.streaming_content).decode().splitlines()[1:]
        return {line.split(",")[1] for line in lines}

    assert codes(world.a_manager) == PARTNER_MANAGER_MAY  # their own organisation without asking
    assert codes(world.manager, f"?partner={world.partner_a.pk}") == HOST_MAY


# --- the ingestion API ----------------------------------------------------------------------------


def _api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _bulk(user, items):
    return _api(user).post(
        reverse("api:kpi-measurement-bulk"), data=json.dumps({"measurements": items}), content_type="application/json"
    )


@pytest.mark.parametrize("code", sorted(PARTS))
@pytest.mark.parametrize("name", ["admin", "manager", "a_manager"])
def test_who_may_send_what_through_the_api(kpis_of_a, name, code):
    world = kpis_of_a
    may = HOST_MAY if name in ("admin", "manager") else PARTNER_MANAGER_MAY
    extra = {"partner": world.partner_a.pk} if name in ("admin", "manager") else {}
    response = _bulk(_user(world, name), [_item(code, **extra)])
    if code in may:
        assert response.status_code == 200, response.content
        assert Measurement.objects.get().kpi.code == code
        return
    assert response.status_code == 400
    expected = {
        "delivery-time": {"kpi": HOST_ONLY},
        "pallets-moved": {"kpi": UNKNOWN},
        "host-response-time": {"kpi": COMPUTED},
    }[code]
    assert [e["errors"] for e in response.json()["errors"]] == [expected]
    assert not Measurement.objects.exists()


def test_partner_viewer_never_sends_and_another_partner_is_unknown_through_the_api(kpis_of_a):
    world = kpis_of_a
    assert _bulk(world.a_viewer, [_item("error-rate")]).status_code == 403
    other = _bulk(world.b_manager, [_item("error-rate", partner=world.partner_a.pk)])
    assert other.status_code == 400
    assert [e["errors"] for e in other.json()["errors"]] == [{"partner": f"Unknown partner “{world.partner_a.pk}”."}]
    assert world.partner_a.name not in other.content.decode()
    assert not Measurement.objects.exists()


# --- the service itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,code,errors",
    [
        ("a_manager", "error-rate", None),
        ("a_manager", "forecast-accuracy", None),
        ("a_manager", "delivery-time", {"kpi": [HOST_ONLY]}),
        ("a_manager", "pallets-moved", {"kpi": ["Unknown KPI code “pallets-moved”."]}),
        ("b_manager", "error-rate", {"partner": ["You may only submit values for your own organisation."]}),
        ("manager", "delivery-time", None),
        ("manager", "host-response-time", {"kpi": [COMPUTED]}),
        # The pages and the API answer a viewer 403 before; the service refuses them too.
        ("a_viewer", "error-rate", {"partner": ["You may not submit values."]}),
    ],
)
def test_the_write_service_asks_the_same_rule(kpis_of_a, name, code, errors):
    world = kpis_of_a

    def write():
        return services.measurement_upsert(
            user=_user(world, name),
            partner=world.partner_a,
            kpi=KPIDefinition.objects.get(code=code),
            period_kind="month",
            period_start=date(2025, 3, 1),
            **PARTS[code],
        )

    if errors is None:
        assert write()[1] == "created"
        return
    with pytest.raises(ValidationError) as refused:
        write()
    assert refused.value.message_dict == errors
    assert not Measurement.objects.exists()


# --- the other writes of the app that ask the policy instead of naming roles ----------------------


@pytest.mark.parametrize("name", ["admin", "manager", "a_manager", "a_viewer"])
def test_only_host_staff_assign_kpis_set_targets_and_load_files(kpis_of_a, name, tmp_path):
    world = kpis_of_a
    user = _user(world, name)
    host = name in ("admin", "manager")
    assignment = world.partner_a.partner_kpis.get(kpi__code="delivery-time")
    new = PartnerKPI(partner=world.partner_a, kpi=KPIDefinition.objects.get(code="on-time-payment"))
    path = tmp_path / "m.csv"
    path.write_text("partner,kpi,period_kind,period_start,site,value,numerator,denominator,sample_size\n")
    writes = [
        lambda: services.partner_kpi_save(user=user, partner_kpi=assignment),
        lambda: services.partner_kpi_save(user=user, partner_kpi=new),
        lambda: services.target_set(
            user=user, partner_kpi=assignment, horizon="long_term", value=20, valid_from=date(2025, 6, 1)
        ),
    ]
    for write in writes:
        if host:
            write()
        else:
            with pytest.raises(PermissionDenied):
                write()
    # Host staff get past the gate to the file's own check (an empty file); partner users do not.
    with pytest.raises(CommandError, match="no measurements" if host else "not host staff"):
        call_command("kpis_load_csv", str(path), user=user.username, quiet_progress=True)
    assert PartnerKPI.objects.filter(pk=new.pk).exists() is host
    assert KPITarget.objects.filter(partner_kpi=assignment, horizon="long_term").exists() is host


@pytest.mark.parametrize("name", ["admin", "manager", "a_manager", "a_viewer"])
def test_the_kpis_menu_is_the_definitions_for_host_staff_and_the_own_scorecard_for_partners(world, name):
    class Request:
        path = "/"
        resolver_match = type("Match", (), {"view_name": "home"})()

    links = [
        link
        for entry in hub.nav_menu_for(_user(world, name), Request())
        for link in ([entry.link] if entry.group is None else entry.links)
        if str(link.item.label) == "KPIs"
    ]
    assert [link.url for link in links] == (
        [reverse("kpis:definitions")]
        if name in ("admin", "manager")
        else [reverse("kpis:scorecard", args=[world.partner_a.pk])]
    )
