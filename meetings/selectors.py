"""Reads of the meetings app, already restricted by the access policy."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from partnerportal import policy
from partners.selectors import host_staff_and_people_of, portal_users

from .models import (
    OPEN_STATUSES,
    ActionItem,
    ActionStatus,
    AgendaTopic,
    CalendarFeed,
    Meeting,
    MeetingSeries,
    MeetingStatus,
)


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
    return portal_users().select_related("organization").order_by("organization__kind", "first_name", "last_name")


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
    return (
        host_staff_and_people_of(organization=partner)
        .select_related("organization")
        .order_by("organization__kind", "first_name", "last_name")
    )


def next_meeting(*, user, partner):
    return meeting_list(user=user, partner=partner, upcoming=True).first()


def recent_minutes(*, user, partner, limit=3):
    qs = meeting_list(user=user, partner=partner).filter(minutes_published_at__isnull=False)
    return qs.order_by("-start")[:limit]


def series_detail(*, user, pk, action: str = policy.VIEW) -> MeetingSeries:
    """One series with its partner, for `action` (404 out of reach, 403 if only viewable)."""
    return policy.get_object(user, action, MeetingSeries.objects.select_related("partner"), pk=pk)


def series_participants(*, series) -> QuerySet:
    """The series' participants with their organisations."""
    return series.participants.select_related("organization")


def series_meetings(*, user, series, upcoming: bool, limit: int = 12) -> list[Meeting]:
    """The series' next (cancelled ones too) or latest meetings the user may see."""
    qs = meeting_list(user=user, series=series)
    now = timezone.now()
    qs = qs.filter(end__gte=now).order_by("start") if upcoming else qs.filter(end__lt=now).order_by("-start")
    return list(qs[:limit])


def attendance_by_person(*, meeting) -> dict[int, bool]:
    """Who was recorded present (True) or absent (False) at the meeting, by user id."""
    return {a.user_id: a.present for a in meeting.attendance.all()}


def present_people(*, meeting) -> list:
    """The people recorded present at the meeting."""
    return [a.user for a in meeting.attendance.filter(present=True).select_related("user")]


def meeting_participants(*, meeting) -> QuerySet:
    """The meeting's participants, host staff first (the attendance checkboxes)."""
    return meeting.participants.select_related("organization").order_by("organization__kind", "first_name")


def meeting_actions(*, user, meeting) -> QuerySet:
    """The action items of one meeting the user may see."""
    return action_items(user=user, partner=meeting.partner).filter(meeting=meeting)


def partner_meeting(*, partner, pk) -> Meeting | None:
    """The partner's meeting with this id, or None (another partner's or unknown)."""
    return Meeting.objects.filter(pk=pk, partner=partner).first()


def topic_detail(*, user, pk, action: str = policy.VIEW) -> AgendaTopic:
    """One agenda topic with its meeting, for `action` (404 out of reach, 403 if only viewable)."""
    return policy.get_object(user, action, AgendaTopic.objects.select_related("meeting"), pk=pk)


def action_item_detail(*, user, pk) -> ActionItem:
    """One action item the user may see, with its partner, owner, meeting and author."""
    qs = ActionItem.objects.select_related("partner", "owner", "meeting", "created_by")
    return policy.get_object(user, policy.VIEW, qs, pk=pk)


def feed_by_token(*, token) -> CalendarFeed | None:
    """The calendar feed with this secret token, with its user and organisation, or None."""
    return CalendarFeed.objects.select_related("user__organization").filter(token=token).first()


# --- the API's rows: the viewsets' models and their user's scope ---------------------------


def series_rows() -> QuerySet:
    """Every series as the API serves it (partner, participants), by id; not yet scoped."""
    return MeetingSeries.objects.select_related("partner").prefetch_related("participants").order_by("pk")


def api_series(*, user, partner_id: int | None = None) -> QuerySet:
    """The series the user may see, as the API lists them, optionally one partner's."""
    qs = policy.scope(user, policy.VIEW, series_rows())
    return qs.filter(partner_id=partner_id) if partner_id else qs


def meeting_rows() -> QuerySet:
    """Every meeting as the API serves it (partner, series, participants), by start; not yet scoped."""
    return Meeting.objects.select_related("partner", "series").prefetch_related("participants").order_by("start")


def api_meetings(*, user, partner_id: int | None = None, series_id: int | None = None, upcoming=False) -> QuerySet:
    """The meetings the user may see, as the API lists them; `upcoming`: not yet over, not cancelled."""
    qs = policy.scope(user, policy.VIEW, meeting_rows())
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if series_id:
        qs = qs.filter(series_id=series_id)
    if upcoming:
        qs = qs.filter(end__gte=timezone.now()).exclude(status=MeetingStatus.CANCELLED)
    return qs


def topic_rows() -> QuerySet:
    """Every agenda topic as the API serves it (meeting, author), oldest first; not yet scoped."""
    return AgendaTopic.objects.select_related("meeting", "added_by").order_by("created_at", "id")


def api_topics(*, user, meeting_id: int | None = None) -> QuerySet:
    """The agenda topics the user may see, optionally one meeting's."""
    qs = policy.scope(user, policy.VIEW, topic_rows())
    return qs.filter(meeting_id=meeting_id) if meeting_id else qs


def action_item_rows() -> QuerySet:
    """Every action item as the API serves it (partner, owner, meeting), by due date; not yet scoped."""
    return ActionItem.objects.select_related("partner", "owner", "meeting").order_by("due_date", "id")


def api_action_items(*, user, state: str = "", partner_id: int | None = None, mine: bool = False) -> QuerySet:
    """The action items the user may see, as the API lists them (see `action_items` for `state`)."""
    qs = action_items(user=user, state=state)
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    return qs.filter(owner=user) if mine else qs


def action_items_done_on_time(*, partner, start, end) -> tuple[int, int] | None:
    """(done by their due date, due) for the partner's action items due in [start, end); None if none are due."""
    items = ActionItem.objects.filter(partner=partner, due_date__gte=start, due_date__lt=end)
    due = items.count()
    if not due:
        return None
    return items.filter(status=ActionStatus.DONE, done_at__date__lte=F("due_date")).count(), due


def action_summary(*, user, limit: int = 10) -> dict:
    """Open action items at a glance (the dashboard): totals, and the `limit` partners with the most
    overdue, then open, items. One query, whatever the number of partners: the totals are window sums
    over the per-partner counts, taken before the limit."""
    today = timezone.localdate()
    per_partner = (
        policy.scope(user, policy.VIEW, ActionItem)
        .filter(status__in=OPEN_STATUSES)
        .values("partner_id", "partner__name")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
        .order_by()
    )
    summary = {"open": 0, "overdue": 0, "partners": 0, "rows": []}
    try:
        sql, params = per_partner.query.sql_with_params()
    except EmptyResultSet:
        return summary
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT g.partner_id, g.partner__name, g.open, g.overdue,
                   SUM(g.open) OVER (), SUM(g.overdue) OVER (), COUNT(*) OVER ()
            FROM ({sql}) AS g
            ORDER BY g.overdue DESC, g.open DESC, g.partner__name, g.partner_id
            LIMIT %s
            """,  # noqa: S608 - the inner query is the ORM's, with its parameters
            [*params, limit],
        )
        for partner_id, name, open_items, overdue, all_open, all_overdue, partners in cursor.fetchall():
            summary.update(open=int(all_open), overdue=int(all_overdue), partners=partners)
            summary["rows"].append(
                {"partner_id": partner_id, "partner__name": name, "open": open_items, "overdue": overdue}
            )
    return summary


def dashboard_meetings(*, user, limit: int = 5) -> list[dict]:
    """The dashboard's next meetings, as meeting_list(upcoming=True) orders them: plain rows (start,
    end, partner name, the meeting's page), read without building meetings."""
    from django.urls import reverse

    url = reverse("meetings:meeting_detail", args=[0]).replace("/0/", "/{}/")
    rows = meeting_list(user=user, upcoming=True).values_list("pk", "start", "end", "partner__name")[:limit]
    return [{"start": start, "end": end, "partner": name, "url": url.format(pk)} for pk, start, end, name in rows]
