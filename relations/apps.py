from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "relations"
    verbose_name = _("Relationship")

    def ready(self):
        from . import hub_registration, policies, receivers  # noqa: F401
