"""Engagements: site visits, workshops and joint trainings, with their files."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

from .base import AttachedFile


class EngagementKind(models.TextChoices):
    SITE_VISIT = "site_visit", _("Site visit")
    WORKSHOP = "workshop", _("Workshop")
    TRAINING = "training", _("Joint training")


class EngagementStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Engagement(models.Model):
    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="engagements", verbose_name=_("partner")
    )
    kind = models.CharField(_("type"), max_length=20, choices=EngagementKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=EngagementStatus.choices, default=EngagementStatus.PLANNED
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="engagements", verbose_name=_("participants")
    )
    agenda = LimitedTextField(_("agenda"), max_length=fields.TEXT, blank=True)
    notes = LimitedTextField(_("notes"), max_length=fields.LONG_TEXT, blank=True)
    learnings = LimitedTextField(_("learnings"), max_length=fields.TEXT, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("relations:engagement_detail", args=[self.pk])


def engagement_file_path(instance, filename):
    return f"private/relations/engagements/{instance.engagement_id}/{filename}"


class EngagementFile(AttachedFile):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=engagement_file_path, max_length=300)
    name = models.CharField(max_length=200)
