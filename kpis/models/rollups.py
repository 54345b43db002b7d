"""Monthly rollups: the sums per partner / KPI / month that month, quarter and year figures are read from."""

from django.db import models

from .definitions import KPIDefinition


class MonthlyRollup(models.Model):
    """Sums per partner / KPI / calendar month, kept exact by every write path (kpis.rollups).

    Month, quarter and year aggregates are read from here; the sums are the same sums the raw
    measurements give, so the aggregation stays exact (Σ numerators / Σ denominators etc.).
    """

    # Like the measurements it sums: no database-level foreign-key constraints (a history load
    # writes tens of thousands of rollup rows; their per-row checks at commit cost as much as
    # writing them) and no single-column indexes (the unique key leads with the partner, the
    # pages read by month). Django still cascades deletes of an organisation or KPI here.
    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    kpi = models.ForeignKey(
        KPIDefinition, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField()
    sum_value = models.FloatField(default=0)
    sum_numerator = models.FloatField(default=0)
    sum_denominator = models.FloatField(default=0)
    sum_weighted = models.FloatField(default=0)
    sum_sample_size = models.FloatField(default=0)
    count = models.PositiveIntegerField(default=0)
    last_start = models.DateField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "kpi", "month"], name="kpis_unique_rollup")]
        indexes = [models.Index(fields=["month"], name="kpis_rollup_month")]

    def __str__(self):
        return f"{self.partner_id}/{self.kpi_id} {self.month:%Y-%m}"
