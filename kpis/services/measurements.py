"""Writes of measurements: the form, the import and the API all go through `measurements_upsert`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import policy

from .. import alerts, rollups
from ..models import Measurement, PeriodKind, Source
from .validation import MeasurementInput, normalise_period, period_days, validate_measurements

PARTS = ("value", "numerator", "denominator", "sample_size")


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    measurements: list = field(default_factory=list)

    def as_dict(self):
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


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
        to_create, corrected = [], []
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
            corrected.append((current, item))
            touched.add((item.partner.pk, item.kpi.pk, item.period_start))
        if corrected:
            _correct(corrected, source=source, user=user)
            result.updated = len(corrected)
            result.measurements.extend(current for current, _item in corrected)
        if to_create:
            created = _create(to_create)
            result.created = len(created)
            result.measurements.extend(created)
        rollups.refresh(touched)
        alerts.after_write(touched, known={o for i in items for o in (i.kpi, i.partner, i.assignment)})
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
    """The stored measurements of the items' natural keys, by key: on PostgreSQL exactly those keys in
    one query (the keys as arrays), elsewhere the partners' and KPIs' rows over the items' date range."""
    keys = {i.key for i in items}
    if connection.vendor == "postgresql":
        columns = [list(column) for column in zip(*keys, strict=True)]
        table = Measurement._meta.db_table
        qs = Measurement.objects.raw(
            f"""
            SELECT m.* FROM {table} m
            JOIN unnest(%s::bigint[], %s::bigint[], %s::text[], %s::date[], %s::bigint[])
                AS k (partner_id, kpi_id, period_kind, period_start, site_id)
              ON m.partner_id = k.partner_id AND m.kpi_id = k.kpi_id AND m.period_start = k.period_start
             AND m.period_kind = k.period_kind AND COALESCE(m.site_id, 0) = COALESCE(k.site_id, 0)
            """,  # noqa: S608 - the table name from the model; the keys are parameters
            columns,
        )
    else:
        starts = [i.period_start for i in items]
        qs = Measurement.objects.filter(
            partner_id__in={i.partner.pk for i in items},
            kpi_id__in={i.kpi.pk for i in items},
            period_start__range=(min(starts), max(starts)),
        ).iterator(chunk_size=2000)
    found = {}
    for m in qs:
        key = (m.partner_id, m.kpi_id, m.period_kind, m.period_start, m.site_id)
        if key in keys:
            found[key] = m
    return found


def _create(objects: list[Measurement]) -> list[Measurement]:
    """Insert new measurements with their history rows ("+", by the person who entered them).

    PostgreSQL: one statement for both (the rows from arrays, their history from what the insert
    returns); the objects get their ids as bulk_create would give them. Elsewhere: bulk_create and
    _bulk_history."""
    if connection.vendor != "postgresql":
        created = Measurement.objects.bulk_create(objects, batch_size=1000)
        _bulk_history(created)
        return created
    table = Measurement._meta.db_table
    history = Measurement.history.model._meta.db_table
    columns = ", ".join(HISTORY_COLUMNS)
    now = timezone.now()
    keys = ("partner_id", "kpi_id", "period_kind", "period_start", "site_id")
    arrays = [[getattr(m, name) for m in objects] for name in (*keys, "source", "entered_by_id")]
    arrays += [[None if getattr(m, name) is None else float(getattr(m, name)) for m in objects] for name in PARTS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH new AS (
                INSERT INTO {table} (partner_id, kpi_id, period_kind, period_start, site_id, source, entered_by_id,
                                     value, numerator, denominator, sample_size, created_at, updated_at)
                SELECT k.*, %s, %s FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::date[], %s::bigint[],
                                                %s::text[], %s::bigint[], %s::float8[], %s::float8[], %s::float8[],
                                                %s::float8[]) AS k
                RETURNING {columns}
            )
            INSERT INTO {history} ({columns}, history_date, history_type, history_user_id, history_change_reason)
            SELECT {columns}, %s, '+', entered_by_id, NULL FROM new
            RETURNING {", ".join(("id", *keys))}
            """,  # noqa: S608 - table and column names from the models; the values are parameters
            [now, now, *arrays, now],
        )
        ids = {tuple(row[1:]): row[0] for row in cursor.fetchall()}
    for m in objects:
        m.pk = ids[(m.partner_id, m.kpi_id, m.period_kind, m.period_start, m.site_id)]
        m.created_at = m.updated_at = now
        m._state.adding, m._state.db = False, connection.alias
    return objects


def _correct(corrected, *, source, user) -> None:
    """Write corrections in bulk: one UPDATE for all of them and two INSERTs of their history rows.

    As a save() each would: the history ends with the new value (type "~", at the time of the write),
    and a row without any history yet (written by the bulk loader) first gets the value before as a
    snapshot (type "+", dated when that value was written), so the earlier value is always kept.
    """
    objects = [current for current, _item in corrected]
    _bulk_history(objects, history_type="+", snapshot=True)  # before the update: the value before
    now = timezone.now()
    for current, item in corrected:
        for name in PARTS:
            setattr(current, name, getattr(item, name))
        current.source = source
        current.entered_by = user
        current.updated_at = now
    if connection.vendor == "postgresql":
        # One UPDATE from arrays (bulk_update's CASE per row and field costs more in Python than the write).
        table = Measurement._meta.db_table
        parts = [[None if getattr(m, name) is None else float(getattr(m, name)) for m in objects] for name in PARTS]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {table} m SET value = u.value, numerator = u.numerator, denominator = u.denominator,
                    sample_size = u.sample_size, source = %s, entered_by_id = %s, updated_at = %s
                FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::float8[], %s::float8[])
                    AS u (id, value, numerator, denominator, sample_size)
                WHERE m.id = u.id
                """,  # noqa: S608 - the table name from the model; the values are parameters
                [source, getattr(user, "pk", None), now, [m.pk for m in objects], *parts],
            )
    else:
        Measurement.objects.bulk_update(objects, [*PARTS, "source", "entered_by", "updated_at"], batch_size=1000)
    _bulk_history(objects, history_type="~", when=now)


HISTORY_COLUMNS = (
    "id",
    "partner_id",
    "kpi_id",
    "period_kind",
    "period_start",
    "site_id",
    "value",
    "numerator",
    "denominator",
    "sample_size",
    "source",
    "entered_by_id",
    "created_at",
    "updated_at",
)
HISTORY_CHUNK = 1000  # ids per statement


def _bulk_history(objects, *, history_type="+", when=None, snapshot=False) -> None:
    """History rows of measurements written in bulk (bulk_create and bulk_update bypass simple_history's
    signals), copied from the stored rows in one INSERT … SELECT (per HISTORY_CHUNK rows), as the bulk
    loader writes them: by the person who entered the value, dated `when` (default now).

    `snapshot`: only the rows that have no history yet (written by the bulk loader), dated when their
    value was written; call it before changing them, so their value before is kept.
    """
    ids = [m.pk for m in objects]
    history = Measurement.history.model._meta.db_table
    table = Measurement._meta.db_table
    columns = ", ".join(HISTORY_COLUMNS)
    stored = ", ".join(f"m.{column}" for column in HISTORY_COLUMNS)
    dated = "m.updated_at" if snapshot else "%s"
    only_new = f"AND NOT EXISTS (SELECT 1 FROM {history} x WHERE x.id = m.id)" if snapshot else ""
    first = [] if snapshot else [connection.ops.adapt_datetimefield_value(when or timezone.now())]
    with connection.cursor() as cursor:
        for at in range(0, len(ids), HISTORY_CHUNK):
            chunk = ids[at : at + HISTORY_CHUNK]
            cursor.execute(
                f"""
                INSERT INTO {history} ({columns}, history_date, history_type, history_user_id, history_change_reason)
                SELECT {stored}, {dated}, %s, m.entered_by_id, NULL FROM {table} m
                WHERE m.id IN ({", ".join(["%s"] * len(chunk))}) {only_new}
                ORDER BY m.id
                """,  # noqa: S608 - table and column names from the models; the ids are parameters
                [*first, history_type, *chunk],
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


# --- KPIs the portal computes from its own data (e.g. the host's response time, relations.host_kpis) ---


def computed_months_write(*, partner, kpi, months: dict) -> UpsertResult:
    """Write the monthly values the portal computed for one partner KPI: `months` maps a month's first day
    to (value, sample_size) for a weighted average, (numerator, denominator) for a ratio, or None when the
    month has no data any more (its stored value is removed: "no data", never 0).

    The same path as every other write (validation without a user, `measurements_upsert`, the rollup
    refresh, the alerts), so the page, the API, the export and the agenda agree. Idempotent: writing the
    same figures again changes nothing. Only KPIs measured from portal data; only for an assigned KPI."""
    if not kpi.is_computed:
        raise ValueError(f"{kpi.code} is not computed from the portal's data")
    items, gone = [], []
    for month, figures in sorted(months.items()):
        month = normalise_period(PeriodKind.MONTH, month)
        if figures is None:
            gone.append(month)
            continue
        first, second = figures
        parts = (
            {"numerator": first, "denominator": second}
            if kpi.is_ratio
            else {"value": first, "sample_size": second if kpi.is_weighted else None}
        )
        items.append(
            MeasurementInput(partner=partner, kpi=kpi, period_kind=PeriodKind.MONTH, period_start=month, **parts)
        )
    with transaction.atomic():
        result = measurements_upsert(user=None, items=items, source=Source.PORTAL)
        if gone:
            keys = [(partner.pk, kpi.pk, month) for month in gone]
            rollups.lock(keys)
            deleted, _per_model = Measurement.objects.filter(
                partner=partner, kpi=kpi, period_kind=PeriodKind.MONTH, period_start__in=gone, source=Source.PORTAL
            ).delete()
            if deleted:
                rollups.refresh(keys)
    return result
