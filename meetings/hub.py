"""How the meetings app plugs into the shell: navigation, the partner hub section, the dashboard panel,
notification kinds and periodic tasks (`register()`, called from MeetingsConfig.ready)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from partnerportal import dashboard_cache, hub, policy, schedule
from partnerportal.notifications import kinds

from . import demo, selectors, services
from .models import ActionItem, Meeting, MeetingSeries

DASHBOARD_PARTNERS = 10  # partners listed on the dashboard's action panel; the action list has them all


def partner_section(request, partner):
    user = request.user
    items = list(selectors.action_items(user=user, partner=partner, state="open")[:6])
    today = timezone.localdate()
    # Both counts in one query.
    counts = (
        selectors.action_items(user=user, partner=partner, state="open")
        .order_by()
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    )
    return {
        "title": _("Meetings and actions"),
        "next": selectors.next_meeting(user=user, partner=partner),
        "recent": list(selectors.recent_minutes(user=user, partner=partner)),
        "actions": items,
        "open_count": counts["open"],
        "overdue_count": counts["overdue"],
        "can_schedule": policy.allows(user, policy.ADD, MeetingSeries),
        "can_add_action": policy.allows(user, policy.ADD, ActionItem),
        "today": today,
    }


def dashboard_panel(request):
    """The partners with the most overdue and open actions (a few, not every partner), the next meetings."""
    user = request.user
    actions, upcoming = dashboard_cache.cached(
        "meetings",
        user,
        lambda: (
            selectors.action_summary(user=user, limit=DASHBOARD_PARTNERS),
            selectors.dashboard_meetings(user=user, limit=5),
        ),
        seconds_of=_until_first_end,  # a meeting that ends leaves the list, and the next one comes in
    )
    return {
        "title": _("Open actions per partner"),
        "actions": actions,
        "action_list": reverse("meetings:action_list"),
        "upcoming": upcoming,
    }


def offboarding_describe(person):
    """What a leaving person still owns here: their open action items (shown on the confirmation page)."""
    return [
        f"{item.title} ({item.partner.name}, {date_format(item.due_date, 'SHORT_DATE_FORMAT')})"
        for item in services.action_items_open_of(person=person)
    ]


def offboarding_hand_over(*, person, to, actor):
    return services.action_items_hand_over(person=person, to=to, actor=actor)


def _until_first_end(figures):
    _actions, upcoming = figures
    if not upcoming:
        return None
    return (min(m["end"] for m in upcoming) - timezone.now()).total_seconds()


def register():
    hub.demo_part("meetings", demo.seed, order=40)
    hub.offboarding_step(
        "meetings-actions", offboarding_describe, offboarding_hand_over, title=_("Open action items"), order=40
    )
    hub.nav_item(_("Meetings"), "meetings:meeting_list", order=50, icon="calendar-event", group="collaboration")
    hub.nav_item(_("My actions"), "meetings:my_actions", order=51, icon="check2-square", group="collaboration")
    hub.partner_section(
        "meetings",
        "meetings/_hub_section.html",
        partner_section,
        order=40,
        lazy=True,
        title=_("Meetings and actions"),
    )
    hub.dashboard_panel("meetings", "meetings/_dashboard_panel.html", dashboard_panel, order=35)
    # The panel's figures are kept in the cache until their inputs change (partnerportal.dashboard_cache).
    dashboard_cache.invalidate_on("meetings", ActionItem, Meeting, "partners.Organization")

    kinds.register(services.KIND_MEETING_REMINDER, _("Meeting reminders"))
    kinds.register(services.KIND_MEETING_CHANGED, _("Meeting moved, changed or cancelled"))
    kinds.register(services.KIND_MINUTES, _("Meeting minutes published"))
    kinds.register(services.KIND_ACTION_ASSIGNED, _("Action item assigned to you"))
    kinds.register(services.KIND_ACTION_DUE, _("Action item due soon"))
    kinds.register(services.KIND_ACTION_OVERDUE, _("Action item overdue"))

    schedule.periodic_task("Meetings: extend occurrence horizons", "meetings.tasks.extend_horizons", 24 * 3600)
    schedule.periodic_task("Meetings: schedule reminders", "meetings.tasks.schedule_reminders", 15 * 60)
    schedule.periodic_task("Meetings: action item reminders", "meetings.tasks.remind_action_items", 6 * 3600)
