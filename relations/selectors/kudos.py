"""Reads of kudos people wrote and of the successes the kpis app detects in the data."""

from functools import cache

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kpis import figures
from kpis import selectors as kpi_selectors
from partnerportal import policy

from ..models import Kudos

SUCCESS_LABELS = {
    "record": _("Best month so far"),
    "streak": _("On target several months in a row"),
}
RECORDS_SHOWN = 24  # the months listed when a grouped success is opened


def _day(when):
    return when.date() if hasattr(when, "date") and callable(when.date) else when


def detected_groups(*, user, partner=None, since=None, limit=20) -> list[dict]:
    """The successes detected in KPI data, one group per partner, KPI and kind ("Best month so far ×3,
    latest November 2026") holding its newest records, the most recent group first. Counted and
    ordered in SQL; the records are read for the groups shown only, at most RECORDS_SHOWN each."""
    if since is not None and hasattr(since, "date") and callable(since.date):
        since = since.date()
    heads, by_group = _detected_rows(user=user, partner=partner, since=since, limit=limit)
    groups = []
    for head in heads:
        items = by_group.get((head["partner_id"], head["kpi_id"], head["kind"]), [])
        if not items:
            continue
        first = items[0]
        kind = head["kind"]
        groups.append(
            {
                "kind": "kpi",
                "title": first.kpi.display_name,
                "label": SUCCESS_LABELS.get(kind, ""),
                "detail": "",
                "date": _day(head["latest"]),
                "by": None,
                "partner": first.partner,
                "url": first.get_absolute_url(),
                "count": head["count"],
                "records": [
                    {
                        "date": item.period_start,
                        "title": str(item.title),
                        "value": f"{figures.shown(item.value, item.kpi.decimals)} {item.kpi.display_unit}".strip()
                        if kind == "record"
                        else "",
                    }
                    for item in items
                ],
            }
        )
    return groups


def successes(*, user, partner=None, since=None, limit=20, per_kind=False) -> list[dict]:
    """Kudos people wrote (newest first), then the successes detected in KPI data, grouped: one entry
    per partner, KPI and kind ("Best month so far ×3, latest November 2026") holding its records,
    the most recent group first (`detected_groups`). The automatic records come every month; grouped
    and after the kudos, they no longer bury what people wrote. `limit` counts kudos and groups
    (`per_kind`: up to `limit` of each)."""
    kudos = policy.scope(user, policy.VIEW, Kudos).select_related("partner", "given_by")
    if partner is not None:
        kudos = kudos.filter(partner=partner)
    if since is not None:
        kudos = kudos.filter(given_at__gte=since)
    items = [
        {
            "kind": "kudos",
            "title": k.title,
            "detail": k.message,
            "date": timezone.localdate(k.given_at),
            "by": k.given_by,
            "partner": k.partner,
        }
        for k in kudos[:limit]
    ]
    detected = detected_groups(user=user, partner=partner, since=since, limit=limit)
    if per_kind:
        return items + detected
    return (items + detected)[:limit]


def api_kudos(*, user) -> QuerySet:
    """The API's kudos: those the user may see, with who gave them."""
    return policy.scope(user, policy.VIEW, Kudos.objects.select_related("given_by"))


def _detected_rows(*, user, partner, since, limit):
    """The groups (partner, KPI, kind: count, latest month, latest detection; the newest first, at most
    `limit`) of the successes `user` may see (kpis.selectors.successes_for, whose query is the
    statement's first step), and at most RECORDS_SHOWN records of each, newest first, with their partner
    and KPI. One plain SQL query around it: the ORM took longer to build the two it replaces (the groups;
    the records ranked per group by a window) than PostgreSQL to run them."""
    Organization, Success, KPIDefinition = _success_models()  # noqa: N806 (model classes)
    q = connection.ops.quote_name
    success_cols = ["id", "partner_id", "kpi_id", "partner_kpi_id", "kind", "period_kind", "period_start", "value"]
    success_cols += ["text", "detected_at"]
    # The successes the user may see: kpis.selectors.successes_for's own query (its access rule, the
    # partner and the period), as the first step of the statement.
    found = kpi_selectors.successes_for(user=user, partner=partner, since=since)
    try:
        found_sql, params = found.order_by().values_list(*success_cols).query.sql_with_params()
    except EmptyResultSet:
        return [], {}
    org_fields = [f.attname for f in Organization._meta.concrete_fields]
    kpi_fields = [f.attname for f in KPIDefinition._meta.concrete_fields]
    org_cols = [f.column for f in Organization._meta.concrete_fields]
    kpi_cols = [f.column for f in KPIDefinition._meta.concrete_fields]
    sql = (
        f"WITH found ({', '.join(q(c) for c in success_cols)}) AS MATERIALIZED ({found_sql}"
        "), heads AS MATERIALIZED ("
        " SELECT partner_id, kpi_id, kind, COUNT(id) AS n, MAX(period_start) AS latest, MAX(detected_at) AS noticed"
        " FROM found GROUP BY partner_id, kpi_id, kind"
        " ORDER BY latest DESC, noticed DESC, partner_id, kpi_id, kind LIMIT %s"
        "), ranked AS ("
        " SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.partner_id, f.kpi_id, f.kind"
        " ORDER BY f.period_start DESC, f.detected_at DESC) AS rank"
        " FROM found f JOIN heads h ON h.partner_id = f.partner_id AND h.kpi_id = f.kpi_id AND h.kind = f.kind"
        ")"
        f" SELECT h.n, h.latest, {', '.join('r.' + q(c) for c in success_cols)},"
        f" {', '.join('o.' + q(c) for c in org_cols)}, {', '.join('k.' + q(c) for c in kpi_cols)}"
        " FROM heads h JOIN ranked r ON r.partner_id = h.partner_id AND r.kpi_id = h.kpi_id AND r.kind = h.kind"
        f" JOIN {q(Organization._meta.db_table)} o ON o.id = h.partner_id"
        f" JOIN {q(KPIDefinition._meta.db_table)} k ON k.id = h.kpi_id"
        " WHERE r.rank <= %s"
        " ORDER BY h.latest DESC, h.noticed DESC, h.partner_id, h.kpi_id, h.kind, r.rank"
    )
    params = [*params, limit, RECORDS_SHOWN]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    heads, by_group, partners, kpis = [], {}, {}, {}
    n_s, n_o = len(success_cols), len(org_cols)
    db = connection.alias
    for row in fetched:
        values = row[2 : 2 + n_s]
        key = (values[1], values[2], values[4])
        if key not in by_group:
            heads.append({"partner_id": key[0], "kpi_id": key[1], "kind": key[2], "count": row[0], "latest": row[1]})
            by_group[key] = []
        if key[0] not in partners:
            partners[key[0]] = Organization.from_db(db, org_fields, row[2 + n_s : 2 + n_s + n_o])
        if key[1] not in kpis:
            kpis[key[1]] = KPIDefinition.from_db(db, kpi_fields, row[2 + n_s + n_o :])
        item = Success.from_db(db, success_cols, values)
        item.partner = partners[key[0]]
        item.kpi = kpis[key[1]]
        by_group[key].append(item)
    return heads, by_group


@cache
def _success_models():
    """The partner, success and KPI models, reached through the kudos' foreign key (other apps' models
    are not imported here)."""
    organization = Kudos._meta.get_field("partner").related_model
    success = organization._meta.get_field("kpi_successes").related_model
    return (
        organization,
        success,
        success._meta.get_field("kpi").related_model,
    )
