"""Agreement templates: keep them (each save a new revision), build a new agreement's first draft
from one, and carry a template's later changes into a new draft. Sealed versions are never touched:
changes always land in a draft (the open one, or a new one copied from the version in force)."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis import selectors as kpi_selectors
from kpis import services as kpi_services
from partnerportal import policy
from partners import selectors as partner_selectors

from .. import selectors
from ..models import (
    TEMPLATE_PARTS,
    Agreement,
    AgreementTemplate,
    AgreementTemplateRevision,
    AgreementVersion,
    Party,
    VersionStatus,
    template_parts,
)
from .base import _lock, _require, _require_draft
from .drafts import draft_create
from .signatories import partner_signatories


def _require_template_admin(user, template=None):
    allowed = (
        policy.can(user, policy.CHANGE, template)
        if template is not None and template.pk
        else policy.allows(user, policy.ADD, AgreementTemplate)
    )
    if not allowed:
        raise ValidationError(_("Only an administrator can change agreement templates."), code="forbidden")


@transaction.atomic
def template_save(
    *,
    user,
    name: str,
    review_interval_months: int,
    parts: dict,
    template: AgreementTemplate | None = None,
    description: str = "",
    is_default: bool = False,
    note: str = "",
) -> AgreementTemplate:
    """Create or change a template. Its content becomes a new revision when it differs from the
    newest one (saving unchanged content adds no revision); the default flag moves to this template."""
    _require_template_admin(user, template)
    if template is not None and template.pk:
        template = AgreementTemplate.objects.select_for_update().get(pk=template.pk)
    else:
        template = AgreementTemplate()
    stored = (template.name, template.description, template.is_default)
    template.name = (name or "").strip()
    template.description = (description or "").strip()
    template.is_default = bool(is_default)
    cleaned = template_parts.validate_parts(parts)
    revision = AgreementTemplateRevision(
        review_interval_months=review_interval_months, note=(note or "").strip(), created_by=user, **cleaned
    )
    revision.full_clean(exclude=["template", "number"])
    if template.is_default:
        others = AgreementTemplate.objects.select_for_update().filter(is_default=True).exclude(pk=template.pk)
        for other in others:
            other.is_default = False
            other.save()
    template.full_clean()
    if template.pk is None or stored != (template.name, template.description, template.is_default):
        template.save()  # saved unchanged, a template gets no history row
    latest = template.revisions.order_by("-number").first()
    if latest is None or latest.content() != revision.content():
        revision.template = template
        revision.number = (template.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
        revision.save()
    return template


# --- building drafts from a template ----------------------------------------------------------------


class _People:
    """Who a template row names in a draft, per side: the person building it (host staff of the host
    company) or the first host manager; the partner's first partner manager, else its first contact.
    The draft's editor changes them afterwards."""

    def __init__(self, partner, user):
        host = partner_selectors.host_organization()
        host_person = None
        if host is not None:
            if getattr(user, "organization_id", None) == host.pk:
                host_person = user
            else:
                host_person = partner_selectors.host_managers().filter(organization=host, is_active=True).first()
        partner_person = partner_signatories(partner).filter(is_active=True).order_by("pk").first()
        if partner_person is None:
            partner_person = partner_selectors.contacts_of(organization=partner).first()
        self.by_party = {Party.HOST: host_person, Party.PARTNER: partner_person}

    def name(self, row) -> bool:
        """Name the person of the row's side on it; False when that side has nobody to name."""
        person = self.by_party.get(row.party)
        if person is None:
            return False
        is_user = isinstance(person, get_user_model())
        row.user, row.contact = (person, None) if is_user else (None, person)
        return True


def _current_target(partner_kpi, horizon, today):
    return (
        kpi_selectors.target_queryset()
        .filter(partner_kpi=partner_kpi, horizon=horizon, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("-valid_from")
        .first()
    )


def _same_target(target, row):
    return (target.value, target.warning, target.critical) == (row.value, row.warning, row.critical)


def _default_target(*, partner, row, user, today, replace: bool):
    """The partner's target for a template KPI: the one in force, or the template's default target
    (a new target from today) when there is none, or when `replace` and it differs. None for a KPI the
    partner has as internal (an agreement commits only to shared targets)."""
    partner_kpi = kpi_selectors.all_partner_kpis().filter(partner=partner, kpi=row.kpi).first()
    if partner_kpi is None:
        partner_kpi = kpi_services.partner_kpi_save(
            user=user, partner_kpi=template_parts.new_partner_kpi(partner=partner, kpi=row.kpi)
        )
    if not partner_kpi.shared:
        return None
    current = _current_target(partner_kpi, row.horizon, today)
    if current is not None and (not replace or _same_target(current, row)):
        return current
    # The new target starts today, or the day after the partner's newest target of this horizon when
    # that one starts today or later (target_set keeps one start per day and closes the one before).
    newest = (
        kpi_selectors.target_queryset().filter(partner_kpi=partner_kpi, horizon=row.horizon).order_by("-valid_from")
    )
    newest = newest.first()
    valid_from = today if newest is None or newest.valid_from < today else newest.valid_from + timedelta(days=1)
    return kpi_services.target_set(
        user=user,
        partner_kpi=partner_kpi,
        horizon=row.horizon,
        value=row.value,
        warning=row.warning,
        critical=row.critical,
        valid_from=valid_from,
        note=_("Default target of the agreement template"),
    )


def _review_date(revision, today: date) -> date:
    return today + relativedelta(months=revision.review_interval_months)


def _add_row(draft, row, people, skipped) -> None:
    row.version = draft
    if not people.name(row):
        skipped.append(str(row))
        return
    row.full_clean()
    row.save()


def fill_from_template(*, version: AgreementVersion, revision: AgreementTemplateRevision, user) -> list[str]:
    """Fill an empty draft from a template revision: the rows of the three parts, the review date, the
    KPI targets (the template's default targets where the partner has none). Returns the rows that
    could not be copied because their side has nobody to name yet."""
    partner = version.agreement.partner
    people = _People(partner, user)
    today = timezone.localdate()
    skipped: list[str] = []
    kpis = template_parts.kpi_definitions()
    for part in template_parts.ROW_PARTS:
        for row in template_parts.part_rows(revision, part, kpis=kpis):
            _add_row(version, row, people, skipped)
    targets = [
        _default_target(partner=partner, row=row, user=user, today=today, replace=False)
        for row in template_parts.part_rows(revision, "kpis", kpis=kpis)
    ]
    version.kpi_targets.add(*[t for t in targets if t is not None])
    version.review_date = _review_date(revision, today)
    version.template_revision = revision
    version.full_clean()
    version.save()
    return skipped


@transaction.atomic
def agreement_create_from_template(*, partner, user, template: AgreementTemplate, title: str = "") -> Agreement:
    """A new agreement whose first draft is filled from the template's newest revision.

    `agreement.template_skipped` lists the rows left out because a side has nobody to name yet."""
    from .drafts import agreement_create

    revision = template.latest_revision()
    if revision is None:
        raise ValidationError({"template": _("This template has no content yet.")})
    agreement = agreement_create(partner=partner, user=user, title=title)
    version = _lock(agreement.versions.get())
    agreement.template_skipped = fill_from_template(version=version, revision=revision, user=user)
    return agreement


def _apply_row_section(draft, section, people, skipped) -> None:
    model = template_parts.ROW_PARTS[section["key"]][0]
    names = template_parts.ROW_PARTS[section["key"]][1]
    existing = {row.natural_key: row for row in model.objects.filter(version=draft)}
    for entry in section["removed"]:
        row = existing.get(entry["row"].natural_key)
        if row is not None:
            row.delete()
    for entry in [*section["added"], *section["changed"]]:
        template_row = entry["row"]
        row = existing.get(template_row.natural_key)
        if row is None:
            _add_row(draft, template_row, people, skipped)
            continue
        for name in names:
            setattr(row, name, getattr(template_row, name))
        row.full_clean()
        row.save()


def _apply_kpi_section(draft, section, user, today) -> None:
    partner = draft.agreement.partner
    for entry in section["removed"]:
        row = entry["row"]
        draft.kpi_targets.remove(*draft.kpi_targets.filter(kpi=row.kpi, horizon=row.horizon))
    for entry in [*section["added"], *section["changed"]]:
        row = entry["row"]
        target = _default_target(partner=partner, row=row, user=user, today=today, replace=True)
        draft.kpi_targets.remove(*draft.kpi_targets.filter(kpi=row.kpi, horizon=row.horizon))
        if target is not None:
            draft.kpi_targets.add(target)


@transaction.atomic
def template_changes_carry(*, agreement: Agreement, user) -> AgreementVersion:
    """Carry what changed in the template since the agreement was built from it into a draft: the open
    draft, or a new draft copied from the version in force. Rows are matched by their natural key:
    added rows are added (with a person of their side), removed rows removed, changed rows get the
    template's values (the people stay). Changed default targets become new targets of the partner.
    `draft.template_skipped` lists the rows left out because a side has nobody to name."""
    _require(user, "carry_template", Agreement)
    if not policy.can(user, "carry_template", agreement):
        raise ValidationError(_("You cannot carry template changes into this agreement."), code="forbidden")
    agreement = Agreement.objects.select_for_update().select_related("partner").get(pk=agreement.pk)
    versions = AgreementVersion.objects.filter(agreement=agreement).select_related("template_revision__template")
    open_version = versions.filter(status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]).first()
    if open_version is not None and open_version.status == VersionStatus.IN_REVIEW:
        raise ValidationError(
            _("Version %(number)s awaits signatures; withdraw it before carrying the template's changes into it.")
            % {"number": open_version.number}
        )
    base = open_version or versions.filter(status=VersionStatus.ACTIVE).first()
    if base is None or base.template_revision is None:
        raise ValidationError(_("This agreement was not built from a template."))
    diff = selectors.template_changes_for(base)
    if diff is None:
        raise ValidationError(_("Nothing to carry over: the agreement already follows the template's newest revision."))
    draft = _lock(open_version or draft_create(agreement=agreement, user=user))
    _require_draft(draft)
    people = _People(agreement.partner, user)
    today = timezone.localdate()
    skipped: list[str] = []
    for section in diff["sections"]:
        if not section["has_changes"]:
            continue
        if section["key"] == "kpis":
            _apply_kpi_section(draft, section, user, today)
        else:
            _apply_row_section(draft, section, people, skipped)
    if diff["fields"]:
        draft.review_date = _review_date(diff["new"], today)
    draft.template_revision = diff["new"]
    draft.full_clean()
    draft.save()
    draft.template_skipped = skipped
    return draft


__all__ = [
    "TEMPLATE_PARTS",
    "agreement_create_from_template",
    "fill_from_template",
    "template_changes_carry",
    "template_save",
]
