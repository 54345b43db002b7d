from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self):
        from partnerportal import hub, policy

        from . import policies, signals  # noqa: F401

        # The foundation's admin page (partnerportal/audit.py) joins the navigation here, next to
        # the partner directory, so that partnerportal's shared layer stays free of app wiring.
        hub.nav_item(
            _("Audit log"), "audit", visible=policy.is_admin, order=900, icon="clock-history", group="administration"
        )
