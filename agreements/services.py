"""Writes of the agreements app: the life cycle of a version, each step in one transaction.

Every step locks the version row (SELECT ... FOR UPDATE), checks that the step is allowed for
this user in this state, and otherwise raises a ValidationError with a clear message and changes
nothing. Views, the API, the admin and the demo data all go through these functions.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis.selectors import shared_targets_of
from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify, withdraw
from partners.selectors import host_managers, portal_users

from . import selectors
from .models import (
    Agreement,
    AgreementVersion,
    ChannelRule,
    EscalationStep,
    Party,
    Responsibility,
    Signature,
    VersionStatus,
)

ROW_MODELS = (Responsibility, ChannelRule, EscalationStep)
KIND_SIGNATURE = "agreements.signature"
KIND_STATUS = "agreements.status"
KIND_REVIEW = "agreements.review"
_UNSET = object()


def _require_host(user, message=None):
    if not policy.is_host(user):
        raise ValidationError(message or _("Only host staff can change agreements."), code="forbidden")


def _lock(version) -> AgreementVersion:
    return AgreementVersion.objects.select_for_update().select_related("agreement__partner").get(pk=version.pk)


def _require_draft(version):
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(
            _("Version %(number)s is %(status)s and cannot be changed. Start a new draft instead.")
            % {"number": version.number, "status": version.get_status_display().lower()},
            code="locked",
        )


# --- who signs -------------------------------------------------------------------------------


def is_host_signatory(user) -> bool:
    return policy.is_host(user) and (user.is_superuser or getattr(user.organization, "is_host", False))


def is_partner_signatory(user, partner) -> bool:
    return policy.role_of(user) == policy.PARTNER_MANAGER and user.organization_id == partner.pk


def host_signatories():
    return host_managers()


def partner_signatories(partner):
    return portal_users(policy.partner_managers()).filter(organization=partner)


def review_owners(version) -> list:
    """Who is told that a version is due for review: per side, the portal users its roles and
    responsibilities name; a side that names none (only contacts without a login, or people who
    have left) falls back to that side's signatories."""
    partner = version.agreement.partner
    named = version.responsibility_set.filter(user__isnull=False).values("user_id")
    people = []
    for party, fallback, organization in (
        (Party.HOST, host_signatories(), {"organization__kind": policy.HOST_KIND}),
        (Party.PARTNER, partner_signatories(partner), {"organization": partner}),
    ):
        owners = list(portal_users().filter(is_active=True, pk__in=named.filter(party=party), **organization))
        people.extend(owners or fallback)
    return list(dict.fromkeys(people))


def signatories_pending(version) -> list:
    """People who may still sign `version`: the sides that have not signed yet."""
    signed = set(version.signatures.values_list("party", flat=True))
    people = []
    if Party.HOST not in signed:
        people.extend(host_signatories())
    if Party.PARTNER not in signed:
        people.extend(partner_signatories(version.agreement.partner))
    return people


def signing_party(user) -> str | None:
    """The side a person signs for, if any (host staff of the host company; a partner manager)."""
    if is_host_signatory(user):
        return Party.HOST
    if policy.role_of(user) == policy.PARTNER_MANAGER and user.organization_id:
        return Party.PARTNER
    return None


def party_of(user, version) -> str | None:
    if is_host_signatory(user):
        return Party.HOST
    if is_partner_signatory(user, version.agreement.partner):
        return Party.PARTNER
    return None


# --- agreements and drafts -------------------------------------------------------------------


@transaction.atomic
def agreement_create(*, partner, user, title: str = "") -> Agreement:
    """Start the agreement of a partner relationship with an empty first draft."""
    _require_host(user)
    if Agreement.objects.filter(partner=partner).exists():
        raise ValidationError(_("%(partner)s already has an agreement.") % {"partner": partner})
    agreement = Agreement(
        partner=partner,
        title=title.strip() or _("Collaboration agreement with %(partner)s") % {"partner": partner.name},
    )
    agreement.full_clean()
    agreement.save()
    version = AgreementVersion(agreement=agreement, number=1, created_by=user)
    version.full_clean()
    version.save()
    return agreement


@transaction.atomic
def draft_create(*, agreement: Agreement, user) -> AgreementVersion:
    """A new draft, copied with all its rows from the active version when there is one."""
    _require_host(user)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    open_version = agreement.versions.filter(status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]).first()
    if open_version is not None:
        raise ValidationError(
            _("Version %(number)s is already %(status)s; finish or withdraw it before starting another.")
            % {"number": open_version.number, "status": open_version.get_status_display().lower()}
        )
    active = agreement.versions.filter(status=VersionStatus.ACTIVE).first()
    number = (agreement.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = AgreementVersion(
        agreement=agreement,
        number=number,
        created_by=user,
        review_date=active.review_date if active else None,
        summary=active.summary if active else "",
    )
    draft.full_clean()
    draft.save()
    if active is not None:
        for model in ROW_MODELS:
            copies = []
            for row in model.objects.filter(version=active).order_by("pk"):
                row.pk = None
                row.id = None
                row.version = draft
                copies.append(row)
            model.objects.bulk_create(copies)
        _copy_kpi_targets(active, draft)
    return draft


def _copy_kpi_targets(source, target):
    target.kpi_targets.set(source.kpi_targets.all())


@transaction.atomic
def version_update(*, version: AgreementVersion, user, review_date=_UNSET, summary=_UNSET, kpi_targets=_UNSET):
    """Change the fields of a draft (review date, summary, the KPI targets it commits to)."""
    _require_host(user)
    version = _lock(version)
    _require_draft(version)
    if review_date is not _UNSET:
        version.review_date = review_date
    if summary is not _UNSET:
        version.summary = summary or ""
    version.full_clean()
    version.save()
    if kpi_targets is not _UNSET:
        kpi_targets = list(kpi_targets or [])
        allowed = set(shared_targets_of(partner=version.agreement.partner).values_list("pk", flat=True))
        if any(t.pk not in allowed for t in kpi_targets):
            raise ValidationError(
                {
                    "kpi_targets": _(
                        "Only KPI targets of this partner that are shared with it can be part of its agreement."
                    )
                }
            )
        version.kpi_targets.set(kpi_targets)
    return version


@transaction.atomic
def row_save(*, version: AgreementVersion, row, user):
    """Add or change a responsibility, channel rule or escalation step of a draft."""
    _require_host(user)
    version = _lock(version)
    _require_draft(version)
    if row.pk and type(row).objects.filter(pk=row.pk).exclude(version=version).exists():
        raise ValidationError(_("This row belongs to another version."))
    row.version = version
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def row_delete(*, row, user):
    _require_host(user)
    version = _lock(row.version)
    _require_draft(version)
    row.delete()


# --- sign-off --------------------------------------------------------------------------------


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
    _require_host(user, _("Only host staff can send an agreement for sign-off."))
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
    _require_host(user, _("Only host staff can withdraw a version from sign-off."))
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
    if policy.role_of(user) != policy.ADMIN:
        raise ValidationError(_("Only an administrator can terminate an agreement."), code="forbidden")
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


# --- reminders -------------------------------------------------------------------------------


def remind_pending_signatures(*, now=None, after_days: int | None = None) -> int:
    """Remind the sides that have not signed a version sent more than `after_days` ago (once)."""
    now = now or timezone.now()
    after_days = after_days if after_days is not None else settings.AGREEMENT_SIGNATURE_REMINDER_DAYS
    count = 0
    due = AgreementVersion.objects.filter(
        status=VersionStatus.IN_REVIEW, sent_at__lte=now - timedelta(days=after_days)
    ).select_related("agreement__partner")
    for version in due:
        count += len(
            notify(
                recipients=signatories_pending(version),
                kind=KIND_SIGNATURE,
                key=f"agreement:{version.pk}:sign:{_round(version)}:reminder:{after_days}d",
                template="agreements/email/sign_reminder",
                context={**_sign_context(version), "days": after_days},
                url=reverse("agreements:version", args=[version.pk]),
                partner=version.agreement.partner,
            )
        )
    return count


def remind_reviews(*, today=None, weeks_before: int | None = None) -> int:
    """Tell the owners of each side `weeks_before` weeks ahead that an agreement is due for review."""
    today = today or timezone.localdate()
    weeks_before = weeks_before if weeks_before is not None else settings.AGREEMENT_REVIEW_REMINDER_WEEKS
    count = 0
    due = AgreementVersion.objects.filter(
        status=VersionStatus.ACTIVE,
        review_date__gte=today,
        review_date__lte=today + timedelta(weeks=weeks_before),
    ).select_related("agreement__partner")
    for version in due:
        count += len(
            notify(
                recipients=review_owners(version),
                kind=KIND_REVIEW,
                key=f"agreement:{version.pk}:review:{version.review_date.isoformat()}:{weeks_before}w",
                template="agreements/email/review_due",
                context={**_sign_context(version), "weeks": weeks_before},
                url=reverse("agreements:version", args=[version.pk]),
                partner=version.agreement.partner,
            )
        )
    return count
