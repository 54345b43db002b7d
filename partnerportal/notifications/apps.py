"""Notifications: owns the outbox (every message to a person, its e-mail and its inbox entry) and people's
e-mail preferences; offers every app `notify()` and the outbox services, and the registry of kinds."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "partnerportal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from partnerportal.schedule import on_post_migrate

        from . import hub, policies

        hub.register()
        policies.register()
        # sender=self: once per migrate, after every app's migrations (beat's tables exist then).
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="notifications-periodic-tasks")
