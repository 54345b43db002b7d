from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = _("KPIs")

    def ready(self):
        from . import hooks, policies  # noqa: F401
