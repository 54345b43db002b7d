"""Meeting series and their occurrences: create and edit a series, materialise its meetings up to the horizon."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import policy
from partnerportal.notifications.services import withdraw

from .. import recurrence
from ..models import Meeting, MeetingSeries, MeetingStatus
from .base import _require, validate_participants
from .reminders import holders_of, refresh_queued_reminders, send_calendar_update

HORIZON_DAYS = 365


# Changes to a series that change its calendar entry (the feed's RRULE event) and so its SEQUENCE.
SERIES_CALENDAR_FIELDS = (
    "rrule",
    "time_zone",
    "first_date",
    "start_time",
    "duration_minutes",
    "location",
    "video_link",
    "active",
)


SERIES_FIELDS = (
    "title",
    "purpose",
    "rrule",
    "time_zone",
    "first_date",
    "start_time",
    "duration_minutes",
    "location",
    "video_link",
    "reminder_offsets",
    "active",
)


@transaction.atomic
def series_create(*, user, partner, participants=(), keep_past_first_date: bool = False, **fields) -> MeetingSeries:
    """A new series. A first date in the past moves to the first occurrence still to come, unless
    `keep_past_first_date` records a series that has been running since then (demo data, imports)."""
    _require(user, policy.ADD, MeetingSeries)
    if partner is None or not partner.is_active or partner.is_host:
        raise ValidationError({"partner": _("Choose an active partner.")})
    unknown = set(fields) - set(SERIES_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    series = MeetingSeries(partner=partner, created_by=user, **fields)
    if series.rrule:
        series.rrule = recurrence.normalise(series.rrule)
    series.full_clean()
    if not keep_past_first_date:
        start_in_future(series)
    participants = list(participants)
    validate_participants(partner=partner, participants=participants)
    series.save()
    series.participants.set(participants)
    materialise(series=series)
    return series


@transaction.atomic
def series_update(*, user, series, participants=None, **fields) -> MeetingSeries:
    _require(user, policy.CHANGE, MeetingSeries)
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    unknown = set(fields) - set(SERIES_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = {name: getattr(series, name) for name in SERIES_CALENDAR_FIELDS}
    for name, value in fields.items():
        setattr(series, name, value)
    series.rrule = recurrence.normalise(series.rrule)
    series.full_clean()
    if series.first_date != before["first_date"]:
        start_in_future(series)  # a running series keeps its first date; a new one given is checked
    if participants is not None:
        participants = list(participants)
        validate_participants(partner=series.partner, participants=participants)
    if any(getattr(series, name) != value for name, value in before.items()):
        series.sequence += 1  # the series is locked: no concurrent bump to lose
    series.save()
    if participants is not None:
        series.participants.set(participants)
    materialise(series=series, resync=True)
    return series


def start_in_future(series: MeetingSeries, *, now: datetime | None = None) -> None:
    """A series whose first meeting would lie in the past starts at its first occurrence still to come:
    `first_date` moves there (the views say so), and no meeting is made in the past."""
    now_local = timezone.localtime(now or timezone.now(), series.zone).replace(tzinfo=None)
    dtstart = series.local_dtstart()
    first = recurrence.first_occurrence(rrule=series.rrule, dtstart=dtstart)
    if first is not None and first >= now_local:
        return
    upcoming = recurrence.next_occurrence(rrule=series.rrule, dtstart=dtstart, after=now_local)
    if upcoming is None:
        raise ValidationError({"first_date": _("The series has no meetings from now on; choose a later first date.")})
    series.first_date = upcoming.date()


def materialise(
    *, series: MeetingSeries, now: datetime | None = None, horizon_days: int = HORIZON_DAYS, resync: bool = False
) -> int:
    """Create the series' occurrences up to the horizon as Meeting rows; returns how many were made.

    Moved, cancelled and held occurrences are kept as they are. With `resync` (the series was
    edited), future planned occurrences follow the new rule, time, place and participants;
    occurrences that no longer fit the rule are cancelled (or deleted when nothing hangs on them:
    no topics, no action items, no invitation in anyone's calendar). Whoever holds an invitation to
    a changed or cancelled occurrence is sent the update (`send_calendar_update`).
    """
    now = now or timezone.now()
    zone = ZoneInfo(series.time_zone)
    today = timezone.localtime(now, zone).date()
    start = max(today, series.first_date)
    end = today + timedelta(days=horizon_days)
    wanted = (
        recurrence.occurrences_utc(rrule=series.rrule, dtstart=series.local_dtstart(), zone=zone, start=start, end=end)
        if series.active
        else []
    )
    wanted = [w for w in wanted if w >= now]
    existing = {m.original_start: m for m in series.meetings.filter(original_start__gte=now)}
    participants = list(series.participants.all())
    created = 0
    for slot in wanted:
        meeting = existing.pop(slot, None)
        if meeting is None:
            meeting = Meeting.objects.create(
                series=series,
                partner=series.partner,
                title=series.title,
                start=slot,
                end=slot + series.duration,
                original_start=slot,
                location=series.location,
                video_link=series.video_link,
            )
            meeting.participants.set(participants)
            created += 1
        elif resync and meeting.status == MeetingStatus.PLANNED and not meeting.moved:
            changed = (meeting.title, meeting.end, meeting.location, meeting.video_link) != (
                series.title,
                slot + series.duration,
                series.location,
                series.video_link,
            )
            changed |= set(meeting.participants.values_list("pk", flat=True)) != {p.pk for p in participants}
            if changed:
                meeting.title = series.title
                meeting.end = slot + series.duration
                meeting.location = series.location
                meeting.video_link = series.video_link
                meeting.series = series  # the edited series, for its new SEQUENCE
                meeting.bump_sequence()
                meeting.save()
            meeting.participants.set(participants)
            refresh_queued_reminders(meeting)
            if changed:
                send_calendar_update(meeting)
    # Planned future occurrences the rule no longer produces (rule changed or series ended).
    for meeting in existing.values():
        if meeting.status != MeetingStatus.PLANNED or meeting.moved:
            continue
        withdraw(key_prefix=f"meeting:{meeting.pk}:")
        if meeting.topics.exists() or meeting.action_items.exists() or holders_of(meeting):
            meeting.status = MeetingStatus.CANCELLED
            meeting.series = series
            meeting.bump_sequence()
            meeting.save()
            send_calendar_update(meeting)
        else:
            meeting.delete()
    return created


def extend_horizons(*, now: datetime | None = None) -> int:
    """Keep every active series materialised a full horizon ahead (the periodic task)."""
    total = 0
    for series in MeetingSeries.objects.filter(active=True).prefetch_related("participants"):
        with transaction.atomic():
            total += materialise(series=series, now=now)
    return total
