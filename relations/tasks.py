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
    """Every active partner's health score for this month, last month (now complete) and any month
    a missed run left out."""
    from .health import snapshot_due

    today = timezone.localdate()
    count = 0
    for partner in Organization.objects.partners().filter(is_active=True):
        snapshot_due(partner, today)
        count += 1
    return count
