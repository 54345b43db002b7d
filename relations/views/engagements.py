"""Engagements: visits, workshops and reviews with a partner, with their notes and files."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.views import PolicyMixin, ServiceFormView

from .. import selectors, services
from ..forms import EngagementForm, FileForm
from ..models import Engagement, EngagementFile
from .common import (
    DownloadView,
    ObjectButtonView,
    PagedListView,
    partner_filter,
    require_add,
)


class EngagementListView(PagedListView):
    template_name = "relations/engagement_list.html"
    model = Engagement

    def listing(self, partner):
        return selectors.engagement_list(user=self.request.user, partner=partner), {}


class EngagementCreateView(ServiceFormView):
    """Plan an engagement (`?partner=` chooses the partner); EngagementEditView changes one."""

    form_class = EngagementForm
    template_name = "relations/form.html"
    success_message = _("The engagement was saved.")
    engagement = None

    def setup_view(self):
        require_add(self.request.user, Engagement)
        self.partner = partner_filter(self.request)

    def get_form_kwargs(self):
        return {"instance": self.engagement, "user": self.request.user, "partner": self.partner}

    def get_context_data(self, **context):
        # An edited engagement's title as the validated form left it: a refused edit shows what was typed.
        title = self.engagement.title if self.engagement else _("Plan an engagement")
        return {**context, "title": title, "back": self.engagement}

    def perform(self, form):
        return services.engagement_save(
            user=self.request.user, engagement=form.save(commit=False), participants=form.cleaned_data["participants"]
        )


class EngagementEditView(PolicyMixin, EngagementCreateView):
    model = Engagement
    policy_action = policy.CHANGE
    pk_url_kwarg = "pk"

    def setup_view(self):
        self.engagement = self.get_object()
        self.partner = self.engagement.partner


class EngagementDetailView(LoginRequiredMixin, TemplateView):
    template_name = "relations/engagement_detail.html"

    def get_context_data(self, **kwargs):
        engagement = selectors.engagement_detail(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            engagement=engagement,
            can_change=policy.can(self.request.user, policy.CHANGE, engagement),
            file_form=FileForm(),
            **kwargs,
        )


class EngagementFileUploadView(ObjectButtonView):
    model = Engagement
    policy_action = policy.CHANGE
    success_message = _("The file was attached.")

    def perform(self, engagement):
        form = FileForm(self.request.POST, self.request.FILES)
        if not form.is_valid():
            raise ValidationError(_("Choose a file to upload."))
        return services.engagement_attach_file(
            user=self.request.user, engagement=engagement, uploaded=form.cleaned_data["file"]
        )


class EngagementFileDownloadView(DownloadView):
    model = EngagementFile
