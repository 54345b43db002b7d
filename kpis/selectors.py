"""Reads of the KPI app, already restricted by the access policy. All numbers come from kpis.aggregation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import NamedTuple

from django.db import connection
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from partnerportal import formats, policy

from . import figures, periods
from .aggregation import _to_date, aggregate
from .models import Horizon, KPIDefinition, KPITarget, Measurement, MonthlyRollup, PartnerKPI, Success

ON_TARGET, WARNING, CRITICAL, NO_DATA = "on_target", "warning", "critical", "no_data"
STATUS_POINTS = {ON_TARGET: 1.0, WARNING: 0.5, CRITICAL: 0.0}


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

    def to_json(self) -> dict:
        data = asdict(self)
        data["start"] = self.start.isoformat() if self.start else None
        data["end"] = self.end.isoformat() if self.end else None
        data["series"] = [[label, value] for label, value in self.series]
        return data


# --- rules ------------------------------------------------------------------------------------


def status_of(*, higher_is_better: bool, actual, target, warning=None, critical=None) -> str:
    """Bands: beyond the critical threshold → critical; beyond the warning threshold (the target if
    none is set) → warning; otherwise on target. Reaching a threshold counts as crossing it."""
    if actual is None or target is None:
        return NO_DATA

    def worse_or_equal(a, b):
        return a <= b if higher_is_better else a >= b

    def worse(a, b):
        return a < b if higher_is_better else a > b

    if critical is not None and worse_or_equal(actual, critical):
        return CRITICAL
    if worse(actual, warning if warning is not None else target):
        return WARNING
    return ON_TARGET


def trend_of(actual, previous) -> str | None:
    if actual is None or previous is None:
        return None
    tolerance = max(abs(previous), abs(actual)) * 1e-9
    if actual > previous + tolerance:
        return "up"
    if actual < previous - tolerance:
        return "down"
    return "flat"


def overall_score(results) -> float | None:
    """Weighted share of points (on target 1, warning ½, critical 0) in percent; KPIs without data don't count."""
    total = weights = 0.0
    for r in results:
        if r.status in STATUS_POINTS:
            total += STATUS_POINTS[r.status] * r.weight
            weights += r.weight
    # Not rounded here: each place that shows it rounds it once (kpis.figures), 45.45… → "45 %".
    return 100 * total / weights if weights else None


# --- querysets ----------------------------------------------------------------------------------


def visible_partner_kpis(*, user, partner=None, people: bool = True) -> QuerySet:
    """The partner KPIs the user may see; `people=False` leaves out the responsible users."""
    related = ("kpi", "partner", "responsible_host", "responsible_partner") if people else ("kpi", "partner")
    qs = policy.scope(user, policy.VIEW, PartnerKPI).select_related(*related)
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs.order_by("partner__name", "-kpi__is_standard", "kpi__name")


def definitions_for(*, user) -> QuerySet:
    """Definitions a user may read: all for host staff, those of their shared assignments for partners."""
    if policy.allows(user, policy.VIEW, KPIDefinition):
        return KPIDefinition.objects.all()
    shared = policy.scope(user, policy.VIEW, PartnerKPI).values("kpi_id")
    return KPIDefinition.objects.filter(pk__in=shared, is_active=True)


class TargetInForce(NamedTuple):
    pk: int
    partner_kpi_id: int
    horizon: str
    value: float
    warning: float | None
    critical: float | None
    valid_from: date


def targets_in_force(partner_kpi_ids, day: date) -> dict[int, TargetInForce]:
    """The target in force on `day` per partner KPI: the short-term one, else the long-term one.

    `partner_kpi_ids`: ids, or a queryset of partner KPI ids (a subquery: the portfolio asks for
    every partner KPI, and a list of thousands of parameters costs more than the query).
    """
    if not isinstance(partner_kpi_ids, QuerySet):
        partner_kpi_ids = list(partner_kpi_ids)
        if not partner_kpi_ids:
            return {}
    rows = (
        KPITarget.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            partner_kpi_id__in=partner_kpi_ids,
            valid_from__lte=day,
        )
        .order_by("partner_kpi_id", "-valid_from", "-pk")
        .values_list(*TargetInForce._fields)
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:  # plain tuples: no per-value converters for these columns
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    chosen: dict[int, TargetInForce] = {}
    short_term = Horizon.SHORT_TERM.value
    for row in fetched:
        current = chosen.get(row[1])
        if current is None or (current.horizon != short_term and row[2] == short_term):
            chosen[row[1]] = TargetInForce(*row[:6], _to_date(row[6]))
    return chosen


def target_history(*, user, partner_kpi) -> QuerySet:
    return (
        policy.scope(user, policy.VIEW, KPITarget)
        .filter(partner_kpi=partner_kpi)
        .select_related("created_by")
        .order_by("horizon", "-valid_from", "-pk")
    )


def measurements_for(*, user, partner=None, kpi=None, start=None, end=None, site=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Measurement).select_related("partner", "kpi", "site", "entered_by")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if kpi is not None:
        qs = qs.filter(kpi=kpi)
    if start is not None:
        qs = qs.filter(period_start__gte=start)
    if end is not None:
        qs = qs.filter(period_start__lte=end)
    if site is not None:
        qs = qs.filter(site=site)
    return qs.order_by("-period_start", "kpi__name", "site__code")


def successes_for(*, user, partner=None, since=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Success).select_related("partner", "kpi", "partner_kpi")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if since is not None:
        qs = qs.filter(period_start__gte=since)
    return qs.order_by("-period_start", "-detected_at")


# --- results ------------------------------------------------------------------------------------


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


def kpi_attainment(*, partner, start: date, end: date, shared_only: bool = False) -> float | None:
    """Share (0..1) of (KPI, month) pairs in [start, end] with data and a target that were on target.

    `shared_only` leaves out internal KPIs, for figures that partner users see (the health score).
    """
    assignments = PartnerKPI.objects.filter(partner=partner).select_related("kpi")
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
    targets = list(KPITarget.objects.filter(partner_kpi__in=assignments, valid_from__lte=end))
    met = total = 0
    for a in assignments:
        mine = [t for t in targets if t.partner_kpi_id == a.pk]
        for month in months:
            actual = values.get((partner.pk, a.kpi_id, month))
            month_end = periods.period_end("month", month)
            target = _pick_target(mine, month_end)
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


def _pick_target(targets, day):
    in_force = [t for t in targets if t.in_force(day)]
    if not in_force:
        return None
    in_force.sort(key=lambda t: (t.horizon == Horizon.SHORT_TERM, t.valid_from, t.pk), reverse=True)
    return in_force[0]


# --- scorecard, chart and portfolio ---------------------------------------------------------


@dataclass
class Scorecard:
    partner: object
    granularity: str
    start: date
    end: date
    label: str
    results: list
    overall: float | None
    previous_start: date
    next_start: date | None
    bucket_labels: list
    bucket_starts: list = field(default_factory=list)  # the first day of each bucket, for words


def latest_data_day(*, partner_ids=None) -> date | None:
    """The latest day with data: the max of the latest month only (an index, not a full scan).

    `Max` rather than `ORDER BY month DESC LIMIT 1`: for one partner the latter walks the month
    index backwards through every other partner's rows, all of them for a partner without data.
    """
    qs = MonthlyRollup.objects.all()
    if partner_ids is not None:
        qs = qs.filter(partner_id__in=list(partner_ids))
    month = qs.aggregate(month=Max("month"))["month"]
    if month is None:
        return None
    return qs.filter(month=month).aggregate(last=Max("last_start"))["last"]


SPARK_PERIODS = {"week": 12, "month": 12, "quarter": 8, "year": 5}


def scorecard(*, user, partner, granularity: str = "month", day: date | None = None) -> Scorecard:
    """Actual vs target per KPI for the period containing `day` (default: the latest period with data)."""
    if granularity not in periods.GRANULARITIES:
        granularity = "month"
    today = timezone.localdate()
    if day is None:
        day = min(latest_data_day(partner_ids=[partner.pk]) or today, today)
    start, end = periods.bounds(granularity, day)
    assignments = list(visible_partner_kpis(user=user, partner=partner, people=False))
    n = SPARK_PERIODS[granularity]
    first = periods.shift(granularity, start, -(n - 1))
    buckets = [periods.shift(granularity, first, i) for i in range(n)]
    kpis = {a.kpi_id: a.kpi for a in assignments}
    values = (
        aggregate(kpis=kpis, start=first, end=end, partner_ids=[partner.pk], granularity=granularity) if kpis else {}
    )
    targets = targets_in_force([a.pk for a in assignments], end)
    results = []
    prev_bucket = buckets[-2] if len(buckets) > 1 else None
    for a in assignments:
        result = _result(
            a,
            values.get((partner.pk, a.kpi_id, start)),
            values.get((partner.pk, a.kpi_id, prev_bucket)),
            targets.get(a.pk),
            start,
            end,
        )
        result.series = [(periods.label(granularity, b), values.get((partner.pk, a.kpi_id, b))) for b in buckets]
        result.definition = a.kpi
        results.append(result)
    next_start = periods.shift(granularity, start, 1)
    return Scorecard(
        partner=partner,
        granularity=granularity,
        start=start,
        end=end,
        label=periods.label(granularity, start),
        results=results,
        overall=overall_score(results),
        previous_start=periods.shift(granularity, start, -1),
        next_start=next_start if next_start <= today else None,
        bucket_labels=[periods.label(granularity, b) for b in buckets],
        bucket_starts=buckets,
    )


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
    prev_start, prev_end = periods.previous_range(start, end)
    values = aggregate(kpis=kpis, start=start, end=end, ranges=[(prev_start, prev_end), (start, end)]) if kpis else {}
    targets = targets_in_force(scope.order_by().values("pk"), end)
    by_partner: dict[int, dict] = {}
    for a in assignments:
        by_partner.setdefault(a.partner_id, {})[a.kpi_id] = _result(
            a,
            values.get((a.partner_id, a.kpi_id, 1)),
            values.get((a.partner_id, a.kpi_id, 0)),
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


def target_queryset() -> QuerySet:
    """All KPI targets with their KPI and partner KPI joined (e.g. to prefetch them); unscoped."""
    return KPITarget.objects.select_related("kpi", "partner_kpi__partner", "partner_kpi__kpi")


def measurement_detail(*, user, pk) -> Measurement:
    """One measurement the user may see (404 out of reach: another partner's, an internal KPI's)."""
    return policy.get_object(user, policy.VIEW, Measurement, pk=pk)


def kpi_ids_named(word: str) -> list[int]:
    """Ids of the KPIs whose name in the reader's language holds `word` (standard KPIs are translated)."""
    word = word.lower()
    return [k.pk for k in KPIDefinition.objects.all() if word in k.display_name.lower()]


def definitions_by_id(ids) -> dict[int, KPIDefinition]:
    """KPI definitions by primary key (names and units to show; no access check: definitions are public)."""
    return KPIDefinition.objects.in_bulk(list(ids))


def definition_for(*, user, pk, action=policy.VIEW) -> KPIDefinition:
    """One KPI definition for `action`: 404 outside the user's view scope, 403 if only viewable."""
    return policy.get_object(user, action, KPIDefinition, pk=pk)


def partner_kpi_for(*, user, pk, action=policy.VIEW) -> PartnerKPI:
    """One partner KPI with its KPI and partner for `action`: 404 out of view scope, 403 if only viewable."""
    return policy.get_object(user, action, PartnerKPI.objects.select_related("kpi", "partner"), pk=pk)


def partner_target_history(*, user, partner) -> QuerySet:
    """Every target of a partner's KPIs that the user may see, by horizon, newest first."""
    return (
        policy.scope(user, policy.VIEW, KPITarget)
        .filter(partner=partner)
        .select_related("created_by")
        .order_by("horizon", "-valid_from")
    )


def submittable_partner_kpis(*, user, partner) -> QuerySet:
    """The partner's active KPIs the user may submit measurements for."""
    return policy.scope(user, "submit", PartnerKPI).filter(partner=partner, kpi__is_active=True)


def definitions_of(assignments) -> QuerySet:
    """The KPI definitions of these partner KPIs."""
    return KPIDefinition.objects.filter(pk__in=[a.kpi_id for a in assignments])


def assignable_definitions(*, partner, assignment_pk=None) -> QuerySet:
    """Active KPI definitions not yet assigned to the partner (besides the assignment `assignment_pk`)."""
    taken = PartnerKPI.objects.filter(partner=partner).exclude(pk=assignment_pk).values("kpi")
    return KPIDefinition.objects.filter(is_active=True).exclude(pk__in=taken)


def shared_targets_of(*, partner) -> QuerySet:
    """The targets of a partner's shared KPIs (what an agreement can commit to)."""
    return KPITarget.objects.filter(partner=partner, partner_kpi__shared=True).select_related(
        "kpi", "partner_kpi__partner", "partner_kpi__kpi"
    )


def all_partner_kpis() -> QuerySet:
    """Every partner KPI with its KPI, not yet restricted by the access policy (the API scopes it)."""
    return PartnerKPI.objects.select_related("kpi")


def with_current_targets(partner_kpis: QuerySet, *, day: date) -> QuerySet:
    """The partner KPIs with the targets in force on `day` as `current_targets`."""
    current = KPITarget.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day
    ).select_related("kpi")
    return partner_kpis.prefetch_related(Prefetch("targets", queryset=current, to_attr="current_targets"))


def all_measurements() -> QuerySet:
    """Every measurement with its KPI and site, not yet restricted by the access policy (the API scopes it)."""
    return Measurement.objects.select_related("kpi", "site")
