"""KPIs: owns the KPI definitions, partners' assignments and targets, measurements and their rollups,
alerts and successes; offers the one aggregation function, scorecards and KPI results to the apps above."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def restore_standard_kpis(sender, using="default", **kwargs):
    """Put the standard KPIs back when the table was emptied (a database flush, e.g. between
    transactional tests, re-sends post_migrate but does not re-run data migrations)."""
    from . import standard

    standard.restore(using=using)


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = _("KPIs")

    def ready(self):
        from . import hub, policies

        hub.register()
        policies.register()
        post_migrate.connect(restore_standard_kpis, sender=self, dispatch_uid="kpis.restore_standard_kpis")
