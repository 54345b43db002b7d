"""Measurements the user may see, and the latest day with data."""

from __future__ import annotations

from datetime import date

from django.db.models import Max, QuerySet, Subquery, Value

from partnerportal import policy

from ..models import Measurement, MonthlyRollup


def measurements_for(*, user, partner=None, kpi=None, start=None, end=None, site=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Measurement).select_related("partner", "kpi", "site", "entered_by")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if kpi is not None:
        qs = qs.filter(kpi=kpi)
    if start is not None:
        qs = qs.filter(period_start__gte=start)
    if end is not None:
        qs = qs.filter(period_start__lte=end)
    if site is not None:
        qs = qs.filter(site=site)
    return qs.order_by("-period_start", "kpi__name", "site__code")


def measurement_detail(*, user, pk) -> Measurement:
    """One measurement the user may see (404 out of reach: another partner's, an internal KPI's)."""
    return policy.get_object(user, policy.VIEW, Measurement, pk=pk)


def all_measurements() -> QuerySet:
    """Every measurement with its KPI and site, not yet restricted by the access policy (the API scopes it)."""
    return Measurement.objects.select_related("kpi", "site")


def latest_data_day(*, partner_ids=None) -> date | None:
    """The latest day with data: the max of the latest month only (an index, not a full scan).

    `Max` rather than `ORDER BY month DESC LIMIT 1`: for one partner the latter walks the month
    index backwards through every other partner's rows, all of them for a partner without data.
    """
    qs = MonthlyRollup.objects.all()
    if partner_ids is not None:
        qs = qs.filter(partner_id__in=list(partner_ids))
    # One round trip: the latest month as a subquery (no rows: NULL, which matches nothing: None).
    latest_month = qs.order_by().values(one=Value(1)).annotate(month=Max("month")).values("month")
    return qs.filter(month=Subquery(latest_month)).aggregate(last=Max("last_start"))["last"]
