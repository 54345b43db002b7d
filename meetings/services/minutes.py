"""A meeting's minutes (record and publish them) and its agenda topics."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import policy
from partnerportal.links import absolute
from partnerportal.notifications.services import notify

from ..models import AgendaTopic, Attendance, Meeting, MeetingStatus
from .base import KIND_MINUTES, _require
from .meetings import _hold
from .reminders import refresh_queued_reminders


@transaction.atomic
def meeting_record_minutes(*, user, meeting, minutes: str, decisions: str, present=None) -> Meeting:
    """Minutes, decisions and attendance (`present`: the participants who attended)."""
    _require(user, policy.CHANGE, Meeting)
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
    _require(user, policy.CHANGE, Meeting)
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
        internal=bool(internal) and policy.allows(user, "mark_internal", AgendaTopic),
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
    if "internal" in fields and policy.allows(user, "mark_internal", AgendaTopic):
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
