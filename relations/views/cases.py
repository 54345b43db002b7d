"""Cases: a problem raised by one side, worked through to a blameless resolution."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from kpis import selectors as kpi_selectors
from partnerportal import policy
from partnerportal.views import PolicyMixin, ServiceFormView

from .. import selectors, services
from ..forms import ActionItemForm, CaseEditForm, CaseForm, CaseStatusForm, FileForm, MeasurementPicker
from ..models import CASE_FLOW, Case, CaseFile, CaseStatus
from .common import (
    ObjectButtonView,
    PagedListView,
    choice_filter,
    partner_filter,
    require_add,
)


class CaseListView(PagedListView):
    template_name = "relations/case_list.html"
    model = Case

    def listing(self, partner):
        status = choice_filter(self.request, "status", CaseStatus)
        cases = selectors.case_list(user=self.request.user, partner=partner, status=status)
        return cases, {"status": status, "statuses": CaseStatus.choices}


class CaseCreateView(ServiceFormView):
    """Raise a case; `?measurement=` starts it from a measurement (of the user's reach) as its fact."""

    form_class = CaseForm
    template_name = "relations/case_form.html"
    success_message = _("The case was raised and the other side was notified.")

    def setup_view(self):
        require_add(self.request.user, Case)
        self.partner = partner_filter(self.request)
        self.measurement = None
        measurement_id = self.request.GET.get("measurement", "")
        if measurement_id:
            if not measurement_id.isdigit():
                raise Http404
            self.measurement = kpi_selectors.measurement_detail(user=self.request.user, pk=int(measurement_id))
            self.partner = self.partner or self.measurement.partner

    def get_form_kwargs(self):
        return {"user": self.request.user, "partner": self.partner, "measurement": self.measurement}

    def get_context_data(self, **context):
        return {**context, "title": _("Raise a case"), "measurement": self.measurement}

    def perform(self, form):
        data = form.cleaned_data
        chosen = data.get("measurement")
        return services.case_raise(
            user=self.request.user,
            partner=data["partner"],
            title=data["title"],
            what_happened=data["what_happened"],
            impact=data["impact"],
            measurements=[chosen] if chosen else [],
        )


def measurement_picker_widget(case) -> str:
    """The search for a measurement to link (the case's partner only)."""
    picker = MeasurementPicker(attrs={"id": "case-measurement", "class": "form-control form-control-sm"})
    picker.search_url = f"{reverse('relations:measurement_picker')}?partner={case.partner_id}"
    return picker.render("measurement", None)


class CaseDetailView(LoginRequiredMixin, TemplateView):
    template_name = "relations/case_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        case = selectors.case_detail(user=user, pk=self.kwargs["pk"])
        can_change = policy.can(user, policy.CHANGE, case)
        return super().get_context_data(
            case=case,
            can_change=can_change,
            can_ack=case.acknowledged_at is None and policy.can(user, "acknowledge", case),
            can_upload=policy.allows(user, policy.ADD, CaseFile),
            next_statuses=[(s, CaseStatus(s).label) for s in CASE_FLOW[CaseStatus(case.status)]] if can_change else [],
            problems=services.case_resolution_problems(case),
            file_form=FileForm(),
            action_form=ActionItemForm(case=case) if policy.can(user, "agree_action", case) else None,
            actions=selectors.case_actions(user=user, case=case),
            measurements=selectors.case_measurements(user=user, case=case),
            measurement_picker=measurement_picker_widget(case) if can_change else "",
            **kwargs,
        )


class CaseEditView(PolicyMixin, ServiceFormView):
    model = Case
    policy_action = policy.CHANGE
    pk_url_kwarg = "pk"
    form_class = CaseEditForm
    template_name = "relations/form.html"
    success_message = _("The case was saved.")

    def setup_view(self):
        self.object = self.get_object()

    def get_form_kwargs(self):
        return {"instance": self.object}

    def get_context_data(self, **context):
        # The title as the validated form left it on the case: a refused edit shows what was typed.
        return {**context, "title": self.object.title, "back": self.object}

    def perform(self, form):
        return services.case_update(user=self.request.user, case=self.object, **form.cleaned_data)


class CaseStatusView(ObjectButtonView):
    model = Case
    policy_action = policy.CHANGE
    success_message = _("The case status was changed.")

    def perform(self, case):
        form = CaseStatusForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(_("Choose a valid status."))
        data = form.cleaned_data
        return services.case_set_status(user=self.request.user, case=case, status=data["status"], note=data["note"])


class CaseAcknowledgeView(ObjectButtonView):
    model = Case
    policy_action = policy.CHANGE
    success_message = _("You acknowledged the case.")

    def perform(self, case):
        return services.case_acknowledge(user=self.request.user, case=case)


class CaseActionView(ObjectButtonView):
    """Agree an action on the case; the form's errors are flashed (the button sits on the case's page)."""

    model = Case
    policy_action = "agree_action"
    success_message = _("The action was agreed.")

    def perform(self, case):
        form = ActionItemForm(self.request.POST, case=case)
        if not form.is_valid():
            raise ValidationError(
                [
                    f"{form.fields[field].label if field in form.fields else ''}: {error}"
                    for field, errors in form.errors.items()
                    for error in errors
                ]
            )
        return services.case_agree_action(user=self.request.user, case=case, **form.cleaned_data)
