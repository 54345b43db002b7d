"""Celery tasks of the outbox: one line, calling dispatch.dispatch_all_due()."""

from celery import shared_task

from partnerportal.schedule import limits

from . import dispatch

DISPATCH_TASK = "partnerportal.notifications.tasks.dispatch_due_notifications"
MAX_BATCHES_PER_RUN = 20


@shared_task(name=DISPATCH_TASK, ignore_result=True, **limits(600))
def dispatch_due_notifications(batch_size: int = 100) -> dict:
    """Send what is due, batch after batch, until nothing is left (or the run is long enough).

    Beat ticks this every NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS; a missed or duplicated tick
    costs nothing, because the rows themselves say what is due and who has claimed them.
    """
    return dispatch.dispatch_all_due(batch_size=batch_size, max_batches=MAX_BATCHES_PER_RUN).as_dict()
