"""Successes detected from the data that the user may see."""

from __future__ import annotations

from django.db import router
from django.db.models import QuerySet

from partnerportal import policy
from partnerportal.compiled import CompiledQuery, instance

from ..models import KPIDefinition, Success


def successes_for(*, user, partner=None, since=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Success).select_related("partner", "kpi", "partner_kpi")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if since is not None:
        qs = qs.filter(period_start__gte=since)
    return qs.order_by("-period_start", "-detected_at")


# The partner hub's successes (issue 16): the newest few of `successes_for()`, each able to describe
# itself (kind, value, month and its KPI's name, unit and decimals: no other field, no other query).
# `successes_for()`'s SQL is compiled once per shape of reader (partnerportal.compiled): building it
# cost more than running it.
HUB_SUCCESS_ROW = ("id", "kind", "value", "period_start", "kpi_id", "kpi__name", "kpi__unit", "kpi__decimals")
HUB_SUCCESSES = 5


def _hub_successes(*, user, ids, now=None) -> QuerySet:
    rows = successes_for(user=user, partner=ids["partner"]).select_related(None).values_list(*HUB_SUCCESS_ROW)
    return rows[:HUB_SUCCESSES]


_HUB_SUCCESSES = CompiledQuery(_hub_successes, Success)


def hub_successes(*, user, partner) -> list[Success]:
    """The partner's newest successes the user may see (at most HUB_SUCCESSES), newest first."""
    alias = router.db_for_read(Success)
    found = []
    for row in _HUB_SUCCESSES.rows(user=user, ids={"partner": partner.pk}):
        data = dict(zip(HUB_SUCCESS_ROW, row, strict=True))
        success = instance(Success, data, alias)
        kpi = {name.removeprefix("kpi__"): value for name, value in data.items() if name.startswith("kpi__")}
        success.kpi = instance(KPIDefinition, {"id": data["kpi_id"], **kpi}, alias)
        found.append(success)
    return found
