from django import forms
from django.utils.translation import gettext_lazy as _

from kpis import selectors as kpi_selectors
from partnerportal import widgets
from partnerportal.fields import max_length_of
from partners import selectors as partner_selectors

from .models import AgreementVersion, ChannelRule, EscalationStep, Responsibility


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
