from django import forms
from django.utils.translation import gettext_lazy as _

from partnerportal import widgets
from partners import selectors as partner_selectors

from . import selectors
from .models import Horizon, KPIDefinition, PartnerKPI, PeriodKind

GRANULARITY_CHOICES = [("week", _("Week")), ("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))]


class MeasurementForm(forms.Form):
    kpi = forms.ModelChoiceField(label=_("KPI"), queryset=None)
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.DAY)
    period_start = forms.DateField(
        label=_("Period start"), widget=widgets.DateInput(), help_text=_("A week starts on Monday.")
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=None, required=False)
    value = forms.FloatField(
        label=_("Value"), required=False, help_text=_("Not needed for ratios: computed from the parts.")
    )
    numerator = forms.FloatField(label=_("Numerator"), required=False)
    denominator = forms.FloatField(label=_("Denominator"), required=False)
    sample_size = forms.FloatField(label=_("Sample size"), required=False, help_text=_("e.g. shipments or responses"))

    def __init__(self, *args, assignments, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = selectors.definitions_of(assignments)
        self.fields["site"].queryset = partner_selectors.measurement_sites(partner=partner)


class PartnerKPIForm(forms.ModelForm):
    class Meta:
        model = PartnerKPI
        fields = ["kpi", "shared", "partner_can_submit", "weight", "responsible_host", "responsible_partner"]

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.partner = partner
        self.fields["kpi"].queryset = selectors.assignable_definitions(partner=partner, assignment_pk=self.instance.pk)
        if self.instance.pk:
            self.fields["kpi"].disabled = True
        self.fields["responsible_host"].queryset = partner_selectors.host_managers()
        self.fields["responsible_partner"].queryset = partner_selectors.people_of(organization=partner)


class TargetForm(forms.Form):
    horizon = forms.ChoiceField(label=_("Horizon"), choices=Horizon.choices)
    value = forms.FloatField(label=_("Target"))
    warning = forms.FloatField(
        label=_("Warning threshold"),
        required=False,
        help_text=_("Values worse than this are a warning. Empty: any miss of the target is a warning."),
    )
    critical = forms.FloatField(
        label=_("Critical threshold"),
        required=False,
        help_text=_("Reaching this value is critical and alerts both sides."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=widgets.DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=widgets.DateInput())
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))


# The fields of a KPI definition that its editors set (the form and the API show them in this order).
DEFINITION_FIELDS = [
    "code",
    "name",
    "unit",
    "direction",
    "aggregation",
    "scale",
    "decimals",
    "numerator_label",
    "denominator_label",
    "sample_size_label",
    "how_measured",
    "why_it_matters",
    "min_value",
    "max_value",
    # Issue 18: whose performance the KPI measures, and where its values come from.
    "subject",
    "measured_from",
]


class DefinitionForm(forms.ModelForm):
    class Meta:
        model = KPIDefinition
        fields = [*DEFINITION_FIELDS, "is_active"]
        widgets = {
            "how_measured": forms.Textarea(attrs={"rows": 3}),
            "why_it_matters": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A post (or a script) that leaves them out keeps today's meaning: about the partner, values entered.
        for name in ("subject", "measured_from"):
            self.fields[name].required = False

    def clean_subject(self):
        return self.cleaned_data.get("subject") or KPIDefinition._meta.get_field("subject").default

    def clean_measured_from(self):
        return self.cleaned_data.get("measured_from") or KPIDefinition._meta.get_field("measured_from").default


class DisputeForm(forms.Form):
    """A partner's dispute of one figure: which KPI, why, and evidence (a file or their own measured value)."""

    partner_kpi = forms.ModelChoiceField(label=_("Disputed figure"), queryset=None)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    evidence = forms.FileField(
        label=_("Evidence file"), required=False, help_text=_("PDF, image, spreadsheet or text, at most 10 MB.")
    )
    measured_value = forms.FloatField(
        label=_("Your measured value"), required=False, help_text=_("The figure as you measured it.")
    )

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_kpi"].queryset = assignments
        self.fields["partner_kpi"].label_from_instance = lambda a: a.kpi.display_name

    def clean(self):
        cleaned = super().clean()
        if not self.errors and cleaned.get("evidence") is None and cleaned.get("measured_value") is None:
            self.add_error("evidence", _("Add evidence: a file or your own measured value."))
        return cleaned


class DisputeAnswerForm(forms.Form):
    """The host's answer: correct the figure (one of the month's values, or a monthly value where there is
    none) or explain why it stands."""

    CORRECT, STANDS = "correct", "stands"
    outcome = forms.ChoiceField(
        label=_("Answer"),
        choices=[(CORRECT, _("Correct the figure")), (STANDS, _("The figure stands"))],
        widget=forms.RadioSelect,
        initial=CORRECT,
    )
    answer = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    measurement = forms.ModelChoiceField(label=_("Value to correct"), queryset=None, required=False)
    value = forms.FloatField(label=_("Value"), required=False)
    numerator = forms.FloatField(label=_("Numerator"), required=False)
    denominator = forms.FloatField(label=_("Denominator"), required=False)
    sample_size = forms.FloatField(label=_("Sample size"), required=False)

    def __init__(self, *args, measurements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measurement"].queryset = measurements
        self.fields["measurement"].empty_label = _("A new value for the whole month")
        self.fields["measurement"].label_from_instance = _measurement_label
        # A correction without a figure is refused by the service (kpis.reviews.dispute_correct).


def _measurement_label(m):
    from django.utils.formats import date_format, number_format

    site = f" · {m.site}" if m.site_id else ""
    day = date_format(m.period_start, "SHORT_DATE_FORMAT")
    return f"{day} ({m.get_period_kind_display()}){site}: {number_format(m.value)}"
