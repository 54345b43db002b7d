"""THE aggregation of KPI measurements. Every page, the API, the exports and the meeting agenda use it.

Per aggregation kind, over any set of measurements:

- ratio:            Σ numerator / Σ denominator × scale   (never the mean of daily rates)
- weighted_average: Σ (value × sample size) / Σ sample size
- sum:              Σ value
- last:             the value of the latest period (summed over sites reporting that period)

The sums are computed in SQL (GROUP BY period bucket with SUM), so the cost does not depend on
Python looping over rows. Whole months are read from `MonthlyRollup`, which holds exactly the
same sums per partner / KPI / month and is kept exact by every write path (kpis.rollups); weeks
and ranges that do not cover whole months are read from the measurements themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, Count, F, FloatField, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek, TruncYear

from . import figures, periods
from .models import Aggregation, Measurement, MonthlyRollup

TRUNC = {"week": TruncWeek, "month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}


@dataclass(slots=True)
class Sums:
    sum_value: float = 0.0
    sum_numerator: float = 0.0
    sum_denominator: float = 0.0
    sum_weighted: float = 0.0
    sum_sample_size: float = 0.0
    count: int = 0
    last_start: date | None = None
    last_value: float | None = None


def value_of(kpi, sums: Sums | None) -> float | None:
    """The aggregated value of one KPI from its sums (None: no data, or nothing to divide by).

    Quotients are computed on the decimals the float sums stand for (kpis.figures), so counts that
    give 0.225 exactly give 0.225, not 0.22499999999999998, and the figure shown rounds the right way.
    """
    if sums is None or not sums.count:
        return None
    kind = kpi.aggregation
    if kind == Aggregation.RATIO:
        return figures.ratio(sums.sum_numerator, sums.sum_denominator, kpi.scale)
    if kind == Aggregation.WEIGHTED_AVERAGE:
        return figures.ratio(sums.sum_weighted, sums.sum_sample_size)
    if kind == Aggregation.SUM:
        return sums.sum_value
    return sums.last_value


SUM_COLUMNS = ("s_value", "s_num", "s_den", "s_w", "s_n", "n", "last")


def _to_date(value):
    """A date from what a database returns for a date or a truncated date (SQLite: a string)."""
    if value is None or isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date()


def aggregate(
    *,
    kpis: dict,
    start: date,
    end: date,
    partner_ids: Iterable[int] | None = None,
    granularity: str | None = None,
    ranges: Sequence[tuple[date, date]] | None = None,
) -> dict[tuple[int, int, object], float | None]:
    """Aggregated values keyed by (partner_id, kpi_id, bucket).

    `kpis` maps kpi id -> KPIDefinition. The bucket is the period start for a `granularity`
    (week/month/quarter/year), the index into `ranges` when ranges are given, or None for the
    whole [start, end]. Measurements count in the bucket that contains their period start.
    """
    sums = aggregate_sums(
        kpi_ids=list(kpis),
        start=start,
        end=end,
        partner_ids=partner_ids,
        granularity=granularity,
        ranges=ranges,
        last_kpi_ids={pk for pk, kpi in kpis.items() if kpi.aggregation == Aggregation.LAST},
    )
    return {key: value_of(kpis[key[1]], s) for key, s in sums.items()}


def aggregate_sums(
    *,
    kpi_ids: list[int],
    start: date,
    end: date,
    partner_ids: Iterable[int] | None = None,
    granularity: str | None = None,
    ranges: Sequence[tuple[date, date]] | None = None,
    last_kpi_ids: Iterable[int] | None = None,
) -> dict[tuple[int, int, object], Sums]:
    if not kpi_ids:
        return {}
    if ranges:
        start, end = min(r[0] for r in ranges), max(r[1] for r in ranges)
    use_rollup = granularity != "week" and all(periods.month_aligned(s, e) for s, e in (ranges or [(start, end)]))
    last_in_row = False  # the 'last value' KPIs' values come with the sums (one round trip, not two)
    if use_rollup and not ranges and (partner_ids is not None or not granularity):
        partner_ids = None if partner_ids is None else list(partner_ids)
        last_in_row = partner_ids is not None and bool(last_kpi_ids) and connection.vendor == "postgresql"
        fetched, by_name = _rollup_buckets(
            kpi_ids, start, end, partner_ids, granularity, last_kpi_ids=list(last_kpi_ids) if last_in_row else None
        )
    else:
        fetched, by_name = _sums_rows(kpi_ids, start, end, partner_ids, granularity, ranges, use_rollup)
    if not fetched:
        if not last_in_row:
            _fill_last_values({}, kpi_ids=kpi_ids, last_kpi_ids=last_kpi_ids, all_partners=partner_ids is None)
        return {}
    pick = itemgetter(*(by_name[name] for name in ("partner_id", "kpi_id", "bucket", *SUM_COLUMNS)))
    whole_range = ranges is None and granularity is None
    result: dict[tuple[int, int, object], Sums] = {}
    for row in fetched:
        partner_id, kpi_id, key_bucket, s_value, s_num, s_den, s_w, s_n, n, last = pick(row)
        if whole_range:
            key_bucket = None
        elif granularity:
            key_bucket = _to_date(key_bucket)
        elif key_bucket == -1:
            continue
        result[(partner_id, kpi_id, key_bucket)] = Sums(
            s_value or 0.0, s_num or 0.0, s_den or 0.0, s_w or 0.0, s_n or 0.0, n or 0, _to_date(last)
        )
    if last_in_row:
        at = by_name["last_value"]
        for row in fetched:
            if row[at] is not None:
                result[(row[0], row[1], _to_date(row[2]) if granularity else None)].last_value = row[at]
    else:
        _fill_last_values(result, kpi_ids=kpi_ids, last_kpi_ids=last_kpi_ids, all_partners=partner_ids is None)
    return result


def _rollup_buckets(
    kpi_ids, start, end, partner_ids, granularity, last_kpi_ids=None
) -> tuple[list[tuple], dict[str, int]]:
    """The rollup's sums per partner / KPI / period (`granularity`; None: the whole range, bucket 0)
    of some partners (None: every partner), in plain SQL: the same query as the ORM's in `_sums_rows`,
    without the cost of building it (most of a scorecard's query, much of the portfolio's).

    `last_kpi_ids` (PostgreSQL): a last column `last_value` with what `_fill_last_values` reads for
    those KPIs (the sum of the values of the bucket's latest period start, every site), NULL for the
    others: a correlated subquery per such bucket instead of a second round trip."""
    if partner_ids is not None and not partner_ids:
        return [], {}
    column = {f.name: connection.ops.quote_name(f.column) for f in MonthlyRollup._meta.concrete_fields}
    if granularity == "month":  # the rollup's month is its bucket (a date: no time zone to convert)
        bucket, bucket_params = column["month"], ()
    elif granularity:
        bucket, bucket_params = connection.ops.date_trunc_sql(granularity, column["month"], ())
        bucket = f"CAST({bucket} AS date)"  # the period's first day, read as a date
    else:
        bucket, bucket_params = "0", ()
    marks = ", ".join
    table = connection.ops.quote_name(MonthlyRollup._meta.db_table)
    names = ["partner_id", "kpi_id", "bucket", *SUM_COLUMNS]
    last_value, last_params = "", []
    if last_kpi_ids:
        m = {f.name: connection.ops.quote_name(f.column) for f in Measurement._meta.concrete_fields}
        last_value = (  # noqa: S608 - the models' tables and columns
            f", CASE WHEN {table}.{column['kpi']} IN ({marks(['%s'] * len(last_kpi_ids))}) THEN"
            f" (SELECT SUM(m.{m['value']}) FROM {connection.ops.quote_name(Measurement._meta.db_table)} m"
            f" WHERE m.{m['partner']} = {table}.{column['partner']} AND m.{m['kpi']} = {table}.{column['kpi']}"
            f" AND m.{m['period_start']} = MAX({table}.{column['last_start']})) END"
        )
        last_params = list(last_kpi_ids)
        names.append("last_value")
    sql = (  # noqa: S608 - a model's table and columns
        f"SELECT {column['partner']}, {column['kpi']}, {bucket}, SUM({column['sum_value']}),"
        f" SUM({column['sum_numerator']}), SUM({column['sum_denominator']}), SUM({column['sum_weighted']}),"
        f" SUM({column['sum_sample_size']}), SUM({column['count']}), MAX({column['last_start']}){last_value}"
        f" FROM {table}"
        f" WHERE {column['kpi']} IN ({marks(['%s'] * len(kpi_ids))})"
        f" AND {column['month']} BETWEEN %s AND %s"
    )
    params = [*bucket_params, *last_params, *kpi_ids, start, end]
    if partner_ids is not None:
        sql += f" AND {column['partner']} IN ({marks(['%s'] * len(partner_ids))})"
        params += partner_ids
    with connection.cursor() as cursor:
        cursor.execute(sql + " GROUP BY 1, 2, 3", params)
        rows = cursor.fetchall()
    return rows, {name: i for i, name in enumerate(names)}


def _sums_rows(kpi_ids, start, end, partner_ids, granularity, ranges, use_rollup) -> tuple[list[tuple], dict]:
    if use_rollup:
        qs = MonthlyRollup.objects.filter(kpi_id__in=kpi_ids, month__range=(start, end))
        date_field = "month"
        aggregates = {
            "s_value": Sum("sum_value"),
            "s_num": Sum("sum_numerator"),
            "s_den": Sum("sum_denominator"),
            "s_w": Sum("sum_weighted"),
            "s_n": Sum("sum_sample_size"),
            "n": Sum("count"),
            "last": Max("last_start"),
        }
    else:
        qs = Measurement.objects.filter(kpi_id__in=kpi_ids, period_start__range=(start, end))
        date_field = "period_start"
        aggregates = {
            "s_value": Sum("value"),
            "s_num": Sum("numerator"),
            "s_den": Sum("denominator"),
            "s_w": Sum(F("value") * F("sample_size"), output_field=FloatField()),
            "s_n": Sum("sample_size"),
            "n": Count("id"),
            "last": Max("period_start"),
        }
    if partner_ids is not None:
        qs = qs.filter(partner_id__in=list(partner_ids))
    if ranges:
        bucket = Case(
            *[When(Q(**{f"{date_field}__range": r}), then=Value(i)) for i, r in enumerate(ranges)],
            default=Value(-1),
            output_field=IntegerField(),
        )
    elif granularity:
        bucket = TRUNC[granularity](date_field)
    else:
        bucket = Value(0, output_field=IntegerField())
    rows = qs.annotate(bucket=bucket).values("partner_id", "kpi_id", "bucket").annotate(**aggregates).order_by()
    return _tuples(rows)


def _tuples(queryset) -> tuple[list[tuple], dict[str, int]]:
    """Run a values() queryset and return plain rows and the position of each column by name.

    The portfolio reads thousands of aggregated rows; the ORM's per-value converters cost more
    than the query itself (dates are normalised by _to_date, SQLite returns them as text).
    """
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. an empty list of partners: nothing to read
        return [], {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall(), {column[0]: i for i, column in enumerate(cursor.description)}


def _fill_last_values(result: dict, *, kpi_ids, last_kpi_ids, all_partners=False) -> None:
    """For 'last value' KPIs: the value of each bucket's latest period (one more query, only if needed)."""
    if last_kpi_ids is None:
        from .models import KPIDefinition

        last_kpi_ids = set(
            KPIDefinition.objects.filter(pk__in=kpi_ids, aggregation=Aggregation.LAST).values_list("pk", flat=True)
        )
    last_kpi_ids = set(last_kpi_ids)
    wanted = {(p, k, s.last_start) for (p, k, _b), s in result.items() if k in last_kpi_ids}
    if not wanted:
        return
    # plain SQL: building the ORM's query cost more than running it
    column = {f.name: connection.ops.quote_name(f.column) for f in Measurement._meta.concrete_fields}
    kpi_ids, days = list(last_kpi_ids), list({w[2] for w in wanted})
    sql = (
        f"SELECT {column['partner']}, {column['kpi']}, {column['period_start']}, SUM({column['value']})"  # noqa: S608 - a model's columns
        f" FROM {connection.ops.quote_name(Measurement._meta.db_table)}"
        f" WHERE {column['kpi']} IN ({', '.join(['%s'] * len(kpi_ids))})"
        f" AND {column['period_start']} IN ({', '.join(['%s'] * len(days))})"
    )
    params = [*kpi_ids, *days]
    if not all_partners:  # (every partner: a list of all their ids would only cost)
        partner_ids = list({w[0] for w in wanted})
        sql += f" AND {column['partner']} IN ({', '.join(['%s'] * len(partner_ids))})"
        params += partner_ids
    with connection.cursor() as cursor:
        cursor.execute(sql + " GROUP BY 1, 2, 3", params)
        fetched = cursor.fetchall()
    if not fetched:
        return
    values = {}
    for partner_id, kpi_id, day, total in fetched:
        values[(partner_id, kpi_id, _to_date(day))] = total
    for (p, k, _b), s in result.items():
        if k in last_kpi_ids:
            s.last_value = values.get((p, k, s.last_start))


def measurement_value(kpi, *, value=None, numerator=None, denominator=None) -> float | None:
    """The value a single measurement shows: a ratio is computed from its parts."""
    if kpi.aggregation == Aggregation.RATIO:
        if numerator is None or not denominator:
            return None
        return numerator / denominator * kpi.scale
    return value
