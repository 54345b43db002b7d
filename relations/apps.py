from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def restore_default_survey_questions(sender, using="default", **kwargs):
    """Put the default survey questions back when the table was emptied (a database flush, e.g.
    between transactional tests, re-sends post_migrate but does not re-run data migrations)."""
    import importlib

    from django.apps import apps as global_apps

    SurveyQuestion = global_apps.get_model("relations", "SurveyQuestion")
    if not SurveyQuestion.objects.using(using).exists():
        importlib.import_module("relations.migrations.0002_default_survey_questions").create(global_apps, None)


class RelationsConfig(AppConfig):
    name = "relations"
    verbose_name = _("Relationship")

    def ready(self):
        from . import hub_registration, policies, receivers  # noqa: F401

        post_migrate.connect(
            restore_default_survey_questions, sender=self, dispatch_uid="relations.restore_default_survey_questions"
        )
