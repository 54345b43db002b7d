"""Keep a sealed version as it is on the paths its models' own methods do not see.

- The KPI targets it commits to: the many-to-many manager (m2m_changed) and the target itself
  (a guard registered with kpis.services.guard_targets: save, update, delete, also by cascade).
- Deletions by cascade and through `_base_manager` (Django's Collector calls neither `delete()`
  nor the querysets): pre_delete refuses each object of a sealed version. A receiver also stops
  Django's fast delete, so every object passes here.
"""

from django.db.models import Q
from django.db.models.signals import m2m_changed, pre_delete
from django.utils.translation import gettext as _

from kpis.services import guard_targets

from .models import (
    SEALED_STATUSES,
    SIGNED_STATUSES,
    Agreement,
    AgreementVersion,
    AgreementVersionKPITarget,
    ChannelRule,
    EscalationStep,
    Responsibility,
    Signature,
    VersionLocked,
    VersionStatus,
    _assert_drafts,
)


def _guard_kpi_targets(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if reverse:
        versions = AgreementVersion.objects.filter(pk__in=pk_set or [])
        if action == "pre_clear":
            versions = instance.agreement_versions.all()
        if versions.exclude(status=VersionStatus.DRAFT).exists():
            raise VersionLocked()
    elif AgreementVersion.objects.filter(pk=instance.pk).exclude(status=VersionStatus.DRAFT).exists():
        raise VersionLocked()


def committed_targets(targets):
    """Those of `targets` that a version sent for sign-off or signed commits to."""
    links = AgreementVersionKPITarget.objects.filter(agreementversion__status__in=SEALED_STATUSES)
    return targets.filter(pk__in=links.values("kpitarget_id"))


def _guard_committed_target(targets, changes):
    """A committed target changes only by a new row: kpis.services.target_set closes it (valid_to
    earlier, never later or open again); who typed it may be blanked when that user is deleted."""
    committed = committed_targets(targets)
    if not committed.exists():
        return
    message = _(
        "This KPI target is part of an agreement sent for sign-off or signed and cannot be changed or deleted. "
        "Set a new target instead; this one is kept in the history."
    )
    if changes is None:
        raise VersionLocked(message)
    changes = {name.removesuffix("_id") if name.endswith("_id") else name: value for name, value in changes.items()}
    if set(changes) - {"valid_to", "created_by"}:
        raise VersionLocked(message)
    if "created_by" in changes and changes["created_by"] is not None:
        raise VersionLocked(message)
    if "valid_to" in changes:
        valid_to = changes["valid_to"]
        if valid_to is None or committed.filter(valid_to__lt=valid_to).exists():
            raise VersionLocked(
                _("A KPI target that an agreement commits to can only be closed earlier, not extended or reopened.")
            )


def _refuse_sealed_version(sender, instance, **kwargs):
    if AgreementVersion.objects.filter(pk=instance.pk).locked().exists():
        raise VersionLocked()


def _refuse_sealed_agreement(sender, instance, **kwargs):
    if instance.is_sealed:
        raise VersionLocked(Agreement.KEPT_MESSAGE)


def _refuse_row_of_sealed_version(sender, instance, **kwargs):
    _assert_drafts(sender.objects.filter(pk=instance.pk).values_list(f"{sender.VERSION_FIELD}_id", flat=True))


def _refuse_signature_of_signed_version(sender, instance, **kwargs):
    signed = Q(version__status__in=SIGNED_STATUSES)
    if Signature.objects.filter(signed, pk=instance.pk).exists():
        raise VersionLocked(_("A signature of an active or past version is kept for the record."))


def connect():
    """Connect the guards (once per process: dispatch_uid); called by AgreementsConfig.ready."""
    m2m_changed.connect(
        _guard_kpi_targets, sender=AgreementVersion.kpi_targets.through, dispatch_uid="agreements_kpi_targets_guard"
    )
    guard_targets(_guard_committed_target)
    receivers = [
        (Agreement, _refuse_sealed_agreement),
        (AgreementVersion, _refuse_sealed_version),
        (Signature, _refuse_signature_of_signed_version),
        *[(model, _refuse_row_of_sealed_version) for model in (Responsibility, ChannelRule, EscalationStep)],
        (AgreementVersionKPITarget, _refuse_row_of_sealed_version),
    ]
    for model, receiver in receivers:
        pre_delete.connect(receiver, sender=model, dispatch_uid=f"agreements_keep_{model._meta.label_lower}")
