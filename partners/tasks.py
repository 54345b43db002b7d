"""Celery tasks of the partners app: one line each, calling a service (periodic, via beat)."""

from celery import shared_task

from partnerportal.schedule import limits

from . import services


@shared_task(name="partners.tasks.clear_expired_sessions", **limits(600))
def clear_expired_sessions():
    return services.sessions_clear_expired()
