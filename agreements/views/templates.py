"""Agreement templates (host staff read them, admins keep them) and carrying a template's changes into
a new draft of an agreement built on it."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from partnerportal import policy
from partnerportal.views import AdminRequiredMixin, HostRequiredMixin, ServiceActionView, ServiceFormView

from .. import selectors, services
from ..forms import TemplateForm
from ..models import Agreement, AgreementTemplate, template_parts


def skipped_warning(request, skipped):
    if skipped:
        messages.warning(
            request,
            _("These rows were left out because their side has nobody to name yet: %(rows)s.")
            % {"rows": "; ".join(skipped)},
        )


class TemplateListView(HostRequiredMixin, View):
    def get(self, request):
        return render(
            request,
            "agreements/template_list.html",
            {
                "templates": selectors.templates_for(user=request.user),
                "can_add": policy.allows(request.user, policy.ADD, AgreementTemplate),
            },
        )


class TemplateDetailView(HostRequiredMixin, View):
    """The template's newest content part by part, its revisions, and what a revision changed."""

    about_model = AgreementTemplate

    def get(self, request, pk):
        template = selectors.template_for(user=request.user, pk=pk)
        revisions = selectors.template_revisions(template)
        shown = revisions[0] if revisions else None
        if request.GET.get("revision"):
            shown = next((r for r in revisions if str(r.number) == request.GET["revision"]), None)
            if shown is None:
                raise Http404
        previous = next((r for r in revisions if shown and r.number < shown.number), None)
        kpis = template_parts.kpi_definitions()
        parts = [
            (part, template_parts.PART_LABELS[part], template_parts.part_rows(shown, part, kpis=kpis))
            for part in template_parts.ROW_PARTS
        ]
        return render(
            request,
            "agreements/template_detail.html",
            {
                "template": template,
                "revisions": revisions,
                "revision": shown,
                "parts": parts,
                "kpi_rows": template_parts.part_rows(shown, "kpis", kpis=kpis),
                "diff": selectors.template_revision_diff(old=previous, new=shown) if shown else None,
                "previous": previous,
                "can_change": policy.can(request.user, policy.CHANGE, template),
                "agreements": selectors.agreements_built_on(user=request.user, template=template),
            },
        )


class TemplateFormView(AdminRequiredMixin, ServiceFormView):
    form_class = TemplateForm
    template_name = "agreements/template_form.html"
    success_message = gettext_lazy("The template was saved.")
    template = None

    def get_context_data(self, **context):
        return {"template": self.template, **context}

    def perform(self, form):
        data = form.cleaned_data
        return services.template_save(
            user=self.request.user,
            template=self.template,
            name=data["name"],
            description=data["description"],
            is_default=data["is_default"],
            review_interval_months=data["review_interval_months"],
            note=data["note"],
            parts=form.cleaned_parts(),
        )


class TemplateCreateView(TemplateFormView):
    pass


class TemplateEditView(TemplateFormView):
    about_model = AgreementTemplate

    def setup_view(self):
        self.template = selectors.template_for(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)

    def get_form_kwargs(self):
        template = self.template
        return {
            "revision": template.latest_revision(),
            "initial": {
                "name": template.name,
                "description": template.description,
                "is_default": template.is_default,
                "review_interval_months": getattr(template.latest_revision(), "review_interval_months", 12),
            },
        }


class TemplateCarryView(HostRequiredMixin, ServiceActionView):
    """Carry the template's changes into a draft: the open one, or a new one from the version in force."""

    about_model = Agreement

    def get_object(self):
        return selectors.agreement_for(user=self.request.user, pk=self.kwargs["pk"], action="carry_template")

    def perform(self, agreement):
        return services.template_changes_carry(agreement=agreement, user=self.request.user)

    def get_success_message(self, agreement, draft):
        skipped_warning(self.request, draft.template_skipped)
        return _("The template's changes were carried into version %(number)s (a draft).") % {"number": draft.number}

    def get_success_url(self, agreement, draft):
        return reverse("agreements:edit", kwargs={"pk": draft.pk})
