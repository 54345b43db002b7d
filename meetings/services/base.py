"""What the meetings services share: the notification kinds, and who may take part."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from partnerportal import policy

KIND_MEETING_REMINDER = "meetings.reminder"
KIND_MINUTES = "meetings.minutes"
KIND_ACTION_DUE = "meetings.action_due"
KIND_ACTION_OVERDUE = "meetings.action_overdue"
KIND_ACTION_ASSIGNED = "meetings.action_assigned"
KIND_MEETING_CHANGED = "meetings.changed"


def _require(user, action, model):
    """Refuse (403) unless the access policy lets the user take `action` on `model` (meetings.policies:
    host staff plan, change and minute meetings; partner users read, add topics and update their actions)."""
    if not policy.allows(user, action, model):
        raise PermissionDenied


def validate_participants(*, partner, participants) -> None:
    """Participants come from the host or from this partner, never from another partner."""
    wrong = [u for u in participants if not (policy.is_host(u) or u.organization_id == partner.pk)]
    if wrong:
        raise ValidationError(
            {
                "participants": _("%(names)s do not belong to the host or to %(partner)s.")
                % {"names": ", ".join(str(u) for u in wrong), "partner": partner.name}
            }
        )
