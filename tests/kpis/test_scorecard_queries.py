"""The scorecard page's queries do not grow with months, rows, targets or partners; what it shows (issue 16)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import KPITarget
from tests.factories import OrganizationFactory
from tests.kpis.helpers import internal_kpi, measure, setup_partner

pytestmark = pytest.mark.django_db


def _month_rows(partner, months, first=date(2023, 1, 5)):
    for m in range(months):
        day = date(first.year + (first.month - 1 + m) // 12, (first.month - 1 + m) % 12 + 1, 5)
        measure(partner, "error-rate", day, numerator=m, denominator=100)
        measure(partner, "delivery-time", day + timedelta(days=1), value=20 + m, sample_size=5)
        measure(partner, internal_kpi(), day, value=100 + m)


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("role", ["manager", "a_viewer"])
def test_scorecard_queries_do_not_grow_with_months_rows_targets_or_partners(world, client_as, role):
    error, _delivery, _internal = setup_partner(world.partner_a)
    _month_rows(world.partner_a, 2)
    client = client_as(getattr(world, role))
    url = reverse("kpis:scorecard", args=[world.partner_a.pk])
    pages = [{}, {"granularity": "week"}, {"granularity": "quarter", "day": "2023-02-10"}]
    before = [_queries(client, url, params)[0] for params in pages]

    _month_rows(world.partner_a, 30, first=date(2020, 7, 5))  # 30 months before: every sparkline period has data
    for n in range(1, 6):  # a history of targets before the one in force
        KPITarget.objects.create(
            partner_kpi=error, value=1 + n / 10, valid_from=date(2022, n, 1), valid_to=date(2022, n, 28)
        )
    for i in range(4):
        other = OrganizationFactory(name=f"Other partner {i}")
        setup_partner(other)
        _month_rows(other, 3)
    after = [_queries(client, url, params)[0] for params in pages]
    assert after == before
    # session, user, partner, KPIs with the latest day and their targets, sums with the last values, inbox;
    # a month's page also reads the month's review (issue 18)
    assert max(after) <= 7, after


def test_scorecard_shows_the_latest_month_with_data_by_default(world, client_as):
    setup_partner(world.partner_a)
    _month_rows(world.partner_a, 5)  # January to May 2023
    count, response = _queries(client_as(world.manager), reverse("kpis:scorecard", args=[world.partner_a.pk]))
    card = response.context["card"]
    assert (card.start, card.end) == (date(2023, 5, 1), date(2023, 5, 31))
    error = next(r for r in card.results if r.code == "error-rate")
    assert error.actual == pytest.approx(4.0) and error.previous == pytest.approx(3.0)
    html = response.content.decode()
    chart = reverse("kpis:chart", args=[error.partner_kpi_id])
    assert f'<tr data-kpi="error-rate" data-status="{error.status}">' in html
    assert f'<a href="{chart}">{error.name}</a>' in html
    assert "How measured, why it matters" in html
    assert f'aria-label="{error.name}: line chart of the last 12 periods; their numbers are in the table below"' in html
    assert '<td class="text-end">4.00</td>' in html  # May in the table of the last periods
    assert '<td class="text-end">2</td>' in html  # the error rate's weight


def test_a_partner_without_data_gets_todays_period(world, client_as):
    setup_partner(world.partner_b)
    response = client_as(world.manager).get(reverse("kpis:scorecard", args=[world.partner_b.pk]))
    from django.utils import timezone

    today = timezone.localdate()
    assert response.context["card"].start == date(today.year, today.month, 1)
    assert all(r.actual is None for r in response.context["card"].results)


def _last_kind():
    from kpis.models import KPIDefinition

    return KPIDefinition.objects.create(
        code="headcount",
        name="Headcount",
        direction="higher",
        aggregation="last",
        how_measured="People on the pay-roll at the end of the period.",
        why_it_matters="Capacity.",
    )


@pytest.mark.parametrize("params", [{}, {"granularity": "quarter"}, {"granularity": "year", "day": "2023-06-01"}])
def test_scorecard_queries_do_not_grow_with_rows_of_a_last_value_kpi(world, client_as, params):
    from partners.models import Site
    from tests.kpis.helpers import assign

    setup_partner(world.partner_a)
    headcount = _last_kind()
    assign(world.partner_a, headcount, target=10)
    client = client_as(world.manager)
    url = reverse("kpis:scorecard", args=[world.partner_a.pk])
    measure(world.partner_a, headcount, date(2023, 5, 5), value=3)
    before, _response = _queries(client, url, params)
    sites = [Site.objects.create(organization=world.partner_a, code=f"S{i}", name=f"Site {i}") for i in range(3)]
    for day in range(1, 29):  # a month of daily values from three sites, and earlier months
        for site in sites:
            measure(world.partner_a, headcount, date(2023, 5, day), value=day, site=site)
            measure(world.partner_a, headcount, date(2022, 11, day), value=day, site=site)
    after, response = _queries(client, url, params)
    assert after == before <= 7  # the month's page reads its review too
    card = response.context["card"]
    row = next(r for r in card.results if r.code == "headcount")
    if card.start <= date(2023, 5, 28) <= card.end:
        assert row.actual == 28 * 3  # the latest day's values of every site
    else:
        assert row.actual is None  # no data in the period: no figure, never 0


@pytest.mark.parametrize("role", ["manager", "a_viewer"])
def test_the_default_period_is_the_partners_latest_day_with_data(world, client_as, role):
    """Over all the partner's KPIs (as kpis.selectors.latest_data_day reads it), whichever KPI
    holds the latest day and however many months each has."""
    from kpis.selectors import latest_data_day
    from tests.kpis.helpers import kpi

    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    measure(world.partner_a, "error-rate", date(2023, 3, 9), numerator=1, denominator=100)
    measure(world.partner_a, "delivery-time", date(2023, 1, 30), value=20, sample_size=5)
    measure(world.partner_a, internal_kpi(), date(2023, 4, 2), value=100)  # internal: the latest day
    measure(world.partner_a, internal_kpi(), date(2023, 4, 1), value=100)
    measure(world.partner_b, "error-rate", date(2024, 1, 9), numerator=1, denominator=100)  # another partner's
    client = client_as(getattr(world, role))
    for granularity, start in (("month", date(2023, 4, 1)), ("week", date(2023, 3, 27)), ("year", date(2023, 1, 1))):
        response = client.get(reverse("kpis:scorecard", args=[world.partner_a.pk]), {"granularity": granularity})
        assert latest_data_day(partner_ids=[world.partner_a.pk]) == date(2023, 4, 2)
        assert response.context["card"].start == start
    measure(world.partner_a, kpi("inventory-turnover"), date(2023, 6, 1), numerator=1, denominator=2)  # unassigned
    response = client.get(reverse("kpis:scorecard", args=[world.partner_a.pk]))
    assert response.context["card"].start == date(2023, 6, 1) == latest_data_day(partner_ids=[world.partner_a.pk])


def test_the_target_in_force_is_the_one_targets_in_force_picks(world):
    """The scorecard reads a partner KPI's targets with the KPI and picks the one in force itself:
    the same choice as kpis.selectors.targets_in_force (short term first, then the latest start,
    then the latest made) on every day of a tangled history."""
    import json
    import random

    from kpis.selectors.targets import target_in_force_of, targets_in_force, targets_json_sql

    error, delivery, _internal = setup_partner(world.partner_a)
    rng = random.Random(16)
    for assignment in (error, delivery):
        for _ in range(12):
            valid_from = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 360))
            valid_to = rng.choice([None, valid_from + timedelta(days=rng.randrange(0, 90))])
            horizon = rng.choice(["short_term", "long_term"])
            KPITarget.objects.create(
                partner_kpi=assignment,
                horizon=horizon,
                value=rng.randrange(1, 50),
                valid_from=valid_from,
                valid_to=valid_to,
            )
    ids = [error.pk, delivery.pk]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, ({targets_json_sql('a.id')}) FROM kpis_partnerkpi a WHERE a.id IN (%s, %s)", ids)
        rows = {pk: json.loads(text or "[]") for pk, text in cursor.fetchall()}
    for offset in range(0, 500, 3):
        day = date(2022, 12, 1) + timedelta(days=offset)
        expected = targets_in_force(ids, day)
        picked = {pk: target_in_force_of(rows[pk], day) for pk in ids}
        assert picked == {pk: expected.get(pk) for pk in ids}, day
        assert all(type(t.value) is float for t in picked.values() if t), "4.0, not 4 (the API shows them)"


@pytest.mark.parametrize("granularity", ["month", "quarter", "year", None])
def test_last_values_read_with_the_sums_are_those_of_the_second_query(world, granularity):
    """For some partners the 'last value' KPIs' values come with the rollup's sums (one round trip);
    for every partner they come from a second query (kpis.aggregation._fill_last_values): the same figures."""
    from kpis.aggregation import aggregate
    from partners.models import Site
    from tests.kpis.helpers import assign, kpi

    headcount = _last_kind()
    kpis = {headcount.pk: headcount, kpi("error-rate").pk: kpi("error-rate")}
    site = Site.objects.create(organization=world.partner_a, code="S1", name="Site 1")
    for n, partner in enumerate((world.partner_a, world.partner_b)):
        assign(partner, headcount)
        setup_partner(partner)
        for day in (date(2023, 1, 3), date(2023, 1, 20 + n), date(2023, 5, 2), date(2024, 2, 10 - n)):
            measure(partner, headcount, day, value=day.day + n)
            measure(partner, "error-rate", day, numerator=day.day, denominator=100)
    measure(world.partner_a, headcount, date(2023, 5, 2), value=7, site=site)  # two rows on the latest day
    ids = [world.partner_a.pk, world.partner_b.pk]
    start, end = date(2023, 1, 1), date(2024, 12, 31)
    one_trip = aggregate(kpis=kpis, start=start, end=end, partner_ids=ids, granularity=granularity)
    two_trips = aggregate(kpis=kpis, start=start, end=end, granularity=granularity)
    assert one_trip == {key: value for key, value in two_trips.items() if key[0] in ids}
    may = date(2023, 4, 1) if granularity == "quarter" else date(2023, 5, 1)
    if granularity in ("month", "quarter"):
        assert one_trip[(world.partner_a.pk, headcount.pk, may)] == 2 + 7


def test_a_partner_without_kpis_gets_the_period_of_its_latest_data(world, client_as):
    """No visible partner KPI: the latest day is read on its own (the same reading, one query)."""
    from kpis.selectors import latest_data_day

    measure(world.partner_b, "error-rate", date(2023, 8, 14), numerator=1, denominator=100)  # not assigned
    measure(world.partner_b, "error-rate", date(2023, 7, 30), numerator=1, denominator=100)
    count, response = _queries(client_as(world.manager), reverse("kpis:scorecard", args=[world.partner_b.pk]))
    card = response.context["card"]
    assert card.results == [] and (card.start, card.end) == (date(2023, 8, 1), date(2023, 8, 31))
    assert latest_data_day(partner_ids=[world.partner_b.pk]) == date(2023, 8, 14)
    assert count <= 7  # with the month's review
