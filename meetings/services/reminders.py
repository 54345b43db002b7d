"""Meeting reminders and calendar updates in the outbox: queue, refresh and withdraw them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from partnerportal.links import absolute
from partnerportal.notifications import selectors as outbox
from partnerportal.notifications.services import notify, pending, rerender, withdraw

from .. import agenda as agenda_module
from ..models import DEFAULT_REMINDER_OFFSETS, Meeting, MeetingSeries, MeetingStatus
from .base import KIND_MEETING_CHANGED, KIND_MEETING_REMINDER

REMINDER_WINDOW_DAYS = 3  # schedule_reminders looks this far ahead (plus the longest offset)


def reminder_prefix(meeting) -> str:
    return f"meeting:{meeting.pk}:reminder:"


def reminder_offsets(meeting) -> list[int]:
    if meeting.series_id:
        return sorted(set(meeting.series.reminder_offsets or []), reverse=True)
    return list(DEFAULT_REMINDER_OFFSETS)


def _offset_label(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def reminder_key(meeting, offset: int) -> str:
    """Unique per occurrence, offset and start time: a moved meeting gets fresh keys."""
    stamp = meeting.start.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%MZ")
    revision = f":{meeting.schedule_revision}" if meeting.schedule_revision else ""
    return f"{reminder_prefix(meeting)}{_offset_label(offset)}:{stamp}{revision}"


def schedule_meeting_reminders(*, meeting, now: datetime | None = None) -> int:
    """Queue the reminders of one planned meeting in the outbox (idempotent: unique keys).

    Send times are the meeting's start minus each offset, stored in UTC. Of the offsets whose time
    has already passed, only the nearest is sent (at once); none once the meeting has started.
    """
    from ..calendar import invitation_attachment

    now = now or timezone.now()
    if meeting.status != MeetingStatus.PLANNED or meeting.start <= now:
        return 0
    offsets = reminder_offsets(meeting)
    due = [(o, meeting.start - timedelta(minutes=o)) for o in offsets]
    passed = [o for o, at in due if at <= now]
    nearest_passed = min(passed) if passed else None
    recipients = list(meeting.participants.filter(is_active=True).select_related("organization"))
    if not recipients:
        return 0
    # The periodic task calls this every few minutes: skip what is queued already before building
    # agendas and invitations (notify() would skip it too, but only after the expensive part).
    queued = outbox.queued_for(key_prefix=reminder_prefix(meeting))
    attachment = None
    created = 0
    for offset, send_at in due:
        if send_at <= now and offset != nearest_passed:
            continue
        key = reminder_key(meeting, offset)
        for person in recipients:
            if (person.pk, key) in queued:
                continue
            if attachment is None:
                attachment = invitation_attachment(meeting)
            context = _reminder_context(meeting, offset, person)
            created += len(
                notify(
                    recipients=[person],
                    kind=KIND_MEETING_REMINDER,
                    key=key,
                    template="meetings/email/reminder",
                    context=context,
                    url=meeting.get_absolute_url(),
                    partner=meeting.partner,
                    send_at=max(send_at, now),
                    attachments=attachment,
                )
            )
    return created


def _reminder_context(meeting, offset: int, person) -> dict:
    prepare = offset >= 24 * 60  # the early reminder carries the agenda: "update your KPIs"
    context = {
        "meeting": meeting,
        "offset": offset,
        "prepare": prepare,
        "url": absolute("meetings:meeting_detail", meeting.pk),
        "zone": meeting.time_zone,
    }
    if prepare:
        context["agenda"] = agenda_module.build_agenda(meeting=meeting, user=person)
    return context


def refresh_queued_reminders(meeting) -> int:
    """Bring the reminders still queued for `meeting` up to date after an edit of its title, place,
    video link, participants or topics: re-rendered (text, agenda, .ics) for those still taking
    part, withdrawn for those who no longer do. Returns how many were re-rendered."""
    from ..calendar import invitation_attachment

    waiting = pending(key_prefix=reminder_prefix(meeting))
    if not waiting:
        return 0
    taking_part = set(meeting.participants.filter(is_active=True).values_list("pk", flat=True))
    gone = [n for n in waiting if n.recipient_id not in taking_part]
    if gone:
        withdraw(keys={n.key for n in gone}, recipients={n.recipient_id for n in gone})
    offsets = {reminder_key(meeting, offset): offset for offset in reminder_offsets(meeting)}
    kept = [n for n in waiting if n.recipient_id in taking_part and n.key in offsets]
    if not kept:
        return 0
    attachment = invitation_attachment(meeting)
    refreshed = 0
    for notification in kept:
        context = _reminder_context(meeting, offsets[notification.key], notification.recipient)
        refreshed += rerender(
            notification=notification, template="meetings/email/reminder", context=context, attachments=attachment
        )
    return refreshed


def calendar_prefix(meeting) -> str:
    return f"meeting:{meeting.pk}:calendar:"


def holders_of(meeting) -> list:
    """The people whose calendar holds this meeting from us: the last invitation e-mailed to them
    (a reminder or an update) was a REQUEST, not a CANCEL."""
    sent = outbox.emailed(key_prefixes=[reminder_prefix(meeting), calendar_prefix(meeting)])
    last = {}
    for recipient_id, key in sent:
        last[recipient_id] = key
    holding = [pk for pk, key in last.items() if not key.endswith(":cancel")]
    return list(get_user_model().objects.filter(pk__in=holding, is_active=True))


def send_calendar_update(meeting) -> int:
    """E-mail the new version of the meeting's calendar entry, at once, to those whose calendar holds
    an older one: a REQUEST with the higher SEQUENCE to participants, a CANCEL when the meeting is
    cancelled and to people no longer taking part. Returns how many messages were queued.

    Call after the change is saved with its SEQUENCE raised. An update still queued from an
    earlier change is withdrawn first: the new one supersedes it.
    """
    from ..calendar import CANCEL, REQUEST, invitation_attachment

    withdraw(key_prefix=calendar_prefix(meeting))
    holders = holders_of(meeting)
    if not holders:
        return 0
    participants = list(meeting.participants.filter(is_active=True))
    taking_part = {p.pk for p in participants}
    if meeting.status == MeetingStatus.CANCELLED:
        groups = [(CANCEL, holders, participants + [h for h in holders if h.pk not in taking_part])]
    else:
        leaving = [h for h in holders if h.pk not in taking_part]
        groups = [(REQUEST, [h for h in holders if h.pk in taking_part], participants), (CANCEL, leaving, leaving)]
    queued = 0
    for method, recipients, attendees in groups:
        if not recipients:
            continue
        queued += len(
            notify(
                recipients=recipients,
                kind=KIND_MEETING_CHANGED,
                key=f"{calendar_prefix(meeting)}{meeting.calendar_sequence}:{method.lower()}",
                template="meetings/email/changed",
                context={
                    "meeting": meeting,
                    "cancelled": meeting.status == MeetingStatus.CANCELLED,
                    "removed": method == CANCEL and meeting.status != MeetingStatus.CANCELLED,
                    "url": absolute("meetings:meeting_detail", meeting.pk),
                },
                url=meeting.get_absolute_url(),
                partner=meeting.partner,
                attachments=invitation_attachment(meeting, attendees=attendees, method=method),
            )
        )
    return queued


def schedule_reminders(*, now: datetime | None = None, days: int = REMINDER_WINDOW_DAYS) -> int:
    """Queue reminders for the planned meetings of the next days (the periodic task)."""
    now = now or timezone.now()
    longest = max([max(s.reminder_offsets or [0]) for s in MeetingSeries.objects.filter(active=True)] or [0])
    until = now + timedelta(days=days) + timedelta(minutes=max(longest, max(DEFAULT_REMINDER_OFFSETS)))
    meetings = (
        Meeting.objects.filter(status=MeetingStatus.PLANNED, start__gt=now, start__lte=until)
        .select_related("series", "partner")
        .order_by("start")
    )
    total = 0
    for meeting in meetings:
        offsets = reminder_offsets(meeting)
        if offsets and meeting.start - timedelta(minutes=max(offsets)) > now + timedelta(days=days):
            continue
        total += schedule_meeting_reminders(meeting=meeting, now=now)
    return total
