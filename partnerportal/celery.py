import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings")

app = Celery("partnerportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@worker_process_init.connect
def _task_database_limits(**kwargs):
    # Tasks (reminder runs, rollups, health snapshots) may legitimately take longer than a web request.
    from partnerportal.db import use_task_statement_timeout

    use_task_statement_timeout()


@worker_init.connect
def _worker_metrics(**kwargs):
    # The worker's metrics endpoint, when METRICS_ENABLED and METRICS_WORKER_PORT are set.
    from partnerportal.metrics import serve_worker_metrics

    serve_worker_metrics()
