"""Agreements and their drafts: create an agreement, start a draft, edit the draft and its rows."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kpis.selectors import shared_targets_of
from partnerportal import policy

from ..models import Agreement, AgreementVersion, VersionStatus
from .base import _UNSET, ROW_MODELS, _lock, _require, _require_draft


@transaction.atomic
def agreement_create(*, partner, user, title: str = "") -> Agreement:
    """Start the agreement of a partner relationship with an empty first draft."""
    _require(user, policy.ADD, Agreement)
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
    _require(user, policy.ADD, AgreementVersion)
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
        template_revision=active.template_revision if active else None,
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
    _require(user, policy.CHANGE, AgreementVersion)
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
    _require(user, policy.CHANGE if row.pk else policy.ADD, type(row))
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
    _require(user, policy.DELETE, type(row))
    version = _lock(row.version)
    _require_draft(version)
    row.delete()
