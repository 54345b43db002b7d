"""Reads of kudos people wrote and of the successes the kpis app detects in the data."""

from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
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
    found = kpi_selectors.successes_for(user=user, partner=partner, since=since)
    heads = list(
        found.order_by()
        .values("partner_id", "kpi_id", "kind")
        .annotate(count=Count("id"), latest=Max("period_start"), noticed=Max("detected_at"))
        .order_by("-latest", "-noticed", "partner_id", "kpi_id", "kind")[:limit]
    )
    if not heads:
        return []
    wanted = Q()
    for head in heads:
        wanted |= Q(partner_id=head["partner_id"], kpi_id=head["kpi_id"], kind=head["kind"])
    newest_first = [F("period_start").desc(), F("detected_at").desc()]
    records = (
        found.filter(wanted)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("partner_id"), F("kpi_id"), F("kind")], order_by=newest_first)
        )
        .filter(rank__lte=RECORDS_SHOWN)
    )
    by_group: dict[tuple, list] = {}
    for item in records:
        by_group.setdefault((item.partner_id, item.kpi_id, item.kind), []).append(item)
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
