from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerportal.notifications.models import Notification, NotificationStatus
from relations import services
from relations.models import Engagement, RoadmapComment, RoadmapItem
from tests.partners.hub import hub_page
from tests.relations import helpers

pytestmark = pytest.mark.django_db


def test_planned_engagement_queues_a_reminder_two_days_before(world, client_as):
    starts = timezone.localtime() + timedelta(days=10)
    response = client_as(world.manager).post(
        reverse("relations:engagement_create"),
        {
            "partner": world.partner_a.pk,
            "kind": "workshop",
            "status": "planned",
            "title": "Returns process workshop",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "place": "Vejle",
            "participants": [world.manager.pk, world.a_manager.pk],
            "agenda": "1. Today\n2. Ideas",
        },
    )
    assert response.status_code == 302
    engagement = Engagement.objects.get()
    reminders = Notification.objects.filter(key=f"engagement:{engagement.pk}:reminder:2d")
    assert {n.recipient for n in reminders} == {world.manager, world.a_manager}
    expected = engagement.starts_at - timedelta(days=2)
    assert all(abs((n.send_at - expected).total_seconds()) < 1 for n in reminders)
    # moving it moves the reminder; cancelling withdraws it
    engagement.starts_at += timedelta(days=1)
    services.engagement_save(user=world.manager, engagement=engagement)
    assert {n.send_at for n in reminders.all()} == {engagement.starts_at - timedelta(days=2)}
    engagement.status = "cancelled"
    services.engagement_save(user=world.manager, engagement=engagement)
    assert set(reminders.values_list("status", flat=True)) == {NotificationStatus.WITHDRAWN}


def test_participants_from_another_partner_are_refused(world, client_as):
    response = client_as(world.manager).post(
        reverse("relations:engagement_create"),
        {
            "partner": world.partner_a.pk,
            "kind": "site_visit",
            "status": "planned",
            "title": "Visit",
            "starts_at": "2030-05-01T10:00",
            "participants": [world.b_manager.pk],
        },
    )
    assert response.status_code == 400
    assert not Engagement.objects.exists()


def test_engagements_listed_on_the_hub(world, client_as):
    helpers.engagement(world, world.partner_a)
    page = hub_page(client_as(world.a_viewer), world.partner_a)  # the engagements section loads lazily
    assert "Visit Alfa Logistik A/S" in page


def test_internal_plans_are_never_visible_to_partners(world, client_as):
    internal = helpers.roadmap_item(world, None)
    shared = helpers.roadmap_item(world, world.partner_a)
    client = client_as(world.a_manager)
    page = client.get(reverse("relations:roadmap_list")).content.decode()
    assert shared.title in page and internal.title not in page
    assert client.get(reverse("relations:roadmap_detail", args=[internal.pk])).status_code == 404
    assert internal.title not in str(client.get(reverse("api:roadmap-item-list")).json())
    assert "shared_with" not in client.get(reverse("api:roadmap-item-detail", args=[shared.pk])).json()


def test_partners_are_notified_when_shared_and_when_timing_changes(world):
    item = RoadmapItem(title="New WMS", category="new_systems", starts_on=date(2030, 1, 1), ends_on=date(2030, 6, 1))
    services.roadmap_save(user=world.manager, item=item, shared_with=[world.partner_a])
    shared = Notification.objects.filter(key=f"roadmap:{item.pk}:{world.partner_a.pk}:shared")
    assert {n.recipient for n in shared} == {world.a_manager, world.a_viewer}
    services.roadmap_save(user=world.manager, item=item, shared_with=[world.partner_a])  # nothing changed
    assert Notification.objects.filter(kind="relations.roadmap").count() == 2
    item.ends_on = date(2030, 9, 1)
    services.roadmap_save(user=world.manager, item=item)
    assert Notification.objects.filter(kind="relations.roadmap").count() == 4
    assert not Notification.objects.filter(recipient__organization=world.partner_b).exists()


def test_end_before_start_is_refused(world, client_as):
    response = client_as(world.manager).post(
        reverse("relations:roadmap_create"),
        {
            "title": "X",
            "category": "expansion",
            "status": "planned",
            "starts_on": "2030-05-01",
            "ends_on": "2030-01-01",
        },
    )
    assert response.status_code == 400
    assert not RoadmapItem.objects.exists()


def test_partner_comments_stay_in_their_own_thread(world, client_as):
    item = RoadmapItem(title="Automation", category="automation")
    services.roadmap_save(user=world.manager, item=item, shared_with=[world.partner_a, world.partner_b])
    client_as(world.a_manager).post(item.get_absolute_url(), {"body": "Could we share the dock plan?", "is_idea": "on"})
    comment = RoadmapComment.objects.get()
    assert comment.partner == world.partner_a and comment.is_idea
    assert "dock plan" not in client_as(world.b_manager).get(item.get_absolute_url()).content.decode()
    assert "dock plan" in client_as(world.manager).get(item.get_absolute_url()).content.decode()
    assert Notification.objects.filter(kind="relations.roadmap_comment", recipient=world.manager).exists()


def test_empty_comment_is_refused(world, client_as):
    item = helpers.roadmap_item(world, world.partner_a)
    response = client_as(world.a_manager).post(item.get_absolute_url(), {"body": ""})
    assert response.status_code == 400
    assert not RoadmapComment.objects.exists()
