from datetime import timedelta

import pytest
from django.utils import timezone

from relations import tasks
from relations.models import Case, SurveyRound
from tests.relations import helpers

pytestmark = pytest.mark.django_db


def test_tasks_run_the_services(world):
    case = helpers.case(world, world.partner_a)
    Case.objects.filter(pk=case.pk).update(last_progress_at=timezone.now() - timedelta(hours=30))
    assert tasks.escalate_overdue_cases() == 1
    assert tasks.escalate_overdue_cases() == 0
    assert tasks.schedule_survey_rounds() == 2
    assert tasks.schedule_survey_rounds() == 0
    SurveyRound.objects.update(opens_on=timezone.localdate() - timedelta(days=8))
    assert tasks.send_survey_reminders() == 8  # 2 host managers + 2 partner people, for each partner
    assert tasks.send_survey_reminders() == 0


def test_kinds_and_periodic_tasks_are_registered():
    from partnerportal.notifications import kinds, schedule

    assert kinds.is_registered("relations.case_escalation") and kinds.is_registered("relations.notice")
    tasks_by_name = {spec.name: spec for spec in schedule.registered()}
    assert tasks_by_name["Relations: escalate cases"].task == "relations.tasks.escalate_overdue_cases"
    assert tasks_by_name["Relations: escalate cases"].every_seconds == 900
    from partnerportal.celery import app

    app.loader.import_default_modules()
    for name in ("escalate_overdue_cases", "schedule_survey_rounds", "send_survey_reminders", "snapshot_health_scores"):
        assert f"relations.tasks.{name}" in app.tasks
