"""Meeting series pages: the host's list, scheduling and editing a series, and a series' page."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.views import ServiceFormView
from partners.selectors import partner_from_query

from .. import selectors, services
from ..forms import SeriesForm
from ..models import MeetingSeries


class SeriesListView(LoginRequiredMixin, TemplateView):
    template_name = "meetings/series_list.html"

    def get(self, request, *args, **kwargs):
        if not policy.allows(request.user, "organise", MeetingSeries):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        partner = partner_from_query(user=user, value=self.request.GET.get("partner"))
        return super().get_context_data(
            series_list=selectors.series_list(user=user, partner=partner), partner=partner, **kwargs
        )


class SeriesFormView(ServiceFormView):
    """Scheduling or editing a series; says so when the series starts later than the date given."""

    form_class = SeriesForm
    template_name = "meetings/series_form.html"
    series = None

    def get_context_data(self, **context):
        return {"series": self.series, **context}

    def form_succeeded(self, form, result):
        response = super().form_succeeded(form, result)
        if result.first_date != form.cleaned_data["first_date"]:
            # The first date given lay in the past (services.start_in_future).
            messages.warning(
                self.request,
                _("The first meeting was in the past; the series starts on %(date)s.")
                % {"date": date_format(result.first_date, "DATE_FORMAT")},
            )
        return response


class SeriesCreateView(SeriesFormView):
    success_message = _("The meeting series was scheduled.")

    def setup_view(self):
        if not policy.allows(self.request.user, policy.ADD, MeetingSeries):
            raise PermissionDenied
        self.partner = partner_from_query(user=self.request.user, value=self.request.GET.get("partner"))

    def get_form_kwargs(self):
        return {"user": self.request.user, "partner": self.partner}

    def perform(self, form):
        partner = form.cleaned_data["partner"]
        return services.series_create(user=self.request.user, partner=partner, **form.service_kwargs())


class SeriesEditView(SeriesFormView):
    success_message = _("The meeting series was saved.")

    def setup_view(self):
        self.series = policy.get_object(self.request.user, policy.CHANGE, MeetingSeries, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {"user": self.request.user, "series": self.series}

    def perform(self, form):
        return services.series_update(user=self.request.user, series=self.series, **form.service_kwargs())


class SeriesDetailView(LoginRequiredMixin, TemplateView):
    template_name = "meetings/series_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        series = selectors.series_detail(user=user, pk=self.kwargs["pk"])
        return super().get_context_data(
            series=series,
            participants=selectors.series_participants(series=series),
            upcoming=selectors.series_meetings(user=user, series=series, upcoming=True),
            past=selectors.series_meetings(user=user, series=series, upcoming=False),
            can_edit=policy.can(user, policy.CHANGE, series),
            **kwargs,
        )
