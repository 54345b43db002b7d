"""Critical breaches and successes, checked after every measurement write (form, import, API, loader).

Only the months touched by the write are recomputed (from the monthly rollup). A running month
alerts a critical breach only once its values cover RUNNING_MONTH_MIN_DAYS days, and says "so far".
Successes are judged on complete months only. A periodic task (kpis.tasks.judge_complete_month)
judges the last complete month again once it is over. Notifications go through the outbox with a key per event, so
each breach and each success is notified once however often a month is judged.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy

from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify_many
from partners.selectors import Organization, OrganizationKind, partner_queryset, people_of, portal_users

from . import figures, periods
from .aggregation import aggregate
from .models import KPIDefinition, KPITarget, Measurement, MonthlyRollup, PartnerKPI, Success, SuccessKind, _tr
from .selectors import CRITICAL, status_of
from .selectors.targets import TARGET_ROW, target_in_force_of

STREAK = 3  # target value met (not just the on-target band) this many months in a row is a success
# A running month alerts only once its values cover this many days (1 bad day on the 1st is no month);
# the alert then says "so far" and up to which day. Too little data: judged again once it is complete.
RUNNING_MONTH_MIN_DAYS = 10
MIN_HISTORY_FOR_RECORD = 3  # a "new best" needs at least this many earlier months to beat
ALERT_CHUNK = 50  # partners whose monthly history is read in one query after a large write

KIND_BREACH = "kpis.breach"
KIND_SUCCESS = "kpis.success"


def recipients(partner_kpi: PartnerKPI, people: _People | None = None) -> list:
    """The responsible people on both sides; without a named one, the managers of that side.
    `people`: the managers read once for a whole write (after_write), else read here."""
    people = people or _People()
    found = []
    if partner_kpi.responsible_host_id:
        found.append(people.responsible(partner_kpi, "responsible_host"))
    else:
        found.extend(people.host_managers())
    if partner_kpi.shared:
        if partner_kpi.responsible_partner_id:
            found.append(people.responsible(partner_kpi, "responsible_partner"))
        else:
            found.extend(people.partner_managers(partner_kpi.partner))
    return found


class _People:
    """The people to tell, read at most once per write and only when something is told: the responsible
    people named on the `assignments` in one query, the managers who stand in for a missing one (the
    host's warehouse managers in one query, the partner managers of all the partners `wanted` in one)."""

    def __init__(self, wanted_partners=(), assignments=()):
        self._host = None
        self._wanted = {p.pk: p for p in wanted_partners}
        self._partners: dict[int, list] | None = None
        self._assignments = assignments
        self._named: dict | None = None

    def responsible(self, partner_kpi: PartnerKPI, side: str):
        """The person named on `side` ("responsible_host" or "responsible_partner") of the assignment."""
        field = PartnerKPI._meta.get_field(side)
        if field.is_cached(partner_kpi) or not self._assignments:
            return getattr(partner_kpi, side)
        if self._named is None:
            ids = {
                getattr(a, f"{name}_id")
                for a in self._assignments
                for name in ("responsible_host", "responsible_partner")
                if getattr(a, f"{name}_id")
            }
            self._named = portal_users().in_bulk(ids) if ids else {}
        person = self._named.get(getattr(partner_kpi, field.attname))
        return person if person is not None else getattr(partner_kpi, side)

    def host_managers(self) -> list:
        if self._host is None:
            self._host = list(portal_users(policy.warehouse_managers()))
        return self._host

    def partner_managers(self, partner) -> list:
        if partner.pk not in self._wanted:
            return list(people_of(organization=partner, who=policy.partner_managers()))
        if self._partners is None:
            self._partners = {}
            for person in portal_users(policy.partner_managers()).filter(organization_id__in=list(self._wanted)):
                self._partners.setdefault(person.organization_id, []).append(person)
        return self._partners.get(partner.pk, [])


def _month_end(month: date) -> date:
    """The last day of the month that starts on `month` (periods.period_end, without its relativedelta:
    the checks ask it a few times per written month)."""
    return month.replace(day=monthrange(month.year, month.month)[1])


def chart_url(partner_kpi: PartnerKPI) -> str:
    return absolute("kpis:chart", partner_kpi.pk)


def after_write(touched, *, known=()) -> None:
    """Check the months of the (partner_id, kpi_id, day) keys written, in one pass over all of them.

    A constant number of queries however many rows were written (per ALERT_CHUNK partners): the
    assignments with their targets, the monthly values (the whole history only of pairs with a complete
    month written, which successes are judged on; the running month alone for the others), how far a
    critical running month's values reach, the stand-in recipients, and one insert of all the
    notifications (notify_many). Only a new success is written one by one (rare; its save is heard by
    the partner timeline).

    `known`: the assignments, KPI definitions and partner organisations
    the writer has read already (the written items'), used instead of reading them again; the others
    are read here.
    """
    months: dict[tuple[int, int], set[date]] = {}
    for partner_id, kpi_id, day in touched:
        months.setdefault((partner_id, kpi_id), set()).add(day.replace(day=1))
    if not months:
        return
    # The assignments (their responsible people read only if someone is told: _People); their KPIs,
    # partners and targets in one query each
    # (a few KPIs and partners are shared by many assignments: one object each).
    given = {(a.partner_id, a.kpi_id): a for a in known if isinstance(a, PartnerKPI)}
    if months.keys() <= given.keys():
        found = [given[pair] for pair in sorted(months)]
    else:
        found = [
            a
            for a in PartnerKPI.objects.filter(
                partner_id__in=sorted({p for p, _k in months}), kpi_id__in={k for _p, k in months}
            ).order_by("partner_id", "kpi_id")
            if (a.partner_id, a.kpi_id) in months
        ]
    if not found:
        return
    kpis = {k.pk: k for k in known if isinstance(k, KPIDefinition)}
    partners = {p.pk: p for p in known if isinstance(p, Organization) and p.kind != OrganizationKind.HOST}
    if missing := {a.kpi_id for a in found} - kpis.keys():
        kpis.update(KPIDefinition.objects.in_bulk(missing))
    if missing := {a.partner_id for a in found} - partners.keys():
        partners.update(partner_queryset().in_bulk(missing))
    targets: dict[int, list] = {a.pk: [] for a in found}
    # Plain rows (TARGET_ROW), not model instances: a write checks every assignment it touches.
    for row in KPITarget.objects.filter(partner_kpi_id__in=list(targets)).values_list(*TARGET_ROW).order_by():
        targets[row[1]].append(row)
    for a in found:
        a.kpi = kpis[a.kpi_id]
        if a.partner_id in partners:  # (else read when needed)
            a.partner = partners[a.partner_id]
    today = timezone.localdate()
    running = today.replace(day=1)  # the month that is not over; successes wait for complete months
    by_pair = {(a.partner_id, a.kpi_id): a for a in found}
    with_history = {pair for pair in by_pair if min(months[pair]) < running}
    series: dict[tuple[int, int], list] = {}
    if with_history:
        last = max(max(months[pair]) for pair in with_history)
        _read_series(series, [by_pair[pair] for pair in with_history], date(1900, 1, 1), last)
    if len(with_history) < len(by_pair):
        _read_series(series, [a for pair, a in by_pair.items() if pair not in with_history], running, running)
    for history in series.values():
        history.sort()
    # How far the values of each critical running month reach, in one query for all of them.
    critical_running = set()
    for a in found:
        pair = (a.partner_id, a.kpi_id)
        for month in months[pair]:
            if _month_end(month) >= today:
                value = dict(series.get(pair, [])).get(month)
                if _status(a, targets[a.pk], month, value)[1] == CRITICAL:
                    critical_running.add((*pair, month))
    covered = _data_until_many(critical_running)
    notices: list[dict] = []
    people = _People({a.partner for a in found if a.shared and not a.responsible_partner_id}, found)
    for assignment in found:
        pair = (assignment.partner_id, assignment.kpi_id)
        check_partner_kpi(
            assignment,
            months[pair],
            series=series.get(pair, []),
            targets=targets[assignment.pk],
            covered=covered,
            notices=notices,
            people=people,
            today=today,
        )
    notify_many(notices)


def _read_series(series: dict, assignments: list, first: date, last: date) -> None:
    """Add the monthly (month, value) of the assignments' pairs from `first` to `last`'s month to `series`
    (from the rollup: one query, and one for 'last value' KPIs, per ALERT_CHUNK partners)."""
    end = _month_end(last)
    pairs = {(a.partner_id, a.kpi_id) for a in assignments}
    partner_ids = sorted({p for p, _k in pairs})
    for at in range(0, len(partner_ids), ALERT_CHUNK):
        chunk = set(partner_ids[at : at + ALERT_CHUNK])
        kpis = {a.kpi_id: a.kpi for a in assignments if a.partner_id in chunk}
        values = aggregate(kpis=kpis, start=first, end=end, partner_ids=chunk, granularity="month")
        for (partner_id, kpi_id, month), value in values.items():
            if value is not None and (partner_id, kpi_id) in pairs:
                series.setdefault((partner_id, kpi_id), []).append((month, value))


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


def _status(assignment: PartnerKPI, targets: list, month: date, value):
    """(target, status) of a month's value against the target in force at the month's end."""
    if value is None:
        return None, None
    target = target_in_force_of(targets, _month_end(month))
    if target is None:
        return None, None
    return target, status_of(
        higher_is_better=assignment.kpi.higher_is_better,
        actual=value,
        target=target.value,
        warning=target.warning,
        critical=target.critical,
    )


def check_partner_kpi(
    assignment: PartnerKPI,
    months: set[date],
    series: list,
    *,
    targets: list | None = None,
    covered: dict | None = None,
    notices: list | None = None,
    people: _People | None = None,
    today: date | None = None,
) -> None:
    """Check the written `months` of one partner KPI against its sorted monthly (month, value) history.

    `targets`: the assignment's targets (else read here); `covered`: {(partner_id, kpi_id, month): day}
    of the critical running months (else data_until asks);
    `notices`: collects the notifications for one notify_many (else each is queued at once);
    `today`: the caller's (else read here)."""
    kpi = assignment.kpi
    today = today or timezone.localdate()
    targets = list(assignment.targets.all()) if targets is None else targets
    tell = _Teller(notices, people)

    def meets_target(month, value):
        # The target value itself, not the status band: a month between the target and the warning
        # threshold is "on target" on the pages but did not meet the target.
        target = target_in_force_of(targets, _month_end(month))
        if target is None:
            return False
        slack = 1e-9 * max(1.0, abs(target.value))  # a ratio equal to the target may come out a hair off
        return value >= target.value - slack if kpi.higher_is_better else value <= target.value + slack

    by_month = dict(series)
    for month in sorted(months):
        value = by_month.get(month)
        if value is None:
            continue
        target, state = _status(assignment, targets, month, value)
        if state == CRITICAL:
            month_end = _month_end(month)
            if month_end < today:
                until = None
            elif covered is not None and (assignment.partner_id, assignment.kpi_id, month) in covered:
                until = covered[(assignment.partner_id, assignment.kpi_id, month)]
            else:
                until = data_until(assignment, month)
            if until is None or until >= month_end:
                _notify_breach(tell, assignment, month, value, target)
            elif (until - month).days + 1 >= RUNNING_MONTH_MIN_DAYS:
                _notify_breach(tell, assignment, month, value, target, running=until)
            # else: too little of a running month to judge; it is checked again with the next
            # values, and once complete by the periodic task (judge_complete_month).
        if _month_end(month) >= today:
            continue  # successes are judged on complete months only
        earlier = [v for m, v in series if m < month]
        if len(earlier) >= MIN_HISTORY_FOR_RECORD:
            best = max(earlier) if kpi.higher_is_better else min(earlier)
            if (kpi.higher_is_better and value > best) or (not kpi.higher_is_better and value < best):
                _record_success(tell, assignment, SuccessKind.RECORD, month, value)
        if meets_target(month, value):
            streak = [month]
            cursor = periods.shift("month", month, -1)
            while cursor in by_month and meets_target(cursor, by_month[cursor]):
                streak.append(cursor)
                cursor = periods.shift("month", cursor, -1)
            # Record when the streak reaches N, keyed by its first month (so it is recorded once).
            if len(streak) >= STREAK:
                start = streak[-1]
                _record_success(tell, assignment, SuccessKind.STREAK, start, value, streak_months=len(streak))
    tell.done()


# The e-mails are rendered in each recipient's language: a standard KPI's name and unit are
# translated then, not now (custom KPIs are shown as entered).
_in_their_language = lazy(_tr, str)


def data_until(assignment: PartnerKPI, month: date) -> date:
    """The last day of `month` that the partner KPI's values cover (a week or month value covers its period)."""
    month_end = _month_end(month)
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


def _data_until_many(keys) -> dict[tuple[int, int, date], date]:
    """data_until() of many (partner_id, kpi_id, month) keys in one query."""
    if not keys:
        return {}
    first = min(month for _p, _k, month in keys)
    last = _month_end(max(month for _p, _k, month in keys))
    latest = (
        Measurement.objects.filter(
            partner_id__in={p for p, _k, _m in keys},
            kpi_id__in={k for _p, k, _m in keys},
            period_start__range=(first, last),
        )
        .annotate(month=TruncMonth("period_start"))
        .order_by()
        .values_list("partner_id", "kpi_id", "month", "period_kind")
        .annotate(last=Max("period_start"))
    )
    ends: dict[tuple[int, int, date], list[date]] = {}
    for partner_id, kpi_id, month, kind, latest_start in latest:
        month = month.date() if hasattr(month, "date") else date.fromisoformat(str(month)[:10])
        ends.setdefault((partner_id, kpi_id, month), []).append(
            latest_start if kind == "day" else periods.period_end(kind, latest_start)
        )
    return {
        (p, k, month): min(max(ends.get((p, k, month), []), default=month), _month_end(month)) for p, k, month in keys
    }


class _Teller:
    """Queues the notifications of one check: into `notices` for one notify_many by the caller, or at
    once (notices=None, a single check)."""

    def __init__(self, notices: list | None, people: _People | None):
        self.notices = [] if notices is None else notices
        self.now = notices is None
        self.people = people

    def __call__(self, assignment, month, value, *, notification, key, template, **context):
        """Notify the people of `assignment` about `month`: the e-mail has the partner, the KPI, its unit,
        the month's value and the chart link, and `context`."""
        kpi = assignment.kpi
        self.notices.append(
            {
                "recipients": recipients(assignment, self.people),
                "kind": notification,
                "key": key,
                "template": template,
                "context": {
                    "partner": assignment.partner.name,
                    "kpi": _in_their_language(kpi.name),
                    "unit": _in_their_language(kpi.unit),
                    "month": f"{month:%Y-%m}",
                    "value": figures.number(value, kpi.decimals),
                    "url": chart_url(assignment),
                    **context,
                },
                "url": reverse("kpis:chart", args=[assignment.pk]),
                "partner": assignment.partner if assignment.shared else None,
            }
        )

    def done(self):
        if self.now and self.notices:
            notify_many(self.notices)
            self.notices = []


def _notify_breach(tell, assignment, month, value, target, *, running: date | None = None):
    """Notify a critical month once. `running`: the month is not over; its values cover up to that day."""
    tell(
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
        month_days=_month_end(month).day,
    )


def _record_success(tell, assignment, kind, month, value, *, streak_months=None):
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
    tell(
        assignment,
        month,
        value,
        notification=KIND_SUCCESS,
        key=f"kpi:success:{success.pk}",
        template="kpis/email/success",
        kind=kind,
        months=streak_months,
    )
