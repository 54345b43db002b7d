"""Versioned collaboration agreements: roles, channel matrix, escalation ladder, two-sided sign-off.

A version that is no longer a draft is *sealed*: sent for sign-off (in review) or *signed* (active,
superseded, terminated). A sealed version, its rows, its signatures once signed, the KPI targets it
commits to, their links and the agreement's title (which the version shows) do not change, whatever
the entry point (form, API, admin, shell): `save()`, `delete()`, the querysets' `update()`/`delete()`/
`bulk_create()`, every model's `_base_manager` and cascades (pre_delete signals, signals.py) refuse.
Only the life-cycle columns move, and only as the services move them (SEALED_CHANGES below), so a
change always starts a new draft. On PostgreSQL the same rules are triggers (migration 0002), which
also stop raw SQL and the ORM's unguarded internals; their refusal is an IntegrityError whose
message starts with "agreements:" (see `is_refusal`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField


class VersionLocked(ValidationError):
    """A change to a version (or its rows) that is not a draft any more."""

    def __init__(self, message=None):
        super().__init__(
            message or _("This version is no longer a draft and cannot be changed. Start a new draft instead."),
            code="locked",
        )


def is_refusal(error) -> bool:
    """Whether a database error is one of the agreements triggers refusing a change to a sealed version."""
    cause = getattr(error, "__cause__", None)
    return getattr(cause, "sqlstate", None) == "23001" and "agreements:" in str(error)


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

# Sealed: sent for sign-off or signed. Signed: both parties signed (active and after).
SEALED_STATUSES = SENT_STATUSES
SIGNED_STATUSES = (VersionStatus.ACTIVE, VersionStatus.SUPERSEDED, VersionStatus.TERMINATED)

# The only status changes the model layer accepts.
TRANSITIONS = {
    VersionStatus.DRAFT: {VersionStatus.IN_REVIEW},
    VersionStatus.IN_REVIEW: {VersionStatus.ACTIVE, VersionStatus.DRAFT},
    VersionStatus.ACTIVE: {VersionStatus.SUPERSEDED, VersionStatus.TERMINATED},
    VersionStatus.SUPERSEDED: set(),
    VersionStatus.TERMINATED: set(),
}


# For a sealed version: the columns (besides status) that each status change may write, which are
# the columns the service of that step writes. Everything else stays as it was. Migration 0002
# holds the same table as a PostgreSQL trigger.
SEALED_CHANGES = {
    (VersionStatus.IN_REVIEW, VersionStatus.IN_REVIEW): (),
    (VersionStatus.IN_REVIEW, VersionStatus.DRAFT): ("sent_at", "sent_by_id"),  # version_withdraw
    (VersionStatus.IN_REVIEW, VersionStatus.ACTIVE): ("effective_from", "effective_to", "activated_at"),
    (VersionStatus.ACTIVE, VersionStatus.ACTIVE): (),
    (VersionStatus.ACTIVE, VersionStatus.SUPERSEDED): ("effective_to",),  # a newer version is activated
    (VersionStatus.ACTIVE, VersionStatus.TERMINATED): (  # version_terminate
        "effective_to",
        "terminated_by_id",
        "terminated_at",
        "termination_reason",
    ),
    (VersionStatus.SUPERSEDED, VersionStatus.SUPERSEDED): (),
    (VersionStatus.TERMINATED, VersionStatus.TERMINATED): (),
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


def _sealed_agreements(agreement_ids):
    return AgreementVersion.objects.filter(agreement_id__in=agreement_ids, status__in=SEALED_STATUSES)


class AgreementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if _sealed_agreements(self.values("pk")).exists():
            raise VersionLocked(Agreement.SEALED_MESSAGE)
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        if _sealed_agreements(self.values("pk")).exists():
            raise VersionLocked(Agreement.KEPT_MESSAGE)
        return super().delete()

    delete.queryset_only = True


class Agreement(models.Model):
    """The collaboration agreement of one partner relationship; its content lives in versions.

    Its title and partner are what a sealed version shows: they are fixed once a version was sent."""

    SEALED_MESSAGE = _(
        "The title and partner of an agreement that has been sent for sign-off are part of what was signed "
        "and cannot be changed."
    )
    KEPT_MESSAGE = _("An agreement that has been sent for sign-off is kept for the record.")

    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.PROTECT, related_name="agreements", verbose_name=_("partner")
    )
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = AgreementQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["partner__name"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [models.UniqueConstraint(fields=["partner"], name="one_agreement_per_partner")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("agreements:detail", args=[self.pk])

    @property
    def is_sealed(self):
        return self.pk is not None and _sealed_agreements([self.pk]).exists()

    def _check_sealed(self):
        if self.pk is None:
            return
        stored = type(self).objects.filter(pk=self.pk).values("title", "partner_id").first()
        if stored and (stored["title"], stored["partner_id"]) != (self.title, self.partner_id) and self.is_sealed:
            raise VersionLocked(self.SEALED_MESSAGE)

    def clean(self):
        if self.partner_id and self.partner.is_host:
            raise ValidationError({"partner": _("An agreement is made with a partner, not with the host company.")})
        self._check_sealed()

    def save(self, *args, **kwargs):
        self._check_sealed()
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        if self.is_sealed:
            raise VersionLocked(self.KEPT_MESSAGE)
        return super().delete(*args, **kwargs)

    delete.alters_data = True


class VersionQuerySet(models.QuerySet):
    def locked(self):
        return self.exclude(status=VersionStatus.DRAFT)

    def update(self, **kwargs):
        # A sealed version changes only by a step of its life cycle, through save() and a service.
        if self.locked().exists():
            raise VersionLocked()
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

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if any(obj.status != VersionStatus.DRAFT for obj in objs):
            raise VersionLocked(_("A new version starts as a draft."))
        return super().bulk_create(objs, *args, **kwargs)

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
    summary = LimitedTextField(
        _("summary"),
        max_length=fields.DOCUMENT,
        blank=True,
        help_text=_("Purpose of the collaboration and what this version changes."),
    )
    # PROTECT: who created, sent and terminated a version is part of its record (a user leaves by
    # being deactivated), so deleting the user must not blank it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent for sign-off"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    terminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("terminated by"),
    )
    terminated_at = models.DateTimeField(_("terminated"), null=True, blank=True)
    termination_reason = LimitedTextField(_("reason for termination"), max_length=fields.SHORT_TEXT, blank=True)
    kpi_targets = models.ManyToManyField(
        "kpis.KPITarget",
        blank=True,
        related_name="agreement_versions",
        through="AgreementVersionKPITarget",
        verbose_name=_("KPI targets"),
        help_text=_("The KPI targets this version commits to (shared targets of the partner)."),
    )
    history = HistoricalRecords()

    objects = VersionQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
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

    @property
    def is_signed(self):
        return self.status in SIGNED_STATUSES

    def save(self, *args, **kwargs):
        columns = [f.attname for f in self._meta.concrete_fields if not f.primary_key]
        stored = type(self).objects.filter(pk=self.pk).values(*columns).first() if self.pk else None
        if stored is None and self.status != VersionStatus.DRAFT:
            raise VersionLocked(_("A new version starts as a draft."))
        if stored is not None:
            self._check_change(stored)
        super().save(*args, **kwargs)

    save.alters_data = True

    def _check_change(self, stored):
        """Refuse any change to a sealed version that is not a step of its life cycle (SEALED_CHANGES)."""
        old, new = VersionStatus(stored["status"]), VersionStatus(self.status)
        if any(stored[f] is not None and stored[f] != getattr(self, f) for f in self.WRITE_ONCE_FIELDS):
            raise VersionLocked(_("The dates a version was in force are kept for the record."))
        if new != old and new not in TRANSITIONS[old]:
            raise VersionLocked(
                _("A version cannot go from %(old)s to %(new)s.") % {"old": old.label, "new": new.label}
            )
        if old == VersionStatus.DRAFT:
            return
        changed = {f for f in stored if f != "status" and stored[f] != getattr(self, f)}
        if changed & set(self.CONTENT_FIELDS):
            raise VersionLocked()
        if changed - set(SEALED_CHANGES[(old, new)]):
            raise VersionLocked(
                _("The sign-off record of a version (who sent, activated or terminated it, when and why) is kept.")
            )
        if (old, new) == (VersionStatus.IN_REVIEW, VersionStatus.DRAFT) and (
            self.sent_at or self.sent_by_id or self.signatures.exists()
        ):
            raise VersionLocked(_("A version goes back to draft only by withdrawing it, which voids its signatures."))
        if (old, new) == (VersionStatus.IN_REVIEW, VersionStatus.ACTIVE) and not self.activated_at:
            raise VersionLocked(_("A version becomes active through the sign-off, which records when."))
        if (old, new) == (VersionStatus.ACTIVE, VersionStatus.SUPERSEDED) and not (
            self.effective_to and self._newer_version_signed()
        ):
            raise VersionLocked(
                _("A version is superseded only when a newer version, signed by both parties, is activated.")
            )
        if (old, new) == (VersionStatus.ACTIVE, VersionStatus.TERMINATED) and not (
            self.terminated_at and self.terminated_by_id and self.termination_reason.strip() and self.effective_to
        ):
            raise VersionLocked(
                _("A version is terminated only through the termination, which records who, when and why.")
            )

    def _newer_version_signed(self):
        newer = Signature.objects.filter(
            version__agreement_id=self.agreement_id,
            version__status=VersionStatus.IN_REVIEW,
            version__number__gt=self.number,
        )
        return newer.filter(party=Party.HOST).exists() and newer.filter(party=Party.PARTNER).exists()

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
    """Rows of a version (and the version's KPI target links): `model.VERSION_FIELD` names the version."""

    def _version_ids(self):
        return self.values_list(f"{self.model.VERSION_FIELD}_id", flat=True).distinct()

    def update(self, **kwargs):
        _assert_drafts(self._version_ids())
        name = self.model.VERSION_FIELD
        if name in kwargs or f"{name}_id" in kwargs:
            target = kwargs.get(f"{name}_id") or getattr(kwargs.get(name), "pk", None)
            _assert_drafts([target])
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        _assert_drafts(self._version_ids())
        return super().delete()

    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        _assert_drafts(getattr(obj, f"{self.model.VERSION_FIELD}_id") for obj in objs)
        return super().bulk_create(objs, *args, **kwargs)


class DraftOnlyRow(models.Model):
    """A row that belongs to a version and may only change while the version is a draft."""

    VERSION_FIELD = "version"

    objects = RowQuerySet.as_manager()

    class Meta:
        abstract = True

    def _version_id(self):
        return getattr(self, f"{self.VERSION_FIELD}_id")

    def save(self, *args, **kwargs):
        ids = [self._version_id()]
        if self.pk:
            ids.extend(type(self).objects.filter(pk=self.pk).values_list(f"{self.VERSION_FIELD}_id", flat=True))
        _assert_drafts(ids)
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        _assert_drafts(type(self).objects.filter(pk=self.pk).values_list(f"{self.VERSION_FIELD}_id", flat=True))
        return super().delete(*args, **kwargs)

    delete.alters_data = True


class AgreementVersionKPITarget(DraftOnlyRow):
    """A KPI target a version commits to: the link table of `AgreementVersion.kpi_targets`.

    The target is linked, not copied; once the version is sealed neither the link nor the target
    changes (a changed target is a new KPITarget row, kpis.services.target_set)."""

    VERSION_FIELD = "agreementversion"

    agreementversion = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE)
    kpitarget = models.ForeignKey("kpis.KPITarget", on_delete=models.CASCADE)

    class Meta:
        # The table Django created for the plain many-to-many field; migration 0002 adopts it.
        db_table = "agreements_agreementversion_kpi_targets"
        base_manager_name = "objects"
        unique_together = [("agreementversion", "kpitarget")]
        verbose_name = _("KPI target of a version")
        verbose_name_plural = _("KPI targets of versions")

    def __str__(self):
        return f"{self.agreementversion_id} → {self.kpitarget_id}"


class VersionRow(DraftOnlyRow):
    """A row of a version's content: it may only change while the version is a draft."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, verbose_name=_("version"))

    # Fields compared by the diff (besides the natural key).
    DIFF_FIELDS: tuple = ()

    class Meta:
        abstract = True


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
    responsible_for = LimitedTextField(_("responsible for"), max_length=fields.SHORT_TEXT)

    DIFF_FIELDS = ("person_name", "responsible_for")

    class Meta:
        base_manager_name = "objects"
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
        base_manager_name = "objects"
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
        base_manager_name = "objects"
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

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        in_review = AgreementVersion.objects.filter(status=VersionStatus.IN_REVIEW)
        if in_review.filter(pk__in={obj.version_id for obj in objs}).count() != len({obj.version_id for obj in objs}):
            raise VersionLocked(_("Only a version sent for sign-off can be signed."))
        return super().bulk_create(objs, *args, **kwargs)

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
        base_manager_name = "objects"
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
