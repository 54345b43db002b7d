"""Meetings: owns meeting series and their occurrences, agendas, minutes, topics, action items, reminders
and calendar feeds; offers next meetings, open actions and agenda sources (`agenda.register_source`)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from partners.signals import access_revoked

        from . import hub, policies, services  # noqa: F401

        hub.register()
        access_revoked.connect(services.feeds_revoke_for, dispatch_uid="meetings-feeds-revoked")
