"""KPIs: shared definitions, per-partner assignments and targets, measurements and detected successes.

How the numbers are aggregated is decided in one place: `kpis.aggregation`. A measurement keeps
the *parts* of a ratio (numerator and denominator) or the sample size of an average, so any
period (week, month, quarter, year) is aggregated exactly from them.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Now
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField


def _tr(text):
    from django.utils.translation import gettext

    return gettext(text) if text else text


class Direction(models.TextChoices):
    LOWER = "lower", _("Lower is better")
    HIGHER = "higher", _("Higher is better")


class Aggregation(models.TextChoices):
    RATIO = "ratio", _("Ratio (Σ numerator / Σ denominator)")
    WEIGHTED_AVERAGE = "weighted_average", _("Average weighted by sample size")
    SUM = "sum", _("Sum")
    LAST = "last", _("Last value")


class PeriodKind(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class Horizon(models.TextChoices):
    SHORT_TERM = "short_term", _("Short term")
    LONG_TERM = "long_term", _("Long term")


class Source(models.TextChoices):
    FORM = "form", _("Form")
    IMPORT = "import", _("Import")
    API = "api", _("API")


class KPIDefinition(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Used in imports and the API."))
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("e.g. hours, %, score"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    aggregation = models.CharField(_("aggregation"), max_length=20, choices=Aggregation.choices)
    scale = models.FloatField(
        _("scale"),
        default=1,
        help_text=_("Ratios are multiplied by this factor, e.g. 100 for a percentage."),
    )
    decimals = models.PositiveSmallIntegerField(_("decimals shown"), default=1)
    numerator_label = models.CharField(_("numerator label"), max_length=80, blank=True)
    denominator_label = models.CharField(_("denominator label"), max_length=80, blank=True)
    sample_size_label = models.CharField(_("sample size label"), max_length=80, blank=True)
    how_measured = LimitedTextField(_("how it is measured"), max_length=fields.TEXT)
    why_it_matters = LimitedTextField(_("why it matters"), max_length=fields.TEXT)
    min_value = models.FloatField(_("lowest allowed value"), null=True, blank=True)
    max_value = models.FloatField(_("highest allowed value"), null=True, blank=True)
    is_standard = models.BooleanField(_("standard KPI"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_standard", "name"]
        verbose_name = _("KPI definition")
        verbose_name_plural = _("KPI definitions")

    def __str__(self):
        return self.display_name

    def clean(self):
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": _("The highest allowed value is below the lowest.")})
        if self.scale is not None and self.scale <= 0:
            raise ValidationError({"scale": _("The scale must be positive.")})

    # Standard KPIs' texts are in the message catalogue; custom ones are shown as entered.
    @property
    def display_name(self):
        return _tr(self.name)

    @property
    def display_unit(self):
        return _tr(self.unit)

    @property
    def display_how_measured(self):
        return _tr(self.how_measured)

    @property
    def display_why_it_matters(self):
        return _tr(self.why_it_matters)

    @property
    def is_ratio(self):
        return self.aggregation == Aggregation.RATIO

    @property
    def is_weighted(self):
        return self.aggregation == Aggregation.WEIGHTED_AVERAGE

    @property
    def higher_is_better(self):
        return self.direction == Direction.HIGHER


class PartnerKPI(models.Model):
    """A KPI that applies to a partner: shared or internal, who may submit, weight in the score."""

    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="partner_kpis", verbose_name=_("partner")
    )
    kpi = models.ForeignKey(KPIDefinition, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("KPI"))
    shared = models.BooleanField(_("shared with the partner"), default=True)
    partner_can_submit = models.BooleanField(_("partner may submit values"), default=False)
    weight = models.PositiveSmallIntegerField(_("weight in the overall score"), default=1)
    responsible_host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible at the host"),
    )
    responsible_partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible at the partner"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["partner__name", "-kpi__is_standard", "kpi__name"]
        verbose_name = _("partner KPI")
        verbose_name_plural = _("partner KPIs")
        constraints = [models.UniqueConstraint(fields=["partner", "kpi"], name="kpis_unique_partner_kpi")]

    def __str__(self):
        return f"{self.partner} · {self.kpi}"

    def clean(self):
        if self.partner_can_submit and not self.shared:
            raise ValidationError({"partner_can_submit": _("Only a KPI shared with the partner can be submitted.")})
        if self.responsible_partner_id and self.responsible_partner.organization_id != self.partner_id:
            raise ValidationError({"responsible_partner": _("The responsible person must work at the partner.")})
        if self.responsible_host_id and not self.responsible_host.is_host_staff:
            raise ValidationError({"responsible_host": _("The responsible person must be host staff.")})

    def get_absolute_url(self):
        return reverse("kpis:chart", args=[self.pk])


class KPITargetQuerySet(models.QuerySet):
    def update(self, **kwargs):
        KPITarget.check_change(self, kwargs)
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        KPITarget.check_change(self, None)
        return super().delete()

    delete.queryset_only = True


class KPITarget(models.Model):
    """A target with its validity. Changing a target closes this row and opens a new one."""

    # Apps that commit to targets register a guard here (the agreements: a target that a signed
    # version commits to changes only by a new row, which closes this one). guard(targets, changes)
    # raises ValidationError; changes is {field name: new value}, or None for a deletion.
    change_guards: list = []

    partner_kpi = models.ForeignKey(
        PartnerKPI, on_delete=models.CASCADE, related_name="targets", verbose_name=_("partner KPI")
    )
    # Copies of partner_kpi.partner / .kpi, so other apps can filter targets by partner directly.
    partner = models.ForeignKey(
        "partners.Organization",
        on_delete=models.CASCADE,
        related_name="kpi_targets",
        editable=False,
        verbose_name=_("partner"),
    )
    kpi = models.ForeignKey(
        KPIDefinition, on_delete=models.PROTECT, related_name="targets", editable=False, verbose_name=_("KPI")
    )
    horizon = models.CharField(_("horizon"), max_length=12, choices=Horizon.choices, default=Horizon.SHORT_TERM)
    value = models.FloatField(_("target"))
    warning = models.FloatField(_("warning threshold"), null=True, blank=True)
    critical = models.FloatField(_("critical threshold"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = KPITargetQuerySet.as_manager()

    class Meta:
        ordering = ["partner_kpi", "horizon", "-valid_from"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="kpis_target_valid_range",
            )
        ]

    def __str__(self):
        unit = self.kpi.display_unit if self.kpi_id else ""
        return f"{self.partner_kpi}: {self.value:g} {unit} ({self.get_horizon_display()}, {self.valid_from:%Y-%m-%d})"

    def describe(self) -> str:
        """The target for people, in the reader's language: "Leveringstid: 21,6 timer (år, fra 1. jan. 2026)"."""
        from django.utils.translation import gettext

        from partnerportal.formats import quantity, short_day

        from .figures import rounded

        kpi = self.kpi
        return gettext("%(kpi)s: %(value)s (%(horizon)s, from %(date)s)") % {
            "kpi": kpi.display_name,
            "value": quantity(rounded(self.value, kpi.decimals), kpi.display_unit, kpi.decimals),
            "horizon": self.get_horizon_display().lower(),
            "date": short_day(self.valid_from),
        }

    @classmethod
    def check_change(cls, targets, changes):
        for guard in cls.change_guards:
            guard(targets, changes)

    def _check_stored_change(self, fields=None):
        if not (self.pk and self.change_guards):
            return
        names = [f.attname for f in self._meta.concrete_fields if not f.primary_key]
        if fields is not None:
            names = [f.attname for f in self._meta.concrete_fields if f.name in fields or f.attname in fields]
        stored = type(self).objects.filter(pk=self.pk).values(*names).first()
        if stored is None:
            return
        changes = {name: getattr(self, name) for name in names if stored[name] != getattr(self, name)}
        if changes:
            self.check_change(type(self).objects.filter(pk=self.pk), changes)

    def save(self, *args, **kwargs):
        if self.partner_kpi_id:
            self.partner_id = self.partner_kpi.partner_id
            self.kpi_id = self.partner_kpi.kpi_id
        self._check_stored_change(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        self.check_change(type(self).objects.filter(pk=self.pk), None)
        return super().delete(*args, **kwargs)

    delete.alters_data = True

    def clean(self):
        self._check_stored_change()
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of the validity is before its start.")})
        if not self.partner_kpi_id:
            return
        higher = self.partner_kpi.kpi.higher_is_better
        errors = {}
        for name in ("warning", "critical"):
            threshold = getattr(self, name)
            if threshold is None or self.value is None:
                continue
            if (higher and threshold > self.value) or (not higher and threshold < self.value):
                errors[name] = (
                    _("For a KPI where higher is better, thresholds lie below the target.")
                    if higher
                    else _("For a KPI where lower is better, thresholds lie above the target.")
                )
        if (
            self.warning is not None
            and self.critical is not None
            and "critical" not in errors
            and ((higher and self.critical > self.warning) or (not higher and self.critical < self.warning))
        ):
            errors["critical"] = _("The critical threshold must be further from the target than the warning.")
        if errors:
            raise ValidationError(errors)

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


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


class SuccessKind(models.TextChoices):
    RECORD = "record", _("New best value")
    STREAK = "streak", _("Target met several periods in a row")


class Success(models.Model):
    """A success detected from the data; recorded (and notified) once per key."""

    partner = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="kpi_successes")
    kpi = models.ForeignKey(KPIDefinition, on_delete=models.CASCADE, related_name="successes")
    partner_kpi = models.ForeignKey(PartnerKPI, on_delete=models.CASCADE, related_name="successes")
    kind = models.CharField(_("kind"), max_length=10, choices=SuccessKind.choices)
    period_kind = models.CharField(_("period"), max_length=5, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = models.DateField(_("period start"))
    value = models.FloatField(_("value"))
    text = models.CharField(_("text"), max_length=255)
    detected_at = models.DateTimeField(_("detected at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-detected_at"]
        verbose_name = _("success")
        verbose_name_plural = _("successes")
        constraints = [
            models.UniqueConstraint(
                fields=["partner_kpi", "kind", "period_kind", "period_start"], name="kpis_unique_success"
            )
        ]

    def __str__(self):
        return self.text

    @property
    def title(self):
        return self.describe()

    def describe(self) -> str:
        """The success in the reader's language (the stored text is the English original)."""
        from django.utils.translation import gettext

        from partnerportal.formats import period

        from .figures import shown

        params = {
            "kpi": self.kpi.display_name,
            "value": shown(self.value, self.kpi.decimals),
            "unit": self.kpi.display_unit,
            "month": period(self.period_start, "month"),
        }
        if self.kind == SuccessKind.RECORD:
            return gettext("%(kpi)s: %(value)s %(unit)s in %(month)s is the best month so far") % params
        return gettext("%(kpi)s: on target three months or more in a row since %(month)s") % params

    @property
    def date(self):
        return self.period_start

    def get_absolute_url(self):
        return reverse("kpis:chart", args=[self.partner_kpi_id])
