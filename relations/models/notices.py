"""Notices: one side tells the other before a problem arrives; the other side acknowledges."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

from .base import Side, acknowledged_by_field


class NoticeKind(models.TextChoices):
    DELIVERY_DELAY = "delivery_delay", _("Delivery delay")
    CAPACITY = "capacity", _("Capacity")
    QUALITY = "quality_deviation", _("Quality deviation")
    OUTAGE = "system_outage", _("System outage")
    CLOSURE = "holiday_closure", _("Holiday / closure")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Notice(models.Model):
    """'Tell them before the problem arrives': one side informs the other, who acknowledges."""

    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="notices", verbose_name=_("partner")
    )
    side = models.CharField(_("posted by side"), max_length=10, choices=Side.choices)
    kind = models.CharField(_("type"), max_length=30, choices=NoticeKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    title = models.CharField(_("title"), max_length=200)
    description = LimitedTextField(_("description"), max_length=fields.TEXT, blank=True)
    affected_from = models.DateTimeField(_("affected from"))
    affected_until = models.DateTimeField(_("affected until"), null=True, blank=True)
    mitigation = LimitedTextField(_("what is being done"), max_length=fields.TEXT, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("posted by")
    )
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)
    acknowledged_by = acknowledged_by_field()
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["partner", "-posted_at"], name="notice_partner_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(affected_until__isnull=True) | Q(affected_until__gte=models.F("affected_from")),
                name="notice_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="notice_ack_has_person",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.affected_until and self.affected_from and self.affected_until < self.affected_from:
            raise ValidationError({"affected_until": _("The affected window cannot end before it starts.")})

    def get_absolute_url(self):
        return reverse("relations:notice_detail", args=[self.pk])

    @property
    def lead_time_hours(self):
        """How long before the affected window the notice was posted (negative: posted late)."""
        return (self.affected_from - self.posted_at).total_seconds() / 3600

    @property
    def ack_hours(self):
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.posted_at).total_seconds() / 3600
