"""KPI targets: the one in force on a day, a partner KPI's history, the targets agreements commit to."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from partnerportal import policy

from ..aggregation import _to_date
from ..models import Horizon, KPITarget


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
    if isinstance(partner_kpi_ids, QuerySet):  # the ids' own query as a subquery
        try:
            ids_sql, ids_params = partner_kpi_ids.query.sql_with_params()
        except EmptyResultSet:  # e.g. .none(): no partner KPIs, no targets
            return {}
    else:  # a few ids (a scorecard)
        partner_kpi_ids = list(partner_kpi_ids)
        if not partner_kpi_ids:
            return {}
        ids_sql, ids_params = ", ".join(["%s"] * len(partner_kpi_ids)), tuple(partner_kpi_ids)
    # Plain SQL: the ORM's query (the same one) cost more to build than to run.
    column = {f.name: connection.ops.quote_name(f.column) for f in KPITarget._meta.concrete_fields}
    names = {"pk": "id", "partner_kpi_id": "partner_kpi"}
    selected = ", ".join(column[names.get(name, name)] for name in TargetInForce._fields)
    sql = (
        f"SELECT {selected}"  # noqa: S608 - a model's columns and a queryset's own SQL
        f" FROM {connection.ops.quote_name(KPITarget._meta.db_table)}"
        f" WHERE ({column['valid_to']} IS NULL OR {column['valid_to']} >= %s)"
        f" AND {column['partner_kpi']} IN ({ids_sql})"
        f" AND {column['valid_from']} <= %s"
        f" ORDER BY {column['partner_kpi']} ASC, {column['valid_from']} DESC, {column['id']} DESC"
    )
    params = (day, *ids_params, day)
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


def _pick_target(targets, day):
    in_force = [t for t in targets if t.in_force(day)]
    if not in_force:
        return None
    in_force.sort(key=lambda t: (t.horizon == Horizon.SHORT_TERM, t.valid_from, t.pk), reverse=True)
    return in_force[0]


def target_queryset() -> QuerySet:
    """All KPI targets with their KPI and partner KPI joined (e.g. to prefetch them); unscoped."""
    return KPITarget.objects.select_related("kpi", "partner_kpi__partner", "partner_kpi__kpi")


def partner_target_history(*, user, partner) -> QuerySet:
    """Every target of a partner's KPIs that the user may see, by horizon, newest first."""
    return (
        policy.scope(user, policy.VIEW, KPITarget)
        .filter(partner=partner)
        .select_related("created_by")
        .order_by("horizon", "-valid_from")
    )


def shared_targets_of(*, partner) -> QuerySet:
    """The targets of a partner's shared KPIs (what an agreement can commit to)."""
    return KPITarget.objects.filter(partner=partner, partner_kpi__shared=True).select_related(
        "kpi", "partner_kpi__partner", "partner_kpi__kpi"
    )


def with_current_targets(partner_kpis: QuerySet, *, day: date) -> QuerySet:
    """The partner KPIs with the targets in force on `day` as `current_targets`."""
    current = KPITarget.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day
    ).select_related("kpi")
    return partner_kpis.prefetch_related(Prefetch("targets", queryset=current, to_attr="current_targets"))


TARGET_ROW = ("pk", "partner_kpi_id", "horizon", "value", "warning", "critical", "valid_from", "valid_to")


def targets_json_sql(partner_kpi_column: str) -> str:
    """SQL of a partner KPI's targets as the text of one JSON array of TARGET_ROW arrays (NULL without targets),
    for `partner_kpi_column` (the outer query's partner KPI id): the scorecard reads them with its
    partner KPIs, in the same round trip, and picks the one in force with `target_in_force_of`."""
    column = {f.name: connection.ops.quote_name(f.column) for f in KPITarget._meta.concrete_fields}
    names = {"pk": "id", "partner_kpi_id": "partner_kpi"}
    parts = ", ".join(f"t.{column[names.get(name, name)]}" for name in TARGET_ROW)
    return (
        f"SELECT json_agg(json_build_array({parts}))::text FROM {connection.ops.quote_name(KPITarget._meta.db_table)} t"  # noqa: S608
        f" WHERE t.{column['partner_kpi']} = {partner_kpi_column}"
    )


def target_in_force_of(rows, day: date) -> TargetInForce | None:
    """The target in force on `day` among one partner KPI's target rows (TARGET_ROW, dates as ISO
    text or dates): `targets_in_force`'s choice, the short-term one before the long-term one, then
    the latest `valid_from`, then the latest created."""
    best = best_key = None
    short_term = Horizon.SHORT_TERM.value
    for row in rows or ():
        valid_from, valid_to = _to_date(row[6]), _to_date(row[7])
        if valid_from > day or (valid_to is not None and valid_to < day):
            continue
        key = (row[2] == short_term, valid_from, row[0])
        if best_key is None or key > best_key:
            best, best_key = row, key
    if best is None:
        return None
    pk, partner_kpi_id, horizon, value, warning, critical = best[:6]
    # JSON writes 4.0 as 4: the numbers as the float columns they are (the API shows 4.0).
    return TargetInForce(
        pk,
        partner_kpi_id,
        horizon,
        float(value),
        None if warning is None else float(warning),
        None if critical is None else float(critical),
        _to_date(best[6]),
    )
