"""Browser views of the KPI app: thin, every read through kpis.selectors, every write through kpis.services."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from partnerportal import formats, policy, uploads
from partnerportal.views import AdminRequiredMixin, HostRequiredMixin, ServiceFormView
from partners import selectors as partner_selectors

from . import exports, figures, importing, periods, selectors, services
from .forms import DefinitionForm, ImportForm, MeasurementForm, PartnerKPIForm, TargetForm
from .models import KPIDefinition, Measurement, Source
from .templatetags.kpi_status import STATUS_ICONS, status_mark


def parse_day(raw) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def export_format(request) -> str:
    """The `?format=` of a download: csv (the default) or xlsx; anything else is not found."""
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return fmt


# --- definitions ------------------------------------------------------------------------------


class DefinitionListView(LoginRequiredMixin, TemplateView):
    template_name = "kpis/definition_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["definitions"] = selectors.definitions_for(user=self.request.user)
        context["can_edit"] = policy.allows(self.request.user, policy.CHANGE, KPIDefinition)
        return context


class DefinitionFormView(AdminRequiredMixin, FormView):
    template_name = "kpis/definition_form.html"
    form_class = DefinitionForm

    def get_object(self):
        pk = self.kwargs.get("pk")
        return selectors.definition_for(user=self.request.user, pk=pk, action=policy.CHANGE) if pk else None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_object()
        return kwargs

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("The KPI definition was saved."))
        return redirect("kpis:definitions")


# --- assignments and targets ------------------------------------------------------------------


class PartnerKPIsView(HostRequiredMixin, TemplateView):
    about_model = partner_selectors.all_organizations()
    about_kwarg = "partner_pk"
    template_name = "kpis/partner_kpis.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner = partner_selectors.partner_detail(user=self.request.user, pk=self.kwargs["partner_pk"])
        assignments = list(selectors.visible_partner_kpis(user=self.request.user, partner=partner))
        in_force = selectors.targets_in_force([a.pk for a in assignments], timezone.localdate())
        history = {}
        for target in selectors.partner_target_history(user=self.request.user, partner=partner):
            history.setdefault(target.partner_kpi_id, []).append(target)
        context.update(
            partner=partner,
            rows=[
                {"assignment": a, "target": in_force.get(a.pk), "history": history.get(a.pk, [])} for a in assignments
            ],
        )
        return context


class KPIFormView(ServiceFormView):
    """The KPI app's service forms: a form with errors answers 200, as these pages always have.

    Host pages list `HostRequiredMixin` after this class, so `setup_view()` looks the page's objects
    up first: an object out of the user's reach is a 404 for everyone, as on every other page.
    """

    invalid_status = 200

    def get_context_data(self, **context):
        return {"view": self, **context}


class PartnerKPIFormView(KPIFormView, HostRequiredMixin):
    template_name = "kpis/partner_kpi_form.html"
    form_class = PartnerKPIForm
    success_message = gettext_lazy("The KPI assignment was saved.")

    def setup_view(self):
        if "pk" in self.kwargs:
            self.object = selectors.partner_kpi_for(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)
            self.partner = self.object.partner
        else:
            self.object = None
            self.partner = partner_selectors.partner_detail(user=self.request.user, pk=self.kwargs["partner_pk"])

    def get_form_kwargs(self):
        return {"instance": self.object, "partner": self.partner}

    def get_context_data(self, **context):
        return super().get_context_data(partner=self.partner, object=self.object, **context)

    def perform(self, form):
        return services.partner_kpi_save(user=self.request.user, partner_kpi=form.instance)

    def get_success_url(self, result):
        return reverse("kpis:partner_kpis", kwargs={"partner_pk": self.partner.pk})


class TargetCreateView(KPIFormView, HostRequiredMixin):
    template_name = "kpis/target_form.html"
    form_class = TargetForm
    success_message = gettext_lazy("The target was saved; the previous one is kept in the history.")

    def setup_view(self):
        self.assignment = selectors.partner_kpi_for(user=self.request.user, pk=self.kwargs["pk"], action=policy.CHANGE)

    def get_form_kwargs(self):
        return {"initial": {"valid_from": timezone.localdate()}}

    def get_context_data(self, **context):
        return super().get_context_data(assignment=self.assignment, **context)

    def perform(self, form):
        return services.target_set(user=self.request.user, partner_kpi=self.assignment, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("kpis:partner_kpis", kwargs={"partner_pk": self.assignment.partner_id})


# --- scorecard, chart, portfolio --------------------------------------------------------------


class ScorecardView(LoginRequiredMixin, TemplateView):
    template_name = "kpis/scorecard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        partner = partner_selectors.partner_detail(user=user, pk=self.kwargs["partner_pk"])
        granularity = self.request.GET.get("granularity", "month")
        card = selectors.scorecard(
            user=user, partner=partner, granularity=granularity, day=parse_day(self.request.GET.get("day"))
        )
        context.update(
            partner=partner,
            card=card,
            granularities=periods.GRANULARITIES.items(),
            spark={str(r.partner_kpi_id): [v for _label, v in r.series] for r in card.results},
            spark_labels=[formats.period(start, card.granularity) for start in card.bucket_starts],
            can_submit=policy.allows(user, policy.ADD, Measurement),
        )
        return context


class ChartView(LoginRequiredMixin, TemplateView):
    template_name = "kpis/chart.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        assignment = selectors.partner_kpi_for(user=user, pk=self.kwargs["pk"])
        granularity = self.request.GET.get("granularity", "month")
        chart = selectors.kpi_chart(partner_kpi=assignment, granularity=granularity)
        context.update(
            assignment=assignment,
            partner=assignment.partner,
            kpi=assignment.kpi,
            chart=chart,
            granularities=periods.GRANULARITIES.items(),
            targets=selectors.target_history(user=user, partner_kpi=assignment),
            successes=selectors.successes_for(user=user, partner=assignment.partner).filter(partner_kpi=assignment)[
                :10
            ],
        )
        return context


class PortfolioView(HostRequiredMixin, TemplateView):
    template_name = "kpis/portfolio.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        granularity = self.request.GET.get("granularity", "month")
        if granularity not in periods.GRANULARITIES:
            granularity = "month"
        portfolio = selectors.portfolio(
            user=self.request.user, granularity=granularity, day=parse_day(self.request.GET.get("day"))
        )
        render_portfolio_cells(portfolio)
        context["portfolio"] = portfolio
        context["granularities"] = periods.GRANULARITIES.items()
        return context


def render_portfolio_cells(portfolio) -> None:
    """Pre-render the portfolio's rows: a template loop over thousands of cells costs more than the data.

    Every part is a number, a status from a fixed set or a URL with a number in it; names and
    texts are escaped. Numbers are rounded once, half up, by kpis.figures (as the templates'
    `figure` filter does) and localised like `number_format` ("14.327.548", "12,5").
    """
    chart_url = reverse("kpis:chart", args=[987654321]).replace("987654321", "{}")
    scorecard_url = reverse("kpis:scorecard", args=[987654321]).replace("987654321", "{}")
    # Python groups with "," and marks decimals with "."; the language's signs replace them.
    separators = str.maketrans({",": get_format("THOUSAND_SEPARATOR"), ".": get_format("DECIMAL_SEPARATOR")})
    not_assigned = escape(_("Not assigned"))
    empty = f'<td class="text-end text-muted" data-value="">·<span class="visually-hidden">{not_assigned}</span></td>'
    marks = {status: str(status_mark(status)) for status in STATUS_ICONS}
    for row in portfolio["rows"]:
        partner = row.partner
        name = escape(partner.name)
        parts = [f'<td data-value="{name}"><a href="{scorecard_url.format(int(partner.pk))}">{name}</a></td>']
        for cell in row.cells:
            if cell is None:
                parts.append(empty)
                continue
            if cell.actual is None:
                shown, sort_value = "–", ""
            else:
                shown = format(figures.rounded(cell.actual, cell.decimals), ",f").translate(separators)
                sort_value = repr(cell.actual)
            parts.append(
                f'<td class="text-end status-{escape(cell.status)}" data-value="{sort_value}">'
                f'<a class="text-reset" href="{chart_url.format(int(cell.partner_kpi_id))}">{escape(shown)}'
                f"{marks.get(cell.status, marks['no_data'])}</a></td>"
            )
        if row.overall is None:
            parts.append('<td class="text-end fw-bold" data-value="">–</td>')
        else:
            score = format(figures.rounded(row.overall, 0), "f")
            parts.append(f'<td class="text-end fw-bold" data-value="{row.overall:f}">{score} %</td>')
        row.html = mark_safe("".join(parts))  # noqa: S308 - numbers, fixed words and escaped text


# --- measurements -----------------------------------------------------------------------------


class MeasurementListView(LoginRequiredMixin, TemplateView):
    template_name = "kpis/measurement_list.html"

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context_data(**kwargs)
        user = self.request.user
        partner = partner_selectors.partner_detail(user=user, pk=self.kwargs["partner_pk"])
        qs = selectors.measurements_for(user=user, partner=partner)
        code = self.request.GET.get("kpi")
        if code:
            qs = qs.filter(kpi__code=code)
        page = Paginator(qs, 50).get_page(self.request.GET.get("page"))
        context.update(
            partner=partner,
            page_obj=page,
            query=urlencode({"kpi": code}) if code else "",
            measurements=page.object_list,
            assignments=selectors.visible_partner_kpis(user=user, partner=partner),
            can_add=_submittable(user, partner).exists(),
        )
        return context


def _submittable(user, partner):
    return policy.scope(user, "submit", selectors.visible_partner_kpis(user=user, partner=partner))


class MeasurementCreateView(KPIFormView):
    template_name = "kpis/measurement_form.html"
    form_class = MeasurementForm

    def setup_view(self):
        user = self.request.user
        self.partner = partner_selectors.partner_detail(
            user=user, pk=self.kwargs["partner_pk"]
        )  # 404 out of reach first
        if not policy.allows(user, policy.ADD, Measurement):
            raise PermissionDenied
        self.assignments = list(_submittable(user, self.partner))
        if not self.assignments:
            raise PermissionDenied

    def get_form_kwargs(self):
        return {"assignments": self.assignments, "partner": self.partner}

    def get_context_data(self, **context):
        return super().get_context_data(partner=self.partner, assignments=self.assignments, **context)

    def perform(self, form):
        _measurement, status = services.measurement_upsert(
            user=self.request.user, partner=self.partner, source=Source.FORM, **form.cleaned_data
        )
        return status

    def get_success_message(self, status):
        return {
            "created": _("The measurement was saved."),
            "updated": _("The measurement was corrected; the earlier value is kept in its history."),
            "unchanged": _("The same value was already recorded; nothing changed."),
        }[status]

    def get_success_url(self, status):
        return reverse("kpis:measurements", kwargs={"partner_pk": self.partner.pk})


# --- import -----------------------------------------------------------------------------------


class ImportView(LoginRequiredMixin, TemplateView):
    """Upload → preview with a status per row → confirm or cancel. All or nothing.

    Only a preview without errors keeps its file (for the confirmation); confirming, a refusal at
    confirmation, cancelling and the next upload delete it (see importing's preview files).
    """

    template_name = "kpis/import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policy.allows(request.user, policy.ADD, Measurement):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def default_partner(self):
        user = self.request.user
        return user.organization if policy.partner_ids(user) else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        context["columns"] = importing.COLUMNS
        context["max_mb"] = importing.MAX_UPLOAD_BYTES // 1024 // 1024
        user = self.request.user
        if policy.is_partner(user):
            context["template_partner"] = user.organization
        else:
            context["template_partners"] = partner_selectors.partner_choices(user=user)
        return context

    @staticmethod
    def _with_lines(items, problems):
        for problem in problems:
            problem["line"] = items[problem["index"]].line
        return problems

    def _preview(self, content, filename):
        user = self.request.user
        rows = importing.read_rows(content, filename)
        items = importing.build_items(rows, user=user, default_partner=self.default_partner())
        problems = services.validate_measurements(user=user, items=items)
        return items, self._with_lines(items, problems)

    def _forget_preview(self, request):
        """Delete this session's preview file, if any."""
        stored = request.session.pop("kpi_import", None) or {}
        importing.preview_delete(stored.get("token"))

    def _own_token(self, request) -> str | None:
        stored = request.session.get("kpi_import") or {}
        token = request.POST.get("token", "")
        return token if token and stored.get("token") == token else None

    def post(self, request, *args, **kwargs):
        if "confirm" in request.POST:
            return self.confirm(request)
        if "cancel" in request.POST:
            if self._own_token(request):
                self._forget_preview(request)
                messages.info(request, _("The import was cancelled; nothing was saved."))
            return redirect("kpis:import")
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        self._forget_preview(request)  # a new upload replaces the earlier preview
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_UPLOAD_BYTES:
            form.add_error(
                "file", _("The file is larger than %(mb)s MB.") % {"mb": importing.MAX_UPLOAD_BYTES // 1024 // 1024}
            )
            return self.render_to_response(self.get_context_data(form=form))
        content = upload.read()
        try:
            items, problems = self._preview(content, upload.name)
        except importing.FileError as exc:
            form.add_error("file", str(exc))
            return self.render_to_response(self.get_context_data(form=form))
        token = None
        if not problems:
            try:
                token = importing.preview_save(content)
            except uploads.UploadNotSaved as exc:
                form.add_error("file", exc.messages[0])
                return self.render_to_response(self.get_context_data(form=form))
            request.session["kpi_import"] = {"token": token, "name": upload.name}
        return self.render_to_response(
            self.get_context_data(form=form, items=items, problems=problems, token=token, filename=upload.name)
        )

    def confirm(self, request):
        token = self._own_token(request)
        content = importing.preview_read(token) if token else None
        if content is None:
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect("kpis:import")
        name = request.session["kpi_import"].get("name", "")
        self._forget_preview(request)  # confirmed or refused, the preview is used up
        try:
            rows = importing.read_rows(content, name)
            items = importing.build_items(rows, user=request.user, default_partner=self.default_partner())
            result = services.measurements_upsert(user=request.user, items=items, source=Source.IMPORT)
        except importing.FileError as exc:
            messages.error(request, str(exc))
            return redirect("kpis:import")
        except ValidationError as exc:
            problems = self._with_lines(items, getattr(exc, "problems", None) or [])
            return self.render_to_response(
                self.get_context_data(items=items, problems=problems, token=None, filename=name)
            )
        messages.success(
            request,
            _("Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % result.as_dict(),
        )
        partners = {m.partner_id for m in result.measurements}
        if len(partners) == 1:
            return redirect("kpis:scorecard", partner_pk=partners.pop())
        return redirect("kpis:import")


class ImportTemplateView(LoginRequiredMixin, View):
    """A file to fill in for the import: one row per KPI of the partner that the user may submit.

    Host staff name the partner (`?partner=`); a partner user gets their own organisation's.
    """

    def get(self, request):
        raw = request.GET.get("partner", "").strip()
        if not raw and policy.is_partner(request.user):
            raw = str(request.user.organization_id or "")
        if not (raw.isdigit() and len(raw) < 19):
            messages.error(request, _("Choose the partner whose template you want."))
            return redirect("kpis:import")
        partner = partner_selectors.partner_detail(
            user=request.user, pk=int(raw)
        )  # another partner's: 404, as for any object
        if not policy.allows(request.user, policy.ADD, Measurement):
            raise PermissionDenied
        fmt = export_format(request)
        assignments = selectors.submittable_partner_kpis(user=request.user, partner=partner)
        return exports.import_template_response(
            assignments,
            partner=partner,
            day=timezone.localdate() - timedelta(days=1),
            fmt=fmt,
            filename=f"import-template-{partner.pk}",
        )


# --- exports ----------------------------------------------------------------------------------


class MeasurementExportView(LoginRequiredMixin, View):
    def get(self, request, partner_pk):
        partner = partner_selectors.partner_detail(user=request.user, pk=partner_pk)
        fmt = export_format(request)
        qs = selectors.measurements_for(
            user=request.user,
            partner=partner,
            start=parse_day(request.GET.get("start")),
            end=parse_day(request.GET.get("end")),
        )
        return exports.measurements_response(qs, fmt=fmt, filename=f"measurements-{partner.pk}")


class ScorecardExportView(LoginRequiredMixin, View):
    def get(self, request, partner_pk):
        partner = partner_selectors.partner_detail(user=request.user, pk=partner_pk)
        fmt = export_format(request)
        card = selectors.scorecard(
            user=request.user,
            partner=partner,
            granularity=request.GET.get("granularity", "month"),
            day=parse_day(request.GET.get("day")),
        )
        return exports.scorecard_response(card, fmt=fmt, filename=f"scorecard-{partner.pk}-{card.label}")
