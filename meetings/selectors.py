"""Reads of the meetings app, already restricted by the access policy."""

from __future__ import annotations

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from partnerportal import policy

from .models import OPEN_STATUSES, ActionItem, ActionStatus, Meeting, MeetingSeries, MeetingStatus


def series_list(*, user, partner=None) -> QuerySet:
    qs = (
        policy.scope(user, policy.VIEW, MeetingSeries)
        .select_related("partner")
        .annotate(participant_count=Count("participants", distinct=True))
    )
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs.order_by("partner__name", "title")


def meeting_list(*, user, partner=None, upcoming: bool | None = None, series=None) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Meeting).select_related("partner", "series")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if series is not None:
        qs = qs.filter(series=series)
    now = timezone.now()
    if upcoming is True:
        qs = qs.filter(end__gte=now).exclude(status=MeetingStatus.CANCELLED).order_by("start")
    elif upcoming is False:
        qs = qs.filter(start__lt=now).order_by("-start")
    return qs


def meeting_detail(*, user, pk) -> Meeting:
    qs = Meeting.objects.select_related("partner", "series").prefetch_related(
        Prefetch("participants", queryset=_people()),
    )
    return policy.get_object(user, policy.VIEW, qs, pk=pk)


def _people():
    from partners.models import User

    return User.objects.select_related("organization").order_by("organization__kind", "first_name", "last_name")


def action_items(*, user, partner=None, owner=None, state: str = "", search: str = "") -> QuerySet:
    """Action items the user may see; state: open, overdue, done or '' (all)."""
    qs = policy.scope(user, policy.VIEW, ActionItem).select_related(
        "partner", "owner", "owner__organization", "meeting"
    )
    if partner is not None:
        qs = qs.filter(partner=partner)
    if owner is not None:
        qs = qs.filter(owner=owner)
    today = timezone.localdate()
    if state == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif state == "overdue":
        qs = qs.filter(status__in=OPEN_STATUSES, due_date__lt=today)
    elif state == "done":
        qs = qs.filter(status="done")
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(description__icontains=search))
    return qs.order_by("due_date", "id")


def action_overview(*, user) -> list[dict]:
    """Open and overdue items per partner."""
    today = timezone.localdate()
    rows = (
        policy.scope(user, policy.VIEW, ActionItem)
        .filter(status__in=OPEN_STATUSES)
        .values("partner_id", "partner__name")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
        .order_by("partner__name")
    )
    return list(rows)


def participant_choices(*, partner):
    """People who can take part in a partner's meetings: host staff and that partner's users."""
    from partners.models import User

    return (
        User.objects.filter(is_active=True)
        .filter(policy.host_staff() | Q(organization=partner))
        .select_related("organization")
        .order_by("organization__kind", "first_name", "last_name")
    )


def next_meeting(*, user, partner):
    return meeting_list(user=user, partner=partner, upcoming=True).first()


def recent_minutes(*, user, partner, limit=3):
    qs = meeting_list(user=user, partner=partner).filter(minutes_published_at__isnull=False)
    return qs.order_by("-start")[:limit]


def action_items_done_on_time(*, partner, start, end) -> tuple[int, int] | None:
    """(done by their due date, due) for the partner's action items due in [start, end); None if none are due."""
    items = ActionItem.objects.filter(partner=partner, due_date__gte=start, due_date__lt=end)
    due = items.count()
    if not due:
        return None
    return items.filter(status=ActionStatus.DONE, done_at__date__lte=F("due_date")).count(), due
