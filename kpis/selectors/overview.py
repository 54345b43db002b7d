"""The portfolio in brief (the host dashboard): status counts and the lowest overall scores of one month.

The same figures as `portfolio()` (same month, targets, status rules and overall score), computed
in one SQL statement from the monthly rollup, so the dashboard does not build all partners × KPIs
in Python. On SQLite (the embedded default, a few partners) they are taken from the portfolio itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import timezone

from partnerportal import policy

from .. import periods
from ..models import Direction, Horizon, KPIDefinition, KPITarget, Measurement, MonthlyRollup, PartnerKPI
from .measurements import latest_data_day
from .portfolios import PortfolioPartner, portfolio
from .status import CRITICAL, ON_TARGET, STATUS_POINTS, WARNING


@dataclass
class ScoredPartner:
    partner: PortfolioPartner
    overall: float


@dataclass
class PortfolioOverview:
    start: date
    end: date
    granularity: str
    counts: dict = field(default_factory=dict)  # {on_target, warning, critical: number of KPIs}
    lowest: list[ScoredPartner] = field(default_factory=list)  # lowest overall score first


def portfolio_overview(*, user, day: date | None = None, lowest: int = 3) -> PortfolioOverview:
    """How many partner KPIs are on target / warning / critical this month, and the `lowest` partners
    by overall score (ties by name, as the portfolio lists them): what `portfolio(user=user, day=day)`
    shows, in one query on PostgreSQL whatever the number of partners. KPIs without data count nowhere.
    """
    today = timezone.localdate()
    if connection.vendor != "postgresql":
        if day is None:
            day = min(latest_data_day() or today, today)
        return _from_portfolio(user=user, day=day, lowest=lowest)
    scope = policy.scope(user, policy.VIEW, PartnerKPI).order_by().values("pk")
    try:
        scope_sql, scope_params = scope.query.sql_with_params()
    except EmptyResultSet:  # nothing in reach: no partner KPI, and no need for a query
        scope_sql, scope_params = "SELECT NULL::integer WHERE false", []
    overview = _empty(day or today)
    with connection.cursor() as cursor:
        cursor.execute(_SQL.format(scope=scope_sql, **_TABLES), [day, today, today, *scope_params, *_params(lowest)])
        for kind, key, number, text in cursor.fetchall():
            if kind == "month":  # the month's start: the latest data day's month unless `day` is given
                overview = _empty(date.fromisoformat(text))
            elif kind == "count":
                overview.counts[key] = int(number)
            else:
                overview.lowest.append(ScoredPartner(PortfolioPartner(int(key), text), number))
    return overview


def _empty(day: date) -> PortfolioOverview:
    start, end = periods.bounds("month", day)
    return PortfolioOverview(start, end, "month", {ON_TARGET: 0, WARNING: 0, CRITICAL: 0})


def _from_portfolio(*, user, day, lowest) -> PortfolioOverview:
    overview = _empty(day)
    data = portfolio(user=user, day=day)
    for row in data["rows"]:
        for cell in row.cells:
            if cell is not None and cell.status in overview.counts:
                overview.counts[cell.status] += 1
    scored = sorted((r for r in data["rows"] if r.overall is not None), key=lambda r: r.overall)
    overview.lowest = [ScoredPartner(r.partner, r.overall) for r in scored[:lowest]]
    return overview


def _params(lowest) -> list:
    """The parameters of _SQL after the period's and the scope's, in the order its placeholders come."""
    points = STATUS_POINTS
    return [
        Horizon.SHORT_TERM.value,  # in_force
        Direction.HIGHER.value,  # cell
        *(CRITICAL, WARNING, ON_TARGET),  # judged
        *(ON_TARGET, points[ON_TARGET], WARNING, points[WARNING], points[CRITICAL]),  # scored
        lowest,
    ]


_TABLES = {
    "assignment": PartnerKPI._meta.db_table,
    "definition": KPIDefinition._meta.db_table,
    "target": KPITarget._meta.db_table,
    "rollup": MonthlyRollup._meta.db_table,
    "measurement": Measurement._meta.db_table,
    "organization": PartnerKPI._meta.get_field("partner").related_model._meta.db_table,
}

# Each step of _SQL mirrors the Python it stands for:
# - the month: the one of `day` if given, else of the latest day with data but not after today
#   (latest_data_day: the latest last_start of the latest month in the rollup);
# - the target in force at the month's end: the short-term one, else the long-term one, the latest
#   valid_from first, then the highest id (targets_in_force);
# - the month's value from its rollup row (kpis.aggregation.value_of); "last" sums the measurements
#   of the month's latest period. Ratios and weighted averages are divided in floats, which differs
#   from the Python (kpis.figures.ratio: on the decimals the float sums stand for) by a few units in
#   the last place at most; where that could change a comparison (a value within 1e-9 of a threshold)
#   they are divided again on the decimals (float8 → numeric keeps 15 significant digits, as
#   kpis.figures.to_decimal does) and read back as a float, as the Python does: 9 / 1000 × 100 is
#   0.9, and reaches a critical threshold of 0.9. (Dividing every cell on the decimals costs more
#   than all the rest of the statement.)
# - the status (status_of): reaching the critical threshold is critical; beyond the warning
#   threshold, or the target if none, is a warning; no value or no target: no data, counted nowhere;
# - the overall score (overall_score): 100 × Σ points × weight / Σ weight over the judged KPIs.
_SQL = """
WITH chosen AS MATERIALIZED (
    SELECT COALESCE(%s::date, LEAST(COALESCE(
        (SELECT MAX(last_start) FROM {rollup} WHERE month = (SELECT MAX(month) FROM {rollup})), %s::date
    ), %s::date)) AS day
), period AS (
    SELECT start, ((start + interval '1 month')::date - 1) AS end_day
    FROM (SELECT day - (EXTRACT(DAY FROM day)::integer - 1) AS start FROM chosen) AS month
), assignment AS (
    SELECT a.id, a.partner_id, a.kpi_id, a.weight, d.direction, d.aggregation, d.scale
    FROM {assignment} a JOIN {definition} d ON d.id = a.kpi_id
    WHERE a.id IN ({scope}) AND d.subject = 'partner' -- how the partners do (the portfolio's KPIs)
), in_force AS (
    SELECT DISTINCT ON (t.partner_kpi_id) t.partner_kpi_id, t.value, t.warning, t.critical
    FROM {target} t, period p
    WHERE t.partner_kpi_id IN (SELECT id FROM assignment)
      AND t.valid_from <= p.end_day AND (t.valid_to IS NULL OR t.valid_to >= p.end_day)
    ORDER BY t.partner_kpi_id, t.horizon = %s DESC, t.valid_from DESC, t.id DESC
), cell AS MATERIALIZED (
    SELECT a.id, a.partner_id, a.weight, a.direction = %s AS higher, a.aggregation, a.scale,
        t.value AS target, t.warning, t.critical,
        r.sum_numerator, r.sum_denominator, r.sum_weighted, r.sum_sample_size,
        CASE a.aggregation
            WHEN 'ratio' THEN CASE WHEN r.sum_denominator <> 0 THEN r.sum_numerator / r.sum_denominator * a.scale END
            WHEN 'weighted_average' THEN CASE WHEN r.sum_sample_size <> 0 THEN r.sum_weighted / r.sum_sample_size END
            WHEN 'sum' THEN r.sum_value
            WHEN 'last' THEN (
                SELECT SUM(m.value) FROM {measurement} m
                WHERE m.partner_id = a.partner_id AND m.kpi_id = a.kpi_id AND m.period_start = r.last_start)
        END AS rough
    FROM assignment a
    JOIN in_force t ON t.partner_kpi_id = a.id
    JOIN period p ON true
    JOIN {rollup} r ON r.partner_id = a.partner_id AND r.kpi_id = a.kpi_id AND r.month = p.start AND r.count > 0
), valued AS (
    SELECT id, partner_id, weight, higher, target, warning, critical,
        CASE WHEN aggregation IN ('ratio', 'weighted_average') AND (
                abs(rough - target) <= 1e-9::float8 * abs(rough) OR abs(rough - warning) <= 1e-9::float8 * abs(rough)
                OR abs(rough - critical) <= 1e-9::float8 * abs(rough))
            THEN CASE aggregation
                WHEN 'ratio' THEN (
                    round(sum_numerator::numeric, 30) / sum_denominator::numeric * scale::numeric)::float8
                ELSE (round(sum_weighted::numeric, 30) / sum_sample_size::numeric)::float8
            END
            ELSE rough
        END AS actual
    FROM cell WHERE rough IS NOT NULL
), judged AS (
    SELECT id, partner_id, weight,
        CASE
            WHEN critical IS NOT NULL AND CASE WHEN higher THEN actual <= critical ELSE actual >= critical END
                THEN %s
            WHEN CASE WHEN higher THEN actual < COALESCE(warning, target) ELSE actual > COALESCE(warning, target) END
                THEN %s
            ELSE %s
        END AS status
    FROM valued
), scored AS (
    SELECT j.partner_id,
        100 * SUM(CASE j.status WHEN %s THEN %s::float8 WHEN %s THEN %s::float8 ELSE %s::float8 END * j.weight)
            / SUM(j.weight) AS overall
    FROM judged j GROUP BY j.partner_id
), listed AS (
    SELECT partner_id, MIN(id) AS first_id FROM assignment GROUP BY partner_id
)
SELECT 'month', NULL, NULL, start::text FROM period
UNION ALL
SELECT 'count', status, COUNT(*)::float8, NULL FROM judged GROUP BY status
UNION ALL (
    SELECT 'lowest', s.partner_id::text, s.overall, o.name
    FROM scored s JOIN {organization} o ON o.id = s.partner_id JOIN listed l ON l.partner_id = s.partner_id
    ORDER BY s.overall, o.name, l.first_id
    LIMIT %s
)
"""
