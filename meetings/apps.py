from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from partnerportal import hub

        from . import hub as meetings_hub
        from . import policies  # noqa: F401

        hub.nav_item(_("Meetings"), "meetings:meeting_list", order=50, icon="calendar-event", group="collaboration")
        hub.nav_item(_("My actions"), "meetings:my_actions", order=51, icon="check2-square", group="collaboration")
        hub.partner_section("meetings", "meetings/_hub_section.html", meetings_hub.partner_section, order=40)
        hub.dashboard_panel("meetings", "meetings/_dashboard_panel.html", meetings_hub.dashboard_panel, order=35)
        self._register_notification_kinds()
        self._register_periodic_tasks()

        from partners.signals import access_revoked

        from . import services

        access_revoked.connect(services.feeds_revoke_for, dispatch_uid="meetings-feeds-revoked")

    def _register_notification_kinds(self):
        try:
            from partnerportal.notifications import kinds
        except ImportError:
            return
        from . import services

        kinds.register(services.KIND_MEETING_REMINDER, _("Meeting reminders"))
        kinds.register(services.KIND_MEETING_CHANGED, _("Meeting moved, changed or cancelled"))
        kinds.register(services.KIND_MINUTES, _("Meeting minutes published"))
        kinds.register(services.KIND_ACTION_ASSIGNED, _("Action item assigned to you"))
        kinds.register(services.KIND_ACTION_DUE, _("Action item due soon"))
        kinds.register(services.KIND_ACTION_OVERDUE, _("Action item overdue"))
        kinds.register(services.KIND_KPI_MISSING, _("KPI figures missing for last month"))

    def _register_periodic_tasks(self):
        try:
            from partnerportal.schedule import periodic_task
        except ImportError:
            return
        periodic_task("Meetings: extend occurrence horizons", "meetings.tasks.extend_horizons", 24 * 3600)
        periodic_task("Meetings: schedule reminders", "meetings.tasks.schedule_reminders", 15 * 60)
        periodic_task("Meetings: action item reminders", "meetings.tasks.remind_action_items", 6 * 3600)
        periodic_task("Meetings: missing KPI data", "meetings.tasks.remind_missing_kpi_data", 24 * 3600)
