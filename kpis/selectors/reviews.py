"""Reads of the monthly scorecard review (kpis.reviews) for the apps above: which months are final, and the
review state of each month, so the health score, the exports and agreements' reviews count on final months
and show the state of the others instead of silently mixing them in."""

from __future__ import annotations

from datetime import date

from ..models import ReviewState, ScorecardReview


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
