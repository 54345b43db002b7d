"""The monthly scorecard review: accept a month, dispute a figure, the dispute's page with the host's
answer, raising it to the agenda, its evidence file, and the host's list of months under review."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from partnerportal import policy, uploads
from partnerportal.views import HostRequiredMixin, ServiceActionView

from .. import reviews
from ..forms import DisputeAnswerForm, DisputeForm
from ..models import PartnerKPI, ScorecardDispute, ScorecardReview
from .common import KPIFormView


class ReviewAcceptView(ServiceActionView):
    success_message = ""

    def get_object(self):
        return policy.get_object(self.request.user, "accept", ScorecardReview, pk=self.kwargs["pk"])

    def perform(self, obj):
        return reviews.review_accept(user=self.request.user, review=obj)

    def get_success_message(self, obj, result):
        return _("You accepted the scorecard of this month: it is final.")


class DisputeCreateView(KPIFormView):
    template_name = "kpis/dispute_form.html"
    form_class = DisputeForm
    invalid_status = 400

    def setup_view(self):
        self.review = policy.get_object(
            self.request.user, "dispute", ScorecardReview.objects.select_related("partner"), pk=self.kwargs["pk"]
        )

    def get_form_kwargs(self):
        assignments = (
            policy.scope(self.request.user, policy.VIEW, PartnerKPI)
            .filter(partner_id=self.review.partner_id, shared=True)
            .select_related("kpi")
            .order_by("-kpi__is_standard", "kpi__name")
        )
        initial = {}
        if self.request.GET.get("kpi"):
            initial["partner_kpi"] = self.request.GET["kpi"]
        return {"assignments": assignments, "initial": initial}

    def get_context_data(self, **context):
        return super().get_context_data(review=self.review, partner=self.review.partner, **context)

    def perform(self, form):
        data = form.cleaned_data
        return reviews.dispute_open(
            user=self.request.user,
            review=self.review,
            partner_kpi=data["partner_kpi"],
            reason=data["reason"],
            evidence=data.get("evidence"),
            measured_value=data.get("measured_value"),
        )

    def get_success_message(self, result):
        return _("Your dispute was sent to the host.")


class DisputeDetailView(KPIFormView):
    """The dispute's state and history for both sides; host staff answer it here (POST)."""

    template_name = "kpis/dispute_detail.html"
    form_class = DisputeAnswerForm

    def setup_view(self):
        self.dispute = reviews.dispute_detail(user=self.request.user, pk=self.kwargs["pk"])
        if self.request.method == "POST" and not policy.can(self.request.user, "answer", self.dispute):
            raise PermissionDenied

    def get_form_kwargs(self):
        return {"measurements": reviews.month_measurements(self.dispute)}

    def get_context_data(self, **context):
        user = self.request.user
        dispute = self.dispute
        return super().get_context_data(
            dispute=dispute,
            review=dispute.review,
            partner=dispute.review.partner,
            kpi=dispute.partner_kpi.kpi,
            events=list(dispute.events.select_related("user").order_by("at", "id")),
            can_answer=dispute.is_open and policy.can(user, "answer", dispute),
            can_raise=dispute.raised_to_agenda_at is None and policy.can(user, "raise", dispute),
            can_withdraw=dispute.is_open and policy.allows(user, "withdraw", ScorecardDispute),
            **context,
        )

    def perform(self, form):
        data = form.cleaned_data
        if data["outcome"] == DisputeAnswerForm.STANDS:
            return reviews.dispute_stands(user=self.request.user, dispute=self.dispute, answer=data["answer"])
        parts = {name: data.get(name) for name in ("value", "numerator", "denominator", "sample_size")}
        return reviews.dispute_correct(
            user=self.request.user,
            dispute=self.dispute,
            measurement=data.get("measurement"),
            answer=data["answer"],
            **parts,
        )

    def get_success_message(self, result):
        return _("Your answer was saved and sent to the partner.")


class DisputeRaiseView(ServiceActionView):
    def get_object(self):
        return policy.get_object(
            self.request.user, "raise", ScorecardDispute.objects.select_related("review"), pk=self.kwargs["pk"]
        )

    def perform(self, obj):
        return reviews.dispute_raise(user=self.request.user, dispute=obj)

    def get_success_message(self, obj, result):
        return _("The dispute is on the next meeting's agenda.")


class DisputeWithdrawView(ServiceActionView):
    def get_object(self):
        return policy.get_object(
            self.request.user, "withdraw", ScorecardDispute.objects.select_related("review"), pk=self.kwargs["pk"]
        )

    def perform(self, obj):
        return reviews.dispute_withdraw(user=self.request.user, dispute=obj)

    def get_success_message(self, obj, result):
        return _("The dispute was withdrawn.")


class DisputeFileView(LoginRequiredMixin, View):
    """The dispute's evidence file, for both sides, as a download that is never rendered inline."""

    def get(self, request, *args, **kwargs):
        dispute = reviews.dispute_detail(user=request.user, pk=kwargs["pk"])
        if not dispute.evidence:
            raise Http404
        return uploads.download_response(dispute.evidence, dispute.evidence_name)


class ReviewListView(HostRequiredMixin, TemplateView):
    """Host staff: the months under review, the soonest window first, with their open disputes."""

    template_name = "kpis/review_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reviews"] = list(reviews.open_reviews(user=self.request.user)[:200])
        return context


__all__ = [
    "DisputeCreateView",
    "DisputeDetailView",
    "DisputeFileView",
    "DisputeRaiseView",
    "DisputeWithdrawView",
    "ReviewAcceptView",
    "ReviewListView",
]
