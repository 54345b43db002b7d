"""The monthly scorecard review (issue 18).

When a month closes, each partner's scorecard of it is *proposed* (`propose_closed_month`, daily via
beat). The partner's managers have `settings.SCORECARD_REVIEW_DAYS` days (the window) to accept it or
to dispute a figure with a reason and evidence (a file or their own measured value). The host answers a
dispute with a correction (through the measurement write path, so the history is kept and the rollup
refreshed) or explains why the figure stands; either side may raise a dispute to the next meeting's
agenda. Accepting makes the month final at once; otherwise, after the window, a month without an open
dispute becomes final (`finalise_due`). A correction of a final month, by any path, reopens its review
with a new window and notifies both sides (`reopen_corrected`, on `kpis.signals.rollup_refreshed`).

A month with no data at all for the partner is not proposed: it shows "no data", never a 0 or 100 %.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import policy, uploads
from partnerportal.notifications.services import notify
from partners.selectors import people_of, portal_users

from . import periods
from .aggregation import aggregate
from .models import (
    DisputeState,
    Measurement,
    MonthlyRollup,
    PartnerKPI,
    PeriodKind,
    ReviewEvent,
    ReviewState,
    ScorecardDispute,
    ScorecardReview,
    Source,
)
from .selectors.reviews import final_months, raised_disputes, review_states  # noqa: F401 - offered here too

KIND_PROPOSED = "kpis.review_proposed"
KIND_DISPUTED = "kpis.review_disputed"
KIND_ANSWERED = "kpis.dispute_answered"
KIND_REOPENED = "kpis.review_reopened"

EVIDENCE_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "xlsx", "csv", "txt")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def review_days() -> int:
    return settings.SCORECARD_REVIEW_DAYS


def last_closed_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_figure(partner_kpi: PartnerKPI, month: date) -> float | None:
    """The month's figure of one partner KPI, exactly as the scorecard aggregates it (None: no data)."""
    kpi = partner_kpi.kpi
    end = periods.period_end("month", month)
    values = aggregate(
        kpis={kpi.pk: kpi}, start=month, end=end, partner_ids=[partner_kpi.partner_id], granularity="month"
    )
    return values.get((partner_kpi.partner_id, kpi.pk, month))


def _event(review, kind, *, user=None, dispute=None, note="", before=None, after=None):
    return ReviewEvent.objects.create(
        review=review, dispute=dispute, kind=kind, user=user, note=note[:2000], figure_before=before, figure_after=after
    )


def _partner_managers(partner):
    return list(people_of(organization=partner, who=policy.partner_managers()))


def _host_managers():
    return list(portal_users(policy.warehouse_managers()))


def _notify(recipients, *, kind, key, template, review, dispute=None, url=None):
    target = dispute or review
    return notify(
        recipients=recipients,
        kind=kind,
        key=key,
        template=template,
        context={
            "partner": review.partner,
            "month": review.month,
            "review": review,
            "dispute": dispute,
            "url": settings.SITE_URL + target.get_absolute_url() if url is None else url,
        },
        url=target.get_absolute_url(),
        partner=review.partner,
    )


# --- The daily task ------------------------------------------------------------------------------


def propose_closed_month(*, today: date | None = None) -> int:
    """Propose the last closed month's scorecard to every active partner with shared KPIs and data in it.

    Idempotent and safe to run twice or at once: one review per (partner, month) (a unique constraint;
    get_or_create), and the notification keyed by the review. Returns how many were proposed now."""
    today = today or timezone.localdate()
    month = last_closed_month(today)
    shared = PartnerKPI.objects.filter(partner=OuterRef("partner"), kpi=OuterRef("kpi"), shared=True)
    partner_ids = set(
        MonthlyRollup.objects.filter(month=month, partner__is_active=True)
        .filter(Exists(shared))
        .values_list("partner_id", flat=True)
        .distinct()
    )
    proposed = 0
    for partner_id in sorted(partner_ids):
        with transaction.atomic():
            review, created = ScorecardReview.objects.get_or_create(
                partner_id=partner_id,
                month=month,
                defaults={"proposed_at": timezone.now(), "window_ends": today + timedelta(days=review_days())},
            )
            if not created:
                continue
            proposed += 1
            _event(review, ReviewEvent.Kind.PROPOSED)
            _notify(
                _partner_managers(review.partner),
                kind=KIND_PROPOSED,
                key=f"kpi-review-proposed:{review.pk}",
                template="kpis/email/review_proposed",
                review=review,
            )
    return proposed


def finalise_due(*, today: date | None = None) -> int:
    """Make final every proposed month whose window has passed and that has no open dispute."""
    today = today or timezone.localdate()
    open_dispute = ScorecardDispute.objects.filter(review=OuterRef("pk"), state=DisputeState.OPEN)
    due = ScorecardReview.objects.filter(state=ReviewState.PROPOSED, window_ends__lt=today).exclude(
        Exists(open_dispute)
    )
    count = 0
    for review_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            review = ScorecardReview.objects.select_for_update().get(pk=review_id)
            if review.state != ReviewState.PROPOSED or review.disputes.filter(state=DisputeState.OPEN).exists():
                continue
            review.state = ReviewState.FINAL
            review.finalised_at = timezone.now()
            review.save(update_fields=["state", "finalised_at"])
            _event(review, ReviewEvent.Kind.FINAL, note=_("The review window ended without an open dispute."))
            count += 1
    return count


def run_daily(*, today: date | None = None) -> dict:
    return {"proposed": propose_closed_month(today=today), "finalised": finalise_due(today=today)}


# --- The partner's decisions ---------------------------------------------------------------------


def _locked(review) -> ScorecardReview:
    return ScorecardReview.objects.select_for_update().select_related("partner").get(pk=review.pk)


def review_accept(*, user, review: ScorecardReview) -> ScorecardReview:
    """The partner accepts the month as it stands: final at once."""
    with transaction.atomic():
        review = _locked(review)
        policy.require(user, "accept", review)
        if review.state == ReviewState.FINAL:
            raise ValidationError(_("This month is final already."))
        if review.disputes.filter(state=DisputeState.OPEN).exists():
            raise ValidationError(_("A dispute of this month is still open: the host answers it first."))
        now = timezone.now()
        review.state = ReviewState.FINAL
        review.decided_by, review.decided_at, review.finalised_at = user, now, now
        review.save(update_fields=["state", "decided_by", "decided_at", "finalised_at"])
        _event(review, ReviewEvent.Kind.ACCEPTED, user=user)
    return review


def validate_evidence(uploaded) -> str:
    """An evidence file's type (extension and content) and size; returns its clean name."""
    return uploads.validate_file(uploaded, extensions=EVIDENCE_EXTENSIONS, max_bytes=EVIDENCE_MAX_BYTES)


def dispute_open(
    *, user, review: ScorecardReview, partner_kpi: PartnerKPI, reason: str, evidence=None, measured_value=None
) -> ScorecardDispute:
    """The partner disputes one figure of a proposed month, with a reason and evidence."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the figure is wrong.")
    if evidence is None and measured_value is None:
        errors["evidence"] = _("Add evidence: a file or your own measured value.")
    if evidence is not None:
        try:
            evidence_name = validate_evidence(evidence)
        except ValidationError as exc:
            errors["evidence"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        review = _locked(review)
        policy.require(user, "dispute", review)
        if review.state == ReviewState.FINAL:
            raise ValidationError(_("This month is final: it can no longer be disputed."))
        if review.window_ends < timezone.localdate():
            raise ValidationError(_("The review window of this month has ended."))
        if partner_kpi.partner_id != review.partner_id or not partner_kpi.shared:
            raise ValidationError({"partner_kpi": _("Choose one of the KPIs of this scorecard.")})
        dispute = ScorecardDispute(
            review=review,
            partner_kpi=partner_kpi,
            reason=reason,
            measured_value=measured_value,
            figure_before=month_figure(partner_kpi, review.month),
            opened_by=user,
        )
        if evidence is not None:
            dispute.evidence_name = evidence_name
            dispute.evidence.save(evidence_name, evidence, save=False)
        dispute.save()
        review.state = ReviewState.DISPUTED
        review.save(update_fields=["state"])
        _event(review, ReviewEvent.Kind.DISPUTED, user=user, dispute=dispute, note=reason, before=dispute.figure_before)
        _notify(
            _host_managers(),
            kind=KIND_DISPUTED,
            key=f"kpi-dispute-opened:{dispute.pk}",
            template="kpis/email/review_disputed",
            review=review,
            dispute=dispute,
        )
    return dispute


# --- The host's answers --------------------------------------------------------------------------


def _answerable(user, dispute) -> ScorecardDispute:
    dispute = (
        ScorecardDispute.objects.select_for_update().select_related("review", "partner_kpi__kpi").get(pk=dispute.pk)
    )
    policy.require(user, "answer", dispute)
    if dispute.state != DisputeState.OPEN:
        raise ValidationError(_("This dispute has been answered already."))
    return dispute


def _after_answer(user, dispute, kind, note):
    review = _locked(dispute.review)
    dispute.review = review
    if review.state == ReviewState.DISPUTED and not review.disputes.filter(state=DisputeState.OPEN).exists():
        # Answered: the partner has a whole review window again to read the answer, then accept or dispute.
        review.state = ReviewState.PROPOSED
        review.window_ends = max(review.window_ends, timezone.localdate() + timedelta(days=review_days()))
        review.save(update_fields=["state", "window_ends"])
    _event(
        review, kind, user=user, dispute=dispute, note=note, before=dispute.figure_before, after=dispute.figure_after
    )
    _notify(
        _partner_managers(review.partner),
        kind=KIND_ANSWERED,
        key=f"kpi-dispute-answered:{dispute.pk}",
        template="kpis/email/dispute_answered",
        review=review,
        dispute=dispute,
    )


def month_measurements(dispute: ScorecardDispute):
    """The stored values of the disputed KPI in the disputed month (what a correction may change)."""
    month = dispute.review.month
    return (
        Measurement.objects.filter(
            partner_id=dispute.review.partner_id,
            kpi_id=dispute.partner_kpi.kpi_id,
            period_start__gte=month,
            period_start__lte=periods.period_end("month", month),
        )
        .select_related("site")
        .order_by("period_start", "site_id")
    )


def dispute_correct(*, user, dispute: ScorecardDispute, measurement: Measurement | None, answer: str, **parts):
    """The host corrects the disputed figure: one stored value of the month changed through the one write
    path (`measurement_upsert`: same checks, history kept, rollup refreshed), or, where the month has no
    value, one monthly value added. `parts`: value / numerator / denominator / sample_size."""
    from .services import measurement_upsert

    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Say what was corrected.")})
    if all(parts.get(name) is None for name in ("value", "numerator", "denominator")):
        raise ValidationError({"value": _("Give the corrected figure: a value, or its numerator and denominator.")})
    with transaction.atomic():
        dispute = _answerable(user, dispute)
        review = dispute.review
        if measurement is not None:
            if not month_measurements(dispute).filter(pk=measurement.pk).exists():
                raise ValidationError({"measurement": _("Choose one of this month's values of the disputed KPI.")})
            key = {
                "period_kind": measurement.period_kind,
                "period_start": measurement.period_start,
                "site": measurement.site,
            }
        else:
            key = {"period_kind": PeriodKind.MONTH, "period_start": review.month, "site": None}
        corrected, _status = measurement_upsert(
            user=user, partner=review.partner, kpi=dispute.partner_kpi.kpi, source=Source.FORM, **key, **parts
        )
        dispute.corrected_measurement = corrected
        dispute.figure_after = month_figure(dispute.partner_kpi, review.month)
        dispute.state = DisputeState.CORRECTED
        dispute.answer, dispute.answered_by, dispute.answered_at = answer, user, timezone.now()
        dispute.save()
        _after_answer(user, dispute, ReviewEvent.Kind.CORRECTED, answer)
    return dispute


def dispute_stands(*, user, dispute: ScorecardDispute, answer: str) -> ScorecardDispute:
    """The host explains why the figure stands."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Explain why the figure stands.")})
    with transaction.atomic():
        dispute = _answerable(user, dispute)
        dispute.state = DisputeState.STANDS
        dispute.figure_after = dispute.figure_before
        dispute.answer, dispute.answered_by, dispute.answered_at = answer, user, timezone.now()
        dispute.save()
        _after_answer(user, dispute, ReviewEvent.Kind.STANDS, answer)
    return dispute


def dispute_raise(*, user, dispute: ScorecardDispute) -> ScorecardDispute:
    """Either side puts the dispute on the next meeting's agenda (once; who and when are kept)."""
    with transaction.atomic():
        dispute = ScorecardDispute.objects.select_for_update().select_related("review").get(pk=dispute.pk)
        policy.require(user, "raise", dispute)
        if dispute.raised_to_agenda_at is not None:
            raise ValidationError(_("This dispute is on the next meeting's agenda already."))
        dispute.raised_to_agenda_by, dispute.raised_to_agenda_at = user, timezone.now()
        dispute.save(update_fields=["raised_to_agenda_by", "raised_to_agenda_at"])
        _event(dispute.review, ReviewEvent.Kind.RAISED, user=user, dispute=dispute)
    return dispute


def dispute_withdraw(*, user, dispute: ScorecardDispute) -> ScorecardDispute:
    """The partner withdraws an open dispute (the figure is fine after all); the month may then be accepted."""
    with transaction.atomic():
        dispute = ScorecardDispute.objects.select_for_update().select_related("review").get(pk=dispute.pk)
        policy.require(user, "withdraw", dispute)
        if dispute.state != DisputeState.OPEN:
            raise ValidationError(_("This dispute has been answered already."))
        dispute.state = DisputeState.WITHDRAWN
        dispute.save(update_fields=["state"])
        review = _locked(dispute.review)
        if review.state == ReviewState.DISPUTED and not review.disputes.filter(state=DisputeState.OPEN).exists():
            review.state = ReviewState.PROPOSED
            review.save(update_fields=["state"])
        _event(review, ReviewEvent.Kind.WITHDRAWN, user=user, dispute=dispute)
    return dispute


# --- Corrections of final months -----------------------------------------------------------------


def reopen_corrected(keys) -> int:
    """Reopen the final reviews of the (partner_id, kpi_id, month) keys just recomputed: a new window,
    and both sides told. Called on `rollup_refreshed` (every write path: form, import, API, loader)."""
    pairs = {(partner_id, month.replace(day=1)) for partner_id, _kpi, month in keys}
    if not pairs:
        return 0
    candidates = ScorecardReview.objects.filter(
        state=ReviewState.FINAL,
        partner_id__in={p for p, _m in pairs},
        month__in={m for _p, m in pairs},
    ).select_related("partner")
    reopened = 0
    today = timezone.localdate()
    for review in candidates:
        if (review.partner_id, review.month) not in pairs:
            continue
        review.state = ReviewState.PROPOSED
        review.proposed_at = timezone.now()
        review.window_ends = today + timedelta(days=review_days())
        review.finalised_at = review.decided_at = review.decided_by = None
        review.save(update_fields=["state", "proposed_at", "window_ends", "finalised_at", "decided_at", "decided_by"])
        _event(review, ReviewEvent.Kind.REOPENED)
        _notify(
            [*_partner_managers(review.partner), *_host_managers()],
            kind=KIND_REOPENED,
            key=f"kpi-review-reopened:{review.pk}:{review.proposed_at.isoformat()}",
            template="kpis/email/review_reopened",
            review=review,
        )
        reopened += 1
    return reopened


def _rollup_refreshed(sender, keys, **kwargs):
    reopen_corrected(keys)


# --- Reads -----------------------------------------------------------------------------------------


def review_for(*, user, partner, month: date) -> ScorecardReview | None:
    return (
        policy.scope(user, policy.VIEW, ScorecardReview)
        .filter(partner=partner, month=month)
        .select_related("decided_by")
        .first()
    )


def review_detail(*, user, pk) -> ScorecardReview:
    return policy.get_object(user, policy.VIEW, ScorecardReview.objects.select_related("partner"), pk=pk)


def dispute_detail(*, user, pk) -> ScorecardDispute:
    return policy.get_object(
        user,
        policy.VIEW,
        ScorecardDispute.objects.select_related(
            "review__partner", "partner_kpi__kpi", "opened_by", "answered_by", "raised_to_agenda_by"
        ),
        pk=pk,
    )


def disputes_of(*, user, review) -> list[ScorecardDispute]:
    return list(
        policy.scope(user, policy.VIEW, ScorecardDispute)
        .filter(review=review)
        .select_related("partner_kpi__kpi", "opened_by")
        .order_by("opened_at", "id")
    )


def open_reviews(*, user):
    """The host's list: months under review (proposed or disputed), with their open disputes counted."""
    from django.db.models import Count

    return (
        policy.scope(user, policy.VIEW, ScorecardReview)
        .exclude(state=ReviewState.FINAL)
        .select_related("partner")
        .annotate(open_disputes=Count("disputes", filter=Q(disputes__state=DisputeState.OPEN)))
        .order_by("window_ends", "partner__name")
    )
