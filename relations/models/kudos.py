"""Kudos: what went well, said by one side to the other (shown next to the KPI successes)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

from .base import Side


class Kudos(models.Model):
    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="kudos", verbose_name=_("partner")
    )
    side = models.CharField(_("given by side"), max_length=10, choices=Side.choices)
    title = models.CharField(_("what went well"), max_length=200)
    message = LimitedTextField(_("message"), max_length=fields.SHORT_TEXT, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("given by"), on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("kudos")
        verbose_name_plural = _("kudos")

    def __str__(self):
        return self.title
