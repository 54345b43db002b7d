"""Versioned collaboration agreements: roles, channel matrix, escalation ladder, two-sided sign-off.

A version that is no longer a draft is immutable in this layer, whatever the entry point (form,
API, admin, shell): its content fields and its rows refuse to change (`save()`, `delete()` and the
querysets' `update()`/`delete()`/`bulk_create()`), so a change always starts a new draft.
Only the life-cycle fields move, and only along the allowed transitions (see services.py).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class VersionLocked(ValidationError):
    """A change to a version (or its rows) that is not a draft any more."""

    def __init__(self, message=None):
        super().__init__(
            message or _("This version is no longer a draft and cannot be changed. Start a new draft instead."),
            code="locked",
        )


class Party(models.TextChoices):
    HOST = "host", _("Host")
    PARTNER = "partner", _("Partner")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Sent for sign-off")
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded")
    TERMINATED = "terminated", _("Terminated")


# Statuses a partner user may see (a draft is the host's work in progress).
SENT_STATUSES = (VersionStatus.IN_REVIEW, VersionStatus.ACTIVE, VersionStatus.SUPERSEDED, VersionStatus.TERMINATED)
OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)

# The only status changes the model layer accepts.
TRANSITIONS = {
    VersionStatus.DRAFT: {VersionStatus.IN_REVIEW},
    VersionStatus.IN_REVIEW: {VersionStatus.ACTIVE, VersionStatus.DRAFT},
    VersionStatus.ACTIVE: {VersionStatus.SUPERSEDED, VersionStatus.TERMINATED},
    VersionStatus.SUPERSEDED: set(),
    VersionStatus.TERMINATED: set(),
}


class Topic(models.TextChoices):
    DAILY_OPERATIONS = "daily_operations", _("Daily operations")
    DELIVERY_DELAYS = "delivery_delays", _("Delivery delays")
    QUALITY_DEVIATIONS = "quality_deviations", _("Quality deviations")
    INVOICES = "invoices", _("Invoices")
    ESCALATIONS = "escalations", _("Escalations")
    SYSTEM_OUTAGES = "system_outages", _("System outages")
    FORECASTS = "forecasts", _("Forecasts and capacity")
    OTHER = "other", _("Other")


def topic_order():
    """Order channel rules as the topics are listed (daily operations first), not alphabetically."""
    whens = [models.When(topic=value, then=models.Value(i)) for i, value in enumerate(Topic.values)]
    return models.Case(*whens, default=models.Value(len(whens)), output_field=models.IntegerField())


class Channel(models.TextChoices):
    PORTAL_NOTICE = "portal_notice", _("Portal notice")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    MEETING = "meeting", _("Meeting")
    CHAT = "chat", _("Chat")


class Agreement(models.Model):
    """The collaboration agreement of one partner relationship; its content lives in versions."""

    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.PROTECT, related_name="agreements", verbose_name=_("partner")
    )
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["partner__name"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [models.UniqueConstraint(fields=["partner"], name="one_agreement_per_partner")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("agreements:detail", args=[self.pk])

    def clean(self):
        if self.partner_id and self.partner.is_host:
            raise ValidationError({"partner": _("An agreement is made with a partner, not with the host company.")})

    def delete(self, *args, **kwargs):
        if self.versions.exclude(status=VersionStatus.DRAFT).exists():
            raise VersionLocked(_("An agreement that has been sent for sign-off is kept for the record."))
        return super().delete(*args, **kwargs)


class VersionQuerySet(models.QuerySet):
    def locked(self):
        return self.exclude(status=VersionStatus.DRAFT)

    def update(self, **kwargs):
        if set(kwargs) - set(AgreementVersion.LIFECYCLE_FIELDS) and self.locked().exists():
            raise VersionLocked()
        for name in AgreementVersion.WRITE_ONCE_FIELDS:
            if name in kwargs and self.filter(**{f"{name}__isnull": False}).exclude(**{name: kwargs[name]}).exists():
                raise VersionLocked(_("The dates a version was in force are kept for the record."))
        if "status" in kwargs:
            # Status changes go through save(), which checks the transition.
            raise VersionLocked(_("Change the status of a version through the agreement services."))
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        if self.locked().exists():
            raise VersionLocked()
        return super().delete()

    delete.queryset_only = True

    def sent(self):
        return self.filter(status__in=SENT_STATUSES)


class AgreementVersion(models.Model):
    CONTENT_FIELDS = ("agreement_id", "number", "review_date", "summary", "created_by_id")
    # Set by the life cycle once (in force from / until), never changed afterwards.
    WRITE_ONCE_FIELDS = ("effective_from", "effective_to")
    LIFECYCLE_FIELDS = (
        "status",
        "effective_from",
        "effective_to",
        "sent_at",
        "sent_by",
        "activated_at",
        "terminated_by",
        "terminated_at",
        "termination_reason",
    )

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="versions", verbose_name=_("agreement")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    review_date = models.DateField(
        _("review date"), null=True, blank=True, help_text=_("When both parties review the agreement (e.g. yearly).")
    )
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("Purpose of the collaboration and what this version changes.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent for sign-off"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    terminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    terminated_at = models.DateTimeField(_("terminated"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    kpi_targets = models.ManyToManyField(
        "kpis.KPITarget",
        blank=True,
        related_name="agreement_versions",
        verbose_name=_("KPI targets"),
        help_text=_("The KPI targets this version commits to (shared targets of the partner)."),
    )
    history = HistoricalRecords()

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "-number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="unique_agreement_version_number"),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status__in=["draft", "in_review"]),
                name="one_open_agreement_version",
            ),
            models.UniqueConstraint(
                fields=["agreement"], condition=Q(status="active"), name="one_active_agreement_version"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="agreement_version_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="terminated") | ~Q(termination_reason=""),
                name="agreement_termination_has_reason",
            ),
        ]

    def __str__(self):
        return _("%(title)s, version %(number)s") % {"title": self.agreement.title, "number": self.number}

    def get_absolute_url(self):
        return reverse("agreements:version", args=[self.pk])

    @property
    def is_draft(self):
        return self.status == VersionStatus.DRAFT

    @property
    def is_locked(self):
        return self.status != VersionStatus.DRAFT

    def save(self, *args, **kwargs):
        columns = ("status", *self.CONTENT_FIELDS, *self.WRITE_ONCE_FIELDS)
        stored = type(self).objects.filter(pk=self.pk).values(*columns).first() if self.pk else None
        if stored is None and self.status != VersionStatus.DRAFT:
            raise VersionLocked(_("A new version starts as a draft."))
        if stored is not None:
            old_status = stored["status"]
            content_changed = any(stored[f] != getattr(self, f) for f in self.CONTENT_FIELDS)
            if old_status != VersionStatus.DRAFT and content_changed:
                raise VersionLocked()
            if any(stored[f] is not None and stored[f] != getattr(self, f) for f in self.WRITE_ONCE_FIELDS):
                raise VersionLocked(_("The dates a version was in force are kept for the record."))
            if self.status != old_status and self.status not in TRANSITIONS[VersionStatus(old_status)]:
                raise VersionLocked(
                    _("A version cannot go from %(old)s to %(new)s.")
                    % {"old": VersionStatus(old_status).label, "new": VersionStatus(self.status).label}
                )
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        if type(self).objects.filter(pk=self.pk).locked().exists():
            raise VersionLocked()
        return super().delete(*args, **kwargs)

    delete.alters_data = True


def _assert_drafts(version_ids):
    version_ids = {v for v in version_ids if v is not None}
    if version_ids and AgreementVersion.objects.filter(pk__in=version_ids).locked().exists():
        raise VersionLocked()


class RowQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _assert_drafts(self.values_list("version_id", flat=True).distinct())
        if "version" in kwargs or "version_id" in kwargs:
            target = kwargs.get("version_id") or getattr(kwargs.get("version"), "pk", None)
            _assert_drafts([target])
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        _assert_drafts(self.values_list("version_id", flat=True).distinct())
        return super().delete()

    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        _assert_drafts(obj.version_id for obj in objs)
        return super().bulk_create(objs, *args, **kwargs)


class VersionRow(models.Model):
    """A row of a version's content: it may only change while the version is a draft."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, verbose_name=_("version"))

    objects = RowQuerySet.as_manager()

    # Fields compared by the diff (besides the natural key).
    DIFF_FIELDS: tuple = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        ids = [self.version_id]
        if self.pk:
            ids.extend(type(self).objects.filter(pk=self.pk).values_list("version_id", flat=True))
        _assert_drafts(ids)
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        _assert_drafts(type(self).objects.filter(pk=self.pk).values_list("version_id", flat=True))
        return super().delete(*args, **kwargs)

    delete.alters_data = True


class PersonRow(VersionRow):
    """A row naming one person: a portal user or a contact without a login (exactly one)."""

    party = models.CharField(_("party"), max_length=8, choices=Party.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    contact = models.ForeignKey(
        "partners.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )

    class Meta:
        abstract = True

    @property
    def person(self):
        return self.user or self.contact

    @property
    def person_name(self):
        person = self.person
        return str(person) if person else ""

    @property
    def person_details(self):
        person = self.person
        if person is None:
            return ""
        parts = [getattr(person, "title", ""), getattr(person, "email", ""), getattr(person, "phone", "")]
        return " · ".join(p for p in parts if p)

    def party_organization_id(self):
        if self.party == Party.HOST:
            from partners.models import Organization

            host = Organization.objects.host().first()
            return host.pk if host else None
        return self.version.agreement.partner_id

    def clean(self):
        super().clean()
        if bool(self.user_id) == bool(self.contact_id):
            raise ValidationError(_("Name exactly one person: a user or a contact."))
        if self.party and self.version_id:
            organization_id = self.party_organization_id()
            person = self.user if self.user_id else self.contact
            if person.organization_id != organization_id:
                raise ValidationError(
                    _("%(person)s does not belong to the %(party)s side.")
                    % {"person": person, "party": Party(self.party).label.lower()}
                )

    @staticmethod
    def person_constraint(name):
        return models.CheckConstraint(
            condition=Q(user__isnull=False, contact__isnull=True) | Q(user__isnull=True, contact__isnull=False),
            name=name,
            violation_error_message=_("Name exactly one person: a user or a contact."),
        )


class Responsibility(PersonRow):
    activity = models.CharField(_("activity"), max_length=200)
    responsible_for = models.TextField(_("responsible for"))

    DIFF_FIELDS = ("person_name", "responsible_for")

    class Meta:
        ordering = ["activity", "party", "pk"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "party", "activity"],
                name="unique_agreement_responsibility_activity",
                violation_error_message=_("This party already has this activity in the agreement."),
            ),
            PersonRow.person_constraint("agreement_responsibility_one_person"),
        ]

    def __str__(self):
        return f"{self.activity} ({self.get_party_display()})"

    @property
    def natural_key(self):
        return (self.party, self.activity.strip().lower())


class ChannelRule(PersonRow):
    """One line of the channel matrix: which topic goes by which channel, how fast, who owns it."""

    topic = models.CharField(_("topic"), max_length=24, choices=Topic.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    response_hours = models.PositiveIntegerField(
        _("response time (hours)"), help_text=_("Expected time to a first answer.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    DIFF_FIELDS = ("channel", "response_hours", "party", "person_name", "note")

    class Meta:
        ordering = ["topic", "pk"]
        verbose_name = _("channel rule")
        verbose_name_plural = _("channel matrix")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "topic"],
                name="unique_agreement_channel_topic",
                violation_error_message=_("This topic is already in the channel matrix."),
            ),
            models.CheckConstraint(
                condition=Q(response_hours__gte=1),
                name="agreement_channel_response_positive",
                violation_error_message=_("The response time is at least one hour."),
            ),
            PersonRow.person_constraint("agreement_channel_one_person"),
        ]

    def __str__(self):
        return f"{self.get_topic_display()}: {self.get_channel_display()}"

    @property
    def natural_key(self):
        return (self.topic,)


class EscalationStep(PersonRow):
    """A rung of the escalation ladder: who is involved after how long without an answer."""

    level = models.PositiveSmallIntegerField(_("level"))
    after_hours = models.PositiveIntegerField(
        _("after (hours without an answer)"), help_text=_("0 for the first level.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    DIFF_FIELDS = ("party", "person_name", "after_hours", "note")

    class Meta:
        ordering = ["level", "pk"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation ladder")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "level"],
                name="unique_agreement_escalation_level",
                violation_error_message=_("The ladder already has this level."),
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1),
                name="agreement_escalation_level_positive",
                violation_error_message=_("Levels start at 1."),
            ),
            PersonRow.person_constraint("agreement_escalation_one_person"),
        ]

    def __str__(self):
        return _("Level %(level)s: %(person)s") % {"level": self.level, "person": self.person_name}

    @property
    def natural_key(self):
        return (self.level,)


class SignatureQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise VersionLocked(_("A signature cannot be changed."))

    update.queryset_only = True

    def delete(self):
        if self.exclude(version__status=VersionStatus.IN_REVIEW).exists():
            raise VersionLocked(_("A signature of an active or past version is kept for the record."))
        return super().delete()

    delete.queryset_only = True


class Signature(models.Model):
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("version")
    )
    party = models.CharField(_("party"), max_length=8, choices=Party.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="agreement_signatures",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"))

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["signed_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [models.UniqueConstraint(fields=["version", "party"], name="one_signature_per_party")]

    def __str__(self):
        return f"{self.user} ({self.get_party_display()})"

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk).exists():
            raise VersionLocked(_("A signature cannot be changed."))
        if not AgreementVersion.objects.filter(pk=self.version_id, status=VersionStatus.IN_REVIEW).exists():
            raise VersionLocked(_("Only a version sent for sign-off can be signed."))
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        type(self).objects.filter(pk=self.pk).delete()

    delete.alters_data = True
