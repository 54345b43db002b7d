from django import forms
from django.utils.translation import gettext_lazy as _

from kpis import selectors as kpi_selectors
from partnerportal import widgets
from partnerportal.fields import max_length_of
from partners import selectors as partner_selectors

from .models import AgreementTemplate, AgreementVersion, ChannelRule, EscalationStep, Responsibility, template_parts


def people_of_both_sides(partner) -> list[tuple[str, list[tuple[str, str, object]]]]:
    """The people of both sides of an agreement, grouped by side: (group label, [(key, label, user or contact)]).

    Keys are "u:<id>" for users and "c:<id>" for contacts.
    """
    groups = []
    for label, organization in ((_("Host"), partner_selectors.host_organization()), (_("Partner"), partner)):
        if organization is None:
            continue
        people = [
            (f"u:{u.pk}", f"{u} ({u.get_role_display()})", u)
            for u in partner_selectors.people_by_name(organization=organization)
        ]
        people += [
            (f"c:{c.pk}", f"{c}" + (f" – {c.title}" if c.title else ""), c)
            for c in partner_selectors.contacts_of(organization=organization)
        ]
        groups.append((f"{label}: {organization.name}", people))
    return groups


class PersonRowForm(forms.ModelForm):
    """A row form with one "person" select that maps to the user or the contact field."""

    person = forms.ChoiceField(label=_("Person"))

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        groups = people_of_both_sides(partner)
        self.people = {key: person for _label, people in groups for key, _name, person in people}
        self.fields["person"].choices = [("", "---------")] + [
            (label, [(key, name) for key, name, _person in people]) for label, people in groups
        ]
        if self.instance.pk:
            if self.instance.user_id:
                self.initial["person"] = f"u:{self.instance.user_id}"
            elif self.instance.contact_id:
                self.initial["person"] = f"c:{self.instance.contact_id}"

    def clean_person(self):
        key = self.cleaned_data["person"]
        if key not in self.people:
            raise forms.ValidationError(_("Choose a person."))
        return key

    def _post_clean(self):
        key = self.cleaned_data.get("person")
        if key in self.people:
            person = self.people[key]
            self.instance.user, self.instance.contact = (person, None) if key.startswith("u:") else (None, person)
        super()._post_clean()


class ResponsibilityForm(PersonRowForm):
    field_order = ["party", "activity", "person", "responsible_for"]

    class Meta:
        model = Responsibility
        fields = ["party", "activity", "responsible_for"]
        widgets = {"responsible_for": forms.Textarea(attrs={"rows": 2})}


class ChannelRuleForm(PersonRowForm):
    field_order = ["topic", "channel", "response_hours", "party", "person", "note"]

    class Meta:
        model = ChannelRule
        fields = ["topic", "channel", "response_hours", "party", "note"]
        labels = {"party": _("Owner side")}


class EscalationStepForm(PersonRowForm):
    field_order = ["level", "after_hours", "party", "person", "note"]

    class Meta:
        model = EscalationStep
        fields = ["level", "after_hours", "party", "note"]


ROW_FORMS = {
    "responsibility": ResponsibilityForm,
    "channel": ChannelRuleForm,
    "escalation": EscalationStepForm,
}


class VersionForm(forms.ModelForm):
    class Meta:
        model = AgreementVersion
        fields = ["review_date", "summary"]
        widgets = {
            "review_date": widgets.DateInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.agreement_id:
            self.fields["kpi_targets"] = forms.ModelMultipleChoiceField(
                label=_("KPI targets committed to"),
                queryset=kpi_selectors.shared_targets_of(partner=self.instance.agreement.partner),
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                initial=[target.pk for target in self.instance.kpi_targets.all()] if self.instance.pk else [],
            )
            self.fields["kpi_targets"].label_from_instance = lambda target: target.describe()


class AgreementCreateForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Leave empty for a standard title.")
    )
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=AgreementTemplate.objects.none(),
        required=False,
        empty_label=_("No template (an empty draft)"),
        help_text=_("The draft starts with the template's roles, channel matrix, escalation ladder and KPI targets."),
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates is None:
            del self.fields["template"]
        else:
            self.fields["template"].queryset = templates


class TerminateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for termination"),
        max_length=max_length_of(AgreementVersion, "termination_reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to both parties and kept in the agreement's history."),
    )


class CompareForm(forms.Form):
    old = forms.TypedChoiceField(label=_("Compare"), coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    new = forms.TypedChoiceField(label=_("with"), coerce=int, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (v.pk, _("Version %(number)s (%(status)s)") % {"number": v.number, "status": v.get_status_display()})
            for v in versions
        ]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("old") and data.get("old") == data.get("new"):
            raise forms.ValidationError(_("Choose two different versions."))
        return data


# --- agreement templates ------------------------------------------------------------------------


class TemplatePartRowForm(forms.Form):
    """One row of a template's part; the fields and rules are the row model's (template_parts)."""

    part = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The rows are a table: the column header names each control, and so does its own label.
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label))

    def clean(self):
        data = super().clean()
        if self.errors or not self.has_changed() or data.get("DELETE"):
            return data
        try:
            template_parts.validate_part_row(self.part, data)
        except forms.ValidationError as error:
            self.add_error(None, error)
        return data


def _row_form(part, model, names):
    return type(
        f"Template{model.__name__}Form",
        (TemplatePartRowForm,),
        {"part": part, **forms.fields_for_model(model, fields=names)},
    )


class TemplateKPIForm(TemplatePartRowForm):
    part = "kpis"
    kpi = forms.ModelChoiceField(label=_("KPI"), queryset=template_parts.active_kpis(), to_field_name="code")


for _name, _field in template_parts.kpi_target_form_fields().items():
    TemplateKPIForm.base_fields[_name] = _field

TEMPLATE_ROW_FORMS = {
    **{part: _row_form(part, model, names) for part, (model, names) in template_parts.ROW_PARTS.items()},
    "kpis": TemplateKPIForm,
}


class TemplatePartFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs.setdefault("aria-label", str(form.fields["DELETE"].label))


class TemplateForm(forms.Form):
    """A template: its name and flag, the review interval and the four parts as formsets (a few empty
    rows to add to; a ticked "delete" drops a row). Valid only when every part is."""

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=max_length_of(AgreementTemplate, "description"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    is_default = forms.BooleanField(label=_("Default template for new agreements"), required=False)
    review_interval_months = forms.IntegerField(
        label=_("Review interval (months)"), min_value=1, max_value=60, initial=12
    )
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=300,
        help_text=_("Shown in the template's history and to the agreements built on it."),
    )

    def __init__(self, data=None, files=None, *, revision=None, **kwargs):
        super().__init__(data, files, **kwargs)
        self.parts = {}
        for part, form_class in TEMPLATE_ROW_FORMS.items():
            # The rows are shown from the revision; a POST carries every row itself, so a row that is
            # sent counts whether or not it differs from the revision (only blank extra rows drop out).
            initial = list(getattr(revision, part)) if revision is not None and data is None else None
            formset_class = forms.formset_factory(form_class, formset=TemplatePartFormSet, extra=2, can_delete=True)
            self.parts[part] = formset_class(data, prefix=part, initial=initial)

    def part_formsets(self):
        return [(part, template_parts.PART_LABELS[part], formset) for part, formset in self.parts.items()]

    def is_valid(self):
        valid = super().is_valid()
        return all([valid, *(formset.is_valid() for formset in self.parts.values())])

    def cleaned_parts(self) -> dict:
        parts = {}
        for part, formset in self.parts.items():
            rows = []
            for form in formset.forms:
                if not form.has_changed() or form.cleaned_data.get("DELETE"):
                    continue
                row = {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
                rows.append(row)
            parts[part] = rows
        return parts
