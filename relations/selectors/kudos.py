"""Reads of kudos people wrote and of the successes the kpis app detects in the data."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kpis import figures
from kpis import selectors as kpi_selectors
from partnerportal import policy

from ..models import Kudos

MAX_DETECTED_SUCCESSES = 2000  # grouped per partner and KPI on the pages; a bound, not a page size


def detected_successes(*, user, partner=None, since=None) -> list[dict]:
    """KPI successes (kpis.selectors.successes_for, already policy-scoped), newest first, as dicts:
    title, detail, date, partner, and for grouping kind ("record", "streak"), kpi (its name in the
    reader's language), value (shown with its unit) and url (the KPI's chart)."""
    if since is not None and hasattr(since, "date") and callable(since.date):
        since = since.date()
    return [
        {
            "title": str(item.title),
            "detail": "",
            "date": item.date,
            "partner": item.partner,
            "kind": item.kind,
            "kpi": item.kpi.display_name,
            "kpi_id": item.kpi_id,
            "value": f"{figures.shown(item.value, item.kpi.decimals)} {item.kpi.display_unit}".strip(),
            "url": item.get_absolute_url(),
        }
        for item in kpi_selectors.successes_for(user=user, partner=partner, since=since)[:MAX_DETECTED_SUCCESSES]
    ]


SUCCESS_LABELS = {
    "record": _("Best month so far"),
    "streak": _("On target several months in a row"),
}
RECORDS_SHOWN = 24  # the months listed when a grouped success is opened


def _day(when):
    return when.date() if hasattr(when, "date") and callable(when.date) else when


def successes(*, user, partner=None, since=None, limit=20, per_kind=False) -> list[dict]:
    """Kudos people wrote (newest first), then the successes detected in KPI data, grouped: one entry
    per partner, KPI and kind ("Best month so far ×3, latest November 2026") holding its records,
    the most recent group first. The automatic records come every month; grouped and after the
    kudos, they no longer bury what people wrote. `limit` counts kudos and groups (`per_kind`: up to
    `limit` of each)."""
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
    groups: dict[tuple, dict] = {}
    for success in detected_successes(user=user, partner=partner, since=since):
        when = _day(success.get("date"))
        found = success.get("partner")
        kind = success.get("kind", "")
        key = (getattr(found, "pk", None), success.get("kpi_id") or success["title"], kind)
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "kind": "kpi",
                "title": success.get("kpi") or success["title"],
                "label": SUCCESS_LABELS.get(kind, ""),
                "detail": "",
                "date": when,  # the latest record (detected_successes lists the newest first)
                "by": None,
                "partner": found,
                "url": success.get("url", ""),
                "count": 0,
                "records": [],
            }
        group["count"] += 1
        if len(group["records"]) < RECORDS_SHOWN:
            group["records"].append(
                {"date": when, "title": success["title"], "value": success.get("value", "") if kind == "record" else ""}
            )
    newest = timezone.localdate()
    detected = sorted(groups.values(), key=lambda g: (g["date"] is not None, g["date"] or newest), reverse=True)
    if per_kind:
        return items + detected[:limit]
    return (items + detected)[:limit]


def api_kudos(*, user) -> QuerySet:
    """The API's kudos: those the user may see, with who gave them."""
    return policy.scope(user, policy.VIEW, Kudos.objects.select_related("given_by"))
