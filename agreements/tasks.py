"""Celery tasks of the agreements app: one line each, calling a service (periodic, via beat)."""

from celery import shared_task

from partnerportal.schedule import limits

from . import services


@shared_task(name="agreements.tasks.remind_pending_signatures", **limits(300))
def remind_pending_signatures():
    return services.remind_pending_signatures()


@shared_task(name="agreements.tasks.remind_reviews", **limits(300))
def remind_reviews():
    return services.remind_reviews()
