"""Reads of a partner's health score and timeline."""

from typing import NamedTuple

from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from partnerportal import policy

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
