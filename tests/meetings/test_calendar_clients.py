"""Calendar output that other clients read as the portal means it.

Every file is read back by two independent readers: `icalendar` and ics-py (`ics`); the feed's
recurrence is expanded with `recurring-ical-events` and compared with the portal's own occurrences.
The three outputs are the per-meeting .ics download, the private feed and the invitation attached to
the e-mails (sent through the real outbox dispatcher).
"""

from datetime import date, datetime, time, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
import ics
import recurring_ical_events
from django.conf import settings
from django.core import mail
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, MeetingStatus
from partnerportal.notifications.services import dispatch_due
from tests.conftest import client_for
from tests.meetings.helpers import make_series

CPH = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")


# --- reading the three outputs ----------------------------------------------------------------


def _both_readers(text: str):
    """(icalendar calendar, ics-py calendar): both must accept the text."""
    return icalendar.Calendar.from_ical(text), ics.Calendar(text)


def _file(meeting, user):
    response = client_for(user).get(f"/meetings/{meeting.pk}/meeting.ics")
    assert response.status_code == 200
    return response.content.decode()


def _feed(user):
    feed = services.feed_regenerate(user=user)
    response = client_for(None).get(f"/meetings/feed/{feed.token}.ics")
    assert response.status_code == 200
    return response.content.decode()


def _dispatch_until(moment):
    while dispatch_due(now=moment, batch_size=50).claimed:
        pass


def _mailed_calendars(to):
    """(method parameter of the MIME part, calendar text) of every e-mail sent to `to`, oldest first."""
    found = []
    for message in mail.outbox:
        if to.email not in message.to:
            continue
        for part in message.message().walk():
            if part.get_content_type() == "text/calendar":
                found.append((part.get_param("method"), part.get_payload(decode=True).decode()))
    return found


def _event(text, *, uid=None):
    cal = icalendar.Calendar.from_ical(text)
    events = [e for e in cal.walk("VEVENT") if uid is None or str(e["UID"]) == uid]
    assert len(events) == 1, events
    return events[0]


def _ics_event(text):
    (event,) = ics.Calendar(text).events
    return event


def _extra(ics_event, name):
    return [line.value for line in ics_event.extra if line.name == name]


def _identity(event):
    rid = event.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in event else None
    return str(event["UID"]), rid


def _utc(value):
    """An instant in UTC: aware datetimes of different zones in a repeated hour never compare equal (PEP 495)."""
    return getattr(value, "datetime", value).astimezone(UTC)


def _span(event):
    """(start, end) in UTC, from DTEND or DURATION (an exact duration, added as elapsed time)."""
    start = _utc(event.decoded("DTSTART"))
    end = _utc(event.decoded("DTEND")) if "DTEND" in event else start + event.decoded("DURATION")
    return start, end


def _sequence(event) -> int:
    return int(event["SEQUENCE"])


def _occurrence(series, *, days_ahead=5) -> Meeting:
    return (
        series.meetings.filter(start__gte=timezone.now() + timedelta(days=days_ahead), status=MeetingStatus.PLANNED)
        .order_by("start")
        .first()
    )


def _one_off(world, start, minutes=60):
    return services.meeting_create(
        user=world.manager,
        partner=world.partner_a,
        title="Night shift hand-over",
        start=start,
        end=start + timedelta(minutes=minutes),
        location="Gate 4",
        participants=[world.manager, world.a_manager],
    )


def _invite(meeting, world):
    """Queue the meeting's reminders and send the early one: the participants now hold an invitation."""
    services.schedule_meeting_reminders(meeting=meeting, now=meeting.start - timedelta(days=3))
    _dispatch_until(meeting.start - timedelta(days=2))
    (mailed,) = _mailed_calendars(world.a_manager)
    return mailed


def _autumn_night() -> date:
    """The next night Copenhagen leaves summer time (the last Sunday of October)."""
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        night = date(year, 10, 31)
        night -= timedelta(days=(night.weekday() - 6) % 7)
        if night > today + timedelta(days=3):
            return night
    raise AssertionError("unreachable")


# --- one identity everywhere --------------------------------------------------------------------


def test_series_occurrence_has_one_identity_in_file_invitation_and_feed(world):
    series = make_series(
        world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=TH", participants=[world.manager, world.a_manager]
    )
    occurrence = _occurrence(series)
    mail.outbox.clear()
    method, invitation = _invite(occurrence, world)
    file_text = _file(occurrence, world.a_manager)
    feed_text = _feed(world.a_manager)
    for text in (invitation, file_text, feed_text):
        _both_readers(text)

    expected = (f"series-{series.pk}@testserver", occurrence.original_start)
    assert _identity(_event(invitation)) == expected
    assert _identity(_event(file_text)) == expected
    # The feed's series, expanded as a calendar client does, holds the occurrence under the same identity.
    day = timezone.localtime(occurrence.start, CPH).date()
    (expanded,) = recurring_ical_events.of(icalendar.Calendar.from_ical(feed_text)).at(day)
    assert _identity(expanded) == expected
    assert _span(expanded) == (occurrence.start, occurrence.end)

    # Moved, the occurrence keeps its identity; the feed now carries it as an override.
    moved = services.meeting_move(user=world.manager, meeting=occurrence, start=occurrence.start + timedelta(hours=3))
    feed_text = _feed(world.a_manager)
    overrides = [e for e in icalendar.Calendar.from_ical(feed_text).walk("VEVENT") if "RECURRENCE-ID" in e]
    assert [_identity(e) for e in overrides] == [expected]
    assert _identity(_event(_file(moved, world.a_manager))) == expected
    assert _identity(_event(_mailed_calendars(world.a_manager)[-1][1])) == expected


def test_one_off_meeting_has_one_identity_in_file_invitation_and_feed(world):
    start = datetime.combine(timezone.localdate() + timedelta(days=6), time(10, 0), tzinfo=CPH)
    meeting = _one_off(world, start)
    mail.outbox.clear()
    _method, invitation = _invite(meeting, world)
    expected = (f"meeting-{meeting.pk}@testserver", None)
    assert _identity(_event(invitation)) == expected
    assert _identity(_event(_file(meeting, world.a_manager))) == expected
    assert _identity(_event(_feed(world.a_manager), uid=expected[0])) == expected
    assert _ics_event(invitation).uid == expected[0]


# --- invitations: REQUEST and CANCEL -------------------------------------------------------------


def test_invitation_is_a_request_with_organizer_attendees_and_sequence(world):
    start = datetime.combine(timezone.localdate() + timedelta(days=6), time(10, 0), tzinfo=CPH)
    meeting = _one_off(world, start)
    mail.outbox.clear()
    _dispatch_until(meeting.start)
    mailed = _mailed_calendars(world.a_manager) + _mailed_calendars(world.manager)
    assert len(mailed) == 4  # two reminders for each of the two participants
    for method, text in mailed:
        assert method == "REQUEST"  # the MIME part says so too (Outlook reads the content type)
        cal, ics_cal = _both_readers(text)
        assert str(cal["METHOD"]) == "REQUEST" and ics_cal.method == "REQUEST"
        event = _event(text)
        assert str(event["ORGANIZER"]) == "mailto:" + parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
        assert {str(a) for a in attendees} == {"mailto:manager@example.com", "mailto:a_manager@example.com"}
        assert _sequence(event) == 0
        assert {a.email for a in _ics_event(text).attendees} == {"manager@example.com", "a_manager@example.com"}


def test_sequence_increases_after_move_place_change_and_cancel_everywhere(world):
    series = make_series(
        world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=TH", participants=[world.manager, world.a_manager]
    )
    occurrence = _occurrence(series)
    uid = f"series-{series.pk}@testserver"
    mail.outbox.clear()
    _method, invitation = _invite(occurrence, world)
    seen = [_sequence(_event(invitation))]
    master_before = _sequence(
        next(e for e in icalendar.Calendar.from_ical(_feed(world.a_manager)).walk("VEVENT") if "RRULE" in e)
    )

    def check(meeting, *, method):
        """The file, the update mailed at once to the invited and the feed agree on a higher SEQUENCE."""
        _dispatch_until(timezone.now())
        file_event = _event(_file(meeting, world.a_manager))
        mailed_method, mailed = _mailed_calendars(world.a_manager)[-1]
        assert mailed_method == method
        cal, ics_cal = _both_readers(mailed)
        assert str(cal["METHOD"]) == method and ics_cal.method == method
        mailed_event = _event(mailed)
        assert _sequence(file_event) == _sequence(mailed_event) > seen[-1]
        assert _extra(_ics_event(mailed), "SEQUENCE") == [str(_sequence(mailed_event))]
        assert _identity(mailed_event) == (uid, occurrence.original_start)
        seen.append(_sequence(file_event))
        return mailed_event

    # A move: new time, higher SEQUENCE, and the feed's override says the same.
    moved = services.meeting_move(user=world.manager, meeting=occurrence, start=occurrence.start + timedelta(hours=2))
    event = check(moved, method="REQUEST")
    assert _span(event) == (moved.start, moved.end)
    override = next(
        e for e in icalendar.Calendar.from_ical(_feed(world.a_manager)).walk("VEVENT") if "RECURRENCE-ID" in e
    )
    assert _sequence(override) == seen[-1]

    # A new place.
    placed = services.meeting_update(user=world.manager, meeting=moved, location="Dock 7, Aarhus")
    event = check(placed, method="REQUEST")
    assert str(event["LOCATION"]) == "Dock 7, Aarhus"
    override = next(
        e for e in icalendar.Calendar.from_ical(_feed(world.a_manager)).walk("VEVENT") if "RECURRENCE-ID" in e
    )
    assert _sequence(override) == seen[-1] and str(override["LOCATION"]) == "Dock 7, Aarhus"

    # Cancelled: a CANCEL with a higher SEQUENCE; the feed drops the slot and its series' SEQUENCE rises.
    cancelled = services.meeting_cancel(user=world.manager, meeting=placed)
    event = check(cancelled, method="CANCEL")
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(_event(_file(cancelled, world.a_manager))["STATUS"]) == "CANCELLED"
    feed = icalendar.Calendar.from_ical(_feed(world.a_manager))
    master = next(e for e in feed.walk("VEVENT") if "RRULE" in e)
    assert _sequence(master) > master_before
    assert all(_sequence(e) >= _sequence(master) for e in feed.walk("VEVENT") if "RECURRENCE-ID" in e)
    day = timezone.localtime(occurrence.original_start, CPH).date()
    assert recurring_ical_events.of(feed).at(day) == []


def test_place_change_of_one_unmoved_occurrence_reaches_the_feed(world):
    series = make_series(
        world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=TH", participants=[world.manager, world.a_manager]
    )
    occurrence = _occurrence(series)
    before = _sequence(_event(_file(occurrence, world.a_manager)))
    services.meeting_update(user=world.manager, meeting=occurrence, video_link="https://video.example/room-7")
    feed = icalendar.Calendar.from_ical(_feed(world.a_manager))
    day = timezone.localtime(occurrence.start, CPH).date()
    (expanded,) = recurring_ical_events.of(feed).at(day)
    assert "https://video.example/room-7" in str(expanded["DESCRIPTION"])
    assert _sequence(expanded) > before
    assert _sequence(_event(_file(occurrence, world.a_manager))) == _sequence(expanded)


def test_series_edit_raises_the_sequence_of_the_series_and_its_queued_invitations(world):
    series = make_series(
        world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=TH", participants=[world.manager, world.a_manager]
    )
    occurrence = _occurrence(series)
    services.schedule_meeting_reminders(meeting=occurrence, now=occurrence.start - timedelta(days=3))
    queued = occurrence.start - timedelta(days=2)

    def sequences():
        master = next(e for e in icalendar.Calendar.from_ical(_feed(world.a_manager)).walk("VEVENT") if "RRULE" in e)
        from partnerportal.notifications.models import Notification

        pending = Notification.objects.filter(key__startswith=f"meeting:{occurrence.pk}:reminder:", send_at=queued)
        invitations = {_sequence(_event(n.attachments[0]["content"])) for n in pending}
        (invitation,) = invitations
        return _sequence(master), invitation

    master_before, invitation_before = sequences()
    services.series_update(user=world.manager, series=series, location="Meeting room 2")
    master_after, invitation_after = sequences()
    assert master_after > master_before and invitation_after > invitation_before
    # A title-only edit of the series is not a change of time, place or status, but it may not lower anything.
    services.series_update(user=world.manager, series=series, title="Monthly review")
    assert sequences() >= (master_after, invitation_after)


# --- DTSTART: the first real occurrence ----------------------------------------------------------


def test_first_tuesday_series_starting_on_a_wednesday_has_no_phantom_occurrence(world):
    today = timezone.localdate()
    wednesday = today + timedelta(days=1 + (2 - (today + timedelta(days=1)).weekday()) % 7)
    assert wednesday.weekday() == 2
    series = make_series(world, world.partner_a, rrule="FREQ=MONTHLY;BYDAY=1TU", first_date=wednesday)
    text = _feed(world.a_manager)
    _both_readers(text)
    cal = icalendar.Calendar.from_ical(text)
    master = next(e for e in cal.walk("VEVENT") if "RRULE" in e)
    first = series.meetings.order_by("start").first()
    assert _utc(master.decoded("DTSTART")) == first.start
    assert master.decoded("DTSTART").weekday() == 1  # a Tuesday, not the Wednesday the series was set up on

    expanded = recurring_ical_events.of(cal).between(wednesday, today + timedelta(days=services.HORIZON_DAYS + 1))
    portal = sorted(m.start for m in series.meetings.all())
    assert sorted(_utc(e.decoded("DTSTART")) for e in expanded) == portal
    assert len(portal) >= 11


# --- DST: the autumn night -----------------------------------------------------------------------


def test_autumn_night_meeting_ends_after_it_starts_in_every_reader(world):
    night = _autumn_night()
    # 02:30 summer time, 30 minutes: it ends at 02:00 winter time, "before" it starts on the wall clock.
    first = _one_off(world, datetime.combine(night, time(2, 30), tzinfo=CPH), minutes=30)
    # The second 02:30 of the night (winter time): a local 02:30 would be read as the first one.
    second = _one_off(world, datetime(night.year, night.month, night.day, 1, 30, tzinfo=UTC), minutes=60)
    mail.outbox.clear()
    _dispatch_until(second.start)
    feed = _feed(world.a_manager)
    for meeting in (first, second):
        uid = f"meeting-{meeting.pk}@testserver"
        mailed = [text for _m, text in _mailed_calendars(world.a_manager) if uid in text]
        assert mailed
        for text in [_file(meeting, world.a_manager), feed, *mailed]:
            expected = (_utc(meeting.start), _utc(meeting.end))
            assert _span(_event(text, uid=uid)) == expected, text
            (ics_event,) = [e for e in ics.Calendar(text).events if e.uid == uid]
            assert (_utc(ics_event.begin), _utc(ics_event.end)) == expected, text


def test_autumn_night_series_occurrence_parses_and_expands_to_the_portals_times(world):
    night = _autumn_night()
    series = make_series(
        world,
        world.partner_a,
        rrule="FREQ=WEEKLY;BYDAY=SU",
        first_date=night - timedelta(days=14),
        start_time=time(2, 30),
        participants=[world.manager, world.a_manager],
    )
    (occurrence,) = [m for m in series.meetings.all() if timezone.localtime(m.start, CPH).date() == night]
    text = _file(occurrence, world.a_manager)
    assert _span(_event(text)) == (occurrence.start, occurrence.end), text
    ics_event = _ics_event(text)
    assert (_utc(ics_event.begin), _utc(ics_event.end)) == (occurrence.start, occurrence.end), text

    feed = _feed(world.a_manager)
    _both_readers(feed)
    (expanded,) = recurring_ical_events.of(icalendar.Calendar.from_ical(feed)).at(night)
    assert _utc(expanded.decoded("DTSTART")) == occurrence.start
    assert "DURATION" in next(e for e in icalendar.Calendar.from_ical(feed).walk("VEVENT") if "RRULE" in e)


def test_person_taken_off_an_invited_meeting_gets_a_cancel_and_the_others_an_update(world):
    start = datetime.combine(timezone.localdate() + timedelta(days=6), time(10, 0), tzinfo=CPH)
    meeting = _one_off(world, start)
    mail.outbox.clear()
    _invite(meeting, world)
    services.meeting_update(user=world.manager, meeting=meeting, participants=[world.manager, world.a_viewer])
    _dispatch_until(timezone.now())
    (removed_method, removed), (update_method, update) = (
        _mailed_calendars(world.a_manager)[-1],
        _mailed_calendars(world.manager)[-1],
    )
    assert (removed_method, update_method) == ("CANCEL", "REQUEST")
    cancel_event, request_event = _event(removed), _event(update)
    assert _sequence(cancel_event) == _sequence(request_event) > 0
    assert str(cancel_event["ATTENDEE"]) == "mailto:a_manager@example.com"
    attendees = (
        request_event["ATTENDEE"] if isinstance(request_event["ATTENDEE"], list) else [request_event["ATTENDEE"]]
    )
    assert {str(a) for a in attendees} == {"mailto:manager@example.com", "mailto:a_viewer@example.com"}
    assert ics.Calendar(removed).method == "CANCEL"
    # The viewer was never sent an invitation: the reminders bring it; nothing is sent twice.
    assert _mailed_calendars(world.a_viewer) == []
    services.meeting_update(user=world.manager, meeting=meeting, location="Gate 9")
    _dispatch_until(timezone.now())
    assert len(_mailed_calendars(world.a_manager)) == 2  # no update for someone no longer taking part


def test_series_rule_change_cancels_an_invited_occurrence_instead_of_deleting_it(world):
    series = make_series(
        world, world.partner_a, rrule="FREQ=WEEKLY;BYDAY=TH", participants=[world.manager, world.a_manager]
    )
    occurrence = _occurrence(series)
    mail.outbox.clear()
    _invite(occurrence, world)
    services.series_update(user=world.manager, series=series, rrule="FREQ=WEEKLY;BYDAY=FR")
    occurrence.refresh_from_db()
    assert occurrence.status == MeetingStatus.CANCELLED
    _dispatch_until(timezone.now())
    method, text = _mailed_calendars(world.a_manager)[-1]
    assert method == "CANCEL"
    assert _identity(_event(text)) == (f"series-{series.pk}@testserver", occurrence.original_start)
    assert _sequence(_event(text)) > 0
