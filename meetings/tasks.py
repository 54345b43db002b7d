"""Celery tasks of the meetings app: one line each, calling a service (periodic, via beat)."""

from celery import shared_task

from partnerportal.schedule import limits

from . import services


@shared_task(name="meetings.tasks.extend_horizons", **limits(600))
def extend_horizons():
    return services.extend_horizons()


@shared_task(name="meetings.tasks.schedule_reminders", **limits(300))
def schedule_reminders():
    return services.schedule_reminders()


@shared_task(name="meetings.tasks.remind_action_items", **limits(300))
def remind_action_items():
    return services.remind_action_items()
