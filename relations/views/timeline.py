"""A partner's timeline: what happened in the partnership, newest first."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.views.generic import TemplateView

from partners.selectors import partner_detail

from .. import selectors
from ..models import TimelineCategory
from .common import PAGE_SIZE


class TimelineView(LoginRequiredMixin, TemplateView):
    template_name = "relations/timeline.html"

    def get_context_data(self, **kwargs):
        partner = partner_detail(user=self.request.user, pk=self.kwargs["pk"])
        chosen = [c for c in self.request.GET.getlist("category") if c in TimelineCategory.values]
        events = selectors.timeline(user=self.request.user, partner=partner, categories=chosen)
        return super().get_context_data(
            partner=partner,
            page=Paginator(events, PAGE_SIZE).get_page(self.request.GET.get("page")),
            categories=TimelineCategory.choices,
            chosen=chosen,
            query="&".join(f"category={c}" for c in chosen),
            **kwargs,
        )
