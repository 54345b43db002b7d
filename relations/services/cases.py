"""Cases: raise, update, acknowledge, move through the status flow, attach files and facts, agree actions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from meetings import services as meeting_services
from partnerportal import policy, uploads

from .. import timeline
from ..models import CASE_FLOW, Case, CaseEvent, CaseFile, CaseStatus, TimelineCategory, side_of
from .base import acknowledge, announce, english_label, require, require_partner, validate_upload


def _case_event(case, user, from_status, to_status, note=""):
    CaseEvent.objects.create(case=case, user=user, from_status=from_status, to_status=to_status, note=note[:500])
    timeline.record(
        partner=case.partner,
        category=TimelineCategory.CASE,
        title=gettext_noop("Case %(title)s: %(status_label)s"),
        params={"title": case.title, "status_label": english_label(CaseStatus, to_status)},
        key=f"case:{case.pk}:status:{CaseEvent.objects.filter(case=case).count()}",
        url=case.get_absolute_url(),
    )


@transaction.atomic
def case_raise(*, user, partner, title, what_happened, impact="", measurements=()) -> Case:
    require(user, policy.ADD, Case)
    require_partner(user, partner)
    now = timezone.now()
    case = Case(
        partner=partner,
        side=side_of(user),
        title=title,
        what_happened=what_happened,
        impact=impact,
        raised_by=user,
        raised_at=now,
        last_progress_at=now,
    )
    case.full_clean()
    case.save()
    CaseEvent.objects.create(case=case, user=user, from_status="", to_status=CaseStatus.OPEN)
    for measurement in measurements:
        case_link_measurement(user=user, case=case, measurement=measurement)
    announce(
        case,
        kind="relations.case",
        key=f"case:{case.pk}:raised",
        template="relations/email/case_raised",
        link=("relations:case_detail", case.pk),
        category=TimelineCategory.CASE,
        title=gettext_noop("Case raised: %(title)s"),
        occurred_at=now,
    )
    return case


CASE_TEXT_FIELDS = ("title", "what_happened", "impact", "root_cause", "prevention", "no_action_reason")


@transaction.atomic
def case_update(*, user, case, **fields) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not policy.can(user, policy.CHANGE, case):
        raise PermissionDenied
    unknown = set(fields) - set(CASE_TEXT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    changed = {name: value for name, value in fields.items() if getattr(case, name) != value}
    if not changed:
        return case  # saved unchanged: no progress to record
    for name, value in changed.items():
        setattr(case, name, value)
    case.last_progress_at = timezone.now()
    case.full_clean()
    case.save()
    return case


@transaction.atomic
def case_acknowledge(*, user, case) -> Case:
    return acknowledge(
        Case,
        case,
        user=user,
        already_done=_("This case was already acknowledged by %(name)s."),
        own_side=_("Your side raised this case; the other side acknowledges it."),
        also=["last_progress_at"],
    )


def case_action_count(case) -> int:
    return case.action_items.count()


def case_resolution_problems(case) -> list[str]:
    """Why the case cannot be resolved yet (empty: it can)."""
    problems = []
    if not case.prevention.strip():
        problems.append(_("Describe how we avoid it next time before resolving the case."))
    if case_action_count(case) == 0 and not case.no_action_reason.strip():
        problems.append(_("Agree at least one action item, or document the decision that none is needed."))
    return problems


@transaction.atomic
def case_set_status(*, user, case, status, note="") -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not policy.can(user, policy.CHANGE, case):
        raise PermissionDenied
    if status not in CaseStatus.values:
        raise ValidationError(_("Unknown status."))
    if status not in CASE_FLOW[CaseStatus(case.status)]:
        raise ValidationError(
            _("A case cannot go from %(a)s to %(b)s.")
            % {"a": CaseStatus(case.status).label, "b": CaseStatus(status).label}
        )
    if status == CaseStatus.RESOLVED:
        problems = case_resolution_problems(case)
        if problems:
            raise ValidationError(problems)
    previous = case.status
    now = timezone.now()
    case.status = status
    case.last_progress_at = now
    case.resolved_at = now if status == CaseStatus.RESOLVED else None
    if case.acknowledged_at is None and side_of(user) != case.side:
        case.acknowledged_by, case.acknowledged_at = user, now
    case.full_clean()
    case.save()
    _case_event(case, user, previous, status, note)
    return case


@transaction.atomic
def case_attach_file(*, user, case, uploaded) -> CaseFile:
    if not policy.can(user, policy.VIEW, case):
        raise PermissionDenied
    require(user, policy.ADD, CaseFile)
    name = validate_upload(uploaded)
    attachment = CaseFile(case=case, name=name, size=uploaded.size, uploaded_by=user)
    uploads.save_with_file(attachment, "file", name, uploaded)
    return attachment


@transaction.atomic
def case_link_measurement(*, user, case, measurement) -> None:
    if not policy.can(user, policy.CHANGE, case):
        raise PermissionDenied
    if measurement.partner_id != case.partner_id:
        raise ValidationError(_("The measurement belongs to another partner."))
    case.measurements.add(measurement)


@transaction.atomic
def case_agree_action(*, user, case, title, owner, due_date):
    """Agree an action item on the case (a meetings.ActionItem, so it shows in meetings too)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    policy.require(user, "agree_action", case)
    if owner is None or not (owner.organization_id == case.partner_id or policy.is_host(owner)):
        raise ValidationError({"owner": _("The owner must be someone from the host or this partner.")})
    item = meeting_services.action_item_create(
        user=user, partner=case.partner, title=title, owner=owner, due_date=due_date
    )
    case.action_items.add(item)
    case.last_progress_at = timezone.now()
    case.save(update_fields=["last_progress_at"])
    return item
