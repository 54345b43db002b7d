"""Action items: create, edit and move them through their statuses; remind their owners."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify

from ..models import OPEN_STATUSES, ActionItem, ActionStatus
from .base import KIND_ACTION_ASSIGNED, KIND_ACTION_DUE, KIND_ACTION_OVERDUE, _require

ACTION_DUE_SOON_DAYS = 2


def _validate_owner(*, partner, owner):
    if owner is None:
        raise ValidationError({"owner": _("Choose an owner.")})
    if not owner.is_active or not (policy.is_host(owner) or owner.organization_id == partner.pk):
        raise ValidationError({"owner": _("The owner must be someone from the host or this partner.")})


@transaction.atomic
def action_item_create(*, user, partner, title, owner, due_date, meeting=None, description="") -> ActionItem:
    if not policy.allows(user, policy.ADD, ActionItem):
        raise PermissionDenied
    if meeting is not None and meeting.partner_id != partner.pk:
        raise ValidationError({"meeting": _("The meeting belongs to another partner.")})
    _validate_owner(partner=partner, owner=owner)
    item = ActionItem(
        partner=partner,
        meeting=meeting,
        title=(title or "").strip(),
        description=description or "",
        owner=owner,
        due_date=due_date,
        created_by=user,
    )
    item.full_clean()
    item.save()
    if owner.pk != user.pk:
        notify(
            recipients=[owner],
            kind=KIND_ACTION_ASSIGNED,
            key=f"action:{item.pk}:assigned:{owner.pk}",
            template="meetings/email/action_assigned",
            context={"item": item, "url": absolute("meetings:action_detail", item.pk)},
            url=item.get_absolute_url(),
            partner=partner,
        )
    return item


@transaction.atomic
def action_item_set_status(*, user, item, status: str) -> ActionItem:
    """Owners (from either side) and host staff move an item through open → in progress → done."""
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    policy.require(user, "set_status", item)
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == ActionStatus.CANCELLED:
        policy.require(user, "cancel", item)
    item.status = status
    item.done_at = timezone.now() if status == ActionStatus.DONE else None
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def action_item_update(*, user, item, **fields) -> ActionItem:
    """Host staff edit everything; owners only the status."""
    if set(fields) <= {"status"}:
        return action_item_set_status(user=user, item=item, status=fields.get("status", item.status))
    _require(user, policy.CHANGE, ActionItem)
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    status = fields.pop("status", None)
    for name in ("title", "description", "owner", "due_date", "meeting"):
        if name in fields:
            setattr(item, name, fields[name])
    if item.meeting is not None and item.meeting.partner_id != item.partner_id:
        raise ValidationError({"meeting": _("The meeting belongs to another partner.")})
    _validate_owner(partner=item.partner, owner=item.owner)
    item.full_clean()
    item.save()
    if status is not None and status != item.status:
        item = action_item_set_status(user=user, item=item, status=status)
    return item


def remind_action_items(*, today: date | None = None) -> int:
    """Due-soon (two days before) and overdue reminders to each open item's owner, once per due date."""
    today = today or timezone.localdate()
    total = 0
    soon = ActionItem.objects.filter(
        status__in=OPEN_STATUSES, due_date__gte=today, due_date__lte=today + timedelta(days=ACTION_DUE_SOON_DAYS)
    ).select_related("owner", "partner")
    for item in soon:
        total += len(
            notify(
                recipients=[item.owner],
                kind=KIND_ACTION_DUE,
                key=f"action:{item.pk}:due:{item.due_date.isoformat()}",
                template="meetings/email/action_due",
                context={"item": item, "url": absolute("meetings:action_detail", item.pk)},
                url=item.get_absolute_url(),
                partner=item.partner,
            )
        )
    overdue = ActionItem.objects.filter(status__in=OPEN_STATUSES, due_date__lt=today).select_related("owner", "partner")
    for item in overdue:
        total += len(
            notify(
                recipients=[item.owner],
                kind=KIND_ACTION_OVERDUE,
                key=f"action:{item.pk}:overdue:{item.due_date.isoformat()}",
                template="meetings/email/action_overdue",
                context={"item": item, "url": absolute("meetings:action_detail", item.pk)},
                url=item.get_absolute_url(),
                partner=item.partner,
            )
        )
    return total


def action_items_open_of(*, person):
    """The open action items a person owns (what offboarding offers to hand over), by due date."""
    return ActionItem.objects.open().filter(owner=person).select_related("partner").order_by("due_date", "pk")


@transaction.atomic
def action_items_hand_over(*, person, to, actor) -> int:
    """Give every open action item of `person` (who is leaving) to `to`, an active person of the same side.

    Called by the deactivation of `person` (partners.services.person_deactivate, through the hub's
    offboarding step) inside its transaction; the history of each item keeps who owned it before.
    """
    if to is None or to.pk == person.pk or not to.is_active or to.organization_id != person.organization_id:
        raise ValidationError(_("Choose an active person of the same organisation to take over the actions."))
    items = list(action_items_open_of(person=person).select_for_update(of=("self",)))
    for item in items:
        _validate_owner(partner=item.partner, owner=to)
        item.owner = to
        item.save(update_fields=["owner"])
        notify(
            recipients=[to],
            kind=KIND_ACTION_ASSIGNED,
            key=f"action:{item.pk}:assigned:{to.pk}",
            template="meetings/email/action_assigned",
            context={"item": item, "url": absolute("meetings:action_detail", item.pk)},
            url=item.get_absolute_url(),
            partner=item.partner,
        )
    return len(items)
