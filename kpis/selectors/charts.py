"""The chart of one partner KPI: its series with the target and thresholds in force in each period."""

from __future__ import annotations

from django.utils import timezone

from partnerportal import formats

from .. import figures, periods
from ..aggregation import aggregate
from ..models import PartnerKPI
from .measurements import latest_data_day
from .status import status_of
from .targets import _pick_target


def kpi_chart(*, partner_kpi: PartnerKPI, granularity: str = "month", periods_back: int | None = None) -> dict:
    """Series, target line and thresholds of one partner KPI (the target in force in each period)."""
    if granularity not in periods.GRANULARITIES:
        granularity = "month"
    n = periods_back or {"week": 26, "month": 24, "quarter": 12, "year": 6}[granularity]
    today = timezone.localdate()
    last_day = min(latest_data_day(partner_ids=[partner_kpi.partner_id]) or today, today)
    end_start = periods.period_start(granularity, last_day)
    first = periods.shift(granularity, end_start, -(n - 1))
    buckets = [periods.shift(granularity, first, i) for i in range(n)]
    kpi = partner_kpi.kpi
    values = aggregate(
        kpis={kpi.pk: kpi},
        start=first,
        end=periods.period_end(granularity, end_start),
        partner_ids=[partner_kpi.partner_id],
        granularity=granularity,
    )
    targets = list(partner_kpi.targets.all())
    rows = []
    for b in buckets:
        t = _pick_target(targets, periods.period_end(granularity, b))
        actual = values.get((partner_kpi.partner_id, kpi.pk, b))
        rows.append(
            {
                "label": periods.label(granularity, b),
                "period": formats.period(b, granularity),
                "start": b.isoformat(),
                "actual": figures.number(actual, 4),
                "target": t.value if t else None,
                "warning": t.warning if t else None,
                "critical": t.critical if t else None,
                "status": status_of(
                    higher_is_better=kpi.higher_is_better,
                    actual=actual,
                    target=t.value if t else None,
                    warning=t.warning if t else None,
                    critical=t.critical if t else None,
                ),
            }
        )
    return {
        "granularity": granularity,
        "unit": kpi.display_unit,
        "name": kpi.display_name,
        "decimals": kpi.decimals,
        "rows": rows,
    }
