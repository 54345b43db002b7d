"""The agreement pages: the list, a new agreement, its page as both sides see it, a new draft, compare."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from partnerportal import policy
from partnerportal.htmx import announce
from partnerportal.views import HostRequiredMixin, ServiceActionView, ServiceFormView
from partners import selectors as partner_selectors

from .. import selectors, services
from ..forms import AgreementCreateForm, CompareForm
from ..models import Agreement, AgreementTemplate, VersionStatus
from .templates import skipped_warning
from .versions import _sign_for


def _template_context(request, agreement, version):
    """For host staff: the template the agreement's newest version was built from, and what changed
    in the template since (with the carry-over button when the user may use it)."""
    user = request.user
    if (
        version is None
        or version.template_revision_id is None
        or not policy.allows(user, policy.VIEW, AgreementTemplate)
    ):
        return {}
    version = selectors.version_with_template(version)
    changes = selectors.template_changes_for(version)
    return {
        "template_revision": version.template_revision,
        "template_changes": changes,
        "can_carry_template": changes is not None
        and version.status != VersionStatus.IN_REVIEW
        and policy.can(user, "carry_template", agreement),
    }


def page_with_total(queryset, number, per_page):
    """`Paginator.get_page()` in one query: the page's rows carry the total (`COUNT(*) OVER ()`), so
    no separate COUNT runs; only a page past the end asks for the count, to show the last page."""
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset.annotate(total_rows=Window(Count("pk")))[start : start + per_page])
    paginator = Paginator(queryset, per_page)
    if rows:
        paginator.count = rows[0].total_rows  # the cached_property, set from the window
        return paginator._get_page(rows, number, paginator)
    if number > 1:
        return paginator.get_page(number)  # past the end: the last page
    paginator.count = 0
    return paginator._get_page([], 1, paginator)


def _pk_links(**names):
    """Each URL name reversed once for a whole page, as a pattern with `%s` where the id goes (ids are
    digits, so nothing needs quoting): a page of rows costs string formatting, not 25 × 5 reverse()."""
    marker = "9" * 18
    return {key: reverse(name, args=[marker]).replace(marker, "%s") for key, name in names.items()}


class AgreementListView(HostRequiredMixin, View):
    """The partners with their agreement, filtered and paged in SQL; htmx swaps the rows only."""

    paginate_by = 25

    @staticmethod
    def link_rows(rows):
        links = _pk_links(
            partner="partners:detail",
            create="agreements:create",
            agreement="agreements:detail",
            version="agreements:version",
            edit="agreements:edit",
        )
        for row in rows:
            row.links = {
                "partner": links["partner"] % row.partner.pk,
                "create": links["create"] % row.partner.pk,
                "agreement": links["agreement"] % row.agreement.pk if row.agreement else "",
                "active": links["version"] % row.active.pk if row.active else "",
                "open": links["version"] % row.open.pk if row.open else "",
                "edit": links["edit"] % row.open.pk if row.open else "",
            }
        return rows

    def get(self, request):
        status = request.GET.get("status", "")
        if status not in selectors.OVERVIEW_STATUSES:
            status = ""
        search = request.GET.get("q", "").strip()
        partners = selectors.agreement_overview(user=request.user, search=search, status=status)
        page = page_with_total(partners, request.GET.get("page"), self.paginate_by)
        context = {
            "rows": self.link_rows(selectors.agreement_rows(user=request.user, partners=page.object_list)),
            "page": page,
            "status": status,
            "q": search,
        }
        if request.htmx:
            count = page.paginator.count
            found = ngettext("%(count)s partner found.", "%(count)s partners found.", count) % {"count": count}
            return announce(render(request, "agreements/_agreement_rows.html", context), found)
        return render(request, "agreements/agreement_list.html", context)


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

    def get_form_kwargs(self):
        # The template offered first: the one marked as the default.
        default = selectors.default_template(user=self.request.user)
        return {
            "templates": selectors.template_choices(user=self.request.user),
            "initial": {"template": default.pk if default else None},
        }

    def perform(self, form):
        template = form.cleaned_data.get("template")
        if template is not None:
            agreement = services.agreement_create_from_template(
                partner=self.partner, user=self.request.user, template=template, title=form.cleaned_data["title"]
            )
            skipped_warning(self.request, agreement.template_skipped)
            return agreement
        return services.agreement_create(partner=self.partner, user=self.request.user, title=form.cleaned_data["title"])

    def get_success_message(self, agreement):
        if getattr(agreement, "template_skipped", None) is not None:
            return _("The agreement was created with a first draft filled from the template.")
        return self.success_message

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
        context.update(_template_context(request, agreement, open_version or active))
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
