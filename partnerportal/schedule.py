"""Periodic tasks in django-celery-beat's database schedule, registered by code, not by hand.

Celery beat (with ``django_celery_beat.schedulers:DatabaseScheduler``) reads its schedule from
the ``PeriodicTask`` table. Nobody should have to click these rows together in the admin, so
apps declare their periodic tasks in code and a ``post_migrate`` handler writes them into the
table after every ``manage.py migrate``. An app declares them in its ``hub.register()`` (the one place
it plugs into the shell, see partnerportal/hub.py):

    # meetings/hub.py
    def register():
        ...
        schedule.periodic_task("Meetings: schedule reminders", "meetings.tasks.schedule_reminders", 15 * 60)

The tasks themselves follow one rule: each is named (``name=`` is the path beat stores), has a time
limit (``**limits(seconds)``: a soft limit that raises in the task and a hard one 30 s later that
ends the worker process), and is one line calling a service, where the work and its tests are.

- ``name`` is the unique name of the row in ``PeriodicTask``; the handler does
  ``update_or_create(name=...)``, so running migrate again changes nothing, and a changed interval
  or task path is updated in place.
- ``task`` is the registered Celery task name; ``every_seconds`` an interval (``IntervalSchedule``
  in seconds). Only intervals: send times are computed by our own code and stored as UTC instants
  in the outbox, so crontab schedules and their daylight-saving problems are not needed.
- Only the registered rows are touched: tasks added by hand in the admin are left alone.
  A registered task that an admin disabled stays disabled (``enabled`` is only set on creation).

The notifications app registers its own dispatcher here as ``notifications.dispatch`` (every
``settings.NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS`` seconds).
"""

from dataclasses import dataclass

DISPATCH_TASK_NAME = "notifications.dispatch"


def limits(seconds: int) -> dict:
    """A task's time limits, for ``@shared_task(name=..., **limits(300))``: ``SoftTimeLimitExceeded``
    is raised in the task after ``seconds``; the worker process is ended 30 s later if it did not stop."""
    return {"soft_time_limit": seconds, "time_limit": seconds + 30}


@dataclass(frozen=True)
class PeriodicTaskSpec:
    name: str
    task: str
    every_seconds: int


_REGISTRY: dict[str, PeriodicTaskSpec] = {}


def periodic_task(name: str, task: str, every_seconds: int) -> PeriodicTaskSpec:
    """Declare a periodic task; written to the beat schedule after the next migrate."""
    every_seconds = int(every_seconds)
    if every_seconds <= 0:
        raise ValueError(f"every_seconds must be positive, got {every_seconds}")
    if not name or len(name) > 200:
        raise ValueError("a periodic task needs a name of 1 to 200 characters")
    spec = PeriodicTaskSpec(name=name, task=task, every_seconds=every_seconds)
    _REGISTRY[name] = spec
    return spec


def registered() -> list[PeriodicTaskSpec]:
    return sorted(_REGISTRY.values(), key=lambda spec: spec.name)


def sync_periodic_tasks(using: str = "default") -> list:
    """Create or update the beat rows of all registered tasks (and no others)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    rows = []
    for spec in registered():
        interval, _ = IntervalSchedule.objects.using(using).get_or_create(
            every=spec.every_seconds, period=IntervalSchedule.SECONDS
        )
        row, _ = PeriodicTask.objects.using(using).update_or_create(
            name=spec.name,
            defaults={"task": spec.task, "interval": interval, "crontab": None, "solar": None, "clocked": None},
            create_defaults={
                "task": spec.task,
                "interval": interval,
                "enabled": True,
                "description": "Registered by code (partnerportal.schedule).",
            },
        )
        rows.append(row)
    return rows


def on_post_migrate(sender, app_config=None, using="default", **kwargs):
    """post_migrate handler: runs once per migrate (after django_celery_beat's tables exist)."""
    if app_config is None or app_config.label != "notifications":
        return
    from django.db import connections

    tables = connections[using].introspection.table_names()
    if "django_celery_beat_periodictask" not in tables:
        return
    sync_periodic_tasks(using=using)
