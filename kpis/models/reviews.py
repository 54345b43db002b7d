"""The monthly scorecard review: a closed month's scorecard is proposed to the partner, who accepts it or
disputes a figure; the host answers each dispute; an undisputed month becomes final (kpis.reviews)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from partnerportal.fields import LimitedTextField

from .assignments import PartnerKPI


class ReviewState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    DISPUTED = "disputed", _("Disputed")
    FINAL = "final", _("Final")


class DisputeState(models.TextChoices):
    OPEN = "open", pgettext_lazy("dispute", "Open")
    CORRECTED = "corrected", _("Corrected")
    STANDS = "stands", _("The figure stands")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ScorecardReview(models.Model):
    """One partner's scorecard of one closed month, under review until final."""

    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="scorecard_reviews", verbose_name=_("partner")
    )
    month = models.DateField(_("month"))
    state = models.CharField(_("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.PROPOSED)
    proposed_at = models.DateTimeField(_("proposed at"))
    window_ends = models.DateField(_("review window ends"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("final since"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "partner__name"]
        verbose_name = _("scorecard review")
        verbose_name_plural = _("scorecard reviews")
        constraints = [
            models.UniqueConstraint(fields=["partner", "month"], name="kpis_unique_review_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="kpis_review_month_first_day"),
        ]

    def __str__(self):
        return f"{self.partner} · {self.month:%Y-%m} · {self.state}"

    def get_absolute_url(self):
        return reverse("kpis:scorecard", args=[self.partner_id]) + f"?granularity=month&day={self.month:%Y-%m-%d}"

    @property
    def is_final(self) -> bool:
        return self.state == ReviewState.FINAL


def evidence_path(instance, filename):
    # Under MEDIA_ROOT but never linked publicly: downloads go through kpis:dispute_file.
    return f"private/kpis/disputes/{instance.review.partner_id}/{filename}"


class ScorecardDispute(models.Model):
    """A partner's dispute of one figure of a proposed month: a fact-based case in small."""

    review = models.ForeignKey(
        ScorecardReview, on_delete=models.CASCADE, related_name="disputes", verbose_name=_("review")
    )
    partner_kpi = models.ForeignKey(PartnerKPI, on_delete=models.CASCADE, related_name="+", verbose_name=_("KPI"))
    reason = LimitedTextField(_("reason"), max_length=2000)
    evidence = models.FileField(_("evidence file"), upload_to=evidence_path, max_length=300, blank=True)
    evidence_name = models.CharField(_("file name"), max_length=200, blank=True)
    measured_value = models.FloatField(_("your measured value"), null=True, blank=True)
    figure_before = models.FloatField(_("figure when disputed"), null=True, blank=True)
    figure_after = models.FloatField(_("corrected figure"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=DisputeState.choices, default=DisputeState.OPEN)
    answer = LimitedTextField(_("answer"), max_length=2000, blank=True)
    corrected_measurement = models.ForeignKey(
        "kpis.Measurement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("corrected measurement"),
        db_constraint=False,
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    raised_to_agenda_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised to the agenda by"),
    )
    raised_to_agenda_at = models.DateTimeField(_("raised to the agenda at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("scorecard dispute")
        verbose_name_plural = _("scorecard disputes")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(evidence="") | models.Q(measured_value__isnull=False),
                name="kpis_dispute_has_evidence",
            )
        ]

    def __str__(self):
        return f"{self.review} · {self.partner_kpi_id} · {self.state}"

    def get_absolute_url(self):
        return reverse("kpis:dispute", args=[self.pk])

    @property
    def partner_id(self):
        return self.review.partner_id

    @property
    def is_open(self) -> bool:
        return self.state == DisputeState.OPEN


class ReviewEvent(models.Model):
    """The history of a review and its disputes, as both sides see it."""

    class Kind(models.TextChoices):
        PROPOSED = "proposed", _("Proposed for review")
        ACCEPTED = "accepted", _("Accepted")
        DISPUTED = "disputed", _("Figure disputed")
        CORRECTED = "corrected", _("Figure corrected")
        STANDS = "stands", _("Figure stands")
        RAISED = "raised", _("Raised to the next meeting's agenda")
        WITHDRAWN = "withdrawn", _("Dispute withdrawn")
        FINAL = "final", _("Final")
        REOPENED = "reopened", _("Reopened after a correction")

    review = models.ForeignKey(
        ScorecardReview, on_delete=models.CASCADE, related_name="events", verbose_name=_("review")
    )
    dispute = models.ForeignKey(
        ScorecardDispute,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("dispute"),
    )
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=2000, blank=True)
    figure_before = models.FloatField(_("figure before"), null=True, blank=True)
    figure_after = models.FloatField(_("figure after"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("review event")
        verbose_name_plural = _("review events")

    def __str__(self):
        return f"{self.review_id}: {self.kind}"
