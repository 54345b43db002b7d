"""API: series, meetings, agenda topics and action items through the policy; bad input answers 400."""

import json
from datetime import date, timedelta

import pytest

from meetings.models import ActionItem, AgendaTopic, Meeting, MeetingSeries
from tests.conftest import client_for
from tests.meetings.helpers import action_for, meeting_for, past_meeting, topic_for


def _post(client, url, data, method="post"):
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


def test_manager_creates_a_series_and_its_meetings(world):
    data = {
        "partner": world.partner_a.pk,
        "title": "QBR",
        "purpose": "quarterly_business_review",
        "rrule": "FREQ=MONTHLY;INTERVAL=3",
        "first_date": (date.today() + timedelta(days=10)).isoformat(),
        "start_time": "13:00",
        "participants": [world.manager.pk, world.a_manager.pk],
        "reminder_offsets": [1440],
    }
    response = _post(client_for(world.manager), "/api/meeting-series/", data)
    assert response.status_code == 201, response.content
    series = MeetingSeries.objects.get()
    assert response.json()["id"] == series.pk
    assert series.meetings.count() == 4
    listed = client_for(world.a_viewer).get(f"/api/meetings/?series={series.pk}").json()
    assert len(listed["results"] if isinstance(listed, dict) else listed) == 4


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"rrule": "FREQ=FORTNIGHTLY"}, "rrule"),
        ({"time_zone": "Nowhere/Else"}, "time_zone"),
        ({"first_date": "2026-13-01"}, "first_date"),
        ({"start_time": "noon"}, "start_time"),
        ({"reminder_offsets": ["x"]}, "reminder_offsets"),
        ({"participants": ["b"]}, "participants"),
    ],
)
def test_bad_series_input_is_400_and_changes_nothing(world, patch, field):
    data = {
        "partner": world.partner_a.pk,
        "title": "QBR",
        "rrule": "FREQ=MONTHLY;BYMONTHDAY=1",
        "first_date": "2026-12-01",
        "start_time": "09:00",
        **patch,
    }
    response = _post(client_for(world.manager), "/api/meeting-series/", data)
    assert response.status_code == 400
    assert field in response.json()
    assert not MeetingSeries.objects.exists() and not Meeting.objects.exists()


def test_series_with_another_partners_participant_is_400(world):
    data = {
        "partner": world.partner_a.pk,
        "title": "x",
        "rrule": "FREQ=MONTHLY;BYMONTHDAY=1",
        "first_date": "2026-12-01",
        "start_time": "09:00",
        "participants": [world.b_viewer.pk],
    }
    response = _post(client_for(world.manager), "/api/meeting-series/", data)
    assert response.status_code == 400
    assert "participants" in response.json()


def test_move_and_cancel_through_the_api(world):
    meeting = meeting_for(world, world.partner_a, days=5)
    client = client_for(world.manager)
    new_start = (meeting.start + timedelta(days=1)).isoformat()
    response = _post(client, f"/api/meetings/{meeting.pk}/move/", {"start": new_start})
    assert response.status_code == 200 and response.json()["moved"] is False  # one-offs have no slot to move from
    assert _post(client, f"/api/meetings/{meeting.pk}/move/", {"start": "soon"}).status_code == 400
    assert _post(client, f"/api/meetings/{meeting.pk}/cancel/", {}).status_code == 200
    assert _post(client, f"/api/meetings/{meeting.pk}/cancel/", {}).status_code == 400  # already cancelled
    assert _post(client_for(world.a_manager), f"/api/meetings/{meeting.pk}/cancel/", {}).status_code == 403


def test_minutes_and_held_through_the_api(world):
    meeting = past_meeting(world, world.partner_a)
    client = client_for(world.manager)
    response = _post(
        client,
        f"/api/meetings/{meeting.pk}/minutes/",
        {"minutes": "Went well.", "present": [world.a_manager.pk], "publish": True},
    )
    assert response.status_code == 200
    assert response.json()["minutes_published_at"]
    held = Meeting.objects.get(pk=meeting.pk)  # publishing the minutes marks it held, figures frozen
    assert held.status == "held" and held.agenda_snapshot is not None
    assert _post(client, f"/api/meetings/{meeting.pk}/held/", {}).status_code == 400  # not twice
    bad = _post(client, f"/api/meetings/{meeting.pk}/minutes/", {"present": [world.b_manager.pk]})
    assert bad.status_code == 400


def test_agenda_endpoint(world):
    meeting = meeting_for(world, world.partner_a)
    topic_for(world, world.partner_a, meeting)
    action_for(world, world.partner_a)
    data = client_for(world.a_viewer).get(f"/api/meetings/{meeting.pk}/agenda/").json()
    assert data["meeting"] == meeting.pk and len(data["period"]) == 2
    assert [t["title"] for t in data["topics"]] == [f"Topic of {world.partner_a.name}"]
    assert [a["title"] for a in data["open_actions"]] == [f"Action of {world.partner_a.name}"]
    assert isinstance(data["kpis"], list)


def test_partner_cannot_add_a_topic_to_another_partners_meeting(world):
    meeting_b = meeting_for(world, world.partner_b)
    response = _post(client_for(world.a_manager), "/api/agenda-topics/", {"meeting": meeting_b.pk, "title": "x"})
    assert response.status_code == 400
    assert not AgendaTopic.objects.exists()


def test_topic_bad_input_and_ownership(world):
    meeting = meeting_for(world, world.partner_a)
    client = client_for(world.a_manager)
    assert _post(client, "/api/agenda-topics/", {"meeting": meeting.pk, "title": ""}).status_code == 400
    assert _post(client, "/api/agenda-topics/", {"meeting": "abc", "title": "x"}).status_code == 400
    host_topic = topic_for(world, world.partner_a, meeting)
    host_topic.added_by = world.manager
    host_topic.save()
    assert client.delete(f"/api/agenda-topics/{host_topic.pk}/").status_code == 403
    own = _post(client, "/api/agenda-topics/", {"meeting": meeting.pk, "title": "Mine"}).json()
    assert client.delete(f"/api/agenda-topics/{own['id']}/").status_code == 204


def test_action_items_owner_updates_status_only(world):
    item = action_for(world, world.partner_a, owner=world.a_manager)
    client = client_for(world.a_manager)
    assert _post(client, f"/api/action-items/{item.pk}/", {"status": "in_progress"}, "patch").status_code == 200
    assert _post(client, f"/api/action-items/{item.pk}/", {"title": "Renamed"}, "patch").status_code == 403
    assert _post(client, f"/api/action-items/{item.pk}/", {"status": "maybe"}, "patch").status_code == 400
    item.refresh_from_db()
    assert (item.status, item.title) == ("in_progress", f"Action of {world.partner_a.name}")
    hosts = action_for(world, world.partner_a, owner=world.manager)
    assert _post(client, f"/api/action-items/{hosts.pk}/", {"status": "done"}, "patch").status_code == 403


def test_action_item_create_and_bad_input(world):
    client = client_for(world.manager)
    ok = {
        "partner": world.partner_a.pk,
        "title": "Fix labels",
        "owner": world.a_viewer.pk,
        "due_date": (date.today() + timedelta(days=5)).isoformat(),
    }
    assert _post(client, "/api/action-items/", ok).status_code == 201
    for bad in (
        {**ok, "owner": world.b_manager.pk},
        {**ok, "due_date": "someday"},
        {**ok, "title": ""},
        {**ok, "meeting": meeting_for(world, world.partner_b).pk},
    ):
        response = _post(client, "/api/action-items/", bad)
        assert response.status_code == 400, bad
    assert ActionItem.objects.count() == 1
    assert client.get("/api/action-items/?state=nonsense").status_code == 400
    assert client.get("/api/action-items/?partner=x").status_code == 400
    mine = client_for(world.a_viewer).get("/api/action-items/?mine=1").json()
    assert len(mine["results"] if isinstance(mine, dict) else mine) == 1


def test_minutes_of_a_meeting_that_has_not_started_are_not_published(world):
    meeting = meeting_for(world, world.partner_a)
    response = _post(
        client_for(world.manager), f"/api/meetings/{meeting.pk}/minutes/", {"minutes": "x", "publish": True}
    )
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.minutes_published_at is None and meeting.status == "planned" and meeting.agenda_snapshot is None
