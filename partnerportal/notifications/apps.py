from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "partnerportal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from partnerportal import hub
        from partnerportal.schedule import DISPATCH_TASK_NAME, on_post_migrate, periodic_task

        from . import hub as notifications_hub
        from . import kinds, policies  # noqa: F401
        from .tasks import DISPATCH_TASK

        hub.dashboard_panel(
            "notifications_outbox", "notifications/_dashboard_panel.html", notifications_hub.dashboard_panel, order=90
        )
        periodic_task(DISPATCH_TASK_NAME, DISPATCH_TASK, settings.NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS)
        # sender=self: once per migrate, after every app's migrations (beat's tables exist then).
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="notifications-periodic-tasks")
