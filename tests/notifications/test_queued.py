"""The services other apps use to keep their queued notifications up to date without touching the
outbox table: pending(), rerender() and withdraw(keys=...), and the reads queued_for(), emailed(), was_queued()."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partnerportal.notifications import selectors, services
from partnerportal.notifications.models import Notification, NotificationStatus

pytestmark = pytest.mark.django_db

TEMPLATE = "notifications/email/system"


def _notify(recipients, key, title="Stock count", **kwargs):
    context = {"title": title, "message": "Counting starts at 06:00."}
    later = timezone.now() + timedelta(days=2)
    return services.notify(
        recipients=recipients, kind="system", key=key, template=TEMPLATE, context=context, send_at=later, **kwargs
    )


def test_pending_lists_the_waiting_notifications_of_a_prefix_with_their_recipients(world, django_assert_num_queries):
    _notify([world.manager, world.a_manager], "meeting:7:reminder:2d")
    _notify([world.manager], "meeting:7:reminder:1h")
    _notify([world.manager], "meeting:70:reminder:2d")
    services.withdraw(key_prefix="meeting:7:reminder:1h")
    with django_assert_num_queries(1):
        waiting = services.pending(key_prefix="meeting:7:")
        assert {(n.recipient.username, n.key) for n in waiting} == {
            (world.manager.username, "meeting:7:reminder:2d"),
            (world.a_manager.username, "meeting:7:reminder:2d"),
        }
    assert services.pending(key_prefix="meeting:8:") == []


def test_rerender_renders_a_pending_notification_again_in_its_recipients_language(world):
    world.a_manager.language = "da"
    world.a_manager.save()
    _notify([world.manager, world.a_manager], "meeting:7:reminder:2d")
    danish = Notification.objects.get(recipient=world.a_manager)
    context = {"title": "Moved count", "message": "Counting starts at 07:00."}
    attachment = [{"filename": "meeting.ics", "content": "BEGIN:VCALENDAR", "mimetype": "text/calendar"}]

    assert services.rerender(notification=danish, template=TEMPLATE, context=context, attachments=attachment) == 1
    danish.refresh_from_db()
    assert danish.subject == "Portalbesked: Moved count"
    assert "Counting starts at 07:00." in danish.body
    assert danish.attachments == attachment
    # Without attachments the stored ones stay; the other recipient's copy is left alone.
    assert services.rerender(notification=danish, template=TEMPLATE, context={"title": "Again", "message": ""}) == 1
    danish.refresh_from_db()
    assert danish.subject == "Portalbesked: Again" and danish.attachments == attachment
    assert Notification.objects.get(recipient=world.manager).subject == "Portal message: Stock count"


def test_rerender_leaves_a_notification_that_is_no_longer_pending(world):
    (row,) = _notify([world.manager], "meeting:7:reminder:2d")
    Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.SENT)
    assert services.rerender(notification=row, template=TEMPLATE, context={"title": "Late", "message": ""}) == 0
    row.refresh_from_db()
    assert row.subject == "Portal message: Stock count"


def test_withdraw_by_keys_and_recipients(world):
    _notify([world.manager, world.a_manager], "meeting:7:reminder:2d")
    _notify([world.manager, world.a_manager], "meeting:7:reminder:1h")
    _notify([world.a_manager], "meeting:8:reminder:2d")

    assert services.withdraw(keys=["meeting:7:reminder:2d", "meeting:8:reminder:2d"], recipients=[world.a_manager]) == 2
    withdrawn = Notification.objects.filter(status=NotificationStatus.WITHDRAWN)
    assert set(withdrawn.values_list("recipient__username", "key")) == {
        (world.a_manager.username, "meeting:7:reminder:2d"),
        (world.a_manager.username, "meeting:8:reminder:2d"),
    }
    # By exact key for everybody (ids do as well as people); withdrawn rows are not counted twice.
    assert services.withdraw(keys={"meeting:7:reminder:1h"}) == 2
    assert services.withdraw(keys=["meeting:7:reminder:2d"], recipients=[world.manager.pk, world.a_manager.pk]) == 1
    assert services.withdraw(keys=[]) == 0
    assert not Notification.objects.filter(status=NotificationStatus.PENDING).exists()
    with pytest.raises(ValueError):
        services.withdraw()


def test_the_reads_of_queued_and_emailed_notifications(world):
    _notify([world.manager, world.a_manager], "meeting:7:reminder:2d")
    _notify([world.manager], "meeting:7:calendar:1:request")
    _notify([world.a_manager], "meeting:70:reminder:2d")
    Notification.objects.filter(key="meeting:7:reminder:2d", recipient=world.a_manager).update(
        status=NotificationStatus.WITHDRAWN
    )
    assert selectors.queued_for(key_prefix="meeting:7:") == {
        (world.manager.pk, "meeting:7:reminder:2d"),
        (world.a_manager.pk, "meeting:7:reminder:2d"),
        (world.manager.pk, "meeting:7:calendar:1:request"),
    }
    assert selectors.was_queued(key="meeting:70:reminder:2d")
    assert not selectors.was_queued(key="meeting:70:")

    assert selectors.emailed(key_prefixes=["meeting:7:reminder:", "meeting:7:calendar:"]) == []
    Notification.objects.filter(key__startswith="meeting:7").update(status=NotificationStatus.SENT)
    Notification.objects.filter(key="meeting:7:calendar:1:request").update(email=False)
    assert selectors.emailed(key_prefixes=["meeting:7:reminder:", "meeting:7:calendar:"]) == sorted(
        [(world.manager.pk, "meeting:7:reminder:2d"), (world.a_manager.pk, "meeting:7:reminder:2d")]
    )
    assert selectors.emailed(key_prefixes=[]) == []
