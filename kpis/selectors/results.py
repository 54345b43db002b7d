"""Actual against target per KPI of a partner over a period, and the share of months on target."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import date

from .. import periods
from ..aggregation import aggregate
from ..models import KPITarget, PartnerKPI
from .definitions import visible_partner_kpis
from .status import ON_TARGET, status_of, trend_of
from .targets import _pick_target, targets_in_force


@dataclass
class KPIResult:
    code: str
    name: str
    unit: str
    direction: str
    actual: float | None
    target: float | None
    warning: float | None
    critical: float | None
    status: str
    previous: float | None
    trend: str | None
    kpi_id: int
    partner_kpi_id: int | None = None
    weight: int = 1
    decimals: int = 1
    start: date | None = None
    end: date | None = None
    series: list = field(default_factory=list)
    subject: str = "partner"  # whose performance: "partner" or "host" (KPIDefinition.subject)

    def to_json(self) -> dict:
        data = asdict(self)
        data["start"] = self.start.isoformat() if self.start else None
        data["end"] = self.end.isoformat() if self.end else None
        data["series"] = [[label, value] for label, value in self.series]
        return data


def _result(pk: PartnerKPI, actual, previous, target: KPITarget | None, start, end, labels=None) -> KPIResult:
    """`labels`: the KPI's translated (name, unit), when the caller has them (the portfolio: once per KPI)."""
    kpi = pk.kpi
    name, unit = labels or (kpi.display_name, kpi.display_unit)
    return KPIResult(
        code=kpi.code,
        name=name,
        unit=unit,
        direction=kpi.direction,
        actual=actual,
        target=target.value if target else None,
        warning=target.warning if target else None,
        critical=target.critical if target else None,
        status=status_of(
            higher_is_better=kpi.higher_is_better,
            actual=actual,
            target=target.value if target else None,
            warning=target.warning if target else None,
            critical=target.critical if target else None,
        ),
        previous=previous,
        trend=trend_of(actual, previous),
        kpi_id=kpi.pk,
        partner_kpi_id=pk.pk,
        weight=pk.weight,
        decimals=kpi.decimals,
        start=start,
        end=end,
        subject=kpi.subject,
    )


def kpi_results(*, user, partner, start: date, end: date) -> list[KPIResult]:
    """One result per KPI of the partner the user may see, aggregated over [start, end]."""
    assignments = list(visible_partner_kpis(user=user, partner=partner, people=False))
    if not assignments:
        return []
    kpis = {a.kpi_id: a.kpi for a in assignments}
    prev_start, prev_end = periods.previous_range(start, end)
    values = aggregate(
        kpis=kpis, start=start, end=end, partner_ids=[partner.pk], ranges=[(prev_start, prev_end), (start, end)]
    )
    targets = targets_in_force([a.pk for a in assignments], end)
    return [
        _result(
            a,
            values.get((partner.pk, a.kpi_id, 1)),
            values.get((partner.pk, a.kpi_id, 0)),
            targets.get(a.pk),
            start,
            end,
        )
        for a in assignments
    ]


def kpi_attainment(
    *,
    partner,
    start: date,
    end: date,
    shared_only: bool = False,
    subject: str | None = None,
    leave_out: Collection[date] = (),
) -> float | None:
    """Share (0..1) of (KPI, month) pairs in [start, end] with data and a target that were on target.

    `shared_only` leaves out internal KPIs, for figures that partner users see (the health score);
    `subject` ("partner" or "host") only the KPIs about that side's performance (None: all);
    `leave_out` the months (first days) not to count, e.g. those whose scorecard is under review.
    """
    assignments = PartnerKPI.objects.filter(partner=partner).select_related("kpi")
    if subject is not None:
        assignments = assignments.filter(kpi__subject=subject)
    if shared_only:
        assignments = assignments.filter(shared=True)
    assignments = list(assignments)
    if not assignments:
        return None
    first = periods.period_start("month", start)
    last = periods.period_start("month", end)
    months = []
    m = first
    while m <= last:
        months.append(m)
        m = periods.shift("month", m, 1)
    kpis = {a.kpi_id: a.kpi for a in assignments}
    values = aggregate(
        kpis=kpis, start=first, end=periods.period_end("month", last), partner_ids=[partner.pk], granularity="month"
    )
    targets: dict[int, list[KPITarget]] = {}  # per partner KPI, looked up once, not once per KPI over all
    for t in KPITarget.objects.filter(partner_kpi__in=assignments, valid_from__lte=end):
        targets.setdefault(t.partner_kpi_id, []).append(t)
    month_ends = [(month, periods.period_end("month", month)) for month in months if month not in leave_out]
    met = total = 0
    for a in assignments:
        mine = targets.get(a.pk, [])
        for month, month_end in month_ends:
            actual = values.get((partner.pk, a.kpi_id, month))
            target = _pick_target(mine, month_end) if actual is not None else None
            if actual is None or target is None:
                continue
            status = status_of(
                higher_is_better=a.kpi.higher_is_better,
                actual=actual,
                target=target.value,
                warning=target.warning,
                critical=target.critical,
            )
            total += 1
            met += status == ON_TARGET
    return met / total if total else None
