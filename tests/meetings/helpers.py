"""Builders for meetings tests: series, meetings, topics and action items through the services."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from meetings import services
from meetings.models import ActionItem, AgendaTopic, Meeting, MeetingSeries

CPH = ZoneInfo("Europe/Copenhagen")


def ensure_standard_kpis():
    """Transactional tests flush the tables, also the standard KPIs the migration created."""
    from kpis.models import KPIDefinition
    from kpis.standard import STANDARD_KPIS

    for spec in STANDARD_KPIS:
        fields = {k: v for k, v in spec.items() if k != "code"}
        KPIDefinition.objects.update_or_create(code=spec["code"], defaults={**fields, "is_standard": True})


def make_series(world, partner, *, rrule="FREQ=MONTHLY;BYDAY=1TU", first_date=None, start_time=time(9, 0), **kw):
    """A series running since `first_date` (default: 60 days ago)."""
    partner_user = world.user("partner_manager", partner)
    participants = kw.pop("participants", [world.manager, partner_user])
    return services.series_create(
        user=world.manager,
        partner=partner,
        title=kw.pop("title", f"Operations review {partner.name}"),
        purpose="operations_review",
        rrule=rrule,
        time_zone="Europe/Copenhagen",
        first_date=first_date or timezone.localdate() - timedelta(days=60),
        start_time=start_time,
        duration_minutes=60,
        location=kw.pop("location", f"Room of {partner.name}"),
        participants=participants,
        keep_past_first_date=True,
        **kw,
    )


def next_meeting(partner) -> Meeting:
    return Meeting.objects.filter(partner=partner, start__gte=timezone.now()).order_by("start").first()


def meeting_for(world, partner, *, days=5, hour=10) -> Meeting:
    """A one-off meeting with the partner `days` from now (participants: manager + partner manager)."""
    start = datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, 0), tzinfo=CPH)
    return services.meeting_create(
        user=world.manager,
        partner=partner,
        title=f"Review with {partner.name}",
        start=start,
        end=start + timedelta(hours=1),
        location=f"Room of {partner.name}",
        participants=[world.manager, world.user("partner_manager", partner)],
    )


def past_meeting(world, partner, *, days=3) -> Meeting:
    meeting = meeting_for(world, partner, days=5)
    start = timezone.now() - timedelta(days=days)
    Meeting.objects.filter(pk=meeting.pk).update(start=start, end=start + timedelta(hours=1))
    meeting.refresh_from_db()
    return meeting


def topic_for(world, partner, meeting=None) -> AgendaTopic:
    meeting = meeting or meeting_for(world, partner)
    return services.topic_add(
        user=world.user("partner_manager", partner), meeting=meeting, title=f"Topic of {partner.name}"
    )


def action_for(world, partner, *, owner=None, due=None, meeting=None) -> ActionItem:
    return services.action_item_create(
        user=world.manager,
        partner=partner,
        title=f"Action of {partner.name}",
        owner=owner or world.user("partner_manager", partner),
        due_date=due or date.today() + timedelta(days=10),
        meeting=meeting,
    )


__all__ = ["MeetingSeries"]
