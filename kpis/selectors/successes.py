"""Successes detected from the data that the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from partnerportal import policy

from ..models import Success


def successes_for(*, user, partner=None, since=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Success).select_related("partner", "kpi", "partner_kpi")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if since is not None:
        qs = qs.filter(period_start__gte=since)
    return qs.order_by("-period_start", "-detected_at")
