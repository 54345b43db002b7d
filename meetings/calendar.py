"""RFC 5545 output: one meeting as an .ics invitation, and a person's private calendar feed.

A series is one VEVENT with its RRULE and a TZID (the VTIMEZONE is included), so calendar apps
keep 09:00 local across daylight-saving changes; a moved occurrence is an override with
RECURRENCE-ID, a cancelled one an EXDATE.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from partnerportal import policy

from .models import Meeting, MeetingSeries, MeetingStatus
from .recurrence import normalise

PRODID = "-//Partner portal//Meetings//EN"


def _domain() -> str:
    return urlparse(getattr(settings, "SITE_URL", "") or "http://localhost").hostname or "localhost"


def _calendar(name: str = "") -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _local(dt: datetime, zone: str) -> datetime:
    return timezone.localtime(dt, ZoneInfo(zone))


def _describe(meeting_or_series, url: str) -> str:
    parts = []
    if meeting_or_series.video_link:
        parts.append(meeting_or_series.video_link)
    parts.append(url)
    return "\n".join(parts)


def _event_for_meeting(meeting: Meeting, *, uid: str, zone: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("summary", f"{meeting.title} – {meeting.partner.name}")
    event.add("dtstart", _local(meeting.start, zone))
    event.add("dtend", _local(meeting.end, zone))
    if meeting.location:
        event.add("location", meeting.location)
    url = settings.SITE_URL + reverse("meetings:meeting_detail", args=[meeting.pk])
    event.add("url", url)
    event.add("description", _describe(meeting, url))
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    return event


def meeting_ics(meeting: Meeting) -> str:
    """One meeting as an invitation (also the e-mail attachment)."""
    cal = _calendar()
    cal.add("method", "PUBLISH")
    cal.add_component(_event_for_meeting(meeting, uid=f"meeting-{meeting.pk}@{_domain()}", zone=meeting.time_zone))
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")


def _series_event(series: MeetingSeries, meetings: list[Meeting]) -> list[icalendar.Event]:
    zone = ZoneInfo(series.time_zone)
    uid = f"series-{series.pk}@{_domain()}"
    master = icalendar.Event()
    master.add("uid", uid)
    master.add("dtstamp", timezone.now())
    master.add("summary", f"{series.title} – {series.partner.name}")
    start = series.local_dtstart().replace(tzinfo=zone)
    master.add("dtstart", start)
    master.add("dtend", start + series.duration)
    master.add("rrule", icalendar.vRecur.from_ical(normalise(series.rrule)))
    if series.location:
        master.add("location", series.location)
    url = settings.SITE_URL + reverse("meetings:series_detail", args=[series.pk])
    master.add("url", url)
    master.add("description", _describe(series, url))
    events = [master]
    exdates = []
    for meeting in meetings:
        if meeting.original_start is None:
            continue
        slot = _local(meeting.original_start, series.time_zone)
        if meeting.status == MeetingStatus.CANCELLED:
            exdates.append(slot)
        elif meeting.moved:
            override = _event_for_meeting(meeting, uid=uid, zone=series.time_zone)
            override.add("recurrence-id", slot)
            events.append(override)
    if exdates:
        master.add("exdate", exdates)
    if not series.active:
        # An ended series stops after its last materialised occurrence.
        last = max((m.original_start for m in meetings if m.original_start), default=None)
        if last is not None:
            rule = master["rrule"]
            rule["UNTIL"] = [last.astimezone(ZoneInfo("UTC"))]
    return events


def feed_meetings(user, *, include_organised: bool = False):
    """(series, one-off meetings) for a person's feed: only what they take part in (or organise),
    and only what the access policy lets them see."""
    series_q = Q(participants=user)
    meeting_q = Q(participants=user)
    if include_organised and policy.allows(user, "organise", MeetingSeries):
        series_q |= Q(created_by=user)
    series = (
        policy.scope(user, policy.VIEW, MeetingSeries)
        .filter(series_q)
        .distinct()
        .select_related("partner")
        .prefetch_related("meetings")
    )
    one_offs = (
        policy.scope(user, policy.VIEW, Meeting)
        .filter(meeting_q, series__isnull=True)
        .distinct()
        .select_related("partner")
    )
    return series, one_offs


def feed_ics(user, *, include_organised: bool = False) -> str:
    cal = _calendar(name="Partner portal")
    series, one_offs = feed_meetings(user, include_organised=include_organised)
    for s in series:
        for event in _series_event(s, list(s.meetings.all())):
            cal.add_component(event)
    for meeting in one_offs:
        cal.add_component(_event_for_meeting(meeting, uid=f"meeting-{meeting.pk}@{_domain()}", zone=meeting.time_zone))
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")
