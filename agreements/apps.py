"""Agreements: owns each partner's agreement, its versions (KPI targets, responsibilities, channels,
escalation) and their signatures; offers a partner's agreement and what awaits a person's signature."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def restore_standard_template(sender, using="default", **kwargs):
    """Put the standard agreement template back when the templates were emptied (a database flush
    re-sends post_migrate but does not re-run data migrations)."""
    from . import standard_template

    standard_template.restore(using=using)


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Agreements")

    def ready(self):
        from . import hub, policies, signals

        hub.register()
        policies.register()
        signals.connect()
        post_migrate.connect(
            restore_standard_template, sender=self, dispatch_uid="agreements.restore_standard_template"
        )
