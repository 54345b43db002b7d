"""Owns relationship practices per partner: notices, cases, engagements, roadmap, surveys, kudos, health, timeline.
Offers hub sections, dashboard panels and meeting agenda sources (hub.py); it is the top layer, nothing imports it."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def restore_default_survey_questions(sender, using="default", **kwargs):
    """Put the default survey questions back when the table was emptied (a database flush, e.g.
    between transactional tests, re-sends post_migrate but does not re-run data migrations)."""
    from .services import surveys

    surveys.restore_default_questions(using=using)


class RelationsConfig(AppConfig):
    name = "relations"
    verbose_name = _("Relationship")

    def ready(self):
        from . import hub, policies, receivers

        hub.register()
        policies.register()
        receivers.connect()
        post_migrate.connect(
            restore_default_survey_questions, sender=self, dispatch_uid="relations.restore_default_survey_questions"
        )
