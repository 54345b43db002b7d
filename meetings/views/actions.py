"""Action item pages: the lists (everyone's and one's own), one item with its status, adding one."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.views import ServiceFormView
from partners.selectors import partner_detail, partner_from_picker

from .. import selectors, services
from ..forms import ActionItemForm, ActionStatusForm
from ..models import ActionItem

STATES = ("open", "overdue", "done", "all")


class ActionListView(LoginRequiredMixin, TemplateView):
    """The action items the user may see (`mine`: the ones they own), by state and search."""

    template_name = "meetings/action_list.html"
    mine = False

    def get_context_data(self, **kwargs):
        user, query = self.request.user, self.request.GET
        state = query.get("state", "open")
        if state not in STATES:
            state = "open"
        pick = None if self.mine else partner_from_picker(user=user, params=query)
        partner = pick.partner if pick else None
        items = selectors.action_items(
            user=user,
            partner=partner,
            owner=user if self.mine else None,
            state="" if state == "all" else state,
            search=query.get("q", "").strip(),
        )
        page = Paginator(items, 50).get_page(query.get("page"))
        return super().get_context_data(
            page_obj=page,
            items=page.object_list,
            mine=self.mine,
            state=state,
            q=query.get("q", ""),
            partner=partner,
            pick=pick,
            overview=selectors.action_overview(user=user) if not self.mine and partner is None else None,
            today=timezone.localdate(),
            **kwargs,
        )


class MyActionsView(ActionListView):
    mine = True


class ActionDetailView(ServiceFormView):
    """One action item; its owner (or host staff) moves it on with the status form."""

    form_class = ActionStatusForm
    template_name = "meetings/action_detail.html"
    success_message = _("The action item was updated.")

    def setup_view(self):
        self.item = selectors.action_item_detail(user=self.request.user, pk=self.kwargs["pk"])
        self.can_update = policy.can(self.request.user, "set_status", self.item)

    def get_form_kwargs(self):
        return {"user": self.request.user, "initial": {"status": self.item.status}}

    def get_context_data(self, **context):
        return {"item": self.item, "can_update": self.can_update, "today": timezone.localdate(), **context}

    def post(self, request, *args, **kwargs):
        if not self.can_update:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        return services.action_item_set_status(
            user=self.request.user, item=self.item, status=form.cleaned_data["status"]
        )


class ActionCreateView(ServiceFormView):
    """Host staff add an action item for a partner (`?meeting=`: one of that partner's meetings)."""

    form_class = ActionItemForm
    template_name = "meetings/action_form.html"
    success_message = _("The action item was added.")

    def setup_view(self):
        user = self.request.user
        self.partner = partner_detail(user=user, pk=self.kwargs["partner_pk"])
        if not policy.allows(user, policy.ADD, ActionItem):
            raise PermissionDenied
        meeting_pk = self.request.GET.get("meeting") or self.request.POST.get("meeting")
        self.meeting = None
        if meeting_pk and str(meeting_pk).isdigit():
            self.meeting = selectors.partner_meeting(partner=self.partner, pk=meeting_pk)

    def get_form_kwargs(self):
        return {"partner": self.partner, "prefix": "action"}

    def get_context_data(self, **context):
        return {"partner": self.partner, "meeting": self.meeting, **context}

    def perform(self, form):
        user = self.request.user
        return services.action_item_create(user=user, partner=self.partner, meeting=self.meeting, **form.cleaned_data)

    def get_success_url(self, result):
        return (self.meeting or result).get_absolute_url()
