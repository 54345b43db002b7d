"""Sign-off: send a draft for signatures, withdraw it, sign it, activate and terminate a version."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify, withdraw

from .. import selectors
from ..models import AgreementVersion, ChannelRule, EscalationStep, Party, Responsibility, Signature, VersionStatus
from .base import KIND_SIGNATURE, KIND_STATUS, _lock, _require, _require_draft
from .signatories import host_signatories, partner_signatories, party_of, signatories_pending


def _round(version):
    """Which sending of the version (a withdrawn version can be sent again): its send time."""
    return version.sent_at.strftime("%Y%m%d%H%M%S%f") if version.sent_at else "0"


def _sign_context(version):
    return {
        "version": version,
        "agreement": version.agreement,
        "partner": version.agreement.partner,
        "url": absolute("agreements:version", version.pk),
    }


@transaction.atomic
def version_send(*, version: AgreementVersion, user) -> AgreementVersion:
    """Draft → sent for sign-off; the signatories of both sides are notified."""
    _require(user, "send", AgreementVersion, _("Only host staff can send an agreement for sign-off."))
    version = _lock(version)
    _require_draft(version)
    problems = []
    if version.review_date is None:
        problems.append(_("Set a review date."))
    elif version.review_date <= timezone.localdate():
        problems.append(_("The review date must be in the future."))
    if not Responsibility.objects.filter(version=version).exists():
        problems.append(_("Add at least one role or responsibility."))
    if not ChannelRule.objects.filter(version=version).exists():
        problems.append(_("Add at least one line to the channel matrix."))
    if not EscalationStep.objects.filter(version=version).exists():
        problems.append(_("Add at least one step to the escalation ladder."))
    if not partner_signatories(version.agreement.partner).exists():
        problems.append(_("%(partner)s has no partner manager who can sign.") % {"partner": version.agreement.partner})
    if not problems:
        active = AgreementVersion.objects.filter(agreement_id=version.agreement_id, status=VersionStatus.ACTIVE).first()
        if active is not None and not selectors.version_diff(old=active, new=version)["has_changes"]:
            problems.append(_("Nothing differs from the version in force; change something before sending it."))
    if problems:
        raise ValidationError(problems)
    version.status = VersionStatus.IN_REVIEW
    version.sent_at = timezone.now()
    version.sent_by = user
    version.save()
    notify(
        recipients=signatories_pending(version),
        kind=KIND_SIGNATURE,
        key=f"agreement:{version.pk}:sign:{_round(version)}:request",
        template="agreements/email/sign_request",
        context=_sign_context(version),
        url=reverse("agreements:version", args=[version.pk]),
        partner=version.agreement.partner,
    )
    return version


@transaction.atomic
def version_withdraw(*, version: AgreementVersion, user) -> AgreementVersion:
    """Sent for sign-off → back to draft (e.g. the partner asks for a change); signatures are void."""
    _require(user, "withdraw", AgreementVersion, _("Only host staff can withdraw a version from sign-off."))
    version = _lock(version)
    if version.status != VersionStatus.IN_REVIEW:
        raise ValidationError(_("Only a version that awaits signatures can be withdrawn."))
    Signature.objects.filter(version=version).delete()
    version.status = VersionStatus.DRAFT
    version.sent_at = None
    version.sent_by = None
    version.save()
    withdraw(key_prefix=f"agreement:{version.pk}:sign:")
    return version


@transaction.atomic
def version_sign(*, version: AgreementVersion, user) -> Signature:
    """Sign for one's side; when both sides have signed, the version becomes active."""
    version = _lock(version)
    partner = version.agreement.partner
    if version.status == VersionStatus.DRAFT:
        raise ValidationError(_("This version is a draft and has not been sent for sign-off yet."), code="not_sent")
    if version.status != VersionStatus.IN_REVIEW:
        raise ValidationError(
            _("This version is %(status)s and no longer awaits signatures.")
            % {"status": version.get_status_display().lower()},
            code="not_in_review",
        )
    role = policy.role_of(user)
    if role == policy.PARTNER_VIEWER:
        raise ValidationError(_("Only a partner manager can sign for the partner."), code="viewer")
    if role == policy.PARTNER_MANAGER and user.organization_id != partner.pk:
        raise ValidationError(_("Only a manager of %(partner)s can sign for it.") % {"partner": partner}, code="other")
    party = party_of(user, version)
    if party is None:
        raise ValidationError(_("You cannot sign this agreement."), code="forbidden")
    existing = version.signatures.filter(party=party).select_related("user").first()
    if existing is not None:
        if existing.user_id == user.pk:
            raise ValidationError(_("You have already signed this version."), code="twice")
        raise ValidationError(
            _("%(name)s has already signed this version for your side.") % {"name": existing.user}, code="twice"
        )
    signature = Signature(version=version, party=party, user=user, signed_at=timezone.now())
    signature.full_clean()
    signature.save()
    withdraw(key_prefix=f"agreement:{version.pk}:sign:{_round(version)}:reminder")
    if set(version.signatures.values_list("party", flat=True)) == {Party.HOST, Party.PARTNER}:
        _activate(version)
    return signature


def _activate(version):
    today = timezone.localdate()
    previous = (
        AgreementVersion.objects.select_for_update()
        .filter(agreement_id=version.agreement_id, status=VersionStatus.ACTIVE)
        .first()
    )
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        previous.effective_to = max(today - timedelta(days=1), previous.effective_from or today)
        previous.save()
    version.status = VersionStatus.ACTIVE
    version.effective_from = today
    version.effective_to = None
    version.activated_at = timezone.now()
    version.save()
    withdraw(key_prefix=f"agreement:{version.pk}:sign:")
    recipients = list(host_signatories()) + list(partner_signatories(version.agreement.partner))
    notify(
        recipients=recipients,
        kind=KIND_STATUS,
        key=f"agreement:{version.pk}:active",
        template="agreements/email/activated",
        context=_sign_context(version),
        url=reverse("agreements:version", args=[version.pk]),
        partner=version.agreement.partner,
    )


@transaction.atomic
def version_terminate(*, version: AgreementVersion, user, reason: str) -> AgreementVersion:
    """End the active version (and so the agreement) early; admins only, with a reason."""
    _require(user, "terminate", AgreementVersion, _("Only an administrator can terminate an agreement."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the termination.")})
    version = _lock(version)
    if version.status != VersionStatus.ACTIVE:
        raise ValidationError(_("Only the active version of an agreement can be terminated."), code="not_active")
    today = timezone.localdate()
    version.status = VersionStatus.TERMINATED
    version.effective_to = max(today, version.effective_from or today)
    version.terminated_by = user
    version.terminated_at = timezone.now()
    version.termination_reason = reason
    version.save()
    recipients = list(host_signatories()) + list(partner_signatories(version.agreement.partner))
    notify(
        recipients=recipients,
        kind=KIND_STATUS,
        key=f"agreement:{version.pk}:terminated",
        template="agreements/email/terminated",
        context={**_sign_context(version), "reason": reason},
        url=reverse("agreements:version", args=[version.pk]),
        partner=version.agreement.partner,
    )
    return version
