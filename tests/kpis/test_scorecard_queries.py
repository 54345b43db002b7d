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
    assert max(after) <= 8, after  # session, user, partner, KPIs + latest day, sums, targets, inbox (+ last values)


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
