"""Successes detected from the data (a new best value, a streak on target)."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .assignments import PartnerKPI
from .choices import PeriodKind
from .definitions import KPIDefinition


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

        from ..figures import shown

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
