"""Meetings: owns meeting series and their occurrences, agendas, minutes, topics, action items, reminders
and calendar feeds; offers next meetings, open actions and agenda sources (`agenda.register_source`)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from . import hub, policies, signals

        hub.register()
        policies.register()
        signals.connect()
