"""Reads of a partner's health score and timeline."""

from typing import NamedTuple

from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from partnerportal import policy
from partnerportal.links import row_url

from .. import health
from ..models import HealthSnapshot, TimelineEvent
from .common import visible_partners


def health_scores(partner_ids) -> dict[int, int | None]:
    """The latest stored health score per partner id (for the portfolio to sort by)."""
    scores = dict.fromkeys(partner_ids)
    latest = (
        HealthSnapshot.objects.filter(partner_id__in=list(partner_ids))
        .order_by("partner_id", "-month")
        .distinct("partner_id")
        if _supports_distinct_on()
        else None
    )
    if latest is None:
        for snap in HealthSnapshot.objects.filter(partner_id__in=list(partner_ids)).order_by("partner_id", "month"):
            scores[snap.partner_id] = snap.score
        return scores
    for snap in latest:
        scores[snap.partner_id] = snap.score
    return scores


def _supports_distinct_on():
    return connection.features.can_distinct_on_fields


def health_trend(*, user, partner) -> list[HealthSnapshot]:
    qs = policy.scope(user, policy.VIEW, HealthSnapshot).filter(partner=partner).order_by("-month")[:12]
    return list(reversed(qs))


def timeline(*, user, partner, categories=()) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, TimelineEvent).filter(partner=partner)
    if categories:
        qs = qs.filter(category__in=categories)
    return qs.order_by("-occurred_at", "-id")


def api_health_snapshots(*, user) -> QuerySet:
    """The API's health snapshots: those the user may see."""
    return policy.scope(user, policy.VIEW, HealthSnapshot)


def api_timeline_events(*, user) -> QuerySet:
    """The API's timeline events: those the user may see."""
    return policy.scope(user, policy.VIEW, TimelineEvent)


def health_current(*, partner) -> HealthSnapshot:
    """The stored health snapshot of the current month, which the hub, the health page, its trend and
    the API all show. Kept current by relations.receivers (refreshed on commit when its inputs change)
    and by the daily task; one missing (a new partner, a new month before the daily run) is computed
    on this first read and stored, once."""
    month = health.month_start(timezone.localdate())
    snap = HealthSnapshot.objects.filter(partner=partner, month=month).order_by().first()  # no join for ordering
    if snap is None:
        snap = health.stored_or_snapshot(partner, month)
    return snap


HEALTH_SORTS = {
    "score": (F("health_score").asc(nulls_last=True), "name", "pk"),
    "-score": (F("health_score").desc(nulls_last=True), "name", "pk"),
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
}


def health_table(*, user, sort: str = "score") -> QuerySet:
    """The partners the user may see, each with its latest stored health score and month
    (`health_score`, `health_month`; None without a snapshot), sorted in SQL by `sort` (one of
    HEALTH_SORTS; partners without a score come last either way)."""
    latest = HealthSnapshot.objects.filter(partner=OuterRef("pk")).order_by("-month")
    return (
        visible_partners(user=user)
        .only("pk", "name")
        .annotate(
            health_score=Subquery(latest.values("score")[:1]),
            health_month=Subquery(latest.values("month")[:1]),
        )
        .order_by(*HEALTH_SORTS.get(sort, HEALTH_SORTS["score"]))
    )


class PanelPartner(NamedTuple):
    """A partner as the dashboard's health panel shows it: its id and name."""

    pk: int
    name: str


def health_panel_rows(*, user, limit: int = 10) -> list[dict]:
    """The dashboard's health panel: the `limit` lowest stored scores as health_table(sort="score") lists
    them, as plain rows (the partner's id and name, the score, the partner's health page), read without
    building partners."""
    from django.urls import reverse

    url = reverse("relations:health", args=[0]).replace("/0/", "/{}/")
    rows = health_table(user=user, sort="score").values_list("pk", "name", "health_score")[:limit]
    return [{"partner": PanelPartner(pk, name), "score": score, "url": url.format(pk)} for pk, name, score in rows]


# The partner hub's relationship section (issue 16).


def hub_recent(*, user, partner, notices: int = 5, cases: int = 5, events: int = 8) -> dict[str, list[dict]]:
    """What the hub's relationship section lists, read in one query with only the fields it shows:
    the latest `notices` notices, the latest `cases` open cases and the latest `events` timeline events
    up to now, each restricted as notice_list, case_list and timeline restrict them (a partner user:
    their own organisation's, nothing internal). Rows are dicts with their `url`:
    {"notices": [{title, url, severity, acknowledged}], "cases": [{title, url, status}],
    "timeline": [{title, url, occurred_at}]} (severity and status as their labels)."""
    from django.db.models import BooleanField, CharField, ExpressionWrapper, JSONField, Q, Value

    from ..models import Case, Notice
    from .cases import case_list
    from .notices import notice_list

    def text(value):
        return Value(value, output_field=CharField())

    parts = [
        timeline(user=user, partner=partner)
        .filter(occurred_at__lte=timezone.now())
        .annotate(row=text("timeline"), a=F("title"), b=F("url"), at=F("occurred_at"))
        .annotate(flag=Value(False, output_field=BooleanField()), params_=F("params"))
        .values_list("row", "pk", "a", "b", "at", "flag", "params_")[:events],
        notice_list(user=user, partner=partner)
        .select_related(None)
        .annotate(row=text("notice"), a=F("title"), b=F("severity"), at=F("posted_at"))
        .annotate(
            flag=ExpressionWrapper(Q(acknowledged_at__isnull=False), output_field=BooleanField()),
            params_=Value(None, output_field=JSONField()),
        )
        .values_list("row", "pk", "a", "b", "at", "flag", "params_")[:notices],
        case_list(user=user, partner=partner, open_only=True)
        .select_related(None)
        .annotate(row=text("case"), a=F("title"), b=F("status"), at=F("raised_at"))
        .annotate(flag=Value(False, output_field=BooleanField()), params_=Value(None, output_field=JSONField()))
        .values_list("row", "pk", "a", "b", "at", "flag", "params_")[:cases],
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        rows = list(parts[0].union(*parts[1:], all=True))
    else:  # SQLite: no LIMIT inside a UNION, one query each
        rows = [row for part in parts for row in part]
    rows.sort(key=lambda row: (row[4], row[1]), reverse=True)  # each list newest first, as its own query orders it
    notice_url = row_url("relations:notice_detail")
    case_url = row_url("relations:case_detail")
    severities = dict(Notice._meta.get_field("severity").choices)
    statuses = dict(Case._meta.get_field("status").choices)
    found = {"notices": [], "cases": [], "timeline": []}
    for row, pk, a, b, at, flag, params in rows:
        if row == "notice":
            found["notices"].append(
                {"title": a, "url": notice_url.format(pk), "severity": severities.get(b, b), "acknowledged": flag}
            )
        elif row == "case":
            found["cases"].append({"title": a, "url": case_url.format(pk), "status": statuses.get(b, b)})
        else:
            title = TimelineEvent(title=a, params=params or {}).display_title
            found["timeline"].append({"title": title, "url": b, "occurred_at": at})
    return found
