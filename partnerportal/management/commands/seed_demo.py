"""Demo data for `make run`: a host company, warehouses, partners, users for every role.

Idempotent: running it twice changes nothing. Each app adds its own demo data in `<app>/demo.py`
with a `seed(demo)` function; they run in the order below and receive the shared `Demo` object.
"""

import importlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

DEMO_APPS = ["partners", "kpis", "agreements", "meetings", "relations"]
DEMO_PASSWORD = "demo-portal-2026"


@dataclass
class Demo:
    stdout: object
    password: str = DEMO_PASSWORD
    objects: dict = field(default_factory=dict)  # shared between the apps' seed functions
    logins: list = field(default_factory=list)  # (username, role, organisation)


@contextmanager
def as_of(moment):
    """Run demo writes as if the clock showed `moment` (and ran on from there).

    For history that the services date themselves and that cannot be moved afterwards (a signed
    agreement version's dates are sealed, on PostgreSQL by triggers): every `timezone.now()` and
    `timezone.localdate()` inside the block reads the shifted clock. Only for demo data.
    """
    real_now = timezone.now
    offset = moment - real_now()
    with mock.patch("django.utils.timezone.now", lambda: real_now() + offset):
        yield


class Command(BaseCommand):
    help = "Create (or keep) the demo data and print the demo logins."

    def handle(self, *args, **options):
        demo = Demo(stdout=self.stdout)
        with transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(demo)
        self.stdout.write(self.style.SUCCESS(f"Demo data is in place. Logins (password: {demo.password}):"))
        for username, role, organization in demo.logins:
            self.stdout.write(f"  {username:<14} {role:<18} {organization}")
