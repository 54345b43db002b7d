"""Roadmap: the host's plans, shared with chosen partners, and each partner's comment thread."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField


class RoadmapCategory(models.TextChoices):
    EXPANSION = "expansion", _("Expansion")
    AUTOMATION = "automation", _("Automation")
    SYSTEMS = "new_systems", _("New systems")
    PROCESS = "process_change", _("Process change")


class RoadmapStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class RoadmapItem(models.Model):
    """A host plan. Internal unless shared with chosen partners (shared_with)."""

    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=RoadmapCategory.choices)
    description = LimitedTextField(_("description"), max_length=fields.TEXT, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RoadmapStatus.choices, default=RoadmapStatus.PLANNED)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    expected_effect = LimitedTextField(_("expected effect on the partner"), max_length=fields.SHORT_TEXT, blank=True)
    shared_with = models.ManyToManyField(
        "partners.Organization", blank=True, related_name="roadmap_items", verbose_name=_("shared with")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords(m2m_fields=[shared_with])

    class Meta:
        ordering = ["starts_on", "title"]
        verbose_name = _("roadmap item")
        verbose_name_plural = _("roadmap items")

    def __str__(self):
        return self.title

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end cannot be before the start.")})

    def get_absolute_url(self):
        return reverse("relations:roadmap_detail", args=[self.pk])


class RoadmapComment(models.Model):
    """A comment or idea in one partner's thread on a plan (other partners never see it)."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="comments")
    partner = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_idea = models.BooleanField(_("this is an idea"), default=False)
    body = LimitedTextField(_("comment"), max_length=fields.TEXT)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.body[:60]
