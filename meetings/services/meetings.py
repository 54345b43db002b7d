"""One meeting: create, edit, move, cancel and mark it held."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import policy
from partnerportal.notifications.services import withdraw

from .. import agenda as agenda_module
from ..models import Meeting, MeetingStatus
from .base import _require, validate_participants
from .reminders import refresh_queued_reminders, reminder_prefix, schedule_meeting_reminders, send_calendar_update


@transaction.atomic
def meeting_create(*, user, partner, title, start, end, location="", video_link="", participants=()) -> Meeting:
    """A one-off meeting (not part of a series)."""
    _require(user, policy.ADD, Meeting)
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
    _require(user, policy.CHANGE, Meeting)
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


@transaction.atomic
def meeting_move(*, user, meeting, start: datetime, end: datetime | None = None) -> Meeting:
    """Move one occurrence; the series is untouched and its pending reminders follow the new time."""
    _require(user, policy.CHANGE, Meeting)
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
    _require(user, policy.CHANGE, Meeting)
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
    _require(user, policy.CHANGE, Meeting)
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
