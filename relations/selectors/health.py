"""Reads of a partner's health score and timeline."""

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from partnerportal import policy

from .. import health
from ..models import HealthSnapshot, TimelineEvent


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


def health_now(*, partner):
    return health.compute(partner, timezone.localdate())


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
