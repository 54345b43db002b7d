"""Periodic tasks reach django-celery-beat's database schedule by themselves (post_migrate)."""

import pytest
from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from partnerportal import schedule
from partnerportal.celery import app as celery_app
from partnerportal.notifications.tasks import DISPATCH_TASK

pytestmark = pytest.mark.django_db


def test_migrate_registered_the_dispatcher_in_beats_table():
    # Nothing in this test creates the row: the test database's migrate did, via post_migrate.
    row = PeriodicTask.objects.get(name="notifications.dispatch")
    assert row.task == DISPATCH_TASK == "partnerportal.notifications.tasks.dispatch_due_notifications"
    assert row.enabled
    assert row.interval.every == settings.NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS
    assert row.interval.period == IntervalSchedule.SECONDS
    assert row.crontab is None
    # The name points at a task the worker really knows.
    assert DISPATCH_TASK in celery_app.tasks


def test_every_registered_task_is_in_the_schedule_and_known_to_celery():
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks.py
    for spec in schedule.registered():
        assert spec.name in names
        assert spec.task in celery_app.tasks, f"{spec.name}: no Celery task {spec.task}"


def test_sync_is_idempotent_updates_registered_rows_and_leaves_others_alone(monkeypatch):
    by_hand = PeriodicTask.objects.create(
        name="Hand-made cleanup",
        task="celery.backend_cleanup",
        interval=IntervalSchedule.objects.create(every=7, period=IntervalSchedule.DAYS),
    )
    PeriodicTask.objects.filter(name="notifications.dispatch").update(enabled=False)
    before = PeriodicTask.objects.count()
    schedule.sync_periodic_tasks()
    schedule.sync_periodic_tasks()
    assert PeriodicTask.objects.count() == before
    # An admin's decision to pause a registered task is kept.
    assert PeriodicTask.objects.get(name="notifications.dispatch").enabled is False

    monkeypatch.setattr(schedule, "_REGISTRY", dict(schedule._REGISTRY))
    schedule.periodic_task("notifications.dispatch", DISPATCH_TASK, 45)
    schedule.periodic_task("Test: new task", "partnerportal.notifications.tasks.dispatch_due_notifications", 3600)
    schedule.sync_periodic_tasks()
    assert PeriodicTask.objects.get(name="notifications.dispatch").interval.every == 45
    assert PeriodicTask.objects.get(name="Test: new task").interval.every == 3600
    by_hand.refresh_from_db()
    assert by_hand.task == "celery.backend_cleanup" and by_hand.interval.every == 7


def test_bad_registrations_are_refused():
    with pytest.raises(ValueError):
        schedule.periodic_task("Broken", "x.y", 0)
    with pytest.raises(ValueError):
        schedule.periodic_task("", "x.y", 60)
