"""notify(): idempotent per (recipient, key), rendered in the recipient's language, never across
partners, following the e-mail preference; withdraw and reschedule."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from partnerportal.notifications import services
from partnerportal.notifications.models import Notification, NotificationPreference, NotificationStatus

pytestmark = pytest.mark.django_db

TEMPLATE = "notifications/email/system"


def _notify(recipients, key="event:1", **kwargs):
    kwargs.setdefault("context", {"title": "Stock count", "message": "Counting starts at 06:00."})
    return services.notify(recipients=recipients, kind="system", key=key, template=TEMPLATE, **kwargs)


def test_notify_is_idempotent_per_recipient_and_key(world):
    first = _notify([world.manager, world.a_manager, world.manager])
    assert len(first) == 2
    assert _notify([world.manager, world.a_manager]) == []
    assert Notification.objects.filter(key="event:1").count() == 2
    # Another key is another notification.
    assert len(_notify([world.manager], key="event:2")) == 1


def test_notify_renders_in_the_recipients_language(world):
    world.a_manager.language = "da"
    world.a_manager.save()
    _notify([world.manager, world.a_manager], url="/partners/")
    english = Notification.objects.get(recipient=world.manager)
    danish = Notification.objects.get(recipient=world.a_manager)
    assert english.subject == "Portal message: Stock count"
    assert english.body.startswith(f"Hello {world.manager.get_full_name()},")
    assert danish.subject == "Portalbesked: Stock count"
    assert danish.body.startswith(f"Hej {world.a_manager.get_full_name()},")
    assert "Counting starts at 06:00." in danish.body

    services.dispatch_due()
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[world.a_manager.email] == "Portalbesked: Stock count"


def test_partner_users_of_another_partner_are_skipped(world):
    created = _notify(
        [world.manager, world.a_manager, world.a_viewer, world.b_manager, world.b_viewer], partner=world.partner_a
    )
    assert {n.recipient for n in created} == {world.manager, world.a_manager, world.a_viewer}
    assert not Notification.objects.filter(recipient__organization=world.partner_b).exists()


def test_inactive_users_are_skipped(world):
    world.a_viewer.is_active = False
    world.a_viewer.save()
    assert [n.recipient for n in _notify([world.a_viewer, world.a_manager])] == [world.a_manager]


def test_the_email_preference_is_honoured(world):
    NotificationPreference.objects.create(user=world.a_manager, kind="system", email=False)
    _notify([world.a_manager, world.manager])
    assert Notification.objects.get(recipient=world.a_manager).email is False
    assert Notification.objects.get(recipient=world.manager).email is True
    services.dispatch_due()
    assert [m.to for m in mail.outbox] == [[world.manager.email]]
    # In the portal it is there all the same.
    assert Notification.objects.get(recipient=world.a_manager).status == NotificationStatus.SENT
    # An explicit email=True from the caller wins over the preference (e.g. a password matter).
    _notify([world.a_manager], key="event:forced", email=True)
    assert Notification.objects.get(key="event:forced").email is True


def test_withdraw_and_reschedule(world):
    later = timezone.now() + timedelta(days=2)
    _notify([world.manager, world.a_manager], key="meeting:7:reminder:2d", send_at=later)
    _notify([world.manager], key="meeting:7:reminder:1h", send_at=later)
    _notify([world.manager], key="meeting:70:reminder:2d", send_at=later)

    sooner = timezone.now() + timedelta(hours=3)
    assert services.reschedule(key="meeting:7:reminder:2d", send_at=sooner) == 2
    assert set(Notification.objects.filter(key="meeting:7:reminder:2d").values_list("send_at", flat=True)) == {sooner}

    assert services.withdraw(key_prefix="meeting:7:") == 3
    assert Notification.objects.filter(status=NotificationStatus.WITHDRAWN).count() == 3
    assert Notification.objects.get(key="meeting:70:reminder:2d").status == NotificationStatus.PENDING
    # Withdrawn rows are never sent, and sent rows are not withdrawn after the fact.
    assert services.dispatch_due(now=timezone.now() + timedelta(days=3)).sent == 1
    assert services.withdraw(key_prefix="meeting:70:") == 0
