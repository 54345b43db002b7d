"""The checks of measurements before they are written: one item, a batch, and days counted twice."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import formats, policy
from partners.selectors import host_id as partners_host_id

from .. import periods
from ..aggregation import measurement_value
from ..models import Aggregation, Measurement, PartnerKPI, PeriodKind


@dataclass
class MeasurementInput:
    partner: object
    kpi: object
    period_kind: str
    period_start: date
    site: object = None
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    sample_size: float | None = None
    errors: dict = field(default_factory=dict)
    assignment: PartnerKPI | None = field(default=None, repr=False, compare=False)  # set by the checks

    @property
    def key(self):
        return (self.partner.pk, self.kpi.pk, self.period_kind, self.period_start, self.site.pk if self.site else None)


def normalise_period(period_kind: str, day: date) -> date:
    if period_kind == PeriodKind.WEEK:
        return day - timedelta(days=day.weekday())
    if period_kind == PeriodKind.MONTH:
        return day.replace(day=1)
    return day


def unknown_kpi_code(code) -> str:
    """The one answer for a KPI code out of the user's reach: a partner user cannot tell a code that
    does not exist from one the host tracks internally or one assigned to another partner."""
    return _("Unknown KPI code “%(k)s”.") % {"k": code or ""}


def submit_access(*, user, assignments) -> dict[int, bool]:
    """Of these partner KPIs, the ones the user sees (the keys) and whether they may submit values for each:
    the access policy's "view" and "submit" on PartnerKPI (kpis.policies), in one query."""
    ids = {a.pk for a in assignments if a is not None}
    if user is None or not ids:
        return {}
    may_submit = policy.scope(user, "submit", PartnerKPI).filter(pk=OuterRef("pk"))
    seen = policy.scope(user, policy.VIEW, PartnerKPI).filter(pk__in=ids).annotate(may=Exists(may_submit))
    return dict(seen.values_list("pk", "may").order_by())


def check_measurement(
    *,
    user,
    item: MeasurementInput,
    assignment: PartnerKPI | None,
    today: date | None = None,
    host_id: int | None = None,
    access: dict[int, bool] | None = None,
):
    """Validate one measurement; fills item.errors (field -> message) and computes a ratio's value.

    `access`: `submit_access()` of the batch's assignments (read here for this one when not given)."""
    errors = item.errors
    kpi, partner = item.kpi, item.partner
    today = today or timezone.localdate()
    if user is not None and access is None:
        access = submit_access(user=user, assignments=[assignment])
    reach = policy.partner_ids(user) if user is not None else None  # None: every partner
    if reach is not None:
        if partner.pk not in reach:
            errors["partner"] = _("You may only submit values for your own organisation.")
            return item
        if assignment is None or assignment.pk not in access:
            errors["kpi"] = unknown_kpi_code(kpi.code)
            return item
    if assignment is None:
        errors["kpi"] = _("The KPI “%(kpi)s” is not assigned to %(partner)s.") % {
            "kpi": kpi.display_name,
            "partner": partner,
        }
        return item
    if user is None:
        pass  # an operator's command-line load (kpis_load_csv without --user): no account restrictions
    elif kpi.is_computed:
        # The portal computes these from its own records (relations.host_kpis, which writes without a user).
        errors["kpi"] = _("Values for “%(kpi)s” are computed by the portal from its own data.") % {
            "kpi": kpi.display_name
        }
        return item
    elif not access.get(assignment.pk):
        if policy.allows(user, "submit", PartnerKPI):  # the role may, but not for this KPI
            errors["kpi"] = _("Values for “%(kpi)s” are entered by the host only.") % {"kpi": kpi.display_name}
        else:
            errors["partner"] = _("You may not submit values.")
        return item
    if item.period_kind not in PeriodKind.values:
        errors["period_kind"] = _("The period must be day, week or month.")
    else:
        item.period_start = normalise_period(item.period_kind, item.period_start)
        if item.period_start > today:
            errors["period_start"] = _("The period %(date)s is in the future.") % {
                "date": formats.short_day(item.period_start)
            }
    if item.site is not None and item.site.organization_id not in (partner.pk, host_id):
        errors["site"] = _("The site %(site)s belongs to neither the partner nor the host.") % {"site": item.site.code}
    for name in ("numerator", "denominator", "sample_size"):
        number = getattr(item, name)
        if number is not None and number < 0:
            errors[name] = _("A count cannot be negative.")
    if kpi.aggregation == Aggregation.RATIO:
        if item.numerator is None:
            errors.setdefault(
                "numerator",
                _("“%(label)s” is required.")
                % {"label": _(kpi.numerator_label) if kpi.numerator_label else _("numerator")},
            )
        if item.denominator is None:
            errors.setdefault(
                "denominator",
                _("“%(label)s” is required.")
                % {"label": _(kpi.denominator_label) if kpi.denominator_label else _("denominator")},
            )
        elif item.denominator == 0:
            errors["denominator"] = _("The denominator cannot be zero.")
        if not errors.get("numerator") and not errors.get("denominator"):
            item.value = measurement_value(kpi, numerator=item.numerator, denominator=item.denominator)
    else:
        if item.value is None:
            errors.setdefault("value", _("A value is required."))
        if kpi.aggregation == Aggregation.WEIGHTED_AVERAGE:
            if item.sample_size is None:
                errors.setdefault(
                    "sample_size",
                    _("“%(label)s” is required.")
                    % {"label": _(kpi.sample_size_label) if kpi.sample_size_label else _("sample size")},
                )
            elif item.sample_size == 0:
                errors["sample_size"] = _("The sample size cannot be zero.")
        else:
            item.sample_size = None
        item.numerator = item.denominator = None
    if item.value is not None and "value" not in errors:
        if kpi.min_value is not None and item.value < kpi.min_value:
            errors["value"] = _("%(name)s cannot be below %(min)g %(unit)s (got %(value)g).") % {
                "name": kpi.display_name,
                "min": kpi.min_value,
                "unit": kpi.display_unit,
                "value": item.value,
            }
        elif kpi.max_value is not None and item.value > kpi.max_value:
            errors["value"] = _("%(name)s cannot be above %(max)g %(unit)s (got %(value)g).") % {
                "name": kpi.display_name,
                "max": kpi.max_value,
                "unit": kpi.display_unit,
                "value": item.value,
            }
    return item


def _assignments(items) -> dict[tuple[int, int], PartnerKPI]:
    if not items:
        return {}
    partner_ids = {i.partner.pk for i in items}
    kpi_ids = {i.kpi.pk for i in items}
    # Without joining the responsible people: the alerts after the write use these assignments
    # (item.assignment) and read those people only when they tell someone (a join costs every write).
    qs = PartnerKPI.objects.filter(partner_id__in=partner_ids, kpi_id__in=kpi_ids)
    return {(a.partner_id, a.kpi_id): a for a in qs}


def validate_measurements(*, user, items: list[MeasurementInput]) -> list[dict]:
    """Validate all items (incl. the same key twice); returns a list of {index: n, errors: {...}}."""
    # The host's sites are allowed too: its id is read only when an item names a site.
    host_id = partners_host_id() if any(i.site is not None for i in items if not i.errors) else None
    assignments = _assignments([i for i in items if not i.errors])
    access = submit_access(user=user, assignments=assignments.values())
    seen = {}
    problems = []
    today = timezone.localdate()
    for index, item in enumerate(items):
        if not item.errors:
            item.assignment = assignments.get((item.partner.pk, item.kpi.pk))
            check_measurement(
                user=user, item=item, assignment=item.assignment, today=today, host_id=host_id, access=access
            )
        if not item.errors:
            if item.key in seen:
                item.errors["period_start"] = _(
                    "The same partner, KPI, period and site appear twice (also in row %(n)s)."
                ) % {"n": getattr(items[seen[item.key]], "line", None) or seen[item.key] + 1}  # a file's line
            else:
                seen[item.key] = index
    check_overlaps(items)
    for index, item in enumerate(items):
        if item.errors:
            problems.append({"index": index, "errors": dict(item.errors)})
    return problems


MAX_PERIOD_DAYS = 31  # the longest period a measurement covers (a month)


def period_days(period_kind: str, start: date) -> tuple[date, date]:
    """The first and last day a measurement of this kind covers."""
    if period_kind == PeriodKind.DAY:
        return start, start
    return start, periods.period_end(period_kind, start)


def check_overlaps(items: list[MeasurementInput]) -> None:
    """Refuse a value that covers days another value of the same partner KPI already covers.

    The aggregation adds up every measurement in a period, so a monthly value beside daily values
    of the same days, or a total without a site beside values per site, would count those days
    twice. Values of one kind and site level never overlap (their periods are normalised), so only
    another period kind or the other site level can. Checked against the stored values and the
    earlier items of the same batch; fills item.errors["period_start"].
    """
    valid = [i for i in items if not i.errors]
    if not valid:
        return
    # (partner, kpi) -> (kind, per site) -> the sorted (first, last) days its values cover
    covered: dict[tuple[int, int], dict[tuple[str, bool], list[tuple[date, date]]]] = {}

    def add(partner_id, kpi_id, kind, per_site, start):
        spans = covered.setdefault((partner_id, kpi_id), {}).setdefault((kind, per_site), [])
        bisect.insort(spans, period_days(kind, start))

    levels = {(i.period_kind, i.site is not None) for i in valid}
    stored = Measurement.objects.filter(
        partner_id__in={i.partner.pk for i in valid},
        kpi_id__in={i.kpi.pk for i in valid},
        period_start__range=(
            min(i.period_start for i in valid) - timedelta(days=MAX_PERIOD_DAYS),
            max(period_days(i.period_kind, i.period_start)[1] for i in valid),
        ),
    )
    if len(levels) == 1:  # the usual batch: only values of another kind or level can be in the way
        [(kind, per_site)] = levels
        stored = stored.exclude(period_kind=kind, site__isnull=not per_site)
    for partner_id, kpi_id, kind, start, site_id in stored.values_list(
        "partner_id", "kpi_id", "period_kind", "period_start", "site_id"
    ).order_by():
        add(partner_id, kpi_id, kind, site_id is not None, start)
    kind_labels = dict(PeriodKind.choices)
    for item in valid:
        first, last = period_days(item.period_kind, item.period_start)
        level = (item.period_kind, item.site is not None)
        for (kind, per_site), spans in covered.get((item.partner.pk, item.kpi.pk), {}).items():
            if (kind, per_site) == level:
                continue
            # The span with the latest start on or before `last` is the only one that can reach
            # `first` (the spans of one kind and level do not overlap each other).
            at = bisect.bisect_right(spans, (last, date.max)) - 1
            if at >= 0 and spans[at][1] >= first:
                what = _("per site, per %(kind)s") if per_site else _("without a site, per %(kind)s")
                item.errors["period_start"] = _(
                    "These days are already covered by a value %(what)s from %(start)s for this partner and "
                    "KPI; they would be counted twice. Use one period kind, and either a total or values per site."
                ) % {"what": what % {"kind": str(kind_labels[kind]).lower()}, "start": formats.short_day(spans[at][0])}
                break
        if not item.errors:
            add(item.partner.pk, item.kpi.pk, *level, item.period_start)
