"""A partner's health score (its parts and its trend) and the button that recomputes it."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.views import ServiceActionView
from partners.selectors import partner_detail

from .. import health, selectors
from ..models import HealthSnapshot


class HealthView(LoginRequiredMixin, TemplateView):
    template_name = "relations/health.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        partner = partner_detail(user=user, pk=self.kwargs["pk"])
        score, parts = selectors.health_now(partner=partner)
        trend = selectors.health_trend(user=user, partner=partner)
        chart = {
            "labels": [s.month.isoformat() for s in trend],  # ticks in the page's language: static/relations/health.js
            "scores": [s.score for s in trend],
            "label": _("Health score"),
        }
        return super().get_context_data(
            partner=partner,
            score=score,
            parts=parts,
            trend=trend,
            chart=chart,
            formula=health.__doc__,
            can_recompute=policy.allows(user, "recompute", HealthSnapshot),
            **kwargs,
        )


class HealthRecomputeView(ServiceActionView):
    success_message = gettext_lazy("The health score of the last 12 months was recomputed.")

    def get_object(self):
        partner = partner_detail(user=self.request.user, pk=self.kwargs["pk"])
        if not policy.allows(self.request.user, "recompute", HealthSnapshot):
            raise PermissionDenied
        return partner

    def perform(self, partner):
        return health.snapshot_last_months(partner)

    def get_success_url(self, partner, result):
        return reverse("relations:health", kwargs={"pk": partner.pk})
