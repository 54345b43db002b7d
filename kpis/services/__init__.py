"""Writes of the KPI app. The form, the import and the API all go through `measurements_upsert`.

Every write keeps the monthly rollup exact (kpis.rollups.refresh of the months touched) and then
checks the affected months for critical breaches and successes (kpis.alerts).

One module per subject, all offered here (`from kpis import services; services.target_set(...)`):
the checks of measurements (validation), their writes (measurements), partner KPIs and targets.
"""

from .measurements import (
    PARTS,
    UpsertResult,
    computed_months_write,
    measurement_delete,
    measurement_upsert,
    measurements_delete,
    measurements_upsert,
)
from .targets import guard_targets, partner_kpi_save, target_set
from .validation import (
    MAX_PERIOD_DAYS,
    MeasurementInput,
    check_measurement,
    check_overlaps,
    normalise_period,
    period_days,
    unknown_kpi_code,
    validate_measurements,
)

__all__ = [
    "MAX_PERIOD_DAYS",
    "PARTS",
    "MeasurementInput",
    "UpsertResult",
    "check_measurement",
    "check_overlaps",
    "computed_months_write",
    "guard_targets",
    "measurement_delete",
    "measurement_upsert",
    "measurements_delete",
    "measurements_upsert",
    "normalise_period",
    "partner_kpi_save",
    "period_days",
    "target_set",
    "unknown_kpi_code",
    "validate_measurements",
]
