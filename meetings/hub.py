"""The meetings section on the partner hub and the panel on the host dashboard."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerportal import policy

from . import selectors
from .models import ActionItem, MeetingSeries


def partner_section(request, partner):
    user = request.user
    items = list(selectors.action_items(user=user, partner=partner, state="open")[:6])
    counts = selectors.action_items(user=user, partner=partner, state="open")
    today = timezone.localdate()
    return {
        "title": _("Meetings and actions"),
        "next": selectors.next_meeting(user=user, partner=partner),
        "recent": list(selectors.recent_minutes(user=user, partner=partner)),
        "actions": items,
        "open_count": counts.count(),
        "overdue_count": counts.filter(due_date__lt=today).count(),
        "can_schedule": policy.allows(user, policy.ADD, MeetingSeries),
        "can_add_action": policy.allows(user, policy.ADD, ActionItem),
        "today": today,
    }


def dashboard_panel(request):
    return {
        "title": _("Open actions per partner"),
        "rows": selectors.action_overview(user=request.user),
        "upcoming": list(selectors.meeting_list(user=request.user, upcoming=True)[:5]),
    }
