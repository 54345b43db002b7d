"""The agreement of a partner relationship and its versions, with the querysets that keep sealed ones as they are."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

from .base import (
    SEALED_CHANGES,
    SEALED_STATUSES,
    SENT_STATUSES,
    SIGNED_STATUSES,
    TRANSITIONS,
    Party,
    VersionLocked,
    VersionStatus,
)


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
    CONTENT_FIELDS = ("agreement_id", "number", "review_date", "summary", "created_by_id", "template_revision_id")
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
    # The template revision the version's content was built from (a new agreement, or a template's
    # changes carried into a draft); part of the version's content, sealed with it.
    template_revision = models.ForeignKey(
        "AgreementTemplateRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="versions",
        verbose_name=_("built from template revision"),
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
        from .signatures import Signature

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
