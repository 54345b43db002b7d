"""Celery tasks of the meetings app: thin wrappers around the services (periodic, via beat)."""

from celery import shared_task

from . import services


@shared_task(name="meetings.tasks.extend_horizons")
def extend_horizons():
    return services.extend_horizons()


@shared_task(name="meetings.tasks.schedule_reminders")
def schedule_reminders():
    return services.schedule_reminders()


@shared_task(name="meetings.tasks.remind_action_items")
def remind_action_items():
    return services.remind_action_items()


@shared_task(name="meetings.tasks.remind_missing_kpi_data")
def remind_missing_kpi_data():
    # Beat ticks daily; the service sends each partner's reminder once per month, on the first run
    # of the month that finds it due (also after missed ticks).
    return services.remind_missing_kpi_data()


@shared_task(name="meetings.tasks.materialise_series")
def materialise_series(series_id: int):
    from .models import MeetingSeries

    series = MeetingSeries.objects.filter(pk=series_id).first()
    return services.materialise(series=series) if series else 0
