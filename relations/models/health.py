"""The relationship health score stored per partner and month (computed by relations.health; the current
month refreshed on commit when its inputs change, see relations.receivers). Every page and the API read it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HealthSnapshot(models.Model):
    partner = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="health_snapshots")
    month = models.DateField(help_text=_("First day of the month the score describes."))
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    parts = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["partner", "month"]
        constraints = [models.UniqueConstraint(fields=["partner", "month"], name="health_snapshot_per_month")]

    def __str__(self):
        return f"{self.partner_id} {self.month}: {self.score}"
