from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from partnerportal import policy
from partnerportal.htmx import announce, form_errors_text
from partnerportal.views import AdminRequiredMixin, HostRequiredMixin, ServiceActionView, ServiceFormView
from partners import selectors as partner_selectors

from . import selectors, services
from .forms import ROW_FORMS, AgreementCreateForm, CompareForm, TerminateForm, VersionForm
from .models import Agreement, AgreementVersion, ChannelRule, EscalationStep, Party, Responsibility, VersionStatus

ROW_MODELS = {"responsibility": Responsibility, "channel": ChannelRule, "escalation": EscalationStep}


class AgreementListView(HostRequiredMixin, View):
    def get(self, request):
        status = request.GET.get("status", "")
        search = request.GET.get("q", "").strip()
        rows = selectors.agreement_overview(user=request.user, search=search, status=status)
        return render(request, "agreements/agreement_list.html", {"rows": rows, "status": status, "q": search})


class AgreementCreateView(HostRequiredMixin, ServiceFormView):
    about_model = partner_selectors.all_organizations()
    about_kwarg = "partner_pk"
    form_class = AgreementCreateForm
    template_name = "agreements/agreement_create.html"
    success_message = gettext_lazy("The agreement was created with a first draft.")

    def setup_view(self):
        self.partner = partner_selectors.partner_detail(user=self.request.user, pk=self.kwargs["partner_pk"])

    def get(self, request, *args, **kwargs):
        existing = selectors.agreement_of(partner=self.partner)
        if existing:
            return redirect(existing)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **context):
        return {"partner": self.partner, **context}

    def perform(self, form):
        return services.agreement_create(partner=self.partner, user=self.request.user, title=form.cleaned_data["title"])

    def get_success_url(self, agreement):
        return reverse("agreements:edit", kwargs={"pk": agreement.versions.get().pk})


class AgreementDetailView(LoginRequiredMixin, View):
    """The agreement as both sides see it: the version in force, open revision, history, compare."""

    def get(self, request, pk):
        agreement = selectors.agreement_for(user=request.user, pk=pk)
        versions = list(selectors.visible_versions(user=request.user, agreement=agreement))
        active = next((v for v in versions if v.status == VersionStatus.ACTIVE), None)
        open_version = next((v for v in versions if v.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)), None)
        if active is not None:
            active = selectors.version_queryset().get(pk=active.pk)
        pending_diff = None
        if active is not None and open_version is not None and open_version.status == VersionStatus.IN_REVIEW:
            pending_diff = selectors.version_diff(old=active, new=selectors.version_queryset().get(pk=open_version.pk))
        context = {
            "diff": pending_diff,
            "agreement": agreement,
            "partner": agreement.partner,
            "versions": versions,
            "active": active,
            "open_version": open_version,
            "matrix": selectors.responsibility_matrix(active) if active else [],
            "compare_form": CompareForm(initial={"old": versions[1].pk, "new": versions[0].pk}, versions=versions)
            if len(versions) > 1
            else None,
            "host_name": partner_selectors.host_name(),
            "can_revise": policy.can(request.user, policy.CHANGE, agreement) and open_version is None,
            "pending": open_version is not None
            and selectors.pending_for(user=request.user).filter(pk=open_version.pk).exists(),
        }
        if context["pending"]:
            context["sign_for"] = _sign_for(services.party_of(request.user, open_version), open_version)
        return render(request, "agreements/agreement_detail.html", context)


class DraftCreateView(HostRequiredMixin, ServiceActionView):
    about_model = Agreement

    def get_object(self):
        return selectors.agreement_for(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)

    def perform(self, agreement):
        return services.draft_create(agreement=agreement, user=self.request.user)

    def get_success_message(self, agreement, draft):
        return _("Version %(number)s was started as a draft.") % {"number": draft.number}

    def get_success_url(self, agreement, draft):
        return reverse("agreements:edit", kwargs={"pk": draft.pk})


class CompareView(LoginRequiredMixin, View):
    def get(self, request, pk):
        agreement = selectors.agreement_for(user=request.user, pk=pk)
        versions = list(selectors.visible_versions(user=request.user, agreement=agreement))
        diff = None
        if request.GET:
            form = CompareForm(request.GET, versions=versions)
        else:
            initial = {}
            if len(versions) > 1:
                initial = {"old": versions[1].pk, "new": versions[0].pk}
            form = CompareForm(initial=initial, versions=versions)
        pair = None
        if form.is_bound and form.is_valid():
            pair = form.cleaned_data["old"], form.cleaned_data["new"]
        elif not form.is_bound and len(versions) > 1:
            pair = versions[1].pk, versions[0].pk
        if pair is not None:
            by_pk = {v.pk: v for v in selectors.version_queryset().filter(pk__in=pair)}
            diff = selectors.version_diff(old=by_pk[pair[0]], new=by_pk[pair[1]])
        status = 400 if form.is_bound and not form.is_valid() else 200
        return render(
            request,
            "agreements/compare.html",
            {"agreement": agreement, "partner": agreement.partner, "form": form, "diff": diff, "versions": versions},
            status=status,
        )


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


class RowMixin(DraftMixin):
    def get_model(self, kind):
        model = ROW_MODELS.get(kind)
        if model is None:
            raise Http404
        return model

    def get_row(self, request, version, kind, row_pk):
        row = selectors.version_row(user=request.user, model=self.get_model(kind), version=version, pk=row_pk)
        if row is None:
            raise Http404
        return row

    def render_row(self, request, version, kind, row, status=200):
        return render(
            request,
            "agreements/_row.html",
            {"version": version, "kind": kind, "row": row, "editable": version.is_draft},
            status=status,
        )


class RowFormView(RowMixin, DraftFormView):
    """A row's form: a page of its own, or (htmx) swapped into the editor's table."""

    success_message = gettext_lazy("The row was saved.")

    def setup_row(self):
        """Load `self.row` (None for a new row) and `self.instance`, the row the form edits."""
        raise NotImplementedError

    def setup_view(self):
        self.version = self.get_version(self.request, self.kwargs["pk"])
        self.kind = self.kwargs["kind"]
        self.setup_row()
        self.form_class = ROW_FORMS[self.kind]

    def get_form_kwargs(self):
        return {"instance": self.instance, "partner": self.version.agreement.partner}

    def render_form(self, form, status=200):
        # htmx only swaps 2xx answers: a form with errors comes back as 200 to show in the row.
        htmx = self.request.htmx
        response = render(
            self.request,
            "agreements/_row_form.html" if htmx else "agreements/row_form_page.html",
            {
                "version": self.version,
                "kind": self.kind,
                "form": form,
                "row": self.row,
                "agreement": self.version.agreement,
            },
            status=400 if form.errors and not htmx else 200,
        )
        if htmx and form.errors:
            announce(response, form_errors_text())
        return response

    def perform(self, form):
        return services.row_save(version=self.version, row=form.instance, user=self.request.user)

    def form_succeeded(self, form, row):
        if self.request.htmx:
            return announce(self.render_row(self.request, self.version, self.kind, row), self.success_message)
        return super().form_succeeded(form, row)

    def get_success_url(self, row):
        return reverse("agreements:edit", kwargs={"pk": self.version.pk})


class RowCreateView(RowFormView):
    def setup_row(self):
        self.row = None
        self.instance = self.get_model(self.kind)(version=self.version)


class RowView(RowMixin, View):
    def get(self, request, pk, kind, row_pk):
        version = selectors.version_for(user=request.user, pk=pk)
        row = self.get_row(request, version, kind, row_pk)
        return self.render_row(request, version, kind, row)


class RowEditView(RowFormView):
    def setup_row(self):
        self.row = self.instance = self.get_row(self.request, self.version, self.kind, self.kwargs["row_pk"])


class RowDeleteView(RowMixin, ServiceActionView):
    success_message = gettext_lazy("The row was deleted.")

    def get_object(self):
        self.version = self.get_version(self.request, self.kwargs["pk"])
        return self.get_row(self.request, self.version, self.kwargs["kind"], self.kwargs["row_pk"])

    def perform(self, row):
        return services.row_delete(row=row, user=self.request.user)

    def get_success_url(self, row, result):
        return reverse("agreements:edit", kwargs={"pk": self.version.pk})

    def get_failure_url(self, row):
        return self.version.get_absolute_url()

    def action_succeeded(self, row, result):
        if self.request.htmx:
            return announce(HttpResponse(""), self.success_message)
        return super().action_succeeded(row, result)

    def action_failed(self, row, error):
        if self.request.htmx:
            return render(self.request, "agreements/_locked.html", {"message": " ".join(error.messages)}, status=409)
        return super().action_failed(row, error)


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
