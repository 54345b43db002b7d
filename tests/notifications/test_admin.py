"""Failed notifications stay visible to admins, with filters and a retry action."""

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerportal.notifications import services
from partnerportal.notifications.models import Notification, NotificationStatus
from tests.notifications.helpers import make

pytestmark = pytest.mark.django_db


def test_failed_notifications_are_listed_and_can_be_retried(world, client_as, settings):
    settings.EMAIL_BACKEND = "tests.notifications.helpers.FailingBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    failed = make(world.a_manager, key="f:1", subject="Cannot reach the mail server")
    make(
        world.a_manager, key="ok:1", subject="Still pending later", send_at=timezone.now() + timezone.timedelta(days=1)
    )
    assert services.dispatch_due().failed == 1

    client = client_as(world.admin)
    changelist = reverse("admin:notifications_notification_changelist")
    page = client.get(changelist + "?status__exact=failed")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Cannot reach the mail server" in body
    assert "Still pending later" not in body
    assert client.get(changelist + "?kind=system&q=mail+server").status_code == 200
    detail = client.get(reverse("admin:notifications_notification_change", args=[failed.pk])).content.decode()
    assert "SMTP server is down" in detail

    response = client.post(changelist, {"action": "retry", "_selected_action": [failed.pk]}, follow=True)
    assert "1 notification will be sent again." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.PENDING
    assert failed.attempts == 0 and failed.last_error == ""

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.dispatch_due().sent == 1
    assert Notification.objects.get(pk=failed.pk).status == NotificationStatus.SENT


def test_preferences_admin_and_non_admins_are_kept_out(world, client_as):
    client = client_as(world.admin)
    assert client.get(reverse("admin:notifications_notificationpreference_changelist")).status_code == 200
    response = client_as(world.manager).get(reverse("admin:notifications_notification_changelist"))
    assert response.status_code == 302


def test_admin_dashboard_shows_failed_notifications(world, client_as, settings):
    settings.EMAIL_BACKEND = "tests.notifications.helpers.FailingBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    make(world.a_manager, key="dash:1", subject="Invoice reminder bounced")
    make(world.a_manager, key="dash:2", subject="Waiting one", send_at=timezone.now() + timezone.timedelta(hours=1))
    services.dispatch_due()

    page = client_as(world.admin).get(reverse("dashboard")).content.decode()
    assert 'id="outbox-panel"' in page
    assert "Invoice reminder bounced" in page
    assert "SMTP server is down" in page
    assert "?status__exact=failed" in page
    # Warehouse managers run partnerships, not the mail system: no outbox panel for them.
    assert 'id="outbox-panel"' not in client_as(world.manager).get(reverse("dashboard")).content.decode()
