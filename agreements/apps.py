"""Agreements: owns each partner's agreement, its versions (KPI targets, responsibilities, channels,
escalation) and their signatures; offers a partner's agreement and what awaits a person's signature."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Agreements")

    def ready(self):
        from . import hub, policies, signals

        hub.register()
        policies.register()
        signals.connect()
