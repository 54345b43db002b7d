"""The one aggregation function against hand-computed values, per kind, from raw rows and from the rollup."""

from datetime import date

import pytest

from kpis import rollups
from kpis.aggregation import aggregate
from kpis.models import KPIDefinition, Measurement, MonthlyRollup
from kpis.selectors import kpi_attainment, kpi_results, status_of
from tests.kpis.helpers import assign, internal_kpi, kpi, measure

pytestmark = pytest.mark.django_db


def _agg(definition, partner, start, end, **kwargs):
    result = aggregate(kpis={definition.pk: definition}, start=start, end=end, partner_ids=[partner.pk], **kwargs)
    return {k[2]: v for k, v in result.items()}


def test_ratio_is_sum_of_parts_never_mean_of_daily_rates(world):
    p = world.partner_a
    # Day 1: 1 error in 100 lines (1 %), day 2: 30 errors in 1000 lines (3 %).
    measure(p, "error-rate", date(2025, 3, 3), numerator=1, denominator=100)
    measure(p, "error-rate", date(2025, 3, 4), numerator=30, denominator=1000)
    er = kpi("error-rate")
    expected = 31 / 1100 * 100  # 2.8181... %
    whole_month = _agg(er, p, date(2025, 3, 1), date(2025, 3, 31))[None]  # from the rollup
    two_days = _agg(er, p, date(2025, 3, 3), date(2025, 3, 4))[None]  # from the measurements
    assert whole_month == pytest.approx(expected)
    assert two_days == pytest.approx(expected)
    mean_of_daily_rates = (1.0 + 3.0) / 2
    assert whole_month != pytest.approx(mean_of_daily_rates)


def test_weighted_average_by_sample_size(world):
    p = world.partner_a
    measure(p, "delivery-time", date(2025, 3, 3), value=20, sample_size=10)
    measure(p, "delivery-time", date(2025, 3, 10), value=40, sample_size=30)
    dt = kpi("delivery-time")
    assert _agg(dt, p, date(2025, 3, 1), date(2025, 3, 31))[None] == pytest.approx((20 * 10 + 40 * 30) / 40)  # 35
    assert _agg(dt, p, date(2025, 3, 1), date(2025, 3, 31))[None] != pytest.approx(30)  # the plain mean


def test_inventory_turnover_is_cogs_over_average_inventory_per_year(world):
    p = world.partner_a
    it = kpi("inventory-turnover")
    # January: COGS 100 000, inventory 1.2 M for 31 days; February: COGS 80 000, inventory 1.0 M for 28 days.
    measure(p, it, date(2025, 1, 1), numerator=100_000, denominator=1_200_000 * 31)
    measure(p, it, date(2025, 2, 1), numerator=80_000, denominator=1_000_000 * 28)
    average_inventory = (1_200_000 * 31 + 1_000_000 * 28) / 59
    annualised = (180_000 / average_inventory) * 365 / 59
    assert _agg(it, p, date(2025, 1, 1), date(2025, 2, 28))[None] == pytest.approx(annualised)


def test_sum_and_last_value(world):
    p = world.partner_a
    pallets = internal_kpi()
    last_kind = KPIDefinition.objects.create(
        code="headcount",
        name="Headcount",
        direction="higher",
        aggregation="last",
        how_measured="People on the pay-roll at the end of the period.",
        why_it_matters="Capacity.",
    )
    for day, value in ((date(2025, 3, 3), 10), (date(2025, 3, 20), 5), (date(2025, 4, 2), 7)):
        measure(p, pallets, day, value=value)
        measure(p, last_kind, day, value=value * 2)
    assert _agg(pallets, p, date(2025, 3, 1), date(2025, 3, 31))[None] == 15
    assert _agg(last_kind, p, date(2025, 3, 1), date(2025, 3, 31))[None] == 10  # the value of 20 March
    assert _agg(last_kind, p, date(2025, 3, 1), date(2025, 4, 30))[None] == 14
    monthly = _agg(last_kind, p, date(2025, 3, 1), date(2025, 4, 30), granularity="month")
    assert monthly == {date(2025, 3, 1): 10, date(2025, 4, 1): 14}


def test_granularities_week_month_quarter_year(world):
    p = world.partner_a
    er = kpi("error-rate")
    measure(p, er, date(2025, 3, 30), numerator=1, denominator=100)  # Sunday, ISO week 13, Q1
    measure(p, er, date(2025, 3, 31), numerator=9, denominator=100)  # Monday, week 14, Q1
    measure(p, er, date(2025, 4, 1), numerator=5, denominator=300)  # week 14, Q2
    weeks = _agg(er, p, date(2025, 3, 24), date(2025, 4, 6), granularity="week")
    assert weeks == {date(2025, 3, 24): pytest.approx(1.0), date(2025, 3, 31): pytest.approx(14 / 400 * 100)}
    quarters = _agg(er, p, date(2025, 1, 1), date(2025, 6, 30), granularity="quarter")
    assert quarters == {date(2025, 1, 1): pytest.approx(5.0), date(2025, 4, 1): pytest.approx(5 / 300 * 100)}
    years = _agg(er, p, date(2025, 1, 1), date(2025, 12, 31), granularity="year")
    assert years == {date(2025, 1, 1): pytest.approx(15 / 500 * 100)}


def test_rollup_stays_exact_after_correction_and_rebuild(world):
    p = world.partner_a
    er = kpi("error-rate")
    m = measure(p, er, date(2025, 3, 3), numerator=1, denominator=100)
    m.numerator, m.value = 3, 3.0
    m.save()
    rollups.refresh([(p.pk, er.pk, m.period_start)])
    row = MonthlyRollup.objects.get(partner=p, kpi=er, month=date(2025, 3, 1))
    assert (row.sum_numerator, row.sum_denominator, row.count) == (3, 100, 1)
    Measurement.objects.filter(pk=m.pk).delete()
    rollups.refresh([(p.pk, er.pk, m.period_start)])
    assert not MonthlyRollup.objects.filter(partner=p, kpi=er).exists()
    measure(p, er, date(2025, 3, 3), numerator=2, denominator=50)
    before = list(MonthlyRollup.objects.values_list("partner", "kpi", "month", "sum_numerator", "sum_denominator"))
    rollups.rebuild_all()
    after = list(MonthlyRollup.objects.values_list("partner", "kpi", "month", "sum_numerator", "sum_denominator"))
    assert before == after


@pytest.mark.parametrize(
    "higher,actual,expected",
    [
        (False, 0.9, "on_target"),
        (False, 1.2, "on_target"),  # worse than the target but within the warning threshold
        (False, 1.6, "warning"),
        (False, 2.5, "critical"),  # reaching the critical threshold is critical
        (True, 4.5, "on_target"),
        (True, 3.9, "warning"),
        (True, 3.0, "critical"),
        (True, None, "no_data"),
    ],
)
def test_status_bands(higher, actual, expected):
    thresholds = (
        {"target": 1.0, "warning": 1.5, "critical": 2.5}
        if not higher
        else {"target": 4.2, "warning": 4.0, "critical": 3.5}
    )
    assert status_of(higher_is_better=higher, actual=actual, **thresholds) == expected


def test_kpi_results_contract_and_partner_sees_only_shared(world):
    p = world.partner_a
    error = assign(p, "error-rate", target=1.0, warning=1.5, critical=2.5)
    assign(p, internal_kpi(), shared=False)
    measure(p, "error-rate", date(2025, 2, 10), numerator=1, denominator=50)  # Feb: 2 %
    measure(p, "error-rate", date(2025, 3, 10), numerator=3, denominator=100)  # Mar: 3 %
    results = kpi_results(user=world.manager, partner=p, start=date(2025, 3, 1), end=date(2025, 3, 31))
    assert {r.code for r in results} == {"error-rate", "pallets-moved"}
    r = next(r for r in results if r.code == "error-rate")
    assert (r.actual, r.previous, r.trend, r.status, r.target, r.kpi_id) == (
        pytest.approx(3.0),
        pytest.approx(2.0),
        "up",
        "critical",
        1.0,
        error.kpi_id,
    )
    import json

    assert json.loads(json.dumps(r.to_json()))["actual"] == pytest.approx(3.0)
    partner_view = kpi_results(user=world.a_viewer, partner=p, start=date(2025, 3, 1), end=date(2025, 3, 31))
    assert [r.code for r in partner_view] == ["error-rate"]
    assert kpi_results(user=world.b_viewer, partner=p, start=date(2025, 3, 1), end=date(2025, 3, 31)) == []


def test_kpi_attainment_share_of_kpi_months_on_target(world):
    p = world.partner_a
    assign(p, "error-rate", target=1.0, warning=1.5, critical=2.5)
    measure(p, "error-rate", date(2025, 1, 10), numerator=1, denominator=200)  # 0.5 % on target
    measure(p, "error-rate", date(2025, 2, 10), numerator=2, denominator=100)  # 2 % warning
    measure(p, "error-rate", date(2025, 3, 10), numerator=1, denominator=100)  # 1 % on target
    assert kpi_attainment(partner=p, start=date(2025, 1, 1), end=date(2025, 4, 30)) == pytest.approx(2 / 3)
    assert kpi_attainment(partner=world.partner_b, start=date(2025, 1, 1), end=date(2025, 4, 30)) is None


def test_kpi_attainment_for_partner_facing_figures_leaves_out_internal_kpis(world):
    p = world.partner_a
    assign(p, "error-rate", target=1.0, warning=1.5, critical=2.5)
    assign(p, internal_kpi(), shared=False, target=100, warning=80, critical=50)
    measure(p, "error-rate", date(2025, 1, 10), numerator=1, denominator=200)  # on target
    measure(p, internal_kpi(), date(2025, 1, 10), value=10)  # internal KPI far below target: critical
    window = {"start": date(2025, 1, 1), "end": date(2025, 1, 31)}
    assert kpi_attainment(partner=p, **window) == pytest.approx(1 / 2)
    assert kpi_attainment(partner=p, shared_only=True, **window) == pytest.approx(1.0)


def test_latest_data_day_is_per_partner(world):
    from kpis.selectors import latest_data_day

    measure(world.partner_a, "error-rate", date(2025, 3, 3), numerator=1, denominator=100)
    measure(world.partner_a, "error-rate", date(2025, 3, 17), numerator=1, denominator=100)
    measure(world.partner_b, "error-rate", date(2025, 5, 2), numerator=1, denominator=100)
    assert latest_data_day(partner_ids=[world.partner_a.pk]) == date(2025, 3, 17)
    assert latest_data_day(partner_ids=[world.partner_b.pk]) == date(2025, 5, 2)
    assert latest_data_day() == date(2025, 5, 2)
    assert latest_data_day(partner_ids=[world.host.pk]) is None


@pytest.mark.parametrize("granularity", ["month", "quarter", "year"])
def test_plain_sql_sums_of_some_partners_equal_the_orms_of_every_partner(world, granularity):
    """Some partners' sums per period are read in plain SQL (the scorecard); every partner's through the ORM."""
    from kpis.aggregation import aggregate_sums

    er, pallets = kpi("error-rate"), internal_kpi()
    for partner, shift in ((world.partner_a, 0), (world.partner_b, 3)):
        for day in (date(2024, 12, 30), date(2025, 2, 3), date(2025, 5, 20), date(2025, 5, 21)):
            measure(partner, er, day, numerator=day.day + shift, denominator=100 + day.month)
            measure(partner, pallets, day, value=day.day * 2 + shift)
    kwargs = {"kpi_ids": [er.pk, pallets.pk], "start": date(2024, 10, 1), "end": date(2025, 12, 31)}
    ids = [world.partner_a.pk, world.partner_b.pk]
    some = aggregate_sums(partner_ids=ids, granularity=granularity, **kwargs)
    every = aggregate_sums(partner_ids=None, granularity=granularity, **kwargs)
    assert len(some) == {"month": 12, "quarter": 12, "year": 8}[granularity]  # 2 partners × 2 KPIs × periods
    assert some == {key: sums for key, sums in every.items() if key[0] in ids}


@pytest.mark.parametrize("some", [False, True])
def test_plain_sql_sums_of_a_whole_range_equal_the_orms(world, some):
    """A whole range's sums from the rollup (the portfolio: every partner) are read in plain SQL: the
    same rows as the ORM's query gives."""
    from kpis.aggregation import SUM_COLUMNS, _rollup_buckets, _sums_rows

    er, pallets = kpi("error-rate"), internal_kpi()
    for partner, shift in ((world.partner_a, 0), (world.partner_b, 3)):
        for day in (date(2024, 12, 30), date(2025, 2, 3), date(2025, 5, 20), date(2025, 5, 21)):
            measure(partner, er, day, numerator=day.day + shift, denominator=100 + day.month)
            measure(partner, pallets, day, value=day.day * 2.5 + shift, sample_size=3)
    ids = [world.partner_a.pk] if some else None
    args = ([er.pk, pallets.pk], date(2025, 1, 1), date(2025, 5, 31))

    def rows(fetched, by_name):
        order = [by_name[name] for name in ("partner_id", "kpi_id", *SUM_COLUMNS)]
        return sorted(tuple(row[i] for i in order) for row in fetched)

    plain = rows(*_rollup_buckets(*args, ids, None))
    assert len(plain) == (2 if some else 4)  # partners × KPIs, one bucket each
    assert plain == rows(*_sums_rows(*args, ids, None, None, True))
