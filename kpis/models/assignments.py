"""Partner KPIs: a KPI assigned to a partner, shared or internal, with its weight and responsible people."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .definitions import KPIDefinition


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
        # A KPI about the host is the partner's to see; one the partner submits is theirs to enter, one the
        # portal computes nobody enters.
        if self.kpi_id and self.kpi.is_about_host:
            self.shared = True
        if self.kpi_id and self.kpi.is_partner_submitted:
            self.partner_can_submit = True
        if self.kpi_id and self.kpi.is_computed:
            self.partner_can_submit = False
        if self.partner_can_submit and not self.shared:
            raise ValidationError({"partner_can_submit": _("Only a KPI shared with the partner can be submitted.")})
        if self.responsible_partner_id and self.responsible_partner.organization_id != self.partner_id:
            raise ValidationError({"responsible_partner": _("The responsible person must work at the partner.")})
        if self.responsible_host_id and not self.responsible_host.is_host_staff:
            raise ValidationError({"responsible_host": _("The responsible person must be host staff.")})

    def get_absolute_url(self):
        return reverse("kpis:chart", args=[self.pk])
