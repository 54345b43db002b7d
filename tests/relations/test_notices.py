from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerportal.notifications.models import Notification
from relations.models import Notice
from tests.relations import helpers

pytestmark = pytest.mark.django_db


def _post_form(client, partner, **overrides):
    start = timezone.localtime() + timedelta(days=1)
    data = {
        "partner": partner.pk,
        "kind": "delivery_delay",
        "severity": "high",
        "title": "Truck breakdown on E45",
        "affected_from": start.strftime("%Y-%m-%dT%H:%M"),
        "affected_until": (start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Two trailers stuck.",
        "mitigation": "Replacement truck on its way.",
    }
    data.update(overrides)
    return client.post(reverse("relations:notice_create"), data)


def test_partner_posts_notice_and_host_is_notified_by_email_for_high_severity(world, client_as):
    response = _post_form(client_as(world.a_manager), world.partner_a)
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == notice.get_absolute_url()
    assert notice.side == "partner" and notice.posted_by == world.a_manager
    notes = Notification.objects.filter(key=f"notice:{notice.pk}:posted")
    assert {n.recipient for n in notes} == {world.admin, world.manager}
    assert all(n.email for n in notes)
    # nobody at another partner hears about it
    assert not Notification.objects.filter(recipient__in=[world.b_manager, world.b_viewer]).exists()


def test_low_severity_notice_stays_in_the_portal(world, client_as):
    _post_form(client_as(world.manager), world.partner_a, severity="low")
    notes = Notification.objects.filter(kind="relations.notice")
    assert {n.recipient for n in notes} == {world.a_manager, world.a_viewer}
    assert not any(n.email for n in notes)


def test_window_ending_before_it_starts_is_refused(world, client_as):
    start = timezone.localtime() + timedelta(days=1)
    response = _post_form(
        client_as(world.a_manager),
        world.partner_a,
        affected_until=(start - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.content.decode()
    assert not Notice.objects.exists()


def test_partner_cannot_post_for_another_partner(world, client_as):
    response = _post_form(client_as(world.a_manager), world.partner_b)
    assert response.status_code == 400
    assert not Notice.objects.exists()


def test_host_acknowledges_and_who_when_is_shown(world, client_as):
    notice = helpers.notice(world, world.partner_a)
    client = client_as(world.manager)
    response = client.post(reverse("relations:notice_acknowledge", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_by == world.manager and notice.acknowledged_at is not None
    page = client_as(world.a_viewer).get(notice.get_absolute_url()).content.decode()
    assert str(world.manager) in page and "Not yet acknowledged" not in page


def test_acknowledging_twice_gives_a_clear_message_and_changes_nothing(world, client_as):
    notice = helpers.notice(world, world.partner_a)
    helpers_client = client_as(world.manager)
    helpers_client.post(reverse("relations:notice_acknowledge", args=[notice.pk]))
    first = Notice.objects.get().acknowledged_at
    response = client_as(world.admin).post(reverse("relations:notice_acknowledge", args=[notice.pk]), follow=True)
    assert "already acknowledged" in response.content.decode()
    notice.refresh_from_db()
    assert notice.acknowledged_at == first and notice.acknowledged_by == world.manager


def test_acknowledging_another_partners_notice_is_404(world, client_as):
    notice = helpers.notice(world, world.partner_b)
    response = client_as(world.a_manager).post(reverse("relations:notice_acknowledge", args=[notice.pk]))
    assert response.status_code == 404
    api = client_as(world.a_manager).post(reverse("api:notice-acknowledge", args=[notice.pk]))
    assert api.status_code == 404
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_own_side_cannot_acknowledge(world, client_as):
    notice = helpers.notice(world, world.partner_a)
    response = client_as(world.a_manager).post(reverse("api:notice-acknowledge", args=[notice.pk]))
    assert response.status_code == 400
    assert "other side" in str(response.json())


def test_viewer_cannot_acknowledge(world, client_as):
    notice = helpers.notice(world, world.partner_a, by=world.manager)
    response = client_as(world.a_viewer).post(reverse("relations:notice_acknowledge", args=[notice.pk]))
    assert response.status_code == 403


def test_stats_median_lead_and_ack_times_per_side(world, client_as):
    now = timezone.now()
    for hours_ahead, ack_after in ((10, 1), (30, 3), (50, None)):
        n = helpers.notice(world, world.partner_a, affected_from=now + timedelta(hours=hours_ahead))
        if ack_after is not None:
            Notice.objects.filter(pk=n.pk).update(
                acknowledged_by=world.manager, acknowledged_at=n.posted_at + timedelta(hours=ack_after)
            )
    from relations.selectors import notice_stats

    stats = notice_stats(user=world.manager, partner=world.partner_a)
    assert stats["partner"]["posted"] == 3
    assert stats["partner"]["median_lead_hours"] == pytest.approx(30, abs=0.1)
    assert stats["host"]["median_ack_hours"] == 2.0  # median of 1 h and 3 h, acknowledged by the host
    assert stats["partner"]["median_ack_hours"] is None


def test_notice_api_create_and_list_scoped(world, client_as):
    client = client_as(world.a_manager)
    response = client.post(
        reverse("api:notice-list"),
        {
            "partner": world.partner_a.pk,
            "kind": "capacity",
            "severity": "medium",
            "title": "Peak",
            "affected_from": "2030-01-01T08:00:00Z",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    helpers.notice(world, world.partner_b)
    titles = [n["title"] for n in client.get(reverse("api:notice-list")).json()["results"]]
    assert titles == ["Peak"]


def test_notice_list_query_count_does_not_grow(world, client_as, django_assert_max_num_queries):
    client = client_as(world.manager)
    for _ in range(3):
        helpers.notice(world, world.partner_a)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("relations:notice_list"))
    for _ in range(20):
        helpers.notice(world, world.partner_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("relations:notice_list"))


def _active_agreement(world, rules):
    agreements = pytest.importorskip("agreements.models")
    agreement = agreements.Agreement.objects.create(partner=world.partner_a, title="Samarbejdsaftale")
    version = agreements.AgreementVersion.objects.create(agreement=agreement, number=1, created_by=world.manager)
    for topic, channel in rules:
        agreements.ChannelRule.objects.create(
            version=version, topic=topic, channel=channel, response_hours=4, party="host", user=world.manager
        )
    version.status, version.sent_at = "in_review", timezone.now()
    version.save()
    version.status, version.activated_at = "active", timezone.now()
    version.save()


def test_channel_matrix_decides_email_for_the_notice_topic(world):
    _active_agreement(world, [("delivery_delays", "email"), ("system_outages", "portal_notice")])
    delay = helpers.notice(world, world.partner_a, kind="delivery_delay", severity="low")
    outage = helpers.notice(world, world.partner_a, kind="system_outage", severity="medium")
    assert all(n.email for n in Notification.objects.filter(key=f"notice:{delay.pk}:posted"))
    assert not any(n.email for n in Notification.objects.filter(key=f"notice:{outage.pk}:posted"))
    high_outage = helpers.notice(world, world.partner_a, kind="system_outage", severity="high")
    assert all(n.email for n in Notification.objects.filter(key=f"notice:{high_outage.pk}:posted"))
