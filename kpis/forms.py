from django import forms
from django.utils.translation import gettext_lazy as _

from partnerportal import widgets
from partners.models import OrganizationKind, Site
from partners.selectors import host_managers

from .models import Horizon, KPIDefinition, PartnerKPI, PeriodKind

GRANULARITY_CHOICES = [("week", _("Week")), ("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))]


class MeasurementForm(forms.Form):
    kpi = forms.ModelChoiceField(label=_("KPI"), queryset=KPIDefinition.objects.none())
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.DAY)
    period_start = forms.DateField(
        label=_("Period start"), widget=widgets.DateInput(), help_text=_("A week starts on Monday.")
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    value = forms.FloatField(
        label=_("Value"), required=False, help_text=_("Not needed for ratios: computed from the parts.")
    )
    numerator = forms.FloatField(label=_("Numerator"), required=False)
    denominator = forms.FloatField(label=_("Denominator"), required=False)
    sample_size = forms.FloatField(label=_("Sample size"), required=False, help_text=_("e.g. shipments or responses"))

    def __init__(self, *args, assignments=None, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = KPIDefinition.objects.filter(pk__in=[a.kpi_id for a in assignments or []])
        if partner is not None:
            self.fields["site"].queryset = Site.objects.filter(
                organization__in=[
                    partner.pk,
                    *Site.objects.filter(organization__kind=OrganizationKind.HOST).values_list(
                        "organization", flat=True
                    )[:1],
                ],
                is_active=True,
            )


class PartnerKPIForm(forms.ModelForm):
    class Meta:
        model = PartnerKPI
        fields = ["kpi", "shared", "partner_can_submit", "weight", "responsible_host", "responsible_partner"]

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        from partners.models import User

        self.instance.partner = partner
        taken = PartnerKPI.objects.filter(partner=partner).exclude(pk=self.instance.pk).values("kpi")
        self.fields["kpi"].queryset = KPIDefinition.objects.filter(is_active=True).exclude(pk__in=taken)
        if self.instance.pk:
            self.fields["kpi"].disabled = True
        self.fields["responsible_host"].queryset = host_managers()
        self.fields["responsible_partner"].queryset = User.objects.filter(is_active=True, organization=partner)


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


class DefinitionForm(forms.ModelForm):
    class Meta:
        model = KPIDefinition
        fields = [
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
            "is_active",
        ]
        widgets = {
            "how_measured": forms.Textarea(attrs={"rows": 3}),
            "why_it_matters": forms.Textarea(attrs={"rows": 3}),
        }
