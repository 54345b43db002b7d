from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from partnerportal import hub, policy
from partnerportal.htmx import announce
from partnerportal.links import row_url
from partnerportal.views import (
    HostRequiredMixin,
    LoginRequiredMixin,
    ServiceActionView,
    ServiceFormView,
    service_errors_to_form,
)

from . import selectors, services
from .forms import (
    AcceptInvitationForm,
    AcceptInvitationWithSsoForm,
    DeactivateForm,
    InvitationForm,
    PartnerForm,
    PartnerSearchForm,
    RoleForm,
    SiteForm,
)
from .hub import people_section
from .models import Organization, Site


class PartnerListView(HostRequiredMixin, View):
    def get(self, request):
        form = PartnerSearchForm(request.GET or None)
        search = kind = ""
        if form.is_valid():
            search, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
        partners = selectors.partner_list(user=request.user, search=search, kind=kind)
        page = Paginator(partners, 25).get_page(request.GET.get("page"))
        if request.htmx:
            count = page.paginator.count
            found = ngettext("%(count)s partner found.", "%(count)s partners found.", count) % {"count": count}
            return announce(render(request, "partners/_partner_rows.html", {"form": form, "page": page}), found)
        return render(request, "partners/partner_list.html", {"form": form, "page": page})


class PartnerDetailView(LoginRequiredMixin, View):
    """The partner hub: every app adds its section through `hub.partner_section`."""

    def get(self, request, pk):
        partner = selectors.partner_hub(user=request.user, pk=pk)  # with `can_change`, in one query
        sites, members = selectors.organization_sites_and_members(user=request.user, organization=partner)
        can_edit = partner.can_change
        if can_edit:  # one reverse for the list, not one per site
            edit_url = row_url("partners:site_edit")
            sites = [(site, edit_url.format(site.pk)) for site in sites]
        else:
            sites = [(site, "") for site in sites]
        context = {
            "partner": partner,
            "sites": sites,
            "members": members,
            "sections": _with_section_urls(hub.sections_for(request, partner), partner),
            "can_edit": can_edit,
        }
        return render(request, "partners/partner_detail.html", context)


_KEY = "section-key"


def _with_section_urls(sections, partner):
    """(section, context, url): a lazy section's placeholder loads `url` (partners:section), reversed once."""
    url = reverse("partners:section", args=[partner.pk, _KEY]).replace(_KEY, "{}")
    return [(section, ctx, url.format(section.key) if section.lazy else "") for section, ctx in sections]


class PartnerSectionView(LoginRequiredMixin, View):
    """One section of the partner hub, checked as the hub is: what a lazy section's placeholder loads
    (htmx swaps the bare section in), or a page of its own without JavaScript."""

    def get(self, request, pk, key):
        partner = selectors.partner_detail(user=request.user, pk=pk)
        found = hub.section_for(request, partner, key)
        if found is None:
            raise Http404
        section, ctx = found
        context = {"partner": partner, "section": section, "ctx": ctx}
        template = "partners/_hub_section.html" if request.htmx else "partners/partner_section.html"
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request",))  # the bare section and the page share a URL
        return response


class PartnerCreateView(HostRequiredMixin, ServiceFormView):
    form_class = PartnerForm
    template_name = "partners/partner_form.html"

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        return services.organization_save(user=self.request.user, organization=form.instance)

    def get_success_message(self, partner):
        return _("Partner %(name)s was created.") % {"name": partner.name}


class PartnerUpdateView(HostRequiredMixin, ServiceFormView):
    about_model = Organization
    form_class = PartnerForm
    template_name = "partners/partner_form.html"

    def setup_view(self):
        self.partner = selectors.partner_detail(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)

    def get_form_kwargs(self):
        return {"instance": self.partner, "user": self.request.user}

    def get_context_data(self, **context):
        return {"partner": self.partner, **context}

    def perform(self, form):
        return services.organization_save(user=self.request.user, organization=form.instance)

    def get_success_message(self, partner):
        return _("Partner %(name)s was saved.") % {"name": partner.name}


class SiteCreateView(HostRequiredMixin, ServiceFormView):
    about_model = Organization
    form_class = SiteForm
    template_name = "partners/site_form.html"

    def setup_view(self):
        self.organization = selectors.organization_for(
            user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE
        )

    def get_form_kwargs(self):
        return {"instance": Site(organization=self.organization)}

    def get_context_data(self, **context):
        return {"organization": self.organization, **context}

    def perform(self, form):
        return services.site_save(user=self.request.user, site=form.instance)

    def get_success_message(self, site):
        return _("Site %(name)s was added.") % {"name": site.name}

    def get_success_url(self, site):
        return self.organization.get_absolute_url()


class SiteUpdateView(HostRequiredMixin, ServiceFormView):
    about_model = Site
    form_class = SiteForm
    template_name = "partners/site_form.html"

    def setup_view(self):
        self.site = selectors.site_for(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)

    def get_form_kwargs(self):
        return {"instance": self.site}

    def get_context_data(self, **context):
        return {"organization": self.site.organization, "site": self.site, **context}

    def perform(self, form):
        return services.site_save(user=self.request.user, site=form.instance)

    def get_success_message(self, site):
        return _("Site %(name)s was saved.") % {"name": site.name}

    def get_success_url(self, site):
        return site.organization.get_absolute_url()


class PartnerPickerView(LoginRequiredMixin, View):
    """The searchable partner picker's answer (templates/includes/partner_picker.html): at most 20
    partners the user may see whose name contains `?q=`, as JSON; a partner user finds only their own."""

    def get(self, request):
        query = request.GET.get("q", "")[:200]
        found = selectors.partner_picker(user=request.user, query=query, limit=selectors.PICKER_LIMIT + 1)
        results = [{"id": p.pk, "name": p.name, "inactive": not p.is_active} for p in found[: selectors.PICKER_LIMIT]]
        return JsonResponse({"results": results, "more": len(found) > selectors.PICKER_LIMIT})


# --- People: invitations, roles, deactivation, reactivation -------------------------------------------


def people_url(organization) -> str:
    """Where an organisation's people are managed, and where a change to them returns: the People section
    of a partner's hub as a page of its own (the hub loads it lazily), the people page for the host (which
    has no hub)."""
    if organization.is_host:
        return reverse("partners:people", args=[organization.pk])
    return reverse("partners:section", args=[organization.pk, "people"])


class OrganizationPeopleView(LoginRequiredMixin, View):
    """The People section as a page of its own, for any organisation the user may see (also the host's)."""

    def get(self, request, pk=None):
        if pk is None:  # the host company's people (the menu's link; the host has no hub)
            pk = selectors.host_id()
            if pk is None:
                raise Http404
        organization = selectors.organization_for(user=request.user, pk=pk)
        ctx = people_section(request, organization)
        return render(request, "partners/people_page.html", {"organization": organization, "ctx": ctx})


class InvitationCreateView(ServiceFormView):
    form_class = InvitationForm
    template_name = "partners/invitation_form.html"

    def setup_view(self):
        self.organization = selectors.organization_for(user=self.request.user, pk=self.kwargs["pk"], action="invite")

    def get_form_kwargs(self):
        return {
            "roles": policy.assignable_roles(self.request.user, self.organization),
            "initial": {"language": services.organization_language(user=self.request.user)},
        }

    def get_context_data(self, **context):
        return {"organization": self.organization, "back_url": people_url(self.organization), **context}

    def perform(self, form):
        return services.invitation_invite(
            user=self.request.user,
            organization=self.organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            language=form.cleaned_data["language"],
            request=self.request,
        )

    def get_success_message(self, result):
        if result.resent:
            return _("An invitation to %(email)s was pending already: it was sent again with a new link.") % {
                "email": result.invitation.email
            }
        return _("An invitation was sent to %(email)s.") % {"email": result.invitation.email}

    def get_success_url(self, result):
        return people_url(self.organization)


class _InvitationActionView(ServiceActionView):
    action = ""

    def get_object(self):
        return selectors.invitation_for(user=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_success_url(self, invitation, result):
        return people_url(invitation.organization)

    def get_failure_url(self, invitation):
        return people_url(invitation.organization)


class InvitationResendView(_InvitationActionView):
    action = "resend"

    def perform(self, invitation):
        return services.invitation_resend(user=self.request.user, invitation=invitation, request=self.request)

    def get_success_message(self, invitation, result):
        return _("The invitation to %(email)s was sent again with a new link; the old link no longer works.") % {
            "email": invitation.email
        }


class InvitationRevokeView(_InvitationActionView):
    action = "revoke"

    def perform(self, invitation):
        return services.invitation_revoke(user=self.request.user, invitation=invitation, request=self.request)

    def get_success_message(self, invitation, result):
        return _("The invitation to %(email)s was revoked.") % {"email": invitation.email}


class PersonRoleView(ServiceActionView):
    def get_object(self):
        return selectors.person_for(user=self.request.user, pk=self.kwargs["pk"], action="change_role")

    def perform(self, person):
        form = RoleForm(self.request.POST, roles=policy.assignable_roles(self.request.user, person.organization))
        if not form.is_valid():
            raise ValidationError(_("Choose a role."))
        return services.person_change_role(
            user=self.request.user, person=person, role=form.cleaned_data["role"], request=self.request
        )

    def get_success_message(self, person, result):
        return _("%(name)s is now %(role)s.") % {"name": result, "role": result.get_role_display()}

    def get_success_url(self, person, result):
        return people_url(person.organization)

    def get_failure_url(self, person):
        return people_url(person.organization)


class PersonDeactivateView(ServiceFormView):
    """The confirmation page of a deactivation: what ends, and who takes over what the person still owns."""

    form_class = DeactivateForm
    template_name = "partners/person_deactivate.html"

    def setup_view(self):
        self.person = selectors.person_for(user=self.request.user, pk=self.kwargs["pk"], action="deactivate")
        self.steps = services.offboarding_for(person=self.person)

    def get_form_kwargs(self):
        return {"steps": self.steps, "successors": services.successor_choices(person=self.person)}

    def get_context_data(self, **context):
        return {"person": self.person, "steps": self.steps, "back_url": people_url(self.person.organization), **context}

    def perform(self, form):
        return services.person_deactivate(
            user=self.request.user, person=self.person, hand_over=form.hand_over(), request=self.request
        )

    def get_success_message(self, person):
        return _("%(name)s was deactivated: their sessions, API token and calendar feeds no longer work.") % {
            "name": person
        }

    def get_success_url(self, person):
        return people_url(self.person.organization)


class PersonReactivateView(ServiceActionView):
    def get_object(self):
        return selectors.person_for(user=self.request.user, pk=self.kwargs["pk"], action="reactivate")

    def perform(self, person):
        return services.person_reactivate(user=self.request.user, person=person, request=self.request)

    def get_success_message(self, person, result):
        return _("%(name)s can sign in again.") % {"name": person}

    def get_success_url(self, person, result):
        return people_url(person.organization)

    def get_failure_url(self, person):
        return people_url(person.organization)


def landing_url(person) -> str:
    """Where a new person starts: a partner's own hub, host staff's dashboard."""
    if policy.is_partner(person) and person.organization_id:
        return reverse("partners:detail", args=[person.organization_id])
    if policy.is_host(person):
        return reverse("dashboard")
    return reverse("home")


def _speak_language_of(request, invitation) -> None:
    """An invitation's public pages speak the language it was written in, whatever the browser asks for."""
    translation.activate(invitation.language)
    request.LANGUAGE_CODE = invitation.language


class InvitationAcceptView(View):
    """The public page of an invitation link (its token is the credential): who invites whom as what, and
    what the invitee needs to start: a name and a password, or with single sign-on only the name."""

    def _unusable(self, request, token, unusable):
        if unusable.invitation is not None:  # said in the language the invitation was written in
            _speak_language_of(request, unusable.invitation)
        context = {"reason": unusable.reason, "invitation": unusable.invitation, "token": token}
        status = 404 if unusable.reason == "unknown" else 410
        return render(request, "partners/invitation_unusable.html", context, status=status)

    def dispatch(self, request, token):
        self.invitation = selectors.invitation_by_token(token=token)
        try:
            services.invitation_check(self.invitation)
        except services.InvitationUnusable as unusable:
            return self._unusable(request, token, unusable)
        if request.user.is_authenticated:
            context = {"invitation": self.invitation}
            return render(request, "partners/invitation_signed_in.html", context, status=409)
        # The page speaks the invitee's language (as the e-mail did), whatever the browser asks for.
        _speak_language_of(request, self.invitation)
        # The seam for single sign-on: how this invitee will sign in decides what the page asks for.
        self.sign_in = selectors.invitation_sign_in_method(invitation=self.invitation)
        self.sso = self.sign_in.method == selectors.SSO_SIGN_IN
        self.form_class = AcceptInvitationWithSsoForm if self.sso else AcceptInvitationForm
        return super().dispatch(request, token)

    def _page(self, request, form, status=200):
        context = {"invitation": self.invitation, "form": form, "sign_in": self.sign_in, "sso": self.sso}
        return render(request, "partners/invitation_accept.html", context, status=status)

    def get(self, request, token):
        return self._page(request, self.form_class())

    def post(self, request, token):
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        try:
            person = services.invitation_accept(
                token=token,
                password=form.cleaned_data.get("password1"),
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                request=request,
                sso=self.sso,
            )
        except services.InvitationUnusable as unusable:
            return self._unusable(request, token, unusable)
        except ValidationError as error:
            service_errors_to_form(form, error)
            return self._page(request, form, status=400)
        if self.sso:
            # The issuer proves who they are; its sign-in finds the new account by the e-mail address.
            response = redirect(self.sign_in.provider.login_url + "?process=login")
        else:
            login(request, person, backend="partnerportal.backends.PortalBackend")
            messages.success(request, _("Welcome, %(name)s. Your account is ready.") % {"name": person.first_name})
            response = redirect(landing_url(person))
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, person.language)
        return response


class InvitationAskAgainView(View):
    """From an expired or revoked link: ask whoever sent the invitation for a new one (public, once)."""

    http_method_names = ["post"]

    def post(self, request, token):
        invitation = selectors.invitation_by_token(token=token)
        if invitation is not None:  # answered in the language of the invitation, as its link page was
            _speak_language_of(request, invitation)
        asked = services.invitation_ask_again(token=token)
        status = 200 if asked else 404
        return render(request, "partners/invitation_asked.html", {"asked": asked}, status=status)
