"""KPI targets with their validity and thresholds; apps that commit to targets guard their changes."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .assignments import PartnerKPI
from .choices import Horizon
from .definitions import KPIDefinition


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

        from ..figures import rounded

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
