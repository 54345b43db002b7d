"""Sharing a roadmap plan with chosen partners, through the page and the API (issue 14)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnerportal.notifications.models import Notification, NotificationStatus
from relations import services
from relations.models import RoadmapItem
from tests.factories import OrganizationFactory
from tests.relations import helpers

pytestmark = pytest.mark.django_db


def _plan(**extra):
    data = {"title": "New WMS", "category": "new_systems", "status": "planned", "starts_on": "", "ends_on": ""}
    data.update(extra)
    return data


def _shared_ids(item):
    return set(item.shared_with.values_list("pk", flat=True))


def test_the_form_offers_each_active_partner_as_its_own_checkbox(world, client_as):
    inactive = OrganizationFactory(name="Gamma Gone ApS", is_active=False)
    page = client_as(world.manager).get(reverse("relations:roadmap_create")).content.decode()
    boxes = re.findall(r'<input type="checkbox" name="shared_with" value="(\d+)"', page)
    assert set(boxes) == {str(world.partner_a.pk), str(world.partner_b.pk)}
    assert "Alfa Logistik A/S" in page and "Beta Fragt ApS" in page and inactive.name not in page
    assert str(world.host.pk) not in boxes


def test_a_plan_shared_through_the_form_is_shared_and_the_partner_notified_in_their_language(world, client_as):
    world.a_manager.language = "da"
    world.a_manager.save()
    response = client_as(world.manager).post(
        reverse("relations:roadmap_create"), _plan(shared_with=[world.partner_a.pk])
    )
    assert response.status_code == 302
    item = RoadmapItem.objects.get()
    assert _shared_ids(item) == {world.partner_a.pk}
    notes = Notification.objects.filter(kind="relations.roadmap")
    assert {n.recipient for n in notes} == {world.a_manager, world.a_viewer}
    assert notes.get(recipient=world.a_manager).subject == "En plan er delt med jer: New WMS"
    assert notes.get(recipient=world.a_viewer).subject == "A plan was shared with you: New WMS"


def test_editing_changes_the_partners_and_only_new_partners_are_notified(world, client_as):
    item = helpers.roadmap_item(world, world.partner_a)
    client = client_as(world.manager)
    # The edit form shows the current sharing ticked.
    page = client.get(reverse("relations:roadmap_edit", args=[item.pk])).content.decode()
    assert re.search(rf'<input type="checkbox" name="shared_with" value="{world.partner_a.pk}"[^>]* checked', page)
    response = client.post(
        reverse("relations:roadmap_edit", args=[item.pk]),
        _plan(title=item.title, category=item.category, shared_with=[world.partner_b.pk]),
    )
    assert response.status_code == 302
    assert _shared_ids(item) == {world.partner_b.pk}
    notes = Notification.objects.filter(kind="relations.roadmap")
    assert {n.recipient for n in notes.filter(partner=world.partner_b)} == {world.b_manager, world.b_viewer}
    assert notes.filter(partner=world.partner_a).count() == 2  # from the first sharing, not again
    # Partner A no longer sees the plan; partner B does.
    assert client_as(world.a_manager).get(item.get_absolute_url()).status_code == 404
    assert client_as(world.b_manager).get(item.get_absolute_url()).status_code == 200
    # Saving again with the same partners notifies nobody.
    client.post(
        reverse("relations:roadmap_edit", args=[item.pk]),
        _plan(title=item.title, category=item.category, shared_with=[world.partner_b.pk]),
    )
    assert notes.count() == 4


def test_the_host_sees_who_a_plan_is_shared_with_on_the_plan_and_in_the_list(world, client_as):
    item = RoadmapItem(title="Automation", category="automation")
    services.roadmap_save(user=world.manager, item=item, shared_with=[world.partner_a, world.partner_b])
    internal = helpers.roadmap_item(world, None)
    client = client_as(world.manager)
    detail = client.get(item.get_absolute_url()).content.decode()
    assert "Alfa Logistik A/S" in detail and "Beta Fragt ApS" in detail
    listing = client.get(reverse("relations:roadmap_list")).content.decode()
    row = re.search(r"<tr>.*?Automation.*?</tr>", listing, re.S).group(0)
    assert "Alfa Logistik A/S" in row and "Beta Fragt ApS" in row
    internal_row = re.search(rf"<tr>.*?{internal.title}.*?</tr>", listing, re.S).group(0)
    assert "Internal" in internal_row
    # Partners never see the share list.
    assert "Beta Fragt ApS" not in client_as(world.a_manager).get(item.get_absolute_url()).content.decode()


def test_unticking_every_partner_makes_the_plan_internal_and_says_so(world, client_as):
    item = helpers.roadmap_item(world, world.partner_a)
    response = client_as(world.manager).post(
        reverse("relations:roadmap_edit", args=[item.pk]), _plan(title=item.title, category=item.category), follow=True
    )
    assert _shared_ids(item) == set()
    assert "The plan is internal: no partner sees it." in response.content.decode()
    assert client_as(world.a_manager).get(item.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("bad", ["999999", "on", "host"])
def test_a_bad_partner_in_the_form_is_refused_and_nothing_changes(world, client_as, bad):
    item = helpers.roadmap_item(world, world.partner_a)
    value = str(world.host.pk) if bad == "host" else bad
    response = client_as(world.manager).post(
        reverse("relations:roadmap_edit", args=[item.pk]),
        _plan(title="Changed", category=item.category, shared_with=[world.partner_b.pk, value]),
    )
    assert response.status_code == 400
    message = "is not a valid value" if bad == "on" else "is not one of the available choices"
    assert message in re.search(r'id="id_shared_with".*?</fieldset>', response.content.decode(), re.S).group(0)
    item.refresh_from_db()
    assert item.title != "Changed" and _shared_ids(item) == {world.partner_a.pk}
    assert not Notification.objects.filter(partner=world.partner_b).exists()


def test_the_service_refuses_the_host_and_inactive_partners(world):
    inactive = OrganizationFactory(name="Gamma Gone ApS", is_active=False)
    item = helpers.roadmap_item(world, world.partner_a)
    for bad in (world.host, inactive):
        item.title = "Changed"
        with pytest.raises(ValidationError) as exc:
            services.roadmap_save(user=world.manager, item=item, shared_with=[world.partner_b, bad])
        assert "shared_with" in exc.value.message_dict
        item = RoadmapItem.objects.get(pk=item.pk)
        assert item.title != "Changed" and _shared_ids(item) == {world.partner_a.pk}
    assert not Notification.objects.filter(partner=world.partner_b).exists()


def test_a_partner_that_became_inactive_stays_shared_when_the_plan_is_edited(world, client_as):
    item = helpers.roadmap_item(world, world.partner_a)
    world.partner_a.is_active = False
    world.partner_a.save()
    client = client_as(world.manager)
    page = client.get(reverse("relations:roadmap_edit", args=[item.pk])).content.decode()
    assert re.search(rf'<input type="checkbox" name="shared_with" value="{world.partner_a.pk}"[^>]* checked', page)
    response = client.post(
        reverse("relations:roadmap_edit", args=[item.pk]),
        _plan(title="Renamed", category=item.category, shared_with=[world.partner_a.pk]),
    )
    assert response.status_code == 302
    assert _shared_ids(item) == {world.partner_a.pk}


def test_a_partner_removed_and_added_again_is_told_again_and_pending_news_is_withdrawn(world):
    item = RoadmapItem(title="Dock extension", category="expansion")
    services.roadmap_save(user=world.manager, item=item, shared_with=[world.partner_a])
    first = Notification.objects.filter(partner=world.partner_a, kind="relations.roadmap")
    assert first.count() == 2 and set(first.values_list("status", flat=True)) == {NotificationStatus.PENDING}
    services.roadmap_save(user=world.manager, item=item, shared_with=[])
    assert set(first.values_list("status", flat=True)) == {NotificationStatus.WITHDRAWN}
    services.roadmap_save(user=world.manager, item=item, shared_with=[world.partner_a])
    pending = first.filter(status=NotificationStatus.PENDING)
    assert {n.recipient for n in pending} == {world.a_manager, world.a_viewer}


# --- API -------------------------------------------------------------------------------------


def test_the_api_changes_the_sharing_and_notifies_new_partners(world, client_as):
    item = helpers.roadmap_item(world, world.partner_a)
    client = client_as(world.manager)
    url = reverse("api:roadmap-item-detail", args=[item.pk])
    response = client.patch(url, {"shared_with": [world.partner_b.pk]}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["shared_with"] == [world.partner_b.pk]
    assert _shared_ids(item) == {world.partner_b.pk}
    assert Notification.objects.filter(partner=world.partner_b, recipient=world.b_manager).exists()
    # A PATCH that does not name the partners leaves the sharing alone.
    assert client.patch(url, {"title": "Renamed"}, content_type="application/json").status_code == 200
    assert _shared_ids(item) == {world.partner_b.pk}


@pytest.mark.parametrize("bad", ["missing", "host", "inactive", "text"])
def test_a_bad_partner_through_the_api_is_a_clear_400_and_nothing_changes(world, client_as, bad):
    item = helpers.roadmap_item(world, world.partner_a)
    value = {
        "missing": 999999,
        "host": world.host.pk,
        "inactive": OrganizationFactory(name="Gamma Gone ApS", is_active=False).pk,
        "text": "on",
    }[bad]
    response = client_as(world.manager).patch(
        reverse("api:roadmap-item-detail", args=[item.pk]),
        {"title": "Changed", "shared_with": [world.partner_b.pk, value]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "shared_with" in str(response.json())
    item.refresh_from_db()
    assert item.title != "Changed" and _shared_ids(item) == {world.partner_a.pk}
    assert not Notification.objects.filter(partner=world.partner_b).exists()


def test_partners_cannot_change_the_sharing_through_the_api(world, client_as):
    item = helpers.roadmap_item(world, world.partner_a)
    response = client_as(world.a_manager).patch(
        reverse("api:roadmap-item-detail", args=[item.pk]),
        {"shared_with": [world.partner_a.pk, world.partner_b.pk]},
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    assert _shared_ids(item) == {world.partner_a.pk}
