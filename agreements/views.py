from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from partnerportal import policy
from partnerportal.htmx import announce, form_errors_text
from partnerportal.views import AdminRequiredMixin, HostRequiredMixin
from partners.models import Organization

from . import selectors, services
from .forms import ROW_FORMS, AgreementCreateForm, CompareForm, TerminateForm, VersionForm
from .models import Agreement, AgreementVersion, ChannelRule, EscalationStep, Party, Responsibility, VersionStatus

ROW_MODELS = {"responsibility": Responsibility, "channel": ChannelRule, "escalation": EscalationStep}


def _flash_error(request, error):
    for message in error.messages:
        messages.error(request, message)


def _add_errors(form, error):
    """Put a service's ValidationError on the form: on a field the form has, else on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class AgreementListView(HostRequiredMixin, View):
    def get(self, request):
        status = request.GET.get("status", "")
        search = request.GET.get("q", "").strip()
        rows = selectors.agreement_overview(user=request.user, search=search, status=status)
        return render(request, "agreements/agreement_list.html", {"rows": rows, "status": status, "q": search})


class AgreementCreateView(HostRequiredMixin, View):
    about_model = Organization
    about_kwarg = "partner_pk"

    def get_partner(self, request, partner_pk):
        return policy.get_object(request.user, policy.VIEW, Organization.objects.partners(), pk=partner_pk)

    def get(self, request, partner_pk):
        partner = self.get_partner(request, partner_pk)
        existing = Agreement.objects.filter(partner=partner).first()
        if existing:
            return redirect(existing)
        return render(request, "agreements/agreement_create.html", {"partner": partner, "form": AgreementCreateForm()})

    def post(self, request, partner_pk):
        partner = self.get_partner(request, partner_pk)
        form = AgreementCreateForm(request.POST)
        if form.is_valid():
            try:
                agreement = services.agreement_create(
                    partner=partner, user=request.user, title=form.cleaned_data["title"]
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The agreement was created with a first draft."))
                return redirect("agreements:edit", pk=agreement.versions.get().pk)
        return render(request, "agreements/agreement_create.html", {"partner": partner, "form": form}, status=400)


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
            "host_name": Organization.objects.host().values_list("name", flat=True).first(),
            "can_revise": policy.can(request.user, policy.CHANGE, agreement) and open_version is None,
            "pending": open_version is not None
            and selectors.pending_for(user=request.user).filter(pk=open_version.pk).exists(),
        }
        if context["pending"]:
            context["sign_for"] = _sign_for(services.party_of(request.user, open_version), open_version)
        return render(request, "agreements/agreement_detail.html", context)


class DraftCreateView(HostRequiredMixin, View):
    about_model = Agreement

    def post(self, request, pk):
        agreement = selectors.agreement_for(user=request.user, pk=pk, action=policy.CHANGE)
        try:
            draft = services.draft_create(agreement=agreement, user=request.user)
        except ValidationError as error:
            _flash_error(request, error)
            return redirect(agreement)
        messages.success(request, _("Version %(number)s was started as a draft.") % {"number": draft.number})
        return redirect("agreements:edit", pk=draft.pk)


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
        return Organization.objects.host().values_list("name", flat=True).first()
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
        "host_name": Organization.objects.host().values_list("name", flat=True).first(),
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


class VersionEditView(DraftMixin, View):
    def render_editor(self, request, version, form, status=200):
        rows = selectors.version_queryset().get(pk=version.pk)
        context = {
            "version": version,
            "agreement": version.agreement,
            "partner": version.agreement.partner,
            "form": form,
            "sections": [
                ("responsibility", _("Roles and responsibilities"), rows.responsibility_set.all()),
                ("channel", _("Channel matrix"), rows.channelrule_set.all()),
                ("escalation", _("Escalation ladder"), rows.escalationstep_set.all()),
            ],
        }
        return render(request, "agreements/version_edit.html", context, status=status)

    def get(self, request, pk):
        version = self.get_version(request, pk)
        if not version.is_draft:
            return self.locked_response(request, version)
        return self.render_editor(request, version, VersionForm(instance=version))

    def post(self, request, pk):
        version = self.get_version(request, pk)
        if not version.is_draft:
            return self.locked_response(request, version)
        form = VersionForm(request.POST, instance=version)
        if form.is_valid():
            extra = {}
            if "kpi_targets" in form.fields:
                extra["kpi_targets"] = list(form.cleaned_data["kpi_targets"])
            try:
                services.version_update(
                    version=version,
                    user=request.user,
                    review_date=form.cleaned_data["review_date"],
                    summary=form.cleaned_data["summary"],
                    **extra,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("agreements:edit", pk=version.pk)
        version.refresh_from_db()
        return self.render_editor(request, version, form, status=400)


class RowMixin(DraftMixin):
    def get_model(self, kind):
        model = ROW_MODELS.get(kind)
        if model is None:
            raise Http404
        return model

    def get_row(self, request, version, kind, row_pk):
        model = self.get_model(kind)
        row = (
            policy.scope(request.user, policy.VIEW, model.objects.select_related("user", "contact"))
            .filter(pk=row_pk, version=version)
            .first()
        )
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

    def render_form(self, request, version, kind, form, row=None, status=200):
        # htmx only swaps 2xx answers: a form with errors comes back as 200 to show in the row.
        if not request.htmx and form.errors:
            status = 400
        template = "agreements/_row_form.html" if request.htmx else "agreements/row_form_page.html"
        response = render(
            request,
            template,
            {"version": version, "kind": kind, "form": form, "row": row, "agreement": version.agreement},
            status=status,
        )
        if request.htmx and form.errors:
            announce(response, form_errors_text())
        return response

    def save(self, request, version, kind, form, row):
        if form.is_valid():
            try:
                row = services.row_save(version=version, row=form.instance, user=request.user)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if request.htmx:
                    return announce(self.render_row(request, version, kind, row), _("The row was saved."))
                messages.success(request, _("The row was saved."))
                return redirect("agreements:edit", pk=version.pk)
        return self.render_form(request, version, kind, form, row=row)


class RowCreateView(RowMixin, View):
    def get(self, request, pk, kind):
        version = self.get_version(request, pk)
        model = self.get_model(kind)
        if not version.is_draft:
            return self.locked_response(request, version)
        form = ROW_FORMS[kind](instance=model(version=version), partner=version.agreement.partner)
        return self.render_form(request, version, kind, form)

    def post(self, request, pk, kind):
        version = self.get_version(request, pk)
        model = self.get_model(kind)
        if not version.is_draft:
            return self.locked_response(request, version)
        form = ROW_FORMS[kind](request.POST, instance=model(version=version), partner=version.agreement.partner)
        return self.save(request, version, kind, form, None)


class RowView(RowMixin, View):
    def get(self, request, pk, kind, row_pk):
        version = selectors.version_for(user=request.user, pk=pk)
        row = self.get_row(request, version, kind, row_pk)
        return self.render_row(request, version, kind, row)


class RowEditView(RowMixin, View):
    def get(self, request, pk, kind, row_pk):
        version = self.get_version(request, pk)
        row = self.get_row(request, version, kind, row_pk)
        if not version.is_draft:
            return self.locked_response(request, version)
        form = ROW_FORMS[kind](instance=row, partner=version.agreement.partner)
        return self.render_form(request, version, kind, form, row=row)

    def post(self, request, pk, kind, row_pk):
        version = self.get_version(request, pk)
        row = self.get_row(request, version, kind, row_pk)
        if not version.is_draft:
            return self.locked_response(request, version)
        form = ROW_FORMS[kind](request.POST, instance=row, partner=version.agreement.partner)
        return self.save(request, version, kind, form, row)


class RowDeleteView(RowMixin, View):
    def post(self, request, pk, kind, row_pk):
        version = self.get_version(request, pk)
        row = self.get_row(request, version, kind, row_pk)
        try:
            services.row_delete(row=row, user=request.user)
        except ValidationError as error:
            if request.htmx:
                return render(request, "agreements/_locked.html", {"message": " ".join(error.messages)}, status=409)
            _flash_error(request, error)
            return redirect(version)
        if request.htmx:
            return announce(HttpResponse(""), _("The row was deleted."))
        messages.success(request, _("The row was deleted."))
        return redirect("agreements:edit", pk=version.pk)


class VersionActionView(LoginRequiredMixin, View):
    """POST-only life-cycle steps; an invalid step shows its message and changes nothing."""

    policy_action = ""  # the policy's named action, e.g. "send"
    success_message = ""

    def perform(self, request, version):
        raise NotImplementedError

    def post(self, request, pk):
        version = selectors.version_for(user=request.user, pk=pk)  # 404 out of reach
        if not policy.can(request.user, self.policy_action, version):
            raise PermissionDenied
        try:
            self.perform(request, version)
        except ValidationError as error:
            _flash_error(request, error)
        else:
            messages.success(request, self.success_message)
        return redirect("agreements:version", pk=version.pk)


class SendView(VersionActionView):
    policy_action = "send"
    success_message = _("The version was sent for sign-off. The signatories have been notified.")

    def perform(self, request, version):
        services.version_send(version=version, user=request.user)


class WithdrawView(VersionActionView):
    policy_action = "withdraw"
    success_message = _("The version was withdrawn from sign-off and is a draft again.")

    def perform(self, request, version):
        services.version_withdraw(version=version, user=request.user)


class SignView(VersionActionView):
    policy_action = "sign"
    success_message = _("Thank you. Your signature was recorded.")

    def perform(self, request, version):
        # The sign forms carry a required "I have read this version" box; the page refuses without it.
        if not request.POST.get("confirm"):
            raise ValidationError(
                _("Tick the box to confirm that you have read this version and sign for your organisation.")
            )
        services.version_sign(version=version, user=request.user)
        version.refresh_from_db()
        if version.status == VersionStatus.ACTIVE:
            self.success_message = _("Both parties have signed: version %(number)s is now in force.") % {
                "number": version.number
            }


class TerminateView(AdminRequiredMixin, View):
    about_model = AgreementVersion

    def get(self, request, pk):
        version = selectors.version_for(user=request.user, pk=pk, action=policy.CHANGE)
        return render(request, "agreements/terminate.html", {"version": version, "form": TerminateForm()})

    def post(self, request, pk):
        version = selectors.version_for(user=request.user, pk=pk, action=policy.CHANGE)
        form = TerminateForm(request.POST)
        if form.is_valid():
            try:
                services.version_terminate(version=version, user=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The agreement was terminated."))
                return redirect("agreements:version", pk=version.pk)
        return render(request, "agreements/terminate.html", {"version": version, "form": form}, status=400)
