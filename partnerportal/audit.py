"""The audit log: who changed what, across every model that keeps a django-simple-history trail.

Models are discovered, not listed: any model with `HistoricalRecords()` (partners, KPIs,
agreements, relations, ...) shows up here without this module knowing about it. The page costs
a fixed number of queries whatever the number of rows: one UNION query for the page of change
entries, one for the count, then one query per model type on the page for the full records and
their predecessors (for the diff), and one for the users.
"""

from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import CharField, Q, Value
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views import View

from partnerportal.views import AdminRequiredMixin

PAGE_SIZE = 50
CHANGE_TYPES = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
# Attributes tried, in order, to name an object without extra queries.
LABEL_FIELDS = ("name", "title", "username", "subject", "code", "summary")


def tracked_models() -> dict[str, type]:
    """label ("app_label.modelname") -> model, for every model that keeps a history."""
    found = {}
    for model in apps.get_models():
        attribute = getattr(model._meta, "simple_history_manager_attribute", None)
        if attribute and hasattr(model, attribute):
            found[model._meta.label_lower] = model
    return dict(sorted(found.items(), key=lambda item: str(item[1]._meta.verbose_name_plural).lower()))


def history_model_of(model):
    return getattr(model, model._meta.simple_history_manager_attribute).model


@dataclass
class AuditEntry:
    model: type
    record: object
    user: object
    changes: list  # [(field verbose name, old, new)]

    @property
    def change_type(self):
        return CHANGE_TYPES.get(self.record.history_type, self.record.history_type)

    @property
    def model_name(self):
        return self.model._meta.verbose_name

    @property
    def object_label(self):
        for field in LABEL_FIELDS:
            value = getattr(self.record, field, None)
            if value:
                return str(value)
        return f"#{self.object_id}"

    @property
    def object_id(self):
        return getattr(self.record, self.model._meta.pk.attname)

    @property
    def admin_history_url(self):
        """The object's history page in the Django admin, when the model is managed there."""
        if self.model not in admin.site._registry or self.record.history_type == "-":
            return None
        opts = self.model._meta
        try:
            return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[self.object_id])
        except NoReverseMatch:
            return None


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("Type of object"), required=False)
    user = forms.ModelChoiceField(label=_("Changed by"), required=False, queryset=get_user_model().objects.none())

    def __init__(self, *args, models, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("All types"))] + [
            (label, str(model._meta.verbose_name_plural).capitalize()) for label, model in models.items()
        ]
        self.fields["user"].queryset = get_user_model().objects.order_by("username")
        self.fields["user"].empty_label = _("Anyone")


class AuditLog:
    """The change entries of the chosen models (and user), newest first."""

    def __init__(self, *, models: dict[str, type], user=None):
        self.models = models
        self.user = user

    def _union(self):
        parts = []
        for label, model in self.models.items():
            qs = history_model_of(model).objects.order_by()  # SQLite: no ORDER BY inside a UNION
            if self.user is not None:
                qs = qs.filter(history_user=self.user)
            parts.append(
                qs.annotate(model_label=Value(label, output_field=CharField())).values_list(
                    "history_id", "history_date", "model_label"
                )
            )
        if not parts:
            return None
        first, *rest = parts
        return first.union(*rest, all=True) if rest else first

    @cached_property
    def _query(self):
        return self._union()

    def count(self):
        return self._query.count() if self._query is not None else 0

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        if self._query is None:
            return []
        if not isinstance(item, slice):
            raise TypeError("the audit log is paginated by slices")
        keys = list(self._query.order_by("-history_date", "-history_id")[item])
        return self._entries(keys)

    def _entries(self, keys):
        by_model = {}
        for history_id, _date, label in keys:
            by_model.setdefault(label, []).append(history_id)
        records = {}
        previous = {}
        for label, ids in by_model.items():
            model = self.models[label]
            history_model = history_model_of(model)
            pk_name = model._meta.pk.attname
            rows = {r.history_id: r for r in history_model.objects.filter(history_id__in=ids)}
            object_ids = {getattr(r, pk_name) for r in rows.values()}
            # All records of the objects on the page, to find each record's predecessor for the diff.
            trail = history_model.objects.filter(**{f"{pk_name}__in": object_ids}).order_by(
                pk_name, "history_date", "history_id"
            )
            last_by_object = {}
            for record in trail:
                key = getattr(record, pk_name)
                if record.history_id in rows:
                    previous[(label, record.history_id)] = last_by_object.get(key)
                last_by_object[key] = record
            for history_id, record in rows.items():
                records[(label, history_id)] = record
        users = get_user_model().objects.in_bulk(
            {r.history_user_id for r in records.values() if getattr(r, "history_user_id", None)}
        )
        entries = []
        for history_id, _date, label in keys:
            record = records.get((label, history_id))
            if record is None:
                continue
            model = self.models[label]
            entries.append(
                AuditEntry(
                    model=model,
                    record=record,
                    user=users.get(getattr(record, "history_user_id", None)),
                    changes=self._changes(model, record, previous.get((label, history_id))),
                )
            )
        return entries

    @staticmethod
    def _changes(model, record, previous):
        if previous is None or record.history_type != "~":
            return []
        m2m = [field.name for field in model._meta.many_to_many]
        delta = record.diff_against(previous, excluded_fields=m2m)
        changes = []
        for change in delta.changes:
            try:
                field = model._meta.get_field(change.field)
            except Exception:  # noqa: BLE001 - a field since removed from the model
                changes.append((change.field, _short(change.old), _short(change.new)))
                continue
            # A choice is shown by its label in the reader's language, not by its stored code.
            labels = dict(field.flatchoices) if field.choices else {}
            old, new = (labels.get(value, value) for value in (change.old, change.new))
            changes.append((str(field.verbose_name), _short(old), _short(new)))
        return changes


def _short(value, limit=80):
    if value is None or value == "":
        return "–"
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AuditLogView(AdminRequiredMixin, View):
    """Admins only: recent changes to the core data, filterable by type of object and user."""

    def get(self, request):
        models = tracked_models()
        form = AuditFilterForm(request.GET or None, models=models)
        chosen, user = models, None
        if form.is_valid():
            if form.cleaned_data["model"]:
                label = form.cleaned_data["model"]
                chosen = {label: models[label]}
            user = form.cleaned_data["user"]
        page = Paginator(AuditLog(models=chosen, user=user), PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "audit/log.html", {"form": form, "page": page, "query": query.urlencode()})


# --- Account events (issue 17): sign-ins, failed sign-ins, passwords, second factors, sessions, tokens,
# invitations and roles. Kept by the partners app (`AccountEvent`); the shell reads it by name, as it finds
# the tracked models above, instead of importing the app.


def account_event_model():
    return apps.get_model("partners", "AccountEvent")


class AccountEventFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), required=False)
    person = forms.ModelChoiceField(label=_("Person"), required=False, queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind_field = account_event_model()._meta.get_field("kind")
        self.fields["kind"].choices = [("", _("All events")), *kind_field.choices]
        self.fields["person"].queryset = get_user_model().objects.order_by("username")
        self.fields["person"].empty_label = _("Anyone")


class AccountEventsView(AdminRequiredMixin, View):
    """Admins only: the account events, newest first, filterable by event and person (as the person
    whose account it is, or the one who did it), paged. Three queries: the page, the count, the users."""

    def get(self, request):
        form = AccountEventFilterForm(request.GET or None)
        events = (
            account_event_model().objects.select_related("user", "actor", "organization").order_by("-created_at", "-id")
        )
        if form.is_valid():
            if form.cleaned_data["kind"]:
                events = events.filter(kind=form.cleaned_data["kind"])
            person = form.cleaned_data["person"]
            if person is not None:
                events = events.filter(Q(user=person) | Q(actor=person))
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "audit/account_events.html", {"form": form, "page": page, "query": query.urlencode()})
