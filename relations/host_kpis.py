"""KPIs about the host that the portal computes from its own records (KPIDefinition.measured_from = portal).

Today one: the host's response time to the partner's notices and cases (kpis.standard.HOST_RESPONSE_TIME):
the hours from the partner posting a notice (raising a case) until the host acknowledged it. Each month
holds one measurement per partner: the average hours of the notices and cases acknowledged that month
(in the portal's time zone) as its value and their number as its sample size, so any longer period,
aggregated by kpis.aggregation as a weighted average, is exactly the plain average of every answer.
A month without answers has no measurement ("no data", never 0).

Written through kpis.services.computed_months_write (the same validation, rollup refresh and alerts as
the form, the import and the API), so the scorecard, the API, the export and the agenda agree:
- at once, inside the writer's transaction, when a notice or case of the partner's side is acknowledged
  (`acknowledged`, connected by `connect()`);
- by the periodic task "Relations: host KPIs from portal data" (`refresh_all`), over the last months,
  which also catches up after a deletion or a failed write.
Idempotent: the same records give the same figures, and writing them again changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from kpis import selectors as kpi_selectors
from kpis import services as kpi_services
from kpis.standard import HOST_RESPONSE_TIME

from .models import Case, Notice
from .models.base import Side

logger = logging.getLogger(__name__)

REFRESH_MONTHS = 3  # the periodic task recomputes this month and the two before


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in the portal's time zone."""
    tz = timezone.get_default_timezone()
    first = month.replace(day=1)
    start = timezone.make_aware(datetime.combine(first, time.min), tz)
    end = timezone.make_aware(datetime.combine(first + relativedelta(months=1), time.min), tz)
    return start, end


def response_hours(*, partner_id: int, month: date) -> list[float]:
    """The host's response times (hours) to the partner's notices and cases acknowledged in `month`."""
    start, end = month_bounds(month)
    hours = []
    for model, opened in ((Notice, "posted_at"), (Case, "raised_at")):
        rows = model.objects.filter(
            partner_id=partner_id, side=Side.PARTNER, acknowledged_at__gte=start, acknowledged_at__lt=end
        ).values_list(opened, "acknowledged_at")
        hours += [max(0.0, (acked - at).total_seconds() / 3600) for at, acked in rows]
    return hours


def response_time_figures(*, partner_id: int, month: date) -> tuple[float, int] | None:
    """(average hours, number of answers) of the month, or None without answers."""
    hours = response_hours(partner_id=partner_id, month=month)
    if not hours:
        return None
    return sum(hours) / len(hours), len(hours)


def refresh_response_time(*, partner, months) -> bool:
    """Write the response-time measurements of these months for one partner, if the KPI is assigned to it.
    Returns whether anything was written (False: not assigned)."""
    assignment = kpi_selectors.computed_assignments(code=HOST_RESPONSE_TIME, partner=partner).first()
    if assignment is None:
        return False
    today = timezone.localdate()
    figures = {
        month.replace(day=1): response_time_figures(partner_id=partner.pk, month=month)
        for month in months
        if month.replace(day=1) <= today
    }
    kpi_services.computed_months_write(partner=partner, kpi=assignment.kpi, months=figures)
    return True


def refresh_all(*, today: date | None = None, months: int = REFRESH_MONTHS) -> int:
    """The periodic task: every partner with the KPI assigned, the last `months` months. Returns the number
    of partners refreshed; one that fails is logged and does not stop the others."""
    today = today or timezone.localdate()
    current = today.replace(day=1)
    span = [current - relativedelta(months=i) for i in range(months - 1, -1, -1)]
    done = 0
    for assignment in kpi_selectors.computed_assignments(code=HOST_RESPONSE_TIME).filter(partner__is_active=True):
        try:
            with transaction.atomic():
                refresh_response_time(partner=assignment.partner, months=span)
            done += 1
        except Exception:
            logger.exception("Could not compute the host KPIs of partner %s", assignment.partner_id)
    return done


def acknowledged(sender, instance, raw=False, update_fields=None, **kwargs):
    """A notice or case of the partner's side was acknowledged (or saved since): recompute the month of
    its acknowledgement in the same transaction, under a savepoint, so that a failure here is logged and
    never undoes the acknowledgement (the periodic task catches up)."""
    if raw or instance.acknowledged_at is None or instance.side != Side.PARTNER:
        return
    if update_fields is not None and "acknowledged_at" not in update_fields:
        return
    month = timezone.localtime(instance.acknowledged_at).date().replace(day=1)
    try:
        with transaction.atomic():
            refresh_response_time(partner=instance.partner, months=[month])
    except Exception:
        logger.exception("Could not compute the host response time of partner %s", instance.partner_id)


def connect():
    for model in (Notice, Case):
        post_save.connect(acknowledged, sender=model, dispatch_uid=f"relations-host-kpis-{model._meta.label}")
