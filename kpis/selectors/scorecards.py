"""A partner's scorecard: every KPI for one period, with a sparkline of the periods before."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, router
from django.db.models import DateField, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerportal.compiled import CompiledQuery, instance

from .. import periods
from ..aggregation import _to_date, aggregate
from ..models import KPIDefinition, MonthlyRollup, PartnerKPI
from .definitions import visible_partner_kpis
from .results import _result
from .status import overall_score
from .targets import target_in_force_of, targets_json_sql


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
    # The rows grouped by whose performance they measure (KPIResult.subject), each half with its own
    # overall score: "How the partner does" first, then "How we do" (the host's KPIs). `overall` is the
    # partner half's, as it always was; the two are never mixed into one number.
    halves: list = field(default_factory=list)
    overall_host: float | None = None


@dataclass
class ScorecardHalf:
    subject: str  # "partner" or "host"
    results: list
    overall: float | None

    @property
    def title(self):
        return SUBJECT_TITLES[self.subject]


SUBJECT_TITLES = {"partner": _("How the partner does"), "host": _("How we do")}


def halves_of(results) -> list[ScorecardHalf]:
    """The results split by subject (partner first), in their order; a half without KPIs is left out."""
    return [
        ScorecardHalf(subject, rows, overall_score(rows))
        for subject in SUBJECT_TITLES
        if (rows := [r for r in results if r.subject == subject])
    ]


SPARK_PERIODS = {"week": 12, "month": 12, "quarter": 8, "year": 5}


def scorecard(*, user, partner, granularity: str = "month", day: date | None = None, series=True) -> Scorecard:
    """Actual vs target per KPI for the period containing `day` (default: the latest period with data).

    `series=False` (the partner hub, which shows no sparkline): only the period and the one before it
    are added up, and the results carry no series."""
    if granularity not in periods.GRANULARITIES:
        granularity = "month"
    today = timezone.localdate()
    assignments = _assignments(user=user, partner=partner, with_latest_day=day is None)
    if day is None:
        latest = assignments[0].latest_day if assignments else _latest_day(partner.pk)
        day = min(_to_date(latest) or today, today)
    start, end = periods.bounds(granularity, day)
    n = SPARK_PERIODS[granularity] if series else 2
    first = periods.shift(granularity, start, -(n - 1))
    buckets = [periods.shift(granularity, first, i) for i in range(n)]
    kpis = {a.kpi_id: a.kpi for a in assignments}
    values = (
        aggregate(kpis=kpis, start=first, end=end, partner_ids=[partner.pk], granularity=granularity) if kpis else {}
    )
    targets = {a.pk: target_in_force_of(json.loads(a.targets_json or "[]"), end) for a in assignments}
    labels = [periods.label(granularity, b) for b in buckets] if series else []  # once, not once per KPI
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
        if series:
            key = (partner.pk, a.kpi_id)
            result.series = [(label, values.get((*key, b))) for label, b in zip(labels, buckets, strict=True)]
        result.definition = a.kpi
        results.append(result)
    next_start = periods.shift(granularity, start, 1)
    halves = halves_of(results)
    overall = {half.subject: half.overall for half in halves}
    return Scorecard(
        partner=partner,
        granularity=granularity,
        start=start,
        end=end,
        label=periods.label(granularity, start),
        results=results,
        overall=overall.get("partner"),
        previous_start=periods.shift(granularity, start, -1),
        next_start=next_start if next_start <= today else None,
        bucket_labels=labels,
        bucket_starts=buckets,
        halves=halves,
        overall_host=overall.get("host"),
    )


def _assignments(*, user, partner, with_latest_day: bool) -> list:
    """The partner KPIs the user may see, each with its KPI, its targets (`targets_json`) and, when asked,
    the partner's latest day with data (`latest_day`): `_assignment_rows()`'s query, compiled once per
    shape of reader (partnerportal.compiled): building it cost more than running it."""
    compiled = _ASSIGNMENTS_WITH_LATEST_DAY if with_latest_day else _ASSIGNMENTS
    alias = router.db_for_read(PartnerKPI)
    found = []
    for row in compiled.rows(user=user, ids={"partner": partner.pk}):
        data = dict(zip(ASSIGNMENT_ROW, row, strict=False))
        assignment = instance(PartnerKPI, data, alias)
        kpi = {name.removeprefix("kpi__"): value for name, value in data.items() if name.startswith("kpi__")}
        assignment.kpi = instance(KPIDefinition, kpi, alias)
        assignment.targets_json = data["targets_json"]
        if with_latest_day:
            assignment.latest_day = data["latest_day"]
        found.append(assignment)
    return found


ASSIGNMENT_ROW = (
    *(f.attname for f in PartnerKPI._meta.concrete_fields),
    *(f"kpi__{f.attname}" for f in KPIDefinition._meta.concrete_fields),
    "targets_json",
    "latest_day",
)


def _assignment_rows(*, user, partner_id, with_latest_day: bool):
    """The partner KPIs the user may see with their KPI and targets, as ASSIGNMENT_ROW rows, in the
    list's order; the latest day with data only when asked. The latest day is `latest_data_day`'s,
    over all the partner's KPIs: the max `last_start` of the partner's latest month in the rollup."""
    qs = visible_partner_kpis(user=user, partner=partner_id, people=False).order_by(
        "-kpi__is_standard", "kpi__name"
    )  # one partner: the list's order without the name join
    # The targets of each partner KPI in the same round trip (the one in force is picked once the
    # period is known); plain SQL, as below.
    column = f"{connection.ops.quote_name(PartnerKPI._meta.db_table)}.{connection.ops.quote_name('id')}"
    qs = qs.annotate(targets_json=RawSQL(targets_json_sql(column), (), output_field=TextField()))
    if with_latest_day:  # plain SQL: the ORM's nested subqueries cost more to build than to run
        qs = qs.annotate(latest_day=RawSQL(*_latest_day_sql(partner_id), output_field=DateField()))
        return qs.values_list(*ASSIGNMENT_ROW)
    return qs.values_list(*ASSIGNMENT_ROW[:-1])


_ASSIGNMENTS = CompiledQuery(
    lambda *, user, ids, now: _assignment_rows(user=user, partner_id=ids["partner"], with_latest_day=False),
    PartnerKPI,
)
_ASSIGNMENTS_WITH_LATEST_DAY = CompiledQuery(
    lambda *, user, ids, now: _assignment_rows(user=user, partner_id=ids["partner"], with_latest_day=True),
    PartnerKPI,
)


def _latest_day_sql(partner_id: int) -> tuple[str, tuple]:
    """SQL of the partner's latest day with data (`latest_data_day` for one partner: the max
    `last_start` of its latest month in the rollup, over all its KPIs), read per KPI from the end of
    the rollup's (partner, KPI, month) key: one index probe per KPI definition, however many months
    and partners the rollup holds. (The max over the whole table's month index walked back through
    every other partner's rows: 88 ms on the bench for a partner without data.) The latest month's
    max `last_start` is the max of each KPI's latest `last_start`: a day lies in its own month."""
    rollup, definition = MonthlyRollup._meta.db_table, KPIDefinition._meta.db_table
    sql = (  # noqa: S608 - the models' tables
        f"SELECT MAX(r.last_start) FROM {definition} d CROSS JOIN LATERAL ("
        f"SELECT x.last_start FROM {rollup} x WHERE x.partner_id = %s AND x.kpi_id = d.id"
        " ORDER BY x.month DESC LIMIT 1) r"
    )
    return sql, (partner_id,)


def _latest_day(partner_id: int) -> date | None:
    """The partner's latest day with data, on its own (a partner without visible KPIs)."""
    with connection.cursor() as cursor:
        cursor.execute(*_latest_day_sql(partner_id))
        return _to_date(cursor.fetchone()[0])
