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
