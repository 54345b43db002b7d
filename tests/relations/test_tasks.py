from datetime import timedelta

import pytest
from django.utils import timezone

from partnerportal.notifications.models import Notification
from relations import services, tasks
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
    from partnerportal import schedule
    from partnerportal.notifications import kinds

    assert kinds.is_registered("relations.case_escalation") and kinds.is_registered("relations.notice")
    tasks_by_name = {spec.name: spec for spec in schedule.registered()}
    assert tasks_by_name["Relations: escalate cases"].task == "relations.tasks.escalate_overdue_cases"
    assert tasks_by_name["Relations: escalate cases"].every_seconds == 900
    from partnerportal.celery import app

    app.loader.import_default_modules()
    for name in ("escalate_overdue_cases", "schedule_survey_rounds", "send_survey_reminders", "snapshot_health_scores"):
        assert f"relations.tasks.{name}" in app.tasks


# --- Missed ticks (beat could not reach the broker): the next run catches up from the database ---


def test_escalations_due_during_missed_runs_come_once_in_the_next_run(world):
    case = helpers.case(world, world.partner_a)
    # Nobody ran the 15-minute task for 50 hours: both levels (24 h and 48 h) fell due meanwhile.
    Case.objects.filter(pk=case.pk).update(
        raised_at=timezone.now() - timedelta(hours=50), last_progress_at=timezone.now() - timedelta(hours=50)
    )
    assert tasks.escalate_overdue_cases() == 2
    assert sorted(case.escalations.values_list("level", flat=True)) == [1, 2]
    assert tasks.escalate_overdue_cases() == 0


def test_survey_reminders_due_during_missed_runs_come_once_in_the_next_run(world):
    today = timezone.localdate()
    rounds = [helpers.survey(world, p) for p in (world.partner_a, world.partner_b)]
    # The daily run did not happen for ten days; the reminders fell due three days ago.
    SurveyRound.objects.filter(pk__in=[r.pk for r in rounds]).update(opens_on=today - timedelta(days=10))
    assert tasks.send_survey_reminders() == 8
    assert tasks.send_survey_reminders() == 0
    assert Notification.objects.filter(key__endswith=":reminder").values("recipient", "key").distinct().count() == 8


def test_a_survey_round_missed_by_the_daily_run_opens_on_its_due_date(world):
    from dateutil.relativedelta import relativedelta

    today = timezone.localdate()
    last_opened = today - relativedelta(months=3) - timedelta(days=4)  # due four days ago
    for partner in (world.partner_a, world.partner_b):
        services.survey_round_create(partner=partner, opens_on=last_opened, closes_on=last_opened + timedelta(days=21))

    assert tasks.schedule_survey_rounds() == 2
    due = last_opened + relativedelta(months=3)
    new_rounds = SurveyRound.objects.exclude(opens_on=last_opened)
    assert {(r.opens_on, r.closes_on) for r in new_rounds} == {(due, due + timedelta(days=21))}
    assert tasks.schedule_survey_rounds() == 0
    # The quarterly rhythm is kept: the next round is due three months after the due date, not after today.
    assert services.schedule_survey_rounds(today=due + relativedelta(months=3) - timedelta(days=1)) == []
    assert len(services.schedule_survey_rounds(today=due + relativedelta(months=3))) == 2


def test_health_snapshots_of_months_missed_by_the_daily_run_are_made_once(world):
    from dateutil.relativedelta import relativedelta

    from relations import health
    from relations.models import HealthSnapshot

    this_month = timezone.localdate().replace(day=1)
    four_months_ago = this_month - relativedelta(months=4)
    health.snapshot(world.partner_a, four_months_ago)  # the last run before the outage
    assert tasks.snapshot_health_scores() == 2

    months_a = list(HealthSnapshot.objects.filter(partner=world.partner_a).values_list("month", flat=True))
    assert sorted(months_a) == [four_months_ago + relativedelta(months=i) for i in range(5)]
    months_b = set(HealthSnapshot.objects.filter(partner=world.partner_b).values_list("month", flat=True))
    assert months_b == {this_month - relativedelta(months=1), this_month}
    count = HealthSnapshot.objects.count()
    tasks.snapshot_health_scores()
    assert HealthSnapshot.objects.count() == count
