"""The portfolio: every partner × KPI for one period (host staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.utils import timezone

from partnerportal import policy

from .. import periods
from ..aggregation import aggregate
from ..models import KPIDefinition, PartnerKPI, Subject
from .measurements import latest_data_day
from .status import NO_DATA, overall_score, status_of
from .targets import targets_in_force


@dataclass
class PortfolioRow:
    partner: object
    cells: list
    overall: float | None


class PortfolioCell(NamedTuple):
    """One partner × KPI of the portfolio: what it shows and judges (the scorecard's KPIResult has
    names, units, a series and a trend; building one per cell cost more than the cell's data)."""

    kpi_id: int
    partner_kpi_id: int
    actual: float | None
    target: float | None
    warning: float | None
    critical: float | None
    status: str
    weight: int
    decimals: int
    previous: float | None = None  # the portfolio adds up the period alone: no previous, no trend
    trend: str | None = None


class PortfolioPartner(NamedTuple):
    pk: int
    name: str


def portfolio(*, user, granularity: str = "month", day: date | None = None):
    """All partners × KPIs for the latest period (host staff): a fixed number of queries.

    This runs over every partner × KPI, so it reads plain tuples, not model instances, and builds
    a light PortfolioCell per cell (the column headers carry the KPIs' names and units).
    """
    # How the partners do: the KPIs about the host are each scorecard's other half, never in these scores.
    scope = policy.scope(user, policy.VIEW, PartnerKPI).filter(kpi__subject=Subject.PARTNER)
    rows = list(
        scope.order_by("partner__name", "pk").values_list("pk", "partner_id", "kpi_id", "weight", "partner__name")
    )
    kpis = {k.pk: k for k in KPIDefinition.objects.filter(pk__in={row[2] for row in rows})}
    partners = {row[1]: PortfolioPartner(row[1], row[4]) for row in rows}
    columns = sorted(kpis.values(), key=lambda k: (not k.is_standard, k.name))
    today = timezone.localdate()
    if day is None:
        day = min(latest_data_day() or today, today)
    start, end = periods.bounds(granularity, day)
    # The period alone: the portfolio shows no trend, so the period before is not added up (its cells
    # carry previous=None and trend=None; the scorecard shows both).
    values = aggregate(kpis=kpis, start=start, end=end) if kpis else {}
    targets = targets_in_force(scope.order_by().values("pk"), end)
    # Per KPI once: what judges and shows its cells.
    judged = {pk: (k.higher_is_better, k.decimals) for pk, k in kpis.items()}
    by_partner: dict[int, dict] = {}
    # The rows as read (pk, partner, KPI, weight, name): one cell each, no object in between.
    for pk, partner_id, kpi_id, weight, _name in rows:
        actual = values.get((partner_id, kpi_id, None))
        higher_is_better, decimals = judged[kpi_id]
        target = targets.get(pk)
        if target is None:
            cell = PortfolioCell(kpi_id, pk, actual, None, None, None, NO_DATA, weight, decimals)
        else:
            status = status_of(
                higher_is_better=higher_is_better,
                actual=actual,
                target=target.value,
                warning=target.warning,
                critical=target.critical,
            )
            cell = PortfolioCell(
                kpi_id, pk, actual, target.value, target.warning, target.critical, status, weight, decimals
            )
        cells_of = by_partner.get(partner_id)
        if cells_of is None:
            cells_of = by_partner[partner_id] = {}
        cells_of[kpi_id] = cell
    column_ids = [k.pk for k in columns]
    rows = []
    for partner_id, results in by_partner.items():
        cells = [results.get(pk) for pk in column_ids]
        rows.append(PortfolioRow(partner=partners[partner_id], cells=cells, overall=overall_score(results.values())))
    return {
        "columns": columns,
        "rows": rows,
        "start": start,
        "end": end,
        "label": periods.label(granularity, start),
        "granularity": granularity,
    }
