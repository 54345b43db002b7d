"""The portfolio: every partner × KPI for one period (host staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.utils import timezone

from partnerportal import policy

from .. import periods
from ..aggregation import aggregate
from ..models import KPIDefinition, PartnerKPI
from .measurements import latest_data_day
from .results import _result
from .status import overall_score
from .targets import targets_in_force


@dataclass
class PortfolioRow:
    partner: object
    cells: list
    overall: float | None


class _PortfolioAssignment(NamedTuple):
    pk: int
    partner_id: int
    kpi_id: int
    weight: int
    kpi: KPIDefinition


class PortfolioPartner(NamedTuple):
    pk: int
    name: str


def portfolio(*, user, granularity: str = "month", day: date | None = None):
    """All partners × KPIs for the latest period (host staff): a fixed number of queries.

    This runs over every partner × KPI, so it reads plain tuples, not model instances, and
    translates each KPI's name and unit once.
    """
    scope = policy.scope(user, policy.VIEW, PartnerKPI)
    rows = list(
        scope.order_by("partner__name", "pk").values_list("pk", "partner_id", "kpi_id", "weight", "partner__name")
    )
    kpis = {k.pk: k for k in KPIDefinition.objects.filter(pk__in={row[2] for row in rows})}
    labels = {pk: (k.display_name, k.display_unit) for pk, k in kpis.items()}
    assignments = [_PortfolioAssignment(pk, p, k, w, kpis[k]) for pk, p, k, w, _name in rows]
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
    by_partner: dict[int, dict] = {}
    for a in assignments:
        by_partner.setdefault(a.partner_id, {})[a.kpi_id] = _result(
            a,
            values.get((a.partner_id, a.kpi_id, None)),
            None,
            targets.get(a.pk),
            start,
            end,
            labels[a.kpi_id],
        )
    rows = []
    for partner_id, results in by_partner.items():
        cells = [results.get(k.pk) for k in columns]
        rows.append(PortfolioRow(partner=partners[partner_id], cells=cells, overall=overall_score(results.values())))
    return {
        "columns": columns,
        "rows": rows,
        "start": start,
        "end": end,
        "label": periods.label(granularity, start),
        "granularity": granularity,
    }
