"""The facts of a case: attached files and linked measurements, and the measurement picker."""

from datetime import date

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from kpis import selectors as kpi_selectors
from partnerportal import policy

from .. import selectors, services
from ..forms import FileForm
from ..models import Case, CaseFile
from .common import DownloadView, ObjectButtonView, partner_filter, require_add


class CaseFileUploadView(ObjectButtonView):
    model = Case
    policy_action = policy.VIEW
    success_message = _("The file was attached.")

    def get_object(self, queryset=None):
        case = super().get_object(queryset)
        require_add(self.request.user, CaseFile)
        return case

    def perform(self, case):
        form = FileForm(self.request.POST, self.request.FILES)
        if not form.is_valid():
            raise ValidationError(_("Choose a file to upload."))
        return services.case_attach_file(user=self.request.user, case=case, uploaded=form.cleaned_data["file"])


class CaseFileDownloadView(DownloadView):
    model = CaseFile


class CaseMeasurementView(ObjectButtonView):
    """Link a measurement (of the user's reach; another's answers 404) to the case as a fact."""

    model = Case
    policy_action = policy.CHANGE
    success_message = _("The measurement was linked.")

    def perform(self, case):
        value = self.request.POST.get("measurement", "")
        if not value.isdigit():
            raise ValidationError(_("Choose a measurement."))
        measurement = kpi_selectors.measurement_detail(user=self.request.user, pk=int(value))
        return services.case_link_measurement(user=self.request.user, case=case, measurement=measurement)


def _month(value: str):
    """A month input's value (YYYY-MM) as its first day, or None."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


class MeasurementPickerView(LoginRequiredMixin, TemplateView):
    """The measurement picker's results (an htmx fragment of radio buttons, none chosen): one partner's
    measurements as the access policy lets the user see them; another partner's id answers 404."""

    template_name = "relations/_measurement_options.html"

    def get_context_data(self, **kwargs):
        user, query = self.request.user, self.request.GET
        partner = partner_filter(self.request)
        text = query.get("measurement_q", "").strip()[:100]
        month = _month(query.get("measurement_month", ""))
        results, total, shown = [], 0, 0
        if partner is not None:
            results, total = selectors.measurement_search(user=user, partner=partner, text=text, month=month)
            shown = len(results)
            # The measurement chosen before this search stays chosen (and listed first) while it is the
            # partner's; nothing else is ever chosen for the user.
            chosen_id = query.get("measurement", "")
            chosen = None
            if chosen_id.isdigit():
                chosen = selectors.measurement_choices(user=user, partner=partner).filter(pk=int(chosen_id)).first()
            if chosen is not None:
                results = [chosen] + [m for m in results if m.pk != chosen.pk]
                chosen.chosen = True
        return super().get_context_data(
            partner=partner,
            results=results,
            total=total,
            shown=shown,
            searched=bool(text or month),
            name="measurement",
            **kwargs,
        )
