"""Demo data for `make run`: a host company, warehouses, partners, users for every role.

Idempotent: running it twice changes nothing. Each app adds its own demo data in `<app>/demo.py`
with a `seed(demo)` function, which its `hub.register()` hands to `hub.demo_part(key, seed, order=)`;
they run by that order and receive the shared `Demo` object.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from partnerportal import hub

DEMO_PASSWORD = "demo-portal-2026"
UNREAD_KEPT = 3  # each demo person's newest notifications stay unread, so the bell shows a few


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
        from partnerportal.notifications.models import Notification

        # By id, not by time: history written as of an earlier moment (as_of) has earlier created_at.
        last_before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with transaction.atomic():
            for seed in hub.demo_parts():
                seed(demo)
            mark_history_read(after_pk=last_before)
        self.stdout.write(self.style.SUCCESS(f"Demo data is in place. Logins (password: {demo.password}):"))
        for username, role, organization in demo.logins:
            self.stdout.write(f"  {username:<14} {role:<18} {organization}")


def mark_history_read(*, after_pk):
    """The demo's year of history was played through the services, which notified people of every record
    month, breach and signature as it went. To the demo's people that is the past, read long ago, as it
    would be for someone who had used the portal all year: only their newest few stay unread.
    Notifications scheduled ahead (reminders) are left as they are; a second run creates none, so
    touches none."""
    from partnerportal.notifications.models import Notification

    now = timezone.now()
    seeded = Notification.objects.filter(pk__gt=after_pk, send_at__lte=now, read_at__isnull=True)
    keep = []
    for recipient in seeded.values_list("recipient", flat=True).distinct().order_by():
        newest = seeded.filter(recipient=recipient).order_by("-send_at", "-id")
        keep += list(newest.values_list("pk", flat=True)[:UNREAD_KEPT])
    seeded.exclude(pk__in=keep).update(read_at=now)
