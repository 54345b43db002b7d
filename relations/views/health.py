"""A partner's health score (its parts and its trend), the button that recomputes it, and every
partner's score for host staff. All of them show the stored snapshots (relations.health), the same
figures as the API."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.views import ServiceActionView
from partners.selectors import partner_detail

from .. import health, selectors
from ..models import HealthSnapshot
from .common import PAGE_SIZE


class HealthView(LoginRequiredMixin, TemplateView):
    template_name = "relations/health.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        partner = partner_detail(user=user, pk=self.kwargs["pk"])
        current = selectors.health_current(partner=partner)  # first, so that the trend ends with it
        trend = selectors.health_trend(user=user, partner=partner)
        chart = {
            "labels": [s.month.isoformat() for s in trend],  # ticks in the page's language: static/relations/health.js
            "scores": [s.score for s in trend],
            "label": _("Health score"),
        }
        return super().get_context_data(
            partner=partner,
            score=current.score,
            parts=health.parts_of(current),
            computed_at=current.computed_at,
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


class HealthListView(LoginRequiredMixin, TemplateView):
    """Host staff: every partner's latest stored score, sorted by score or name and paged in SQL
    (the dashboard's health panel shows the lowest ten and links here)."""

    template_name = "relations/health_list.html"

    def get_context_data(self, **kwargs):
        if not policy.is_host(self.request.user):
            raise PermissionDenied
        sort = self.request.GET.get("sort", "score")
        if sort not in selectors.HEALTH_SORTS:
            sort = "score"
        partners = selectors.health_table(user=self.request.user, sort=sort)
        return super().get_context_data(
            page=Paginator(partners, PAGE_SIZE).get_page(self.request.GET.get("page")),
            sort=sort,
            query=f"sort={sort}",
            **kwargs,
        )
