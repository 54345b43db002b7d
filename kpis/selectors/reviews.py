"""Reads of the monthly scorecard review (kpis.reviews) for the apps above: which months are final, and the
review state of each month, so the health score, the exports and agreements' reviews count on final months
and show the state of the others instead of silently mixing them in."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from partnerportal import policy

from ..models import DisputeState, ReviewEvent, ReviewState, ScorecardDispute, ScorecardReview


def final_months(*, partner_ids=None, start: date | None = None, end: date | None = None) -> set[tuple[int, date]]:
    """(partner_id, month) of the final months, optionally of some partners and within [start, end]. One query."""
    qs = ScorecardReview.objects.filter(state=ReviewState.FINAL)
    if partner_ids is not None:
        qs = qs.filter(partner_id__in=list(partner_ids))
    if start is not None:
        qs = qs.filter(month__gte=start.replace(day=1))
    if end is not None:
        qs = qs.filter(month__lte=end)
    return set(qs.values_list("partner_id", "month"))


def review_states(*, partner_ids, start: date, end: date) -> dict[tuple[int, date], str]:
    """The review state of each reviewed (partner_id, month) in [start, end]; a month missing has none yet."""
    rows = ScorecardReview.objects.filter(
        partner_id__in=list(partner_ids), month__gte=start.replace(day=1), month__lte=end
    ).values_list("partner_id", "month", "state")
    return {(p, m): state for p, m, state in rows}


def months_between(start: date, end: date) -> list[date]:
    """The first days of the months that [start, end] touches."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def finality(*, partner_id: int, start: date, end: date, today: date) -> tuple[int, int]:
    """(final, closed): how many of the closed months in [start, end] are final. One query."""
    closed = [m for m in months_between(start, end) if m < today.replace(day=1)]
    if not closed:
        return 0, 0
    final = final_months(partner_ids=[partner_id], start=closed[0], end=closed[-1])
    return len(final), len(closed)


def months_in_review(*, partner_id: int, start: date, end: date) -> set[date]:
    """The months in [start, end] whose scorecard is under review (proposed or disputed, not final yet):
    what the health score leaves out until they are settled. One query."""
    return set(
        ScorecardReview.objects.filter(
            partner_id=partner_id,
            month__gte=start.replace(day=1),
            month__lte=end,
            state__in=(ReviewState.PROPOSED, ReviewState.DISPUTED),
        ).values_list("month", flat=True)
    )


def raised_disputes(*, user, partner_id) -> list[ScorecardDispute]:
    """A partner's disputes raised to the next meeting's agenda, but for those answered in a month since
    made final (settled): the agenda's block. Restricted to what `user` may see."""
    return list(
        policy.scope(user, policy.VIEW, ScorecardDispute)
        .filter(review__partner_id=partner_id, raised_to_agenda_at__isnull=False)
        .exclude(review__state=ReviewState.FINAL, state__in=(DisputeState.CORRECTED, DisputeState.STANDS))
        .select_related("review", "partner_kpi__kpi")
        .order_by("raised_to_agenda_at", "id")
    )


def disputes_for_agenda(*, user, partner_id) -> list[dict]:
    """The agenda source's items: {title, url, detail} per raised dispute (meetings.agenda.register_source)."""
    from partnerportal.formats import period

    return [
        {
            "title": f"{d.partner_kpi.kpi.display_name} · {period(d.review.month, 'month')}",
            "url": d.get_absolute_url(),
            "detail": _("Disputed figure: %(state)s") % {"state": d.get_state_display()},
        }
        for d in raised_disputes(user=user, partner_id=partner_id)
    ]


# --- The API's rows (kpis.api.reviews): not yet restricted, PolicyViewSetMixin scopes them -------------


def all_reviews() -> QuerySet:
    """Every review with its partner and who decided it, and its disputes counted (open ones apart)."""
    return (
        ScorecardReview.objects.select_related("partner", "decided_by")
        .annotate(
            dispute_count=Count("disputes"),
            open_dispute_count=Count("disputes", filter=Q(disputes__state=DisputeState.OPEN)),
        )
        .order_by("-month", "partner__name", "id")
    )


def all_disputes() -> QuerySet:
    """Every dispute with its review, partner, KPI and the people named on it."""
    return ScorecardDispute.objects.select_related(
        "review__partner", "partner_kpi__kpi", "opened_by", "answered_by", "raised_to_agenda_by"
    ).order_by("-opened_at", "-id")


def with_disputes(reviews: QuerySet, *, user) -> QuerySet:
    """The reviews with their disputes (those `user` may see, oldest first) fetched in one more query."""
    disputes = policy.scope(user, policy.VIEW, all_disputes()).order_by("opened_at", "id")
    return reviews.prefetch_related(Prefetch("disputes", queryset=disputes, to_attr="visible_disputes"))


def with_history(disputes: QuerySet) -> QuerySet:
    """The disputes with their events (oldest first) fetched in one more query."""
    events = ReviewEvent.objects.select_related("user").order_by("at", "id")
    return disputes.prefetch_related(Prefetch("events", queryset=events, to_attr="history"))
