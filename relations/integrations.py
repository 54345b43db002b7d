"""What relations/views.py, relations/selectors.py and relations/api/ still read through here; they
are being rewritten to import the kpis and meetings selectors directly, and this module then goes."""

from __future__ import annotations

from datetime import datetime

from django.apps import apps

from kpis import figures
from kpis import selectors as kpi_selectors

MAX_DETECTED_SUCCESSES = 2000  # grouped per partner and KPI on the pages; a bound, not a page size


def model_or_none(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def action_item_model():
    return model_or_none("meetings.ActionItem")


def detected_successes(*, user, partner=None, since=None) -> list[dict]:
    """KPI successes (kpis.selectors.successes_for, already policy-scoped), newest first, as dicts:
    title, detail, date, partner, and for grouping kind ("record", "streak"), kpi (its name in the
    reader's language), value (shown with its unit) and url (the KPI's chart)."""
    if isinstance(since, datetime):
        since = since.date()
    items = []
    for success in kpi_selectors.successes_for(user=user, partner=partner, since=since)[:MAX_DETECTED_SUCCESSES]:
        kpi = success.kpi
        items.append(
            {
                "title": str(success.title),
                "detail": "",
                "date": success.date,
                "partner": success.partner,
                "kind": success.kind,
                "kpi": kpi.display_name,
                "kpi_id": success.kpi_id,
                "value": f"{figures.shown(success.value, kpi.decimals)} {kpi.display_unit}".strip(),
                "url": success.get_absolute_url(),
            }
        )
    return items
