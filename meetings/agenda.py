"""A meeting's agenda, built from the data.

Sections: the KPI results for the period since the previous meeting (from the KPI app's one
aggregation function; frozen into the meeting when it is held), open and overdue action items,
the topics either side added, and extra sources other apps register (open notices, cases):

    from meetings import agenda
    agenda.register_source("relations_cases", _("Open cases"), lambda meeting, user: [...])

A source returns a list of dicts {title, url, detail}; it must apply the access policy for `user`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from kpis import selectors as kpi_selectors
from partnerportal import policy

from .models import ActionItem, AgendaTopic, Meeting, MeetingStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    fn: Callable


_SOURCES: dict[str, Source] = {}


def register_source(key: str, title, fn: Callable) -> None:
    """Add a section to every agenda: fn(meeting, user) -> list of {title, url, detail}."""
    _SOURCES[key] = Source(key, title, fn)


def sources() -> list[Source]:
    return list(_SOURCES.values())


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(partner_id=meeting.partner_id, start__lt=meeting.start)
        .exclude(status=MeetingStatus.CANCELLED)
        .exclude(pk=meeting.pk)
        .order_by("-start")
        .first()
    )


def kpi_period(meeting: Meeting) -> tuple[date, date]:
    """From the day of the previous meeting to the day before this one (one month back for the first)."""
    zone = ZoneInfo(meeting.time_zone)
    end = timezone.localtime(meeting.start, zone).date() - timedelta(days=1)
    previous = previous_meeting(meeting)
    if previous is not None:
        start = timezone.localtime(previous.start, zone).date()
    else:
        start = (end.replace(day=1) - timedelta(days=1)).replace(day=1) if end.day < 28 else end.replace(day=1)
    if start > end:
        start = end
    return start, end


def kpi_rows(*, meeting: Meeting, user) -> list[dict]:
    """The KPI section as plain dicts: frozen figures for a held meeting, live figures otherwise."""
    if meeting.agenda_snapshot and "kpis" in meeting.agenda_snapshot:
        rows = _in_readers_language(meeting.agenda_snapshot["kpis"])
        if policy.can(user, "see_internal", meeting):
            return rows
        visible = _visible_kpi_ids(user=user, partner=meeting.partner)
        return [r for r in rows if r.get("kpi_id") in visible]
    start, end = kpi_period(meeting)
    return [r.to_json() for r in kpi_selectors.kpi_results(user=user, partner=meeting.partner, start=start, end=end)]


def _in_readers_language(rows: list[dict]) -> list[dict]:
    """Frozen rows keep their figures; the KPI's name and unit are shown in the reader's language, not in the
    language of whoever held the meeting."""
    kpis = kpi_selectors.definitions_by_id({r.get("kpi_id") for r in rows if r.get("kpi_id")})
    return [
        {**r, "name": kpis[r["kpi_id"]].display_name, "unit": kpis[r["kpi_id"]].display_unit}
        if r.get("kpi_id") in kpis
        else r
        for r in rows
    ]


def _visible_kpi_ids(*, user, partner) -> set[int]:
    return set(kpi_selectors.visible_partner_kpis(user=user, partner=partner).values_list("kpi_id", flat=True))


def freeze(*, meeting: Meeting, user) -> dict:
    """The snapshot stored on a held meeting: the KPI figures as host staff saw them."""
    start, end = kpi_period(meeting)
    rows = [r.to_json() for r in kpi_selectors.kpi_results(user=user, partner=meeting.partner, start=start, end=end)]
    return {"kpis": rows, "period": [start.isoformat(), end.isoformat()], "frozen_at": timezone.now().isoformat()}


def build_agenda(*, meeting: Meeting, user) -> dict:
    """Everything the agenda shows to `user` (already restricted by the access policy)."""
    today = timezone.localdate()
    actions = list(
        policy.scope(user, policy.VIEW, ActionItem)
        .filter(partner_id=meeting.partner_id, status__in=("open", "in_progress"))
        .select_related("owner", "owner__organization", "meeting")
        .order_by("due_date", "id")
    )
    topics = list(
        policy.scope(user, policy.VIEW, AgendaTopic)
        .filter(meeting=meeting)
        .select_related("added_by", "added_by__organization")
    )
    if meeting.agenda_snapshot and "period" in meeting.agenda_snapshot:
        period = tuple(date.fromisoformat(d) for d in meeting.agenda_snapshot["period"])
    else:
        period = kpi_period(meeting)
    extra = []
    for source in sources():
        try:
            items = list(source.fn(meeting, user) or [])
        except Exception:  # noqa: BLE001 - one broken source must not take the agenda down
            log.exception("agenda source %s failed", source.key)
            items = []
        extra.append({"key": source.key, "title": str(source.title), "items": items})
    rows = kpi_rows(meeting=meeting, user=user)
    return {
        "meeting": meeting,
        "period": period,
        "frozen": bool(meeting.agenda_snapshot),
        # Two blocks, as the scorecard's two halves: how the partner does, and how we (the host) do.
        # Rows frozen before KPIs had a subject are the partner's.
        "kpis": [r for r in rows if r.get("subject", "partner") != "host"],
        "host_kpis": [r for r in rows if r.get("subject") == "host"],
        "open_actions": [a for a in actions if a.due_date >= today],
        "overdue_actions": [a for a in actions if a.due_date < today],
        "topics": topics,
        "extra": extra,
    }
