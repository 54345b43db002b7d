"""Critical breaches and successes, checked after every measurement write (form, import, API, loader).

Only the months touched by the write are recomputed (from the monthly rollup). A running month
alerts a critical breach only once its values cover RUNNING_MONTH_MIN_DAYS days, and says "so far".
Successes are judged on complete months only. A periodic task (kpis.tasks.judge_complete_month)
judges the last complete month again once it is over. Notifications go through the outbox with a key per event, so
each breach and each success is notified once however often a month is judged.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy

from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify
from partners.selectors import people_of, portal_users

from . import figures, periods
from .aggregation import aggregate
from .models import Measurement, MonthlyRollup, PartnerKPI, Success, SuccessKind, _tr
from .selectors import CRITICAL, _pick_target, status_of

STREAK = 3  # target value met (not just the on-target band) this many months in a row is a success
# A running month alerts only once its values cover this many days (1 bad day on the 1st is no month);
# the alert then says "so far" and up to which day. Too little data: judged again once it is complete.
RUNNING_MONTH_MIN_DAYS = 10
MIN_HISTORY_FOR_RECORD = 3  # a "new best" needs at least this many earlier months to beat
ALERT_CHUNK = 50  # partners whose monthly history is read in one query after a large write

KIND_BREACH = "kpis.breach"
KIND_SUCCESS = "kpis.success"


def recipients(partner_kpi: PartnerKPI) -> list:
    """The responsible people on both sides; without a named one, the managers of that side."""
    people = []
    if partner_kpi.responsible_host_id:
        people.append(partner_kpi.responsible_host)
    else:
        people.extend(portal_users(policy.warehouse_managers()))
    if partner_kpi.shared:
        if partner_kpi.responsible_partner_id:
            people.append(partner_kpi.responsible_partner)
        else:
            people.extend(people_of(organization=partner_kpi.partner, who=policy.partner_managers()))
    return people


def chart_url(partner_kpi: PartnerKPI) -> str:
    return absolute("kpis:chart", partner_kpi.pk)


def after_write(touched) -> None:
    """Check the months of the (partner_id, kpi_id, day) keys written."""
    months: dict[tuple[int, int], set[date]] = {}
    for partner_id, kpi_id, day in touched:
        months.setdefault((partner_id, kpi_id), set()).add(day.replace(day=1))
    if not months:
        return
    assignments = PartnerKPI.objects.select_related(
        "kpi", "partner", "responsible_host", "responsible_partner"
    ).prefetch_related("targets")
    pairs = list(months)
    partner_ids = sorted({p for p, _k in pairs})
    kpi_ids = {k for _p, k in pairs}
    found = list(assignments.filter(partner_id__in=partner_ids, kpi_id__in=kpi_ids))
    kpis = {a.kpi_id: a.kpi for a in found}
    end = periods.period_end("month", max(max(m) for m in months.values()))
    # The monthly history of every pair, read in a few queries (a day's load touches every
    # partner × KPI): at most a few hundred rollup rows per pair.
    for chunk_start in range(0, len(partner_ids), ALERT_CHUNK):
        chunk = set(partner_ids[chunk_start : chunk_start + ALERT_CHUNK])
        values = (
            aggregate(kpis=kpis, start=date(1900, 1, 1), end=end, partner_ids=chunk, granularity="month")
            if kpis
            else {}
        )
        series: dict[tuple[int, int], list] = {}
        for (partner_id, kpi_id, month), value in values.items():
            if value is not None:
                series.setdefault((partner_id, kpi_id), []).append((month, value))
        for assignment in found:
            if assignment.partner_id not in chunk:
                continue
            wanted = months.get((assignment.partner_id, assignment.kpi_id))
            if wanted:
                history = sorted(series.get((assignment.partner_id, assignment.kpi_id), []))
                check_partner_kpi(assignment, wanted, series=history)


def judge_complete_month(*, today: date | None = None) -> int:
    """Judge the most recent complete month of every partner KPI with data for it.

    A month whose last values were written while it was still running had its successes skipped
    then; this judges them once the month is over. Returns the number of (partner, KPI) judged.
    """
    today = today or timezone.localdate()
    month = periods.shift("month", today.replace(day=1), -1)
    pairs = MonthlyRollup.objects.filter(month=month).values_list("partner_id", "kpi_id")
    touched = {(partner_id, kpi_id, month) for partner_id, kpi_id in pairs}
    after_write(touched)
    return len(touched)


def check_partner_kpi(assignment: PartnerKPI, months: set[date], series: list) -> None:
    """Check the written `months` of one partner KPI against its sorted monthly (month, value) history."""
    kpi = assignment.kpi
    today = timezone.localdate()
    targets = list(assignment.targets.all())

    def status(month, value):
        target = _pick_target(targets, periods.period_end("month", month))
        if target is None:
            return None, None
        return target, status_of(
            higher_is_better=kpi.higher_is_better,
            actual=value,
            target=target.value,
            warning=target.warning,
            critical=target.critical,
        )

    def meets_target(month, value):
        # The target value itself, not the status band: a month between the target and the warning
        # threshold is "on target" on the pages but did not meet the target.
        target = _pick_target(targets, periods.period_end("month", month))
        if target is None:
            return False
        slack = 1e-9 * max(1.0, abs(target.value))  # a ratio equal to the target may come out a hair off
        return value >= target.value - slack if kpi.higher_is_better else value <= target.value + slack

    by_month = dict(series)
    for month in sorted(months):
        value = by_month.get(month)
        if value is None:
            continue
        target, state = status(month, value)
        if state == CRITICAL:
            month_end = periods.period_end("month", month)
            covered = None if month_end < today else data_until(assignment, month)
            if covered is None or covered >= month_end:
                _notify_breach(assignment, month, value, target)
            elif (covered - month).days + 1 >= RUNNING_MONTH_MIN_DAYS:
                _notify_breach(assignment, month, value, target, running=covered)
            # else: too little of a running month to judge; it is checked again with the next
            # values, and once complete by the periodic task (judge_complete_month).
        if periods.period_end("month", month) >= today:
            continue  # successes are judged on complete months only
        earlier = [v for m, v in series if m < month]
        if len(earlier) >= MIN_HISTORY_FOR_RECORD:
            best = max(earlier) if kpi.higher_is_better else min(earlier)
            if (kpi.higher_is_better and value > best) or (not kpi.higher_is_better and value < best):
                _record_success(assignment, SuccessKind.RECORD, month, value)
        if meets_target(month, value):
            streak = [month]
            cursor = periods.shift("month", month, -1)
            while cursor in by_month and meets_target(cursor, by_month[cursor]):
                streak.append(cursor)
                cursor = periods.shift("month", cursor, -1)
            # Record when the streak reaches N, keyed by its first month (so it is recorded once).
            if len(streak) >= STREAK:
                start = streak[-1]
                _record_success(assignment, SuccessKind.STREAK, start, value, streak_months=len(streak))


# The e-mails are rendered in each recipient's language: a standard KPI's name and unit are
# translated then, not now (custom KPIs are shown as entered).
_in_their_language = lazy(_tr, str)


def data_until(assignment: PartnerKPI, month: date) -> date:
    """The last day of `month` that the partner KPI's values cover (a week or month value covers its period)."""
    month_end = periods.period_end("month", month)
    latest = (
        Measurement.objects.filter(
            partner_id=assignment.partner_id, kpi_id=assignment.kpi_id, period_start__range=(month, month_end)
        )
        .order_by()
        .values("period_kind")
        .annotate(last=Max("period_start"))
    )
    ends = [
        last if kind == "day" else periods.period_end(kind, last)
        for kind, last in latest.values_list("period_kind", "last")
    ]
    return min(max(ends, default=month), month_end)


def _tell(assignment, month, value, *, notification, key, template, **context):
    """Notify the people of `assignment` about `month`: the e-mail has the partner, the KPI, its unit,
    the month's value and the chart link, and `context`."""
    kpi = assignment.kpi
    notify(
        recipients=recipients(assignment),
        kind=notification,
        key=key,
        template=template,
        context={
            "partner": assignment.partner.name,
            "kpi": _in_their_language(kpi.name),
            "unit": _in_their_language(kpi.unit),
            "month": f"{month:%Y-%m}",
            "value": figures.number(value, kpi.decimals),
            "url": chart_url(assignment),
            **context,
        },
        url=reverse("kpis:chart", args=[assignment.pk]),
        partner=assignment.partner if assignment.shared else None,
    )


def _notify_breach(assignment, month, value, target, *, running: date | None = None):
    """Notify a critical month once. `running`: the month is not over; its values cover up to that day."""
    _tell(
        assignment,
        month,
        value,
        notification=KIND_BREACH,
        key=f"kpi:breach:{assignment.pk}:{month:%Y-%m}",
        template="kpis/email/breach",
        critical=target.critical,
        target=target.value,
        running=running is not None,
        data_until=f"{running:%Y-%m-%d}" if running else "",
        days=(running - month).days + 1 if running else None,
        month_days=periods.period_end("month", month).day,
    )


def _record_success(assignment, kind, month, value, *, streak_months=None):
    kpi = assignment.kpi
    if kind == SuccessKind.RECORD:
        shown = figures.rounded(value, kpi.decimals)
        text = f"{kpi.name}: {shown} {kpi.unit} in {month:%Y-%m} is the best month so far"
    else:
        text = f"{kpi.name}: on target three months or more in a row since {month:%Y-%m}"
    try:
        with transaction.atomic():
            success, created = Success.objects.get_or_create(
                partner_kpi=assignment,
                kind=kind,
                period_kind="month",
                period_start=month,
                defaults={"partner_id": assignment.partner_id, "kpi_id": kpi.pk, "value": value, "text": text},
            )
    except IntegrityError:
        return
    if not created:
        return
    _tell(
        assignment,
        month,
        value,
        notification=KIND_SUCCESS,
        key=f"kpi:success:{success.pk}",
        template="kpis/email/success",
        kind=kind,
        months=streak_months,
    )
