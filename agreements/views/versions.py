"""A version's pages: view and print, the draft editor, and the life-cycle buttons (send, withdraw, sign, terminate)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from partnerportal import policy
from partnerportal.views import AdminRequiredMixin, HostRequiredMixin, ServiceActionView, ServiceFormView
from partners import selectors as partner_selectors

from .. import selectors, services
from ..forms import TerminateForm, VersionForm
from ..models import AgreementVersion, Party, VersionStatus


def _sign_for(party, version):
    """The organisation a signature of this party is given for."""
    if party == Party.HOST:
        return partner_selectors.host_name()
    return version.agreement.partner.name if party == Party.PARTNER else ""


def _version_context(request, version):
    user = request.user
    party = services.party_of(user, version)
    state = selectors.signature_state(version)
    diff_base = selectors.previous_version_for_diff(version) if version.status != VersionStatus.ACTIVE else None
    if diff_base is not None and not policy.can(user, policy.VIEW, diff_base):
        diff_base = None
    diff = None
    if diff_base is not None and version.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW):
        diff = selectors.version_diff(old=selectors.version_queryset().get(pk=diff_base.pk), new=version)
    return {
        "version": version,
        "agreement": version.agreement,
        "partner": version.agreement.partner,
        "matrix": selectors.responsibility_matrix(version),
        "host_name": partner_selectors.host_name(),
        "signatures": state,
        "diff": diff,
        "my_party": party,
        "sign_for": _sign_for(party, version),
        "can_sign": version.status == VersionStatus.IN_REVIEW
        and party is not None
        and state["host" if party == Party.HOST else "partner"] is None,
        # A partner user who may see the version but not sign it is told who signs.
        "is_viewer": party is None and not policy.can(user, "sign", version) and policy.is_partner(user),
        "can_edit": version.status == VersionStatus.DRAFT and policy.can(user, policy.CHANGE, version),
        "can_withdraw": version.status == VersionStatus.IN_REVIEW and policy.can(user, "withdraw", version),
        "can_terminate": version.status == VersionStatus.ACTIVE and policy.can(user, "terminate", version),
    }


class VersionDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        version = selectors.version_for(user=request.user, pk=pk)
        return render(request, "agreements/version_detail.html", _version_context(request, version))


class VersionPrintView(LoginRequiredMixin, View):
    def get(self, request, pk):
        version = selectors.version_for(user=request.user, pk=pk)
        return render(request, "agreements/version_print.html", _version_context(request, version))


class DraftMixin(HostRequiredMixin):
    """Editor views: a draft version the user may change (locked versions send the user back)."""

    about_model = AgreementVersion

    def get_version(self, request, pk):
        return selectors.version_for(user=request.user, pk=pk, action=policy.CHANGE)

    def locked_response(self, request, version):
        message = _("Version %(number)s is %(status)s and cannot be changed. Start a new draft instead.") % {
            "number": version.number,
            "status": version.get_status_display().lower(),
        }
        if request.htmx:
            return render(request, "agreements/_locked.html", {"message": message}, status=409)
        messages.error(request, message)
        return redirect(version)


class DraftFormView(DraftMixin, ServiceFormView):
    """A form on a draft (loaded by `setup_view()` as `self.version`); a locked version sends the user back."""

    def get(self, request, *args, **kwargs):
        if not self.version.is_draft:
            return self.locked_response(request, self.version)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.version.is_draft:
            return self.locked_response(request, self.version)
        return super().post(request, *args, **kwargs)


class VersionEditView(DraftFormView):
    form_class = VersionForm
    template_name = "agreements/version_edit.html"
    success_message = gettext_lazy("The draft was saved.")

    def setup_view(self):
        self.version = self.get_version(self.request, self.kwargs["pk"])

    def get_form_kwargs(self):
        return {"instance": self.version}

    def get_context_data(self, **context):
        rows = selectors.version_queryset().get(pk=self.version.pk)
        return {
            "version": self.version,
            "agreement": self.version.agreement,
            "partner": self.version.agreement.partner,
            "sections": [
                ("responsibility", _("Roles and responsibilities"), rows.responsibility_set.all()),
                ("channel", _("Channel matrix"), rows.channelrule_set.all()),
                ("escalation", _("Escalation ladder"), rows.escalationstep_set.all()),
            ],
            **context,
        }

    def render_form(self, form, status=200):
        if form.is_bound:
            self.version.refresh_from_db()  # the refused form's values were put on the instance
        return super().render_form(form, status)

    def perform(self, form):
        extra = {}
        if "kpi_targets" in form.fields:
            extra["kpi_targets"] = list(form.cleaned_data["kpi_targets"])
        return services.version_update(
            version=self.version,
            user=self.request.user,
            review_date=form.cleaned_data["review_date"],
            summary=form.cleaned_data["summary"],
            **extra,
        )

    def get_success_url(self, result):
        return reverse("agreements:edit", kwargs={"pk": self.version.pk})


class VersionActionView(ServiceActionView):
    """POST-only life-cycle steps; an invalid step shows its message and changes nothing."""

    policy_action = ""  # the policy's named action, e.g. "send"

    def get_object(self):
        version = selectors.version_for(user=self.request.user, pk=self.kwargs["pk"])  # 404 out of reach
        if not policy.can(self.request.user, self.policy_action, version):
            raise PermissionDenied
        return version

    def get_success_url(self, version, result):
        return self.get_failure_url(version)

    def get_failure_url(self, version):
        return reverse("agreements:version", kwargs={"pk": version.pk})


class SendView(VersionActionView):
    policy_action = "send"
    success_message = gettext_lazy("The version was sent for sign-off. The signatories have been notified.")

    def perform(self, version):
        return services.version_send(version=version, user=self.request.user)


class WithdrawView(VersionActionView):
    policy_action = "withdraw"
    success_message = gettext_lazy("The version was withdrawn from sign-off and is a draft again.")

    def perform(self, version):
        return services.version_withdraw(version=version, user=self.request.user)


class SignView(VersionActionView):
    policy_action = "sign"
    success_message = gettext_lazy("Thank you. Your signature was recorded.")

    def perform(self, version):
        # The sign forms carry a required "I have read this version" box; the page refuses without it.
        if not self.request.POST.get("confirm"):
            raise ValidationError(
                _("Tick the box to confirm that you have read this version and sign for your organisation.")
            )
        services.version_sign(version=version, user=self.request.user)
        version.refresh_from_db()

    def get_success_message(self, version, result):
        if version.status == VersionStatus.ACTIVE:
            return _("Both parties have signed: version %(number)s is now in force.") % {"number": version.number}
        return self.success_message


class TerminateView(AdminRequiredMixin, ServiceFormView):
    about_model = AgreementVersion
    form_class = TerminateForm
    template_name = "agreements/terminate.html"
    success_message = gettext_lazy("The agreement was terminated.")

    def setup_view(self):
        self.version = selectors.version_for(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)

    def get_context_data(self, **context):
        return {"version": self.version, **context}

    def perform(self, form):
        return services.version_terminate(
            version=self.version, user=self.request.user, reason=form.cleaned_data["reason"]
        )

    def get_success_url(self, result):
        return reverse("agreements:version", kwargs={"pk": self.version.pk})
