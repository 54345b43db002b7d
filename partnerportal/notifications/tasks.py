"""Celery tasks of the outbox. Thin: the work is in services.dispatch_due()."""

from celery import shared_task

from . import services

DISPATCH_TASK = "partnerportal.notifications.tasks.dispatch_due_notifications"
MAX_BATCHES_PER_RUN = 20


@shared_task(name=DISPATCH_TASK, ignore_result=True)
def dispatch_due_notifications(batch_size: int = 100) -> dict:
    """Send what is due, batch after batch, until nothing is left (or the run is long enough).

    Beat ticks this every NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS; a missed or duplicated tick
    costs nothing, because the rows themselves say what is due and who has claimed them.
    """
    totals = services.DispatchResult()
    for _ in range(MAX_BATCHES_PER_RUN):
        result = services.dispatch_due(batch_size=batch_size)
        totals.claimed += result.claimed
        totals.sent += result.sent
        totals.retried += result.retried
        totals.failed += result.failed
        totals.lost_claims += result.lost_claims
        if result.claimed < batch_size:
            break
    return totals.as_dict()
