from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from partnerportal import hub, policy
from partnerportal.htmx import announce
from partnerportal.views import HostRequiredMixin, LoginRequiredMixin, ServiceFormView

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
