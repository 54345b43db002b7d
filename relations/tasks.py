"""Celery tasks: thin wrappers that call the services."""

from celery import shared_task
from django.utils import timezone

from partners.models import Organization


@shared_task
def escalate_overdue_cases():
    from .services import escalate_overdue_cases as run

    return len(run())


@shared_task
def send_survey_reminders():
    from .services import survey_send_reminders

    return survey_send_reminders()


@shared_task
def schedule_survey_rounds():
    from .services import schedule_survey_rounds as run

    return len(run())


@shared_task
def snapshot_health_scores():
    """This month's (and last month's, now complete) health score of every active partner."""
    from dateutil.relativedelta import relativedelta

    from .health import month_start, snapshot

    this_month = month_start(timezone.localdate())
    count = 0
    for partner in Organization.objects.partners().filter(is_active=True):
        snapshot(partner, this_month - relativedelta(months=1))
        snapshot(partner, this_month)
        count += 1
    return count
