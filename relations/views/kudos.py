"""Kudos and successes: thanks people give, and the records the KPI data shows."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.views import ServiceFormView
from partners.selectors import partner_from_picker, partner_picker

from .. import selectors, services
from ..forms import KudosForm
from ..models import Kudos
from .common import partner_filter, require_add


class KudosCreateView(ServiceFormView):
    form_class = KudosForm
    template_name = "relations/form.html"
    success_message = _("Thank you: your kudos was shared.")

    def setup_view(self):
        require_add(self.request.user, Kudos)
        self.partner = partner_filter(self.request)

    def get_form_kwargs(self):
        return {"user": self.request.user, "partner": self.partner}

    def get_context_data(self, **context):
        return {**context, "title": _("Give kudos")}

    def perform(self, form):
        data = form.cleaned_data
        return services.kudos_give(
            user=self.request.user, partner=data["partner"], title=data["title"], message=data["message"]
        )

    def get_success_url(self, kudos):
        return f"{kudos.partner.get_absolute_url()}#section-successes"


class SuccessListView(LoginRequiredMixin, TemplateView):
    template_name = "relations/success_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        pick = partner_from_picker(user=user, params=self.request.GET)
        partner = pick.partner
        items = selectors.successes(user=user, partner=partner, limit=100, per_kind=True)
        return super().get_context_data(
            kudos=[i for i in items if i["kind"] == "kudos"],
            detected=[i for i in items if i["kind"] == "kpi"],
            partner=partner,
            pick=pick,
            several_partners=len(partner_picker(user=user, limit=2)) > 1,
            can_add=policy.allows(user, policy.ADD, Kudos),
            **kwargs,
        )
