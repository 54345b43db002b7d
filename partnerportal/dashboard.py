"""The host staff's start page: panels contributed by the apps through `hub.dashboard_panel`."""

from django.views.generic import TemplateView

from partnerportal import hub
from partnerportal.views import HostRequiredMixin


class DashboardView(HostRequiredMixin, TemplateView):
    template_name = "dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = hub.dashboard_panels_for(self.request)
        return context
