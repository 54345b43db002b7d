"""What every e-mail carries (stable Message-ID, a way out, Auto-Submitted, a real Date offset), one SMTP
connection per batch, and the e-mail preference obeyed for high-severity notices."""

import hashlib
import socket
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from partnerportal.notifications import services
from partnerportal.notifications.models import Notification, NotificationPreference, NotificationStatus
from tests.notifications.helpers import make_many

pytestmark = pytest.mark.django_db

TEMPLATE = "notifications/email/system"
PREFERENCES = "http://testserver/notifications/preferences/"


def _notify(recipients, key="event:1", **kwargs):
    kwargs.setdefault("context", {"title": "Stock count", "message": "Counting starts at 06:00."})
    return services.notify(recipients=recipients, kind="system", key=key, template=TEMPLATE, **kwargs)


def _sent_to(user):
    [message] = [m for m in mail.outbox if m.to == [user.email]]
    return message


def test_message_id_is_derived_from_recipient_and_key_and_stays_the_same(world, settings):
    settings.DEFAULT_FROM_EMAIL = "Partner portal <portal@portal.example.org>"
    _notify([world.manager, world.a_manager], key="event:stable")
    services.dispatch_due()
    first = _sent_to(world.manager).message()["Message-ID"]
    expected = hashlib.sha256(f"{world.manager.pk}:event:stable".encode()).hexdigest()[:32]
    assert first == f"<{expected}@portal.example.org>"
    assert _sent_to(world.a_manager).message()["Message-ID"] != first

    # Sent again (an admin retries it): the same Message-ID, so a mail system can drop the repeat.
    mail.outbox.clear()
    services.retry(notifications=Notification.objects.filter(recipient=world.manager))
    Notification.objects.filter(recipient=world.manager).update(status=NotificationStatus.PENDING)
    services.dispatch_due()
    assert _sent_to(world.manager).message()["Message-ID"] == first


def test_message_id_domain_falls_back_to_the_site_host(world, settings):
    settings.DEFAULT_FROM_EMAIL = "portal"  # no domain in the sender
    settings.SITE_URL = "https://partners.example.net:8443"
    _notify([world.manager])
    services.dispatch_due()
    assert _sent_to(world.manager).message()["Message-ID"].endswith("@partners.example.net>")


def test_every_email_links_to_the_preferences_and_keeps_auto_replies_away(world):
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    _notify([world.manager, world.a_manager])
    services.dispatch_due()
    for user in (world.manager, world.a_manager):
        message = _sent_to(user).message()
        assert message["List-Unsubscribe"] == f"<{PREFERENCES}>"
        assert message["List-Unsubscribe-Post"] is None  # no one-click endpoint: not promised
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    english = _sent_to(world.manager).body
    danish = _sent_to(world.a_manager).body
    assert english.rstrip().endswith(f"Choose which notifications you receive by e-mail: {PREFERENCES}")
    assert danish.rstrip().endswith(f"Vælg, hvilke notifikationer du modtager som e-mail: {PREFERENCES}")
    # The inbox in the portal shows the message without the e-mail footer.
    assert PREFERENCES not in Notification.objects.get(recipient=world.manager).body


def test_date_header_has_the_real_offset(world):
    _notify([world.manager])
    services.dispatch_due()
    date_header = _sent_to(world.manager).message()["Date"]
    assert not date_header.endswith("-0000"), date_header
    sent = parsedate_to_datetime(date_header)
    assert sent.utcoffset() == timezone.localtime().utcoffset()
    assert abs(sent - timezone.now()) < timedelta(minutes=1)


class _CountingSMTP(SMTP):
    connections = 0
    messages = 0

    def connection_made(self, transport):
        type(self).connections += 1
        super().connection_made(transport)


class _Handler:
    async def handle_DATA(self, server, session, envelope):
        _CountingSMTP.messages += 1
        return "250 OK"


class _CountingController(Controller):
    def __init__(self, handler):
        with socket.socket() as probe:  # a free port on the loopback address
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        super().__init__(handler, hostname="127.0.0.1", port=port)

    def factory(self):
        return _CountingSMTP(self.handler)


@pytest.fixture
def smtp_server(settings):
    controller = _CountingController(_Handler())
    controller.start()
    _CountingSMTP.connections = _CountingSMTP.messages = 0  # not the controller's own start-up probe
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield _CountingSMTP
    controller.stop()


def test_one_smtp_connection_per_batch(world, smtp_server):
    make_many(world.manager, 30, prefix="smtp")
    first = services.dispatch_due(batch_size=20)
    assert first.sent == 20
    assert (smtp_server.connections, smtp_server.messages) == (1, 20)
    # Each one is marked sent right after it went out, not at the end of the batch.
    sent_at = list(Notification.objects.filter(status=NotificationStatus.SENT).values_list("sent_at", flat=True))
    assert len(set(sent_at)) == 20
    second = services.dispatch_due(batch_size=20)
    assert second.sent == 10
    assert (smtp_server.connections, smtp_server.messages) == (2, 30)


def test_a_broken_connection_mid_batch_is_reopened_for_the_rest(world, smtp_server, settings):
    make_many(world.manager, 6, prefix="drop")
    state = {"n": 0}

    class Dropping(_Handler):
        async def handle_DATA(self, server, session, envelope):
            state["n"] += 1
            if state["n"] == 3:
                return "421 Service not available, closing channel"  # the client hangs up after this
            return await super().handle_DATA(server, session, envelope)

    controller = _CountingController(Dropping())
    controller.start()
    try:
        settings.EMAIL_PORT = controller.port
        _CountingSMTP.connections = _CountingSMTP.messages = 0
        result = services.dispatch_due(batch_size=10)
    finally:
        controller.stop()
    assert (result.sent, result.retried) == (5, 1)
    assert _CountingSMTP.messages == 5
    assert _CountingSMTP.connections == 2  # the batch's connection, and one more after it broke


def _post_notice(client, partner, severity):
    start = timezone.localtime() + timedelta(days=1)
    return client.post(
        reverse("relations:notice_create"),
        {
            "partner": partner.pk,
            "kind": "delivery_delay",
            "severity": severity,
            "title": "Truck breakdown on E45",
            "affected_from": start.strftime("%Y-%m-%dT%H:%M"),
            "affected_until": (start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
            "description": "Two trailers stuck.",
            "mitigation": "Replacement truck on its way.",
        },
    )


def test_switched_off_notice_emails_stay_off_even_for_high_severity(world, client_as):
    # The host manager switches notice e-mails off on the preferences page.
    page = client_as(world.manager)
    kinds = list(page.get(reverse("notifications:preferences")).context["rows"])
    response = page.post(
        reverse("notifications:preferences"),
        {"kind": [row.kind for row in kinds], "email": [row.kind for row in kinds if row.kind != "relations.notice"]},
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=world.manager, kind="relations.notice").email is False

    assert _post_notice(client_as(world.a_manager), world.partner_a, "high").status_code == 302
    services.dispatch_due()
    assert [m.to for m in mail.outbox] == [[world.admin.email]]  # the admin kept them on
    # In the portal the manager has it all the same.
    assert Notification.objects.get(recipient=world.manager, kind="relations.notice").status == NotificationStatus.SENT


def test_the_preferences_page_says_which_kinds_are_always_e_mailed(world, client_as):
    client = client_as(world.a_manager)
    page = client.get("/notifications/preferences/")
    assert "Always by e-mail" in page.content.decode()
    rows = {row.kind: row for row in page.context["rows"]}
    assert rows["relations.case_escalation"].always_email and rows["relations.case_escalation"].email
    # Saving the form (the disabled box is not sent) does not record escalations as switched off.
    kinds = [row.kind for row in page.context["rows"]]
    client.post("/notifications/preferences/", {"kind": kinds, "email": []})
    assert not NotificationPreference.objects.filter(user=world.a_manager, kind="relations.case_escalation").exists()
    assert NotificationPreference.objects.filter(user=world.a_manager, kind="relations.notice", email=False).exists()
