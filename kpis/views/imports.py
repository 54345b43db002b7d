"""Importing measurements from a file (upload, preview, confirm) and the file to fill in for it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from partnerportal import policy, uploads
from partners import selectors as partner_selectors

from .. import exports, importing, selectors, services
from ..forms import ImportForm
from ..models import Measurement, Source
from .common import export_format


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
        partner = self.default_partner()
        if partner is not None:
            context["template_partner"] = partner
        else:
            # The searchable picker asks partners:picker; the page only needs to know there is a partner.
            context["any_template_partner"] = bool(partner_selectors.partner_picker(user=user, limit=1))
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

    Host staff name the partner (`?partner=`, or `?partner_name=` from the searchable picker); a partner
    user gets their own organisation's.
    """

    def get(self, request):
        raw = request.GET.get("partner", "").strip()
        if "partner_name" in request.GET:  # the import page's searchable picker, with or without JavaScript
            picked = partner_selectors.partner_from_picker(user=request.user, params=request.GET).partner
            raw = str(picked.pk) if picked else ""
        if not raw and policy.partner_ids(request.user):  # a partner user: their own organisation
            raw = str(request.user.organization_id)
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
