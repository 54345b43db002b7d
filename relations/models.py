"""Relationship practices: notices, cases, engagements, roadmap, surveys, kudos, health and timeline.

Every model belongs to one partner organisation (roadmap items to the partners they are shared
with), so the access policy (relations/policies.py) can scope it. Survey answers of anonymous
rounds are stored without any link to the person (see SurveyResponse).
"""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

ALLOWED_FILE_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "xlsx", "csv", "txt", "docx")
MAX_FILE_BYTES = 10 * 1024 * 1024


class Side(models.TextChoices):
    HOST = "host", _("Host")
    PARTNER = "partner", _("Partner")


def side_of(user) -> str:
    from partnerportal import policy

    return Side.HOST if policy.is_host(user) else Side.PARTNER


# --- Notices ---------------------------------------------------------------------------------


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
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
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


# --- Cases -----------------------------------------------------------------------------------


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
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
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


class CaseFile(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=case_file_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name

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


# --- Engagements -----------------------------------------------------------------------------


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
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
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


class EngagementFile(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=engagement_file_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name


# --- Roadmap ---------------------------------------------------------------------------------


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
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.body[:60]


# --- Kudos -----------------------------------------------------------------------------------


class Kudos(models.Model):
    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="kudos", verbose_name=_("partner")
    )
    side = models.CharField(max_length=10, choices=Side.choices)
    title = models.CharField(_("what went well"), max_length=200)
    message = LimitedTextField(_("message"), max_length=fields.SHORT_TEXT, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("kudos")
        verbose_name_plural = _("kudos")

    def __str__(self):
        return self.title


# --- Surveys ---------------------------------------------------------------------------------

# An anonymous round shows a side's results only from this many answers on that side.
MIN_ANSWERS_PER_SIDE = 3


class SurveyQuestion(models.Model):
    """The editable default template: one 1–5 scale question per row (admins edit them)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    text_en = models.CharField(_("question (English)"), max_length=200)
    text_da = models.CharField(_("question (Danish)"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self):
        return self.text_en


class SurveyRound(models.Model):
    """One survey for one partner, sent to people on both sides. Questions are copied at creation."""

    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="survey_rounds", verbose_name=_("partner")
    )
    title = models.CharField(_("title"), max_length=200)
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    anonymous = models.BooleanField(_("anonymous"), default=True)
    questions = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="survey_round_dates")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("relations:survey_detail", args=[self.pk])

    def is_open(self, today=None):
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on

    def results_released(self, today=None) -> bool:
        """Named rounds show results as answers come in. Anonymous rounds only once closed: results
        that move answer by answer would give each new answer away by subtraction."""
        return not self.anonymous or (today or timezone.localdate()) > self.closes_on

    def side_shown(self, answers: int, today=None) -> bool:
        """May one side's results (means and comments) be shown, with `answers` answers on that side?"""
        if not self.results_released(today):
            return False
        return not self.anonymous or answers >= MIN_ANSWERS_PER_SIDE


class SurveyInvitation(models.Model):
    """Who was asked and whether they answered. Deliberately no time and no link to the answer."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=10, choices=Side.choices)
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="survey_invitation_once")]

    def __str__(self):
        return f"{self.round_id}: {self.user_id}"


class SurveyResponse(models.Model):
    """An answer. In anonymous rounds `respondent` is empty and nothing else points at the person:
    no timestamp finer than the day, no history table, and the invitation only says 'answered'."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")
    side = models.CharField(max_length=10, choices=Side.choices)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scores = models.JSONField(default=dict)
    comment = LimitedTextField(_("comment"), max_length=fields.TEXT, blank=True)
    submitted_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "respondent"], condition=Q(respondent__isnull=False), name="survey_response_once"
            )
        ]

    def __str__(self):
        return f"{self.round_id}: {self.side}"


# --- Health score ----------------------------------------------------------------------------


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


# --- Timeline --------------------------------------------------------------------------------


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
