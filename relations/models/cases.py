"""Cases: a conflict handled early and blamelessly, with its status history, files and escalations."""

import os

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

from .base import AttachedFile, Side, acknowledged_by_field


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("status", "Open")
    INVESTIGATING = "investigating", _("Investigating")
    ACTIONS_AGREED = "actions_agreed", _("Actions agreed")
    RESOLVED = "resolved", _("Resolved")


CASE_FLOW = {
    CaseStatus.OPEN: {CaseStatus.INVESTIGATING},
    CaseStatus.INVESTIGATING: {CaseStatus.ACTIONS_AGREED, CaseStatus.OPEN},
    CaseStatus.ACTIONS_AGREED: {CaseStatus.RESOLVED, CaseStatus.INVESTIGATING},
    CaseStatus.RESOLVED: {CaseStatus.INVESTIGATING},
}


class Case(models.Model):
    """A conflict handled early, on the solution, with facts: a blameless structure."""

    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="cases", verbose_name=_("partner")
    )
    side = models.CharField(_("raised by side"), max_length=10, choices=Side.choices)
    title = models.CharField(_("title"), max_length=200)
    what_happened = LimitedTextField(_("what happened"), max_length=fields.TEXT)
    impact = LimitedTextField(_("impact"), max_length=fields.TEXT, blank=True)
    root_cause = LimitedTextField(_("root cause"), max_length=fields.TEXT, blank=True)
    prevention = LimitedTextField(_("how do we avoid it next time"), max_length=fields.TEXT, blank=True)
    no_action_reason = LimitedTextField(
        _("decision: no action item needed"),
        max_length=fields.SHORT_TEXT,
        blank=True,
        help_text=_("If no action item is needed, document the decision and why."),
    )
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_by = acknowledged_by_field()
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("last progress"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    measurements = models.ManyToManyField(
        "kpis.Measurement", blank=True, related_name="relation_cases", verbose_name=_("measurements")
    )
    action_items = models.ManyToManyField(
        "meetings.ActionItem", blank=True, related_name="relation_cases", verbose_name=_("agreed actions")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["partner", "status"], name="case_partner_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False), name="case_resolved_has_time"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("relations:case_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status != CaseStatus.RESOLVED


class CaseEvent(models.Model):
    """Who moved the case, when, from what to what (the visible status history)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.case_id}: {self.from_status} → {self.to_status}"


def case_file_path(instance, filename):
    # Under MEDIA_ROOT but never linked publicly: downloads go through relations:case_file.
    return f"private/relations/cases/{instance.case_id}/{filename}"


class CaseFile(AttachedFile):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=case_file_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)

    @property
    def extension(self):
        return os.path.splitext(self.name)[1].lower().lstrip(".")


class CaseEscalation(models.Model):
    """One row per (case, level): the ladder is climbed once per level, whatever the retries."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField()
    target = models.CharField(max_length=200, blank=True)
    escalated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["level"]
        constraints = [models.UniqueConstraint(fields=["case", "level"], name="case_escalation_once_per_level")]

    def __str__(self):
        return f"{self.case_id}: level {self.level}"
