"""Celery tasks of the KPI app: thin wrappers around the services (periodic, via beat)."""

from celery import shared_task

from . import alerts, importing


@shared_task(name="kpis.tasks.judge_complete_month")
def judge_complete_month():
    # Idempotent (breaches and successes are keyed): every run in a month judges the previous one again.
    return alerts.judge_complete_month()


@shared_task(name="kpis.tasks.remove_abandoned_import_previews")
def remove_abandoned_import_previews():
    # By age, not by tick: each run removes every preview older than the limit, however long beat paused.
    return importing.remove_abandoned_previews()
