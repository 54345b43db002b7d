"""Periodic agreement reminders: thin Celery tasks around the services."""

from celery import shared_task

from . import services


@shared_task(name="agreements.tasks.remind_pending_signatures")
def remind_pending_signatures():
    return services.remind_pending_signatures()


@shared_task(name="agreements.tasks.remind_reviews")
def remind_reviews():
    return services.remind_reviews()
