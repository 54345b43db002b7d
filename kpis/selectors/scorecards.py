"""A partner's scorecard: every KPI for one period, with a sparkline of the periods before."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import DateField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import periods
from ..aggregation import _to_date, aggregate
from ..models import MonthlyRollup
from .definitions import visible_partner_kpis
from .measurements import latest_data_day
from .results import _result
from .status import overall_score
from .targets import targets_in_force


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
        latest = assignments[0].latest_day if assignments else latest_data_day(partner_ids=[partner.pk])
        day = min(_to_date(latest) or today, today)
    start, end = periods.bounds(granularity, day)
    n = SPARK_PERIODS[granularity] if series else 2
    first = periods.shift(granularity, start, -(n - 1))
    buckets = [periods.shift(granularity, first, i) for i in range(n)]
    kpis = {a.kpi_id: a.kpi for a in assignments}
    values = (
        aggregate(kpis=kpis, start=first, end=end, partner_ids=[partner.pk], granularity=granularity) if kpis else {}
    )
    targets = targets_in_force([a.pk for a in assignments], end)
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
    """The partner KPIs the user may see, each with the partner's latest day with data (`latest_day`)
    when asked: one query instead of three. The latest day is `latest_data_day`'s, over all the
    partner's KPIs: the max `last_start` of the partner's latest month in the rollup."""
    qs = (
        visible_partner_kpis(user=user, partner=partner, people=False)
        .select_related(None)
        .select_related("kpi")
        .order_by("-kpi__is_standard", "kpi__name")  # one partner: the list's order without the name join
    )
    if with_latest_day:  # plain SQL: the ORM's nested subqueries cost more to build than to run
        table = MonthlyRollup._meta.db_table
        latest = RawSQL(
            f"SELECT MAX(last_start) FROM {table} WHERE partner_id = %s"  # noqa: S608 - a model's table name
            f" AND month = (SELECT MAX(month) FROM {table} WHERE partner_id = %s)",
            (partner.pk, partner.pk),
            output_field=DateField(),
        )
        qs = qs.annotate(latest_day=latest)
    return list(qs)
