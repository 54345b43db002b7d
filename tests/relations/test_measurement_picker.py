"""A case's measurement picker (issue #14): a search, not a select of thousands of rows; one partner's
measurements only (the access policy decides, another partner's id answers 404); nothing chosen for the user."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relations.models import Case

kpis = pytest.importorskip("kpis.models")

pytestmark = pytest.mark.django_db

PICKER = reverse("relations:measurement_picker")


def _assign(partner, code, shared=True):
    kpi = kpis.KPIDefinition.objects.get(code=code)
    kpis.PartnerKPI.objects.get_or_create(partner=partner, kpi=kpi, defaults={"shared": shared})
    return kpi


def _days(partner, code, count, *, value=1.0, shared=True, site=None):
    kpi = _assign(partner, code, shared)
    today = timezone.localdate()
    kpis.Measurement.objects.bulk_create(
        kpis.Measurement(
            partner=partner,
            kpi=kpi,
            period_kind="day",
            period_start=today - timedelta(days=i + 1),
            value=value,
            numerator=value,
            denominator=100,
            site=site,
        )
        for i in range(count)
    )
    return kpis.Measurement.objects.filter(partner=partner, kpi=kpi).order_by("-period_start")


def _case(world, partner):
    return Case.objects.create(partner=partner, side="host", title="Late", what_happened="x", raised_by=world.manager)


def _options(html):
    return [int(pk) for pk in re.findall(r'type="radio" name="measurement" value="(\d+)"', html)]


def test_case_page_offers_a_search_not_a_select_and_chooses_nothing(world, client_as, django_assert_max_num_queries):
    _days(world.partner_a, "error-rate", 5)
    case = _case(world, world.partner_a)
    client = client_as(world.manager)
    client.get(case.get_absolute_url())
    with django_assert_max_num_queries(60) as few:
        html = client.get(case.get_absolute_url()).content.decode()
    _days(world.partner_a, "delivery-time", 390)  # a year of daily figures
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(case.get_absolute_url()).content.decode()
    form = html[
        html.index('id="case-measurement-form"') : html.index("</form>", html.index('id="case-measurement-form"'))
    ]
    assert "<select" not in form and "<option" not in form
    assert 'type="search"' in form and 'for="case-measurement"' in form
    assert f'hx-get="{PICKER}?partner={world.partner_a.pk}"' in form
    assert " checked" not in form


def test_search_by_kpi_name_in_the_readers_language_and_by_month(world, client_as):
    errors = _days(world.partner_a, "error-rate", 40, value=0.5)
    _days(world.partner_a, "delivery-time", 40, value=20)
    world.manager.language = "da"
    world.manager.save()
    client = client_as(world.manager)
    found = client.get(PICKER, {"partner": world.partner_a.pk, "measurement_q": "fejl"}).content.decode()
    ids = _options(found)
    assert ids and set(ids) <= set(errors.values_list("pk", flat=True))
    assert len(ids) <= 15 and "af 40" in found  # the newest few, and how many match
    assert " checked" not in found
    month = errors.first().period_start
    by_month = client.get(
        PICKER, {"partner": world.partner_a.pk, "measurement_q": "fejl", "measurement_month": f"{month:%Y-%m}"}
    ).content.decode()
    expected = errors.filter(period_start__year=month.year, period_start__month=month.month)
    assert set(_options(by_month)) == set(expected.values_list("pk", flat=True)[:15])
    nothing = client.get(PICKER, {"partner": world.partner_a.pk, "measurement_q": "zzz"}).content.decode()
    assert _options(nothing) == [] and "Ingen måling" in nothing


def test_another_partners_measurements_never_appear(world, client_as):
    own = _days(world.partner_a, "error-rate", 3)
    other = _days(world.partner_b, "error-rate", 3)
    internal = _days(world.partner_a, "inventory-turnover", 3, shared=False)
    # A partner user: their own shared KPIs only; the other partner's id is 404.
    client = client_as(world.a_manager)
    html = client.get(PICKER, {"partner": world.partner_a.pk}).content.decode()
    assert set(_options(html)) == set(own.values_list("pk", flat=True))
    assert client.get(PICKER, {"partner": world.partner_b.pk}).status_code == 404
    assert client.get(PICKER, {"partner": "x"}).status_code == 404
    # Smuggling the other partner's measurement in as "the chosen one" does not show it either.
    html = client.get(PICKER, {"partner": world.partner_a.pk, "measurement": other.first().pk}).content.decode()
    assert other.first().pk not in _options(html)
    # Host staff: the asked partner's measurements only, internal KPIs included.
    html = client_as(world.manager).get(PICKER, {"partner": world.partner_a.pk}).content.decode()
    assert set(_options(html)) == set(own.values_list("pk", flat=True)) | set(internal.values_list("pk", flat=True))
    # No partner chosen yet (a host raising a case): a hint, no rows.
    html = client_as(world.manager).get(PICKER).content.decode()
    assert _options(html) == []


def test_the_chosen_measurement_stays_chosen_across_searches(world, client_as):
    rows = _days(world.partner_a, "error-rate", 30)
    chosen = rows.last()  # the oldest: not among the newest results
    html = (
        client_as(world.manager).get(PICKER, {"partner": world.partner_a.pk, "measurement": chosen.pk}).content.decode()
    )
    assert _options(html)[0] == chosen.pk
    assert re.search(rf'value="{chosen.pk}"[^>]* checked', html)
    assert html.count(" checked") == 1


def test_raise_a_case_with_the_picker_and_link_one_later(world, client_as):
    rows = _days(world.partner_a, "error-rate", 30)
    client = client_as(world.a_manager)
    page = client.get(reverse("relations:case_create")).content.decode()
    assert '<select name="measurement"' not in page and 'name="measurement_q"' in page
    assert " checked" not in page[page.index("measurement-picker") :]
    response = client.post(
        reverse("relations:case_create"),
        {"partner": world.partner_a.pk, "title": "Errors", "what_happened": "Too many.", "measurement": rows[3].pk},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert list(case.measurements.all()) == [rows[3]]
    # Without a choice, no measurement is attached.
    client.post(
        reverse("relations:case_create"), {"partner": world.partner_a.pk, "title": "Other", "what_happened": "x"}
    )
    assert not Case.objects.get(title="Other").measurements.exists()
    # Linking another one on the case page.
    client_as(world.manager).post(reverse("relations:case_measurement", args=[case.pk]), {"measurement": rows[5].pk})
    assert set(case.measurements.all()) == {rows[3], rows[5]}
