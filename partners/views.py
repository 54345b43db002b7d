from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from partnerportal import hub, policy
from partnerportal.htmx import announce
from partnerportal.views import HostRequiredMixin, LoginRequiredMixin

from . import selectors, services
from .forms import PartnerForm, PartnerSearchForm, SiteForm
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
        partner = selectors.partner_detail(user=request.user, pk=pk)
        context = {
            "partner": partner,
            "sites": selectors.organization_sites(user=request.user, organization=partner),
            "members": selectors.organization_members(user=request.user, organization=partner),
            "sections": hub.sections_for(request, partner),
            "can_edit": policy.can(request.user, policy.CHANGE, partner),
        }
        return render(request, "partners/partner_detail.html", context)


class PartnerCreateView(HostRequiredMixin, View):
    def get(self, request):
        return render(request, "partners/partner_form.html", {"form": PartnerForm()})

    def post(self, request):
        form = PartnerForm(request.POST)
        if form.is_valid():
            partner = services.organization_save(user=request.user, organization=form.instance)
            messages.success(request, _("Partner %(name)s was created.") % {"name": partner.name})
            return redirect(partner)
        return render(request, "partners/partner_form.html", {"form": form}, status=400)


class PartnerUpdateView(HostRequiredMixin, View):
    about_model = Organization

    def get_partner(self, request, pk):
        return policy.get_object(request.user, policy.CHANGE, Organization.objects.partners(), pk=pk)

    def get(self, request, pk):
        partner = self.get_partner(request, pk)
        return render(
            request, "partners/partner_form.html", {"form": PartnerForm(instance=partner), "partner": partner}
        )

    def post(self, request, pk):
        partner = self.get_partner(request, pk)
        form = PartnerForm(request.POST, instance=partner)
        if form.is_valid():
            services.organization_save(user=request.user, organization=form.instance)
            messages.success(request, _("Partner %(name)s was saved.") % {"name": partner.name})
            return redirect(partner)
        return render(request, "partners/partner_form.html", {"form": form, "partner": partner}, status=400)


class SiteCreateView(HostRequiredMixin, View):
    about_model = Organization

    def get_organization(self, request, pk):
        return policy.get_object(request.user, policy.CHANGE, Organization, pk=pk)

    def get(self, request, pk):
        organization = self.get_organization(request, pk)
        return render(request, "partners/site_form.html", {"form": SiteForm(), "organization": organization})

    def post(self, request, pk):
        organization = self.get_organization(request, pk)
        form = SiteForm(request.POST, instance=Site(organization=organization))
        if form.is_valid():
            services.site_save(user=request.user, site=form.instance)
            messages.success(request, _("Site %(name)s was added.") % {"name": form.instance.name})
            return redirect(organization)
        return render(request, "partners/site_form.html", {"form": form, "organization": organization}, status=400)


class SiteUpdateView(HostRequiredMixin, View):
    about_model = Site

    def get_site(self, request, pk):
        return policy.get_object(request.user, policy.CHANGE, Site.objects.select_related("organization"), pk=pk)

    def get(self, request, pk):
        site = self.get_site(request, pk)
        return render(
            request,
            "partners/site_form.html",
            {"form": SiteForm(instance=site), "organization": site.organization, "site": site},
        )

    def post(self, request, pk):
        site = self.get_site(request, pk)
        form = SiteForm(request.POST, instance=site)
        if form.is_valid():
            services.site_save(user=request.user, site=form.instance)
            messages.success(request, _("Site %(name)s was saved.") % {"name": site.name})
            return redirect(site.organization)
        return render(
            request,
            "partners/site_form.html",
            {"form": form, "organization": site.organization, "site": site},
            status=400,
        )
