"""The monthly rollup, kept exact: every write path calls `refresh()` for the months it touched.

A refresh recomputes the month's sums from the measurements themselves (not by adding deltas),
so a correction, a re-import or a deletion can never leave the rollup drifting.
"""

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Count, F, FloatField, Max, Sum

from .models import Measurement, MonthlyRollup


def refresh(keys: Iterable[tuple[int, int, date]]) -> None:
    """Recompute the rollup rows of the given (partner_id, kpi_id, month start) keys."""
    keys = {(p, k, m.replace(day=1)) for p, k, m in keys}
    if not keys:
        return
    by_pair: dict[tuple[int, int], set[date]] = {}
    for p, k, m in keys:
        by_pair.setdefault((p, k), set()).add(m)
    for (partner_id, kpi_id), months in by_pair.items():
        first, last = min(months), max(months)
        last_end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
        rows = (
            Measurement.objects.filter(
                partner_id=partner_id, kpi_id=kpi_id, period_start__gte=first, period_start__lt=last_end
            )
            .values("period_start__year", "period_start__month")
            .annotate(
                s_value=Sum("value"),
                s_num=Sum("numerator"),
                s_den=Sum("denominator"),
                s_w=Sum(F("value") * F("sample_size"), output_field=FloatField()),
                s_n=Sum("sample_size"),
                n=Count("id"),
                last=Max("period_start"),
            )
            .order_by()
        )
        found = {}
        for row in rows:
            month = date(row["period_start__year"], row["period_start__month"], 1)
            if month not in months:
                continue
            found[month] = MonthlyRollup(
                partner_id=partner_id,
                kpi_id=kpi_id,
                month=month,
                sum_value=row["s_value"] or 0.0,
                sum_numerator=row["s_num"] or 0.0,
                sum_denominator=row["s_den"] or 0.0,
                sum_weighted=row["s_w"] or 0.0,
                sum_sample_size=row["s_n"] or 0.0,
                count=row["n"],
                last_start=row["last"],
            )
        empty = months - set(found)
        if empty:
            MonthlyRollup.objects.filter(partner_id=partner_id, kpi_id=kpi_id, month__in=empty).delete()
        if found:
            MonthlyRollup.objects.bulk_create(
                found.values(),
                update_conflicts=True,
                unique_fields=["partner", "kpi", "month"],
                update_fields=[
                    "sum_value",
                    "sum_numerator",
                    "sum_denominator",
                    "sum_weighted",
                    "sum_sample_size",
                    "count",
                    "last_start",
                ],
            )


def rebuild_all() -> None:
    """Recompute the whole rollup from the measurements in one statement (after a bulk load)."""
    rollup = MonthlyRollup._meta.db_table
    measurement = Measurement._meta.db_table
    if connection.vendor == "postgresql":
        month = "date_trunc('month', period_start)::date"
    else:
        month = "date(period_start, 'start of month')"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {rollup}")  # noqa: S608 - table names from the models
        cursor.execute(
            f"""
            INSERT INTO {rollup} (partner_id, kpi_id, month, sum_value, sum_numerator, sum_denominator,
                                  sum_weighted, sum_sample_size, count, last_start)
            SELECT partner_id, kpi_id, {month}, SUM(value), COALESCE(SUM(numerator), 0),
                   COALESCE(SUM(denominator), 0), COALESCE(SUM(value * sample_size), 0),
                   COALESCE(SUM(sample_size), 0), COUNT(*), MAX(period_start)
            FROM {measurement}
            GROUP BY partner_id, kpi_id, {month}
            """  # noqa: S608
        )
