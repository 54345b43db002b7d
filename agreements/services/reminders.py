"""Reminders of pending signatures and of agreements due for review (the periodic tasks)."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kpis import selectors as kpi_selectors
from partnerportal.notifications.services import notify

from ..models import AgreementVersion, VersionStatus
from .base import KIND_REVIEW, KIND_SIGNATURE
from .signatories import review_owners, signatories_pending
from .signoff import _round, _sign_context


def remind_pending_signatures(*, now=None, after_days: int | None = None) -> int:
    """Remind the sides that have not signed a version sent more than `after_days` ago (once)."""
    now = now or timezone.now()
    after_days = after_days if after_days is not None else settings.AGREEMENT_SIGNATURE_REMINDER_DAYS
    count = 0
    due = AgreementVersion.objects.filter(
        status=VersionStatus.IN_REVIEW, sent_at__lte=now - timedelta(days=after_days)
    ).select_related("agreement__partner")
    for version in due:
        count += len(
            notify(
                recipients=signatories_pending(version),
                kind=KIND_SIGNATURE,
                key=f"agreement:{version.pk}:sign:{_round(version)}:reminder:{after_days}d",
                template="agreements/email/sign_reminder",
                context={**_sign_context(version), "days": after_days},
                url=reverse("agreements:version", args=[version.pk]),
                partner=version.agreement.partner,
            )
        )
    return count


def _scorecard_months(version, today) -> dict:
    """How many of the closed months since the version took effect are final (kpis' monthly scorecard
    review): the review goes through agreed figures, and says so where some are still under review."""
    start = version.effective_from or (timezone.localdate(version.activated_at) if version.activated_at else None)
    if start is None:
        return {}
    final, closed = kpi_selectors.finality(partner_id=version.agreement.partner_id, start=start, end=today, today=today)
    return {"final_months": final, "closed_months": closed} if closed else {}


def remind_reviews(*, today=None, weeks_before: int | None = None) -> int:
    """Tell the owners of each side `weeks_before` weeks ahead that an agreement is due for review."""
    today = today or timezone.localdate()
    weeks_before = weeks_before if weeks_before is not None else settings.AGREEMENT_REVIEW_REMINDER_WEEKS
    count = 0
    due = AgreementVersion.objects.filter(
        status=VersionStatus.ACTIVE,
        review_date__gte=today,
        review_date__lte=today + timedelta(weeks=weeks_before),
    ).select_related("agreement__partner")
    for version in due:
        count += len(
            notify(
                recipients=review_owners(version),
                kind=KIND_REVIEW,
                key=f"agreement:{version.pk}:review:{version.review_date.isoformat()}:{weeks_before}w",
                template="agreements/email/review_due",
                context={**_sign_context(version), "weeks": weeks_before, **_scorecard_months(version, today)},
                url=reverse("agreements:version", args=[version.pk]),
                partner=version.agreement.partner,
            )
        )
    return count
