"""Writes of the meetings app: series and their occurrences, minutes, topics, action items,
reminders and calendar feed tokens. Views, the API and the Celery tasks all call these."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications import selectors as outbox
from partnerportal.notifications.services import notify, pending, rerender, withdraw

from . import agenda as agenda_module
from . import recurrence
from .models import (
    DEFAULT_REMINDER_OFFSETS,
    OPEN_STATUSES,
    ActionItem,
    ActionStatus,
    AgendaTopic,
    Attendance,
    CalendarFeed,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    new_feed_token,
)

HORIZON_DAYS = 365
REMINDER_WINDOW_DAYS = 3  # schedule_reminders looks this far ahead (plus the longest offset)
ACTION_DUE_SOON_DAYS = 2

KIND_MEETING_REMINDER = "meetings.reminder"
KIND_MINUTES = "meetings.minutes"
KIND_ACTION_DUE = "meetings.action_due"
KIND_ACTION_OVERDUE = "meetings.action_overdue"
KIND_ACTION_ASSIGNED = "meetings.action_assigned"
KIND_MEETING_CHANGED = "meetings.changed"

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


def _require_host(user):
    if not policy.is_host(user):
        raise PermissionDenied


# --- participants ---------------------------------------------------------------------------


def validate_participants(*, partner, participants) -> None:
    """Participants come from the host or from this partner, never from another partner."""
    wrong = [u for u in participants if not (policy.is_host(u) or u.organization_id == partner.pk)]
    if wrong:
        raise ValidationError(
            {
                "participants": _("%(names)s do not belong to the host or to %(partner)s.")
                % {"names": ", ".join(str(u) for u in wrong), "partner": partner.name}
            }
        )


# --- series and occurrences -----------------------------------------------------------------

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
    _require_host(user)
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
    _require_host(user)
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


@transaction.atomic
def meeting_create(*, user, partner, title, start, end, location="", video_link="", participants=()) -> Meeting:
    """A one-off meeting (not part of a series)."""
    _require_host(user)
    if partner is None or partner.is_host:
        raise ValidationError({"partner": _("Choose a partner.")})
    meeting = Meeting(partner=partner, title=title, start=start, end=end, location=location, video_link=video_link)
    meeting.full_clean()
    participants = list(participants)
    validate_participants(partner=partner, participants=participants)
    meeting.save()
    meeting.participants.set(participants)
    schedule_meeting_reminders(meeting=meeting)
    return meeting


@transaction.atomic
def meeting_update(*, user, meeting, participants=None, **fields) -> Meeting:
    """Edit place, video link or participants of one occurrence (time changes go through meeting_move)."""
    _require_host(user)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    allowed = {"title", "location", "video_link"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    changed = any(getattr(meeting, name) != value for name, value in fields.items())
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.full_clean()
    if participants is not None:
        participants = list(participants)
        validate_participants(partner=meeting.partner, participants=participants)
        changed |= set(meeting.participants.values_list("pk", flat=True)) != {p.pk for p in participants}
    if changed:
        meeting.bump_sequence()
    meeting.save()
    if participants is not None:
        meeting.participants.set(participants)
    refresh_queued_reminders(meeting)
    schedule_meeting_reminders(meeting=meeting)  # for people added
    if changed:
        send_calendar_update(meeting)
    return meeting


def reminder_prefix(meeting) -> str:
    return f"meeting:{meeting.pk}:reminder:"


@transaction.atomic
def meeting_move(*, user, meeting, start: datetime, end: datetime | None = None) -> Meeting:
    """Move one occurrence; the series is untouched and its pending reminders follow the new time."""
    _require_host(user)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be moved."))
    if start is None:
        raise ValidationError({"start": _("Give the new start.")})
    if start < timezone.now():
        raise ValidationError({"start": _("A meeting cannot be moved into the past.")})
    held_later = Meeting.objects.filter(series_id=meeting.series_id, status=MeetingStatus.HELD, start__gte=start)
    if meeting.series_id and held_later.exclude(pk=meeting.pk).exists():
        raise ValidationError(
            {"start": _("A meeting of this series after that time has already been held; choose a later time.")}
        )
    duration = meeting.end - meeting.start
    meeting.start = start
    meeting.end = end or start + duration
    meeting.moved = meeting.original_start is not None and meeting.start != meeting.original_start
    meeting.schedule_revision += 1
    meeting.bump_sequence()
    meeting.full_clean()
    meeting.save()
    withdraw(key_prefix=reminder_prefix(meeting))
    schedule_meeting_reminders(meeting=meeting)
    send_calendar_update(meeting)
    return meeting


@transaction.atomic
def meeting_cancel(*, user, meeting) -> Meeting:
    _require_host(user)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.bump_sequence()
    meeting.save()
    if meeting.series_id and meeting.original_start is not None:
        meeting.series.bump_sequence()  # the feed's series gains an EXDATE
    withdraw(key_prefix=reminder_prefix(meeting))
    send_calendar_update(meeting)
    return meeting


@transaction.atomic
def meeting_mark_held(*, user, meeting) -> Meeting:
    """Mark the meeting held and freeze its KPI figures (later data corrections don't change them)."""
    _require_host(user)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be marked as held."))
    if meeting.start > timezone.now():
        raise ValidationError(_("A meeting cannot be held before it starts."))
    _hold(meeting, user)
    return meeting


def _hold(meeting, user) -> None:
    """Freeze the KPI figures, mark the meeting held and withdraw its pending reminders."""
    meeting.agenda_snapshot = agenda_module.freeze(meeting=meeting, user=user)
    meeting.status = MeetingStatus.HELD
    meeting.held_at = timezone.now()
    meeting.bump_sequence()
    meeting.save()
    withdraw(key_prefix=reminder_prefix(meeting))


@transaction.atomic
def meeting_record_minutes(*, user, meeting, minutes: str, decisions: str, present=None) -> Meeting:
    """Minutes, decisions and attendance (`present`: the participants who attended)."""
    _require_host(user)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting has no minutes."))
    meeting.minutes = minutes or ""
    meeting.decisions = decisions or ""
    meeting.full_clean()
    meeting.save()
    if present is not None:
        participants = {u.pk: u for u in meeting.participants.all()}
        present_ids = {u.pk for u in present}
        strangers = present_ids - set(participants)
        if strangers:
            raise ValidationError({"present": _("Only participants can be marked as present.")})
        Attendance.objects.filter(meeting=meeting).delete()
        Attendance.objects.bulk_create(
            Attendance(meeting=meeting, user_id=pk, present=pk in present_ids) for pk in participants
        )
    return meeting


@transaction.atomic
def meeting_publish_minutes(*, user, meeting) -> Meeting:
    _require_host(user)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.minutes.strip():
        raise ValidationError(_("Write the minutes before publishing them."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting has no minutes."))
    if meeting.start > timezone.now():
        raise ValidationError(_("Minutes can be published once the meeting has started."))
    if meeting.status == MeetingStatus.PLANNED:
        _hold(meeting, user)  # the minutes keep showing the figures that were discussed
    first = meeting.minutes_published_at is None
    meeting.minutes_published_at = timezone.now()
    meeting.save()
    version = int(meeting.minutes_published_at.timestamp())
    notify(
        recipients=meeting.participants.filter(is_active=True),
        kind=KIND_MINUTES,
        key=f"meeting:{meeting.pk}:minutes" + ("" if first else f":{version}"),
        template="meetings/email/minutes",
        context={"meeting": meeting, "url": absolute("meetings:meeting_detail", meeting.pk), "updated": not first},
        url=meeting.get_absolute_url(),
        partner=meeting.partner,
    )
    return meeting


# --- agenda topics --------------------------------------------------------------------------


@transaction.atomic
def topic_add(*, user, meeting, title: str, description: str = "", internal: bool = False) -> AgendaTopic:
    """Either side adds a topic before the meeting; partners never add internal topics."""
    if not policy.allows(user, policy.ADD, AgendaTopic):
        raise PermissionDenied
    if not policy.scope(user, policy.VIEW, Meeting).filter(pk=meeting.pk).exists():
        raise PermissionDenied
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Topics can only be added to a planned meeting."))
    topic = AgendaTopic(
        meeting=meeting,
        partner_id=meeting.partner_id,
        title=(title or "").strip(),
        description=description or "",
        added_by=user,
        internal=bool(internal) and policy.is_host(user),
    )
    topic.full_clean()
    topic.save()
    refresh_queued_reminders(meeting)  # the early reminder carries the agenda
    return topic


@transaction.atomic
def topic_update(*, user, topic, **fields) -> AgendaTopic:
    if not (policy.is_host(user) or topic.added_by_id == user.pk):
        raise PermissionDenied
    for name in ("title", "description"):
        if name in fields:
            setattr(topic, name, fields[name])
    if "internal" in fields and policy.is_host(user):
        topic.internal = bool(fields["internal"])
    topic.full_clean()
    topic.save()
    refresh_queued_reminders(topic.meeting)
    return topic


@transaction.atomic
def topic_delete(*, user, topic) -> None:
    if not (policy.is_host(user) or topic.added_by_id == user.pk):
        raise PermissionDenied
    meeting = topic.meeting
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("The meeting has been held; its topics stay."))
    topic.delete()
    refresh_queued_reminders(meeting)


# --- action items ---------------------------------------------------------------------------


def _validate_owner(*, partner, owner):
    if owner is None:
        raise ValidationError({"owner": _("Choose an owner.")})
    if not owner.is_active or not (policy.is_host(owner) or owner.organization_id == partner.pk):
        raise ValidationError({"owner": _("The owner must be someone from the host or this partner.")})


@transaction.atomic
def action_item_create(*, user, partner, title, owner, due_date, meeting=None, description="") -> ActionItem:
    if not policy.allows(user, policy.ADD, ActionItem):
        raise PermissionDenied
    if meeting is not None and meeting.partner_id != partner.pk:
        raise ValidationError({"meeting": _("The meeting belongs to another partner.")})
    _validate_owner(partner=partner, owner=owner)
    item = ActionItem(
        partner=partner,
        meeting=meeting,
        title=(title or "").strip(),
        description=description or "",
        owner=owner,
        due_date=due_date,
        created_by=user,
    )
    item.full_clean()
    item.save()
    if owner.pk != user.pk:
        notify(
            recipients=[owner],
            kind=KIND_ACTION_ASSIGNED,
            key=f"action:{item.pk}:assigned:{owner.pk}",
            template="meetings/email/action_assigned",
            context={"item": item, "url": absolute("meetings:action_detail", item.pk)},
            url=item.get_absolute_url(),
            partner=partner,
        )
    return item


@transaction.atomic
def action_item_set_status(*, user, item, status: str) -> ActionItem:
    """Owners (from either side) and host staff move an item through open → in progress → done."""
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    policy.require(user, "set_status", item)
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == ActionStatus.CANCELLED:
        policy.require(user, "cancel", item)
    item.status = status
    item.done_at = timezone.now() if status == ActionStatus.DONE else None
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def action_item_update(*, user, item, **fields) -> ActionItem:
    """Host staff edit everything; owners only the status."""
    if set(fields) <= {"status"}:
        return action_item_set_status(user=user, item=item, status=fields.get("status", item.status))
    _require_host(user)
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    status = fields.pop("status", None)
    for name in ("title", "description", "owner", "due_date", "meeting"):
        if name in fields:
            setattr(item, name, fields[name])
    if item.meeting is not None and item.meeting.partner_id != item.partner_id:
        raise ValidationError({"meeting": _("The meeting belongs to another partner.")})
    _validate_owner(partner=item.partner, owner=item.owner)
    item.full_clean()
    item.save()
    if status is not None and status != item.status:
        item = action_item_set_status(user=user, item=item, status=status)
    return item


# --- reminders ------------------------------------------------------------------------------


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
    from .calendar import invitation_attachment

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
    from .calendar import invitation_attachment

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
    from .calendar import CANCEL, REQUEST, invitation_attachment

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


def remind_action_items(*, today: date | None = None) -> int:
    """Due-soon (two days before) and overdue reminders to each open item's owner, once per due date."""
    today = today or timezone.localdate()
    total = 0
    soon = ActionItem.objects.filter(
        status__in=OPEN_STATUSES, due_date__gte=today, due_date__lte=today + timedelta(days=ACTION_DUE_SOON_DAYS)
    ).select_related("owner", "partner")
    for item in soon:
        total += len(
            notify(
                recipients=[item.owner],
                kind=KIND_ACTION_DUE,
                key=f"action:{item.pk}:due:{item.due_date.isoformat()}",
                template="meetings/email/action_due",
                context={"item": item, "url": absolute("meetings:action_detail", item.pk)},
                url=item.get_absolute_url(),
                partner=item.partner,
            )
        )
    overdue = ActionItem.objects.filter(status__in=OPEN_STATUSES, due_date__lt=today).select_related("owner", "partner")
    for item in overdue:
        total += len(
            notify(
                recipients=[item.owner],
                kind=KIND_ACTION_OVERDUE,
                key=f"action:{item.pk}:overdue:{item.due_date.isoformat()}",
                template="meetings/email/action_overdue",
                context={"item": item, "url": absolute("meetings:action_detail", item.pk)},
                url=item.get_absolute_url(),
                partner=item.partner,
            )
        )
    return total


# --- calendar feed --------------------------------------------------------------------------


def feed_for(*, user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


@transaction.atomic
def feed_regenerate(*, user, include_organised: bool | None = None) -> CalendarFeed:
    """A new secret token (the old feed address stops working at once)."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    feed.token = new_feed_token()
    if include_organised is not None:
        feed.include_organised = bool(include_organised) and policy.is_host(user)
    feed.save()
    return feed


@transaction.atomic
def feed_revoke(*, user) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def feeds_revoke_for(*, user_ids, **_signal) -> int:
    """Receiver of partners.signals.access_revoked: a deactivated person's feed addresses stop working."""
    return CalendarFeed.objects.filter(user_id__in=list(user_ids)).delete()[0]
