"""Notification kinds have one naming style, and the migration that renamed the old ones carries the
stored notifications and preferences along."""

import re
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from partnerportal.notifications import kinds
from partnerportal.notifications.models import Notification, NotificationPreference
from tests.notifications.helpers import make

pytestmark = pytest.mark.django_db

renaming = import_module("partnerportal.notifications.migrations.0004_kinds_named_by_app")


def test_every_registered_kind_is_named_by_its_app():
    labels = {config.label for config in django_apps.get_app_configs()}
    for kind in kinds.all_kinds():
        if kind.key in (kinds.SYSTEM, kinds.ACCOUNT):
            continue
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", kind.key), kind.key
        assert kind.key.split(".")[0] in labels, kind.key


def test_the_migration_renames_stored_notifications_and_preferences(world):
    old = make(world.a_manager, kind="kpi_breach")
    NotificationPreference.objects.create(user=world.a_manager, kind="agreement_review", email=False)
    # someone who already chose for the new name keeps that choice
    NotificationPreference.objects.create(user=world.manager, kind="agreement_review", email=False)
    NotificationPreference.objects.create(user=world.manager, kind="agreements.review", email=True)

    renaming.forwards(django_apps, None)

    old.refresh_from_db()
    assert old.kind == "kpis.breach"
    assert NotificationPreference.objects.get(user=world.a_manager).kind == "agreements.review"
    assert list(NotificationPreference.objects.filter(user=world.manager).values_list("kind", "email")) == [
        ("agreements.review", True)
    ]

    renaming.backwards(django_apps, None)
    old.refresh_from_db()
    assert old.kind == "kpi_breach"
    assert Notification.objects.filter(kind__startswith="kpis.").count() == 0


moving = import_module("partnerportal.notifications.migrations.0005_kpi_data_missing_kind")


def test_the_kpi_data_missing_kind_moves_to_kpis_with_its_notifications_preferences_and_beat_row(world):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    old = make(world.a_manager, kind="meetings.kpi_missing")
    NotificationPreference.objects.create(user=world.a_manager, kind="meetings.kpi_missing", email=False)
    every_day, _ = IntervalSchedule.objects.get_or_create(every=24 * 3600, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(name=moving.NEW_TASK[0]).delete()
    PeriodicTask.objects.create(name=moving.OLD_TASK[0], task=moving.OLD_TASK[1], interval=every_day, enabled=False)

    moving.forwards(django_apps, None)

    old.refresh_from_db()
    assert old.kind == "kpis.data_missing"
    assert NotificationPreference.objects.get(user=world.a_manager).kind == "kpis.data_missing"
    row = PeriodicTask.objects.get(task="kpis.tasks.remind_missing_data")
    assert (row.name, row.enabled) == (moving.NEW_TASK[0], False)  # the admin's choice stays
    assert not PeriodicTask.objects.filter(name=moving.OLD_TASK[0]).exists()

    moving.backwards(django_apps, None)
    old.refresh_from_db()
    assert old.kind == "meetings.kpi_missing"
    assert NotificationPreference.objects.get(user=world.a_manager).kind == "meetings.kpi_missing"
    assert PeriodicTask.objects.get(name=moving.OLD_TASK[0]).task == "meetings.tasks.remind_missing_kpi_data"


def test_the_beat_row_registered_under_the_new_name_already_replaces_the_old_one(world):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_day, _ = IntervalSchedule.objects.get_or_create(every=24 * 3600, period=IntervalSchedule.SECONDS)
    for name, task in (moving.OLD_TASK, moving.NEW_TASK):
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "interval": every_day})

    moving.forwards(django_apps, None)

    assert list(
        PeriodicTask.objects.filter(name__in=[moving.OLD_TASK[0], moving.NEW_TASK[0]]).values_list("task", flat=True)
    ) == ["kpis.tasks.remind_missing_data"]
