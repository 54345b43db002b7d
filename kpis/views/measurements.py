"""A partner's measurements: the list, the entry form and the exports (measurements, scorecard)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from partnerportal import policy
from partners import selectors as partner_selectors

from .. import exports, selectors, services
from ..forms import MeasurementForm
from ..models import Measurement, Source
from .common import KPIFormView, export_format, parse_day


class MeasurementListView(LoginRequiredMixin, TemplateView):
    template_name = "kpis/measurement_list.html"

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context_data(**kwargs)
        user = self.request.user
        partner = partner_selectors.partner_detail(user=user, pk=self.kwargs["partner_pk"])
        qs = selectors.measurements_for(user=user, partner=partner)
        code = self.request.GET.get("kpi")
        if code:
            qs = qs.filter(kpi__code=code)
        page = Paginator(qs, 50).get_page(self.request.GET.get("page"))
        context.update(
            partner=partner,
            page_obj=page,
            query=urlencode({"kpi": code}) if code else "",
            measurements=page.object_list,
            assignments=selectors.visible_partner_kpis(user=user, partner=partner),
            can_add=_submittable(user, partner).exists(),
        )
        return context


def _submittable(user, partner):
    return policy.scope(user, "submit", selectors.visible_partner_kpis(user=user, partner=partner))


class MeasurementCreateView(KPIFormView):
    template_name = "kpis/measurement_form.html"
    form_class = MeasurementForm

    def setup_view(self):
        user = self.request.user
        self.partner = partner_selectors.partner_detail(
            user=user, pk=self.kwargs["partner_pk"]
        )  # 404 out of reach first
        if not policy.allows(user, policy.ADD, Measurement):
            raise PermissionDenied
        self.assignments = list(_submittable(user, self.partner))
        if not self.assignments:
            raise PermissionDenied

    def get_form_kwargs(self):
        return {"assignments": self.assignments, "partner": self.partner}

    def get_context_data(self, **context):
        return super().get_context_data(partner=self.partner, assignments=self.assignments, **context)

    def perform(self, form):
        _measurement, status = services.measurement_upsert(
            user=self.request.user, partner=self.partner, source=Source.FORM, **form.cleaned_data
        )
        return status

    def get_success_message(self, status):
        return {
            "created": _("The measurement was saved."),
            "updated": _("The measurement was corrected; the earlier value is kept in its history."),
            "unchanged": _("The same value was already recorded; nothing changed."),
        }[status]

    def get_success_url(self, status):
        return reverse("kpis:measurements", kwargs={"partner_pk": self.partner.pk})


# --- exports ----------------------------------------------------------------------------------


class MeasurementExportView(LoginRequiredMixin, View):
    def get(self, request, partner_pk):
        partner = partner_selectors.partner_detail(user=request.user, pk=partner_pk)
        fmt = export_format(request)
        qs = selectors.measurements_for(
            user=request.user,
            partner=partner,
            start=parse_day(request.GET.get("start")),
            end=parse_day(request.GET.get("end")),
        )
        return exports.measurements_response(qs, fmt=fmt, filename=f"measurements-{partner.pk}")


class ScorecardExportView(LoginRequiredMixin, View):
    def get(self, request, partner_pk):
        partner = partner_selectors.partner_detail(user=request.user, pk=partner_pk)
        fmt = export_format(request)
        card = selectors.scorecard(
            user=request.user,
            partner=partner,
            granularity=request.GET.get("granularity", "month"),
            day=parse_day(request.GET.get("day")),
        )
        return exports.scorecard_response(card, fmt=fmt, filename=f"scorecard-{partner.pk}-{card.label}")
