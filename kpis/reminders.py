"""The "KPI figures missing" reminder: partner managers are asked for last month's figures, once a month."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications import selectors as outbox
from partnerportal.notifications.services import notify
from partners.selectors import people_of

from .models import Measurement, PartnerKPI

KIND_DATA_MISSING = "kpis.data_missing"


def remind_missing_data(*, today: date | None = None) -> int:
    """Ask partner managers to submit last month's figures for KPIs they submit themselves and that
    have data before (so a partner that never reported is not nagged by a new assignment).

    Once per partner and month, decided from the outbox: the first run of the month that finds the
    figures missing sends, whatever day it is (a run missed while the broker was down is caught
    up by the next one), and later runs of the month send nothing more."""
    today = today or timezone.localdate()
    month_end = today.replace(day=1) - timedelta(days=1)
    month_start = month_end.replace(day=1)
    total = 0
    assignments = PartnerKPI.objects.filter(
        shared=True, partner_can_submit=True, partner__is_active=True
    ).select_related("partner", "kpi")
    by_partner: dict = {}
    for a in assignments:
        has_history = Measurement.objects.filter(partner=a.partner, kpi=a.kpi, period_start__lt=month_start).exists()
        has_last = Measurement.objects.filter(
            partner=a.partner, kpi=a.kpi, period_start__gte=month_start, period_start__lte=month_end
        ).exists()
        if has_history and not has_last:
            by_partner.setdefault(a.partner, []).append(a.kpi)
    for partner, kpis in by_partner.items():
        key = f"kpi-missing:{partner.pk}:{month_start:%Y-%m}"
        if outbox.was_queued(key=key):
            continue  # this month's reminder went out already (to the managers of that day)
        total += len(
            notify(
                recipients=people_of(organization=partner, who=policy.partner_managers()),
                kind=KIND_DATA_MISSING,
                key=key,
                template="kpis/email/data_missing",
                context={
                    "partner": partner,
                    "kpis": kpis,
                    "month": month_start,
                    "url": absolute("partners:detail", partner.pk),
                },
                url=reverse("partners:detail", args=[partner.pk]),
                partner=partner,
            )
        )
    return total
