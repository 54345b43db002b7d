"""Celery tasks of the relations app: one line each, calling a service (periodic, via beat)."""

from celery import shared_task

from partnerportal.schedule import limits

from . import health, services


@shared_task(name="relations.tasks.escalate_overdue_cases", **limits(300))
def escalate_overdue_cases():
    return len(services.escalate_overdue_cases())


@shared_task(name="relations.tasks.send_survey_reminders", **limits(300))
def send_survey_reminders():
    return services.survey_send_reminders()


@shared_task(name="relations.tasks.schedule_survey_rounds", **limits(300))
def schedule_survey_rounds():
    return len(services.schedule_survey_rounds())


@shared_task(name="relations.tasks.snapshot_health_scores", **limits(900))
def snapshot_health_scores():
    return health.snapshot_all_due()


@shared_task(name="relations.tasks.refresh_health_score", **limits(120))
def refresh_health_score(partner_id):
    """Queued on commit by relations.receivers when the partner's health inputs changed."""
    snap = health.refresh(partner_id)
    return None if snap is None else snap.score
