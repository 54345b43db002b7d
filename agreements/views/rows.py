"""The rows of a draft (responsibilities, channel rules, escalation steps): show, add, edit, delete."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views import View

from partnerportal.htmx import announce, form_errors_text
from partnerportal.views import ServiceActionView

from .. import selectors, services
from ..forms import ROW_FORMS
from ..models import ChannelRule, EscalationStep, Responsibility
from .versions import DraftFormView, DraftMixin

ROW_MODELS = {"responsibility": Responsibility, "channel": ChannelRule, "escalation": EscalationStep}


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
