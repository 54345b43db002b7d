from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def restore_standard_kpis(sender, using="default", **kwargs):
    """Put the standard KPIs back when the table was emptied (a database flush, e.g. between
    transactional tests, re-sends post_migrate but does not re-run data migrations)."""
    import importlib

    from django.apps import apps as global_apps

    data_migration = importlib.import_module("kpis.migrations.0002_standard_kpis")
    KPIDefinition = global_apps.get_model("kpis", "KPIDefinition")
    if not KPIDefinition.objects.using(using).filter(is_standard=True).exists():
        data_migration.create_standard_kpis(global_apps, None)


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = _("KPIs")

    def ready(self):
        from . import hooks, policies  # noqa: F401

        post_migrate.connect(restore_standard_kpis, sender=self, dispatch_uid="kpis.restore_standard_kpis")
        self._register_periodic_tasks()

    def _register_periodic_tasks(self):
        # Written to django-celery-beat's schedule after migrate; judging a month again changes nothing.
        from partnerportal.schedule import periodic_task

        periodic_task("KPIs: judge the last complete month", "kpis.tasks.judge_complete_month", 6 * 3600)
        # Removes import previews abandoned for over an hour (by their age: a late run catches up).
        periodic_task("KPIs: remove abandoned import previews", "kpis.tasks.remove_abandoned_import_previews", 900)
