"""Partners: owns the organisations (the host and its partners), their sites and contacts, and the people
with their roles; offers partner lookups, the people of a partner and the `access_revoked` signal."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self):
        from . import hub, policies, signals

        hub.register()
        policies.register()
        signals.connect()
        from . import sso

        sso.connect()  # single sign-on: the session mark and the account events of a sign-in
