"""Measurements: one value per partner / KPI / period / site, with the parts its aggregation needs."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Now
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import PeriodKind, Source
from .definitions import KPIDefinition


class Measurement(models.Model):
    """One value per partner / KPI / period / site, with its parts where the KPI is a ratio or average."""

    # Few indexes and no database-level foreign-key constraints on purpose: this table holds
    # millions of rows, and per-row FK trigger checks dominated bulk loads. References stay
    # sound because every write path checks them (services: model instances; the bulk loader:
    # set-based checks for unknown partner / KPI / site) and Django still applies on_delete
    # (CASCADE / PROTECT / SET_NULL) when an organisation, KPI, site or user is deleted.
    partner = models.ForeignKey(
        "partners.Organization",
        on_delete=models.CASCADE,
        related_name="measurements",
        verbose_name=_("partner"),
        db_index=False,
        db_constraint=False,
    )
    kpi = models.ForeignKey(
        KPIDefinition,
        on_delete=models.PROTECT,
        related_name="measurements",
        verbose_name=_("KPI"),
        db_index=False,
        db_constraint=False,
    )
    period_kind = models.CharField(_("period"), max_length=5, choices=PeriodKind.choices, default=PeriodKind.DAY)
    period_start = models.DateField(_("period start"))
    site = models.ForeignKey(
        "partners.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        db_index=False,
        db_constraint=False,
    )
    value = models.FloatField(_("value"))
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    sample_size = models.FloatField(_("sample size"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.FORM)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
        db_index=False,
        db_constraint=False,
    )
    # Database defaults too: the bulk loader's COPY leaves these columns out.
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "kpi"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        # One unique key for rows with and without a site (a missing site counts as site 0: NULLs are
        # distinct in SQL). Its leading columns also serve the partner/KPI/date-range reads.
        constraints = [
            models.UniqueConstraint(
                F("partner"),
                F("kpi"),
                F("period_start"),
                F("period_kind"),
                Coalesce(F("site"), Value(0)),
                name="kpis_unique_measurement",
                violation_error_message=_("There is already a value for this partner, KPI, period and site."),
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0), name="kpis_positive_denominator"
            ),
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True) | Q(sample_size__gt=0), name="kpis_positive_sample_size"
            ),
        ]
        indexes = [
            models.Index(fields=["period_start"], name="kpis_meas_start"),
            # One partner's rows newest first (the API's measurement list, a partner's latest values).
            models.Index(fields=["partner", "-period_start"], name="kpis_meas_partner_start"),
        ]

    def __str__(self):
        return f"{self.partner} · {self.kpi} · {self.period_start:%Y-%m-%d}: {self.value:g}"
