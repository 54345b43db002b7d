"""Agreed actions are meetings.ActionItem rows; open cases and notices appear on the meeting agenda."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relations import services
from relations.models import CaseStatus
from tests.relations import helpers

meetings = pytest.importorskip("meetings.models")

pytestmark = pytest.mark.django_db


def _agree(client, case, owner, title="Slotting rule for look-alike SKUs"):
    return client.post(
        reverse("relations:case_action", args=[case.pk]),
        {"title": title, "owner": owner.pk, "due_date": (timezone.localdate() + timedelta(days=14)).isoformat()},
        follow=True,
    )


def test_host_agrees_an_action_shared_with_meetings_and_can_then_resolve(world, client_as):
    case = helpers.case(world, world.partner_a)
    client = client_as(world.manager)
    _agree(client, case, world.a_manager)
    item = meetings.ActionItem.objects.get()
    assert item.partner == world.partner_a and item.owner == world.a_manager
    assert list(case.action_items.all()) == [item]
    page = client_as(world.a_viewer).get(case.get_absolute_url()).content.decode()
    assert "Slotting rule for look-alike SKUs" in page
    services.case_update(user=world.manager, case=case, prevention="Slotting rule checked at every re-slot.")
    for status in ("investigating", "actions_agreed", "resolved"):
        services.case_set_status(user=world.a_manager, case=case, status=status)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_an_action_alone_is_not_enough_without_prevention_text(world):
    case = helpers.case(world, world.partner_a)
    services.case_agree_action(
        user=world.manager, case=case, title="Check", owner=world.manager, due_date=timezone.localdate()
    )
    services.case_set_status(user=world.manager, case=case, status="investigating")
    services.case_set_status(user=world.manager, case=case, status="actions_agreed")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="avoid it next time"):
        services.case_set_status(user=world.manager, case=case, status="resolved")


def test_partner_users_cannot_create_action_items_and_owner_must_belong(world, client_as):
    case = helpers.case(world, world.partner_a)
    assert _agree(client_as(world.a_manager), case, world.a_manager).status_code == 403
    page = _agree(client_as(world.manager), case, world.b_manager).content.decode()
    assert "Select a valid choice" in page or "host or this partner" in page
    assert not meetings.ActionItem.objects.exists()


def test_api_agrees_an_action_on_a_case(world):
    from rest_framework.test import APIClient

    case = helpers.case(world, world.partner_a)
    url = reverse("api:case-agree-action", args=[case.pk])
    due = (timezone.localdate() + timedelta(days=14)).isoformat()

    def post(user, **data):
        client = APIClient()
        client.force_authenticate(user)
        return client.post(
            url, {"title": "Second driver on Fridays", "owner": world.a_manager.pk, "due_date": due, **data}
        )

    response = post(world.manager)
    assert response.status_code == 201, response.content
    item = meetings.ActionItem.objects.get()
    assert response.json() == {
        "id": item.pk,
        "title": "Second driver on Fridays",
        "owner": world.a_manager.pk,
        "due_date": due,
    }
    assert list(case.action_items.all()) == [item]
    assert post(world.manager, owner=world.b_manager.pk).status_code == 400  # not of this partner
    assert post(world.manager, due_date="next Friday").status_code == 400
    assert post(world.manager, title="").status_code == 400
    assert post(world.a_manager).status_code == 403  # action items are agreed by the host
    assert post(world.b_manager).status_code == 404
    assert meetings.ActionItem.objects.count() == 1


def test_open_cases_and_notices_are_on_the_next_meeting_agenda(world, client_as):
    from meetings import agenda
    from meetings import services as meeting_services

    start = timezone.now() + timedelta(days=3)
    meeting = meeting_services.meeting_create(
        user=world.manager, partner=world.partner_a, title="Monthly review", start=start, end=start + timedelta(hours=1)
    )
    open_case = helpers.case(world, world.partner_a, title="Open case A")
    resolved = helpers.case(world, world.partner_a, title="Resolved case A")
    services.case_update(user=world.manager, case=resolved, prevention="p", no_action_reason="n")
    for status in ("investigating", "actions_agreed", "resolved"):
        services.case_set_status(user=world.manager, case=resolved, status=status)
    helpers.case(world, world.partner_b, title="Case of B")
    helpers.notice(world, world.partner_a, title="Notice A")
    built = agenda.build_agenda(meeting=meeting, user=world.a_viewer)
    sections = {section["key"]: [i["title"] for i in section["items"]] for section in built["extra"]}
    assert sections["relations_cases"] == [open_case.title]
    assert sections["relations_notices"] == ["Notice A"]
