"""Celery tasks of the relations app: one line each, calling a service (periodic, via beat)."""

import logging

from celery import shared_task

from partnerportal.schedule import limits

from . import health, services

logger = logging.getLogger(__name__)


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
    """One partner's refresh (the messages queued before refresh_health_scores; also for a manual call)."""
    snap = health.refresh(partner_id)
    return None if snap is None else snap.score


@shared_task(name="relations.tasks.refresh_health_scores", **limits(300))
def refresh_health_scores(partner_ids):
    """Queued on commit by relations.receivers: the partners whose health inputs one transaction changed,
    up to receivers.REFRESH_BATCH per message (one message, not one per partner). Each partner is
    refreshed on its own: one that fails is logged and does not stop the others."""
    refreshed = 0
    for partner_id in partner_ids:
        try:
            health.refresh(partner_id)
        except Exception:  # the daily snapshot (or Recompute) catches up
            logger.exception("Could not refresh the health score of partner %s", partner_id)
            continue
        refreshed += 1
    return refreshed


@shared_task(name="relations.tasks.refresh_host_kpis", **limits(600))
def refresh_host_kpis():
    """The host KPIs computed from the portal's own data (relations.host_kpis), over the last months."""
    from . import host_kpis

    return host_kpis.refresh_all()
