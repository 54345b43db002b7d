"""Celery tasks of the KPI app: one line each, calling a service (periodic, via beat)."""

from celery import shared_task

from partnerportal.schedule import limits

from . import alerts, importing, reminders, reviews


@shared_task(name="kpis.tasks.judge_complete_month", **limits(900))
def judge_complete_month():
    return alerts.judge_complete_month()


@shared_task(name="kpis.tasks.remove_abandoned_import_previews", **limits(300))
def remove_abandoned_import_previews():
    return importing.remove_abandoned_previews()


@shared_task(name="kpis.tasks.remind_missing_data", **limits(300))
def remind_missing_data():
    return reminders.remind_missing_data()


@shared_task(name="kpis.tasks.scorecard_review", **limits(600))
def scorecard_review():
    return reviews.run_daily()
