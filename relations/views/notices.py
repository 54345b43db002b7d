"""Notices: what one side tells the other ahead of a delay, a closure or an outage."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.views import ServiceFormView

from .. import selectors, services
from ..forms import NoticeForm
from ..models import Notice, NoticeKind
from .common import (
    ObjectButtonView,
    PagedListView,
    choice_filter,
    partner_filter,
    require_add,
)


class NoticeListView(PagedListView):
    template_name = "relations/notice_list.html"
    model = Notice

    def listing(self, partner):
        user = self.request.user
        kind = choice_filter(self.request, "kind", NoticeKind)
        notices = selectors.notice_list(user=user, partner=partner, kind=kind)
        stats = selectors.notice_stats(user=user, partner=partner)
        return notices, {"kind": kind, "kinds": NoticeKind.choices, "stats": stats}


class NoticeCreateView(ServiceFormView):
    form_class = NoticeForm
    template_name = "relations/form.html"
    success_message = _("The notice was posted and the other side was notified.")

    def setup_view(self):
        require_add(self.request.user, Notice)
        self.partner = partner_filter(self.request)

    def get_form_kwargs(self):
        return {"user": self.request.user, "partner": self.partner}

    def get_context_data(self, **context):
        return {**context, "title": _("Post a notice")}

    def perform(self, form):
        data = form.cleaned_data
        return services.notice_post(
            user=self.request.user,
            partner=data["partner"],
            kind=data["kind"],
            severity=data["severity"],
            title=data["title"],
            affected_from=data["affected_from"],
            affected_until=data["affected_until"],
            description=data["description"],
            mitigation=data["mitigation"],
        )


class NoticeDetailView(LoginRequiredMixin, TemplateView):
    template_name = "relations/notice_detail.html"

    def get_context_data(self, **kwargs):
        notice = selectors.notice_detail(user=self.request.user, pk=self.kwargs["pk"])
        can_ack = notice.acknowledged_at is None and policy.can(self.request.user, "acknowledge", notice)
        return super().get_context_data(notice=notice, can_ack=can_ack, **kwargs)


class NoticeAcknowledgeView(ObjectButtonView):
    model = Notice
    policy_action = policy.CHANGE
    success_message = _("You acknowledged the notice.")

    def perform(self, notice):
        return services.notice_acknowledge(user=self.request.user, notice=notice)
