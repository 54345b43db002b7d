"""Writes of the KPI app. The form, the import and the API all go through `measurements_upsert`.

Every write keeps the monthly rollup exact (kpis.rollups.refresh of the months touched) and then
checks the affected months for critical breaches and successes (kpis.alerts).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import pre_delete
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import formats, policy
from partners.selectors import host_id as partners_host_id

from . import alerts, periods, rollups
from .aggregation import measurement_value
from .models import Aggregation, KPITarget, Measurement, PartnerKPI, PeriodKind, Source

PARTS = ("value", "numerator", "denominator", "sample_size")


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


def check_measurement(
    *,
    user,
    item: MeasurementInput,
    assignment: PartnerKPI | None,
    today: date | None = None,
    host_id: int | None = None,
):
    """Validate one measurement; fills item.errors (field -> message) and computes a ratio's value."""
    errors = item.errors
    kpi, partner = item.kpi, item.partner
    today = today or timezone.localdate()
    if user is not None and policy.is_partner(user):
        if user.organization_id != partner.pk:
            errors["partner"] = _("You may only submit values for your own organisation.")
            return item
        if assignment is None or not assignment.shared:
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
    elif policy.is_partner(user):
        if not assignment.partner_can_submit:
            errors["kpi"] = _("Values for “%(kpi)s” are entered by the host only.") % {"kpi": kpi.display_name}
            return item
    elif not policy.is_host(user):
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
    qs = PartnerKPI.objects.filter(partner_id__in=partner_ids, kpi_id__in=kpi_ids)
    return {(a.partner_id, a.kpi_id): a for a in qs}


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    measurements: list = field(default_factory=list)

    def as_dict(self):
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def validate_measurements(*, user, items: list[MeasurementInput]) -> list[dict]:
    """Validate all items (incl. the same key twice); returns a list of {index: n, errors: {...}}."""
    host_id = partners_host_id()
    assignments = _assignments([i for i in items if not i.errors])
    seen = {}
    problems = []
    today = timezone.localdate()
    for index, item in enumerate(items):
        if not item.errors:
            check_measurement(
                user=user,
                item=item,
                assignment=assignments.get((item.partner.pk, item.kpi.pk)),
                today=today,
                host_id=host_id,
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


def measurements_upsert(*, user, items: list[MeasurementInput], source: str) -> UpsertResult:
    """All or nothing: validate every item, then create/update in one transaction.

    Idempotent by the natural key (partner, KPI, period kind, period start, site): writing the same
    values again changes nothing and counts as unchanged. A correction keeps the earlier value in
    the measurement's history.
    """
    if source not in Source.values:
        raise ValueError(source)
    result = UpsertResult()
    touched = set()
    with transaction.atomic():
        # Lock the rollup months first (kpis.rollups): writers of the same months run one after the
        # other, so the checks against stored values, the existing rows and the refresh below all
        # see what the others committed.
        rollups.lock(_months_covered(items))
        problems = validate_measurements(user=user, items=items)
        if problems:
            error = ValidationError(
                _("Nothing was saved: %(n)s of %(total)s rows have errors.") % {"n": len(problems), "total": len(items)}
            )
            error.problems = problems
            raise error
        if not items:
            return result
        existing = _existing(items)
        to_snapshot = _without_history(existing.values())
        to_create = []
        for item in items:
            current = existing.get(item.key)
            if current is None:
                to_create.append(
                    Measurement(
                        partner=item.partner,
                        kpi=item.kpi,
                        period_kind=item.period_kind,
                        period_start=item.period_start,
                        site=item.site,
                        value=item.value,
                        numerator=item.numerator,
                        denominator=item.denominator,
                        sample_size=item.sample_size,
                        source=source,
                        entered_by=user,
                    )
                )
                touched.add((item.partner.pk, item.kpi.pk, item.period_start))
                continue
            if all(_same(getattr(current, name), getattr(item, name)) for name in PARTS):
                result.unchanged += 1
                result.measurements.append(current)
                continue
            if current.pk in to_snapshot:
                _bulk_history([current], history_type="+", when=current.updated_at)  # the value before
            for name in PARTS:
                setattr(current, name, getattr(item, name))
            current.source = source
            current.entered_by = user
            current.save()  # one history row per correction
            result.updated += 1
            result.measurements.append(current)
            touched.add((item.partner.pk, item.kpi.pk, item.period_start))
        if to_create:
            created = Measurement.objects.bulk_create(to_create, batch_size=1000)
            _bulk_history(created)
            result.created = len(created)
            result.measurements.extend(created)
        rollups.refresh(touched)
        alerts.after_write(touched)
    return result


def _months_covered(items) -> set[tuple[int, int, date]]:
    """(partner_id, kpi_id, day) of the first and last day each item covers (a week may reach into the next
    month): the rollup months to lock, so that a value and another that overlaps it are never checked at once."""
    keys = set()
    for item in items:
        partner, kpi, start = item.partner, item.kpi, item.period_start
        if partner is None or kpi is None or not isinstance(start, date):
            continue  # refused by the checks anyway
        kind = item.period_kind if item.period_kind in PeriodKind.values else PeriodKind.DAY
        first, last = period_days(kind, normalise_period(kind, start))
        keys.add((partner.pk, kpi.pk, first))
        keys.add((partner.pk, kpi.pk, last))
    return keys


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


def _existing(items) -> dict:
    partner_ids = {i.partner.pk for i in items}
    kpi_ids = {i.kpi.pk for i in items}
    starts = [i.period_start for i in items]
    qs = Measurement.objects.filter(
        partner_id__in=partner_ids, kpi_id__in=kpi_ids, period_start__range=(min(starts), max(starts))
    )
    keys = {i.key for i in items}
    found = {}
    for m in qs.iterator(chunk_size=2000):
        key = (m.partner_id, m.kpi_id, m.period_kind, m.period_start, m.site_id)
        if key in keys:
            found[key] = m
    return found


def _without_history(measurements) -> set[int]:
    """Measurements written by the bulk loader have no history row yet: snapshot them before a correction."""
    ids = [m.pk for m in measurements]
    if not ids:
        return set()
    Historical = Measurement.history.model
    return set(ids) - set(Historical.objects.filter(id__in=ids).values_list("id", flat=True).distinct())


def _bulk_history(objects, *, history_type="+", when=None) -> None:
    """History rows for measurements written in bulk (bulk_create bypasses simple_history's signals)."""
    Historical = Measurement.history.model
    now = timezone.now()
    Historical.objects.bulk_create(
        [
            Historical(
                id=m.pk,
                partner_id=m.partner_id,
                kpi_id=m.kpi_id,
                period_kind=m.period_kind,
                period_start=m.period_start,
                site_id=m.site_id,
                value=m.value,
                numerator=m.numerator,
                denominator=m.denominator,
                sample_size=m.sample_size,
                source=m.source,
                entered_by_id=m.entered_by_id,
                created_at=m.created_at or now,
                updated_at=m.updated_at or now,
                history_date=when or now,
                history_type=history_type,
                history_user_id=m.entered_by_id,
            )
            for m in objects
        ],
        batch_size=1000,
    )


def measurement_upsert(
    *,
    user,
    partner,
    kpi,
    period_kind,
    period_start,
    site=None,
    value=None,
    numerator=None,
    denominator=None,
    sample_size=None,
    source=Source.FORM,
):
    """One measurement (the form): raises ValidationError with field messages; returns (measurement, status)."""
    item = MeasurementInput(
        partner=partner,
        kpi=kpi,
        period_kind=period_kind,
        period_start=period_start,
        site=site,
        value=value,
        numerator=numerator,
        denominator=denominator,
        sample_size=sample_size,
    )
    try:
        result = measurements_upsert(user=user, items=[item], source=source)
    except ValidationError as exc:
        if getattr(exc, "problems", None):
            raise ValidationError(exc.problems[0]["errors"]) from None
        raise
    status = "created" if result.created else "updated" if result.updated else "unchanged"
    return result.measurements[0], status


def measurement_delete(*, user, measurement) -> None:
    if not policy.can(user, policy.DELETE, measurement):
        raise PermissionDenied
    key = (measurement.partner_id, measurement.kpi_id, measurement.period_start)
    with transaction.atomic():
        rollups.lock([key])
        measurement.delete()
        rollups.refresh([key])


def measurements_delete(*, user, measurements) -> int:
    """Delete several measurements at once (the admin's delete action) and keep the rollup exact."""
    if not policy.allows(user, policy.DELETE, Measurement):
        raise PermissionDenied
    with transaction.atomic():
        rows = list(measurements.values_list("pk", "partner_id", "kpi_id", "period_start"))
        keys = [row[1:] for row in rows]
        rollups.lock(keys)
        count, _per_model = measurements.filter(pk__in=[row[0] for row in rows]).delete()
        rollups.refresh(keys)
    return count


# --- assignments and targets ----------------------------------------------------------------


def partner_kpi_save(*, user, partner_kpi: PartnerKPI) -> PartnerKPI:
    if not policy.is_host(user):
        raise PermissionDenied
    partner_kpi.full_clean()
    partner_kpi.save()
    return partner_kpi


def target_set(
    *,
    user,
    partner_kpi: PartnerKPI,
    horizon,
    value,
    warning=None,
    critical=None,
    valid_from: date,
    valid_to=None,
    note="",
) -> KPITarget:
    """A new target. The one of the same horizon in force until now is closed the day before: history is kept."""
    if not policy.is_host(user):
        raise PermissionDenied
    target = KPITarget(
        partner_kpi=partner_kpi,
        partner_id=partner_kpi.partner_id,
        kpi_id=partner_kpi.kpi_id,
        horizon=horizon,
        value=value,
        warning=warning,
        critical=critical,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
        created_by=user,
    )
    target.full_clean()
    with transaction.atomic():
        earlier = KPITarget.objects.select_for_update().filter(
            partner_kpi=partner_kpi, horizon=horizon, valid_from__lt=valid_from
        )
        for previous in earlier:
            if previous.valid_to is None or previous.valid_to >= valid_from:
                previous.valid_to = valid_from - timedelta(days=1)
                previous.save(update_fields=["valid_to"])
        later = KPITarget.objects.filter(partner_kpi=partner_kpi, horizon=horizon, valid_from__gte=valid_from)
        if later.exists():
            raise ValidationError(
                {
                    "valid_from": _("A target of this horizon already starts on or after %(date)s.")
                    % {"date": formats.short_day(valid_from)}
                }
            )
        target.save()
    return target


def _check_deleted_target(sender, instance, **kwargs):
    KPITarget.check_change(KPITarget.objects.filter(pk=instance.pk), None)


def guard_targets(guard) -> None:
    """Have `guard(targets, changes)` vet every change and deletion of KPI targets, by cascade too."""
    if guard not in KPITarget.change_guards:
        KPITarget.change_guards.append(guard)
    pre_delete.connect(_check_deleted_target, sender=KPITarget, dispatch_uid="kpis_guard_deleted_targets")
