"""The partner timeline: one stored line per event (written by relations.timeline)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimelineCategory(models.TextChoices):
    AGREEMENT = "agreement", _("Agreements")
    MEETING = "meeting", _("Meetings")
    NOTICE = "notice", _("Notices")
    CASE = "case", _("Cases")
    ENGAGEMENT = "engagement", _("Engagements")
    ROADMAP = "roadmap", _("Roadmap")
    SURVEY = "survey", _("Surveys")
    SUCCESS = "success", _("Successes")


class TimelineEvent(models.Model):
    """One line in a partner's timeline, written when the event happens (fast on years of history:
    one indexed query per page, whatever the length)."""

    partner = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="timeline_events")
    category = models.CharField(max_length=20, choices=TimelineCategory.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    internal = models.BooleanField(default=False)
    key = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "-occurred_at", "-id"], name="timeline_partner_idx"),
            models.Index(fields=["partner", "category", "-occurred_at"], name="timeline_category_idx"),
        ]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self):
        """The title in the active language (see relations.timeline.record)."""
        from django.utils.translation import gettext

        if not self.params:
            return self.title
        params = {k: gettext(v) if k.endswith("_label") else v for k, v in self.params.items()}
        try:
            return gettext(self.title) % params
        except (KeyError, TypeError, ValueError):
            return self.title % params
