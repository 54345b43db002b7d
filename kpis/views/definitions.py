"""KPI definitions, their assignment to partners and the targets of an assignment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from partnerportal import policy
from partnerportal.views import AdminRequiredMixin, HostRequiredMixin
from partners import selectors as partner_selectors

from .. import selectors, services
from ..forms import DefinitionForm, PartnerKPIForm, TargetForm
from ..models import KPIDefinition
from .common import KPIFormView

# --- definitions ------------------------------------------------------------------------------


class DefinitionListView(LoginRequiredMixin, TemplateView):
    template_name = "kpis/definition_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["definitions"] = selectors.definitions_for(user=self.request.user)
        context["can_edit"] = policy.allows(self.request.user, policy.CHANGE, KPIDefinition)
        return context


class DefinitionFormView(AdminRequiredMixin, FormView):
    template_name = "kpis/definition_form.html"
    form_class = DefinitionForm

    def get_object(self):
        pk = self.kwargs.get("pk")
        return selectors.definition_for(user=self.request.user, pk=pk, action=policy.CHANGE) if pk else None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_object()
        return kwargs

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("The KPI definition was saved."))
        return redirect("kpis:definitions")


# --- assignments and targets ------------------------------------------------------------------


class PartnerKPIsView(HostRequiredMixin, TemplateView):
    about_model = partner_selectors.all_organizations()
    about_kwarg = "partner_pk"
    template_name = "kpis/partner_kpis.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner = partner_selectors.partner_detail(user=self.request.user, pk=self.kwargs["partner_pk"])
        assignments = list(selectors.visible_partner_kpis(user=self.request.user, partner=partner))
        in_force = selectors.targets_in_force([a.pk for a in assignments], timezone.localdate())
        history = {}
        for target in selectors.partner_target_history(user=self.request.user, partner=partner):
            history.setdefault(target.partner_kpi_id, []).append(target)
        context.update(
            partner=partner,
            rows=[
                {"assignment": a, "target": in_force.get(a.pk), "history": history.get(a.pk, [])} for a in assignments
            ],
        )
        return context


class PartnerKPIFormView(KPIFormView, HostRequiredMixin):
    template_name = "kpis/partner_kpi_form.html"
    form_class = PartnerKPIForm
    success_message = gettext_lazy("The KPI assignment was saved.")

    def setup_view(self):
        if "pk" in self.kwargs:
            self.object = selectors.partner_kpi_for(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)
            self.partner = self.object.partner
        else:
            self.object = None
            self.partner = partner_selectors.partner_detail(user=self.request.user, pk=self.kwargs["partner_pk"])

    def get_form_kwargs(self):
        return {"instance": self.object, "partner": self.partner}

    def get_context_data(self, **context):
        return super().get_context_data(partner=self.partner, object=self.object, **context)

    def perform(self, form):
        return services.partner_kpi_save(user=self.request.user, partner_kpi=form.instance)

    def get_success_url(self, result):
        return reverse("kpis:partner_kpis", kwargs={"partner_pk": self.partner.pk})


class TargetCreateView(KPIFormView, HostRequiredMixin):
    template_name = "kpis/target_form.html"
    form_class = TargetForm
    success_message = gettext_lazy("The target was saved; the previous one is kept in the history.")

    def setup_view(self):
        self.assignment = selectors.partner_kpi_for(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)

    def get_form_kwargs(self):
        return {"initial": {"valid_from": timezone.localdate()}}

    def get_context_data(self, **context):
        return super().get_context_data(assignment=self.assignment, **context)

    def perform(self, form):
        return services.target_set(user=self.request.user, partner_kpi=self.assignment, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("kpis:partner_kpis", kwargs={"partner_pk": self.assignment.partner_id})
