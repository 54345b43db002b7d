"""Reads of notices."""

from datetime import timedelta
from statistics import median

from django.db.models import Q, QuerySet
from django.utils import timezone

from partnerportal import policy

from ..models import Notice, Side


def notice_list(*, user, partner=None, kind="", open_only=False) -> QuerySet:
    qs = policy.scope(user, policy.VIEW, Notice).select_related("partner", "posted_by", "acknowledged_by")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs


def notice_detail(*, user, pk) -> Notice:
    return policy.get_object(user, policy.VIEW, Notice.objects.select_related("partner", "posted_by"), pk=pk)


def notice_stats(*, user, partner=None) -> dict:
    """How fast each side informs (hours before the affected window) and acknowledges (median)."""
    rows = notice_list(user=user, partner=partner).values_list("side", "posted_at", "affected_from", "acknowledged_at")
    lead = {Side.HOST: [], Side.PARTNER: []}
    ack = {Side.HOST: [], Side.PARTNER: []}
    for side, posted_at, affected_from, acknowledged_at in rows:
        lead[side].append((affected_from - posted_at).total_seconds() / 3600)
        if acknowledged_at is not None:
            other = Side.PARTNER if side == Side.HOST else Side.HOST
            ack[other].append((acknowledged_at - posted_at).total_seconds() / 3600)
    result = {}
    for side in (Side.HOST, Side.PARTNER):
        result[side.value] = {
            "label": side.label,
            "posted": len(lead[side]),
            "median_lead_hours": round(median(lead[side]), 1) if lead[side] else None,
            "acknowledged": len(ack[side]),
            "median_ack_hours": round(median(ack[side]), 1) if ack[side] else None,
        }
    return result


def open_notices_for_agenda(*, partner, user=None, since=None) -> list[dict]:
    """Notices for a meeting: those posted since `since` (the previous meeting), still unacknowledged
    or whose affected window is not over yet."""
    since = since or timezone.now() - timedelta(days=30)
    qs = Notice.objects.filter(partner=partner).filter(
        Q(acknowledged_at__isnull=True) | Q(affected_until__gte=timezone.now()) | Q(posted_at__gte=since)
    )
    if user is not None:
        qs = policy.scope(user, policy.VIEW, qs)
    return [
        {
            "title": n.title,
            "url": n.get_absolute_url(),
            "detail": f"{n.get_kind_display()} · {n.get_severity_display()}",
        }
        for n in qs.order_by("-posted_at")[:20]
    ]


def api_notices(*, user) -> QuerySet:
    """The API's notices: those the user may see, with who posted and acknowledged them."""
    return policy.scope(user, policy.VIEW, Notice.objects.select_related("posted_by", "acknowledged_by"))
