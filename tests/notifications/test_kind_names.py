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
