"""The .ics download and the private feed parse back as valid RFC 5545 and hold only one's own meetings."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.utils import timezone

from meetings import services
from meetings.models import CalendarFeed
from tests.conftest import client_for
from tests.meetings.helpers import make_series, meeting_for

CPH = ZoneInfo("Europe/Copenhagen")


def _parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_meeting_ics_parses_back(world):
    meeting = meeting_for(world, world.partner_a, days=5)
    cal = _parse(client_for(world.a_viewer).get(f"/meetings/{meeting.pk}/meeting.ics"))
    (event,) = cal.walk("VEVENT")
    assert event.decoded("DTSTART") == meeting.start
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert event.decoded("DTEND") == meeting.end
    assert str(event["LOCATION"]) == f"Room of {world.partner_a.name}"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]


def test_other_partners_meeting_ics_is_404(world):
    meeting = meeting_for(world, world.partner_b, days=5)
    assert client_for(world.a_manager).get(f"/meetings/{meeting.pk}/meeting.ics").status_code == 404


def _feed_url(user, **kwargs):
    feed = services.feed_regenerate(user=user, **kwargs)
    return f"/meetings/feed/{feed.token}.ics"


def test_feed_holds_series_with_rrule_tzid_exdate_and_moved_override(world):
    series = make_series(world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=MO", first_date=date(2026, 3, 16))
    upcoming = list(series.meetings.filter(start__gt=timezone.now()).order_by("start")[:3])
    cancelled, moved = upcoming[0], upcoming[1]
    services.meeting_cancel(user=world.manager, meeting=cancelled)
    services.meeting_move(user=world.manager, meeting=moved, start=moved.start + timedelta(hours=4))
    one_off = meeting_for(world, world.partner_a, days=9)

    cal = _parse(client_for(None).get(_feed_url(world.a_manager)))
    events = cal.walk("VEVENT")
    master = next(e for e in events if "RRULE" in e)
    assert master["RRULE"].to_ical().decode() == "FREQ=WEEKLY;BYDAY=MO"
    assert master["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert master.decoded("DTSTART") == datetime(2026, 3, 16, 9, 0, tzinfo=CPH)
    exdates = (
        [d.dt for d in master["EXDATE"].dts]
        if not isinstance(master["EXDATE"], list)
        else [d.dt for x in master["EXDATE"] for d in x.dts]
    )
    assert exdates == [cancelled.original_start]
    override = next(e for e in events if "RECURRENCE-ID" in e)
    assert str(override["UID"]) == str(master["UID"])
    assert override.decoded("RECURRENCE-ID") == moved.original_start
    assert override.decoded("DTSTART") == moved.start + timedelta(hours=4)
    assert any(str(e["UID"]).startswith(f"meeting-{one_off.pk}@") for e in events)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    # The recurrence expands to 09:00 local on both sides of the October change.
    from dateutil.rrule import rrulestr

    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=master.decoded("DTSTART").replace(tzinfo=None))
    assert {d.hour for d in rule.between(datetime(2026, 10, 15), datetime(2026, 11, 5))} == {9}


def test_partner_feed_never_holds_another_partners_meeting(world):
    make_series(world, world.partner_a)
    series_b = make_series(world, world.partner_b)
    meeting_b = meeting_for(world, world.partner_b, days=4)
    # Even if someone wrongly put A's manager on B's series and meeting (bypassing the services):
    series_b.participants.add(world.a_manager)
    meeting_b.participants.add(world.a_manager)
    body = client_for(None).get(_feed_url(world.a_manager)).content.decode()
    assert world.partner_a.name in body
    assert world.partner_b.name not in body
    assert f"series-{series_b.pk}@" not in body and f"meeting-{meeting_b.pk}@" not in body


def test_feed_holds_only_ones_own_meetings(world):
    make_series(world, world.partner_a, participants=[world.manager])  # a_viewer does not take part
    body = client_for(None).get(_feed_url(world.a_viewer)).content.decode()
    assert "VEVENT" not in body
    # Host staff may add everything they organise.
    series = make_series(world, world.partner_b, participants=[world.b_manager])
    series.created_by = world.manager
    series.save()
    assert f"series-{series.pk}@" not in client_for(None).get(_feed_url(world.manager)).content.decode()
    url = _feed_url(world.manager, include_organised=True)
    assert f"series-{series.pk}@" in client_for(None).get(url).content.decode()


def test_unknown_and_revoked_tokens_are_404(world):
    assert client_for(None).get("/meetings/feed/not-a-token.ics").status_code == 404
    url = _feed_url(world.a_manager)
    assert client_for(None).get(url).status_code == 200
    client = client_for(world.a_manager)
    client.post("/meetings/calendar/", {"op": "revoke"})
    assert not CalendarFeed.objects.filter(user=world.a_manager).exists()
    assert client_for(None).get(url).status_code == 404


def test_regenerating_replaces_the_address(world):
    client = client_for(world.a_manager)
    page = client.get("/meetings/calendar/")
    assert "You have no calendar feed." in page.content.decode()
    client.post("/meetings/calendar/", {})
    first = CalendarFeed.objects.get(user=world.a_manager).token
    assert first in client.get("/meetings/calendar/").content.decode()
    client.post("/meetings/calendar/", {})
    second = CalendarFeed.objects.get(user=world.a_manager).token
    assert first != second
    assert client_for(None).get(f"/meetings/feed/{first}.ics").status_code == 404
    assert client_for(None).get(f"/meetings/feed/{second}.ics").status_code == 200


def test_inactive_users_feed_stops(world):
    url = _feed_url(world.a_manager)
    world.a_manager.is_active = False
    world.a_manager.save()
    assert client_for(None).get(url).status_code == 404
