from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Agreements")

    def ready(self):
        from partnerportal import hub, policy

        from . import hub as agreement_hub
        from . import policies, signals  # noqa: F401

        hub.nav_item(
            _("Agreements"),
            "agreements:list",
            visible=policy.is_host,
            order=30,
            icon="file-earmark-text",
            group="collaboration",
        )
        hub.partner_section("agreements", "agreements/_hub_section.html", agreement_hub.partner_section, order=20)
        hub.dashboard_panel("agreements", "agreements/_dashboard_panel.html", agreement_hub.dashboard_panel, order=30)
        self._register_notification_kinds()
        self._register_periodic_tasks()

    def _register_notification_kinds(self):
        from partnerportal.notifications import kinds

        kinds.register("agreements.signature", _("Agreement awaits your signature"))
        kinds.register("agreements.status", _("Agreement activated or terminated"))
        kinds.register("agreements.review", _("Agreement review is coming up"))

    def _register_periodic_tasks(self):
        # Written to django-celery-beat's schedule after migrate; each run only sends what is due, once.
        from partnerportal.schedule import periodic_task

        periodic_task("Agreements: remind pending signatures", "agreements.tasks.remind_pending_signatures", 6 * 3600)
        periodic_task("Agreements: remind upcoming reviews", "agreements.tasks.remind_reviews", 24 * 3600)
