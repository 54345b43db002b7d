"""The rows of a version (KPI targets, responsibilities, channel rules, escalation steps): editable in a draft only."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partnerportal import fields
from partnerportal.fields import LimitedTextField

from .agreements import AgreementVersion
from .base import Channel, Party, Topic, VersionLocked


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
