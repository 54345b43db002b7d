from django import forms
from django.utils.translation import gettext_lazy as _

from partnerportal import policy, widgets
from partnerportal.fields import max_length_of

from .models import Organization, OrganizationKind, Site

# A partner's name, kind and contact details (the form and the API show them in this order).
CONTACT_FIELDS = [
    "name",
    "kind",
    "registration_number",
    "address",
    "city",
    "country",
    "website",
    "email",
    "phone",
]


class PartnerForm(forms.ModelForm):
    website = forms.URLField(
        label=_("website"),
        required=False,
        assume_scheme="https",
        max_length=max_length_of(Organization, "website"),
    )

    class Meta:
        model = Organization
        fields = [*CONTACT_FIELDS, "partner_since", "description", "internal_notes", "is_active", "require_mfa"]
        widgets = {
            "partner_since": widgets.DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != OrganizationKind.HOST]
        if not policy.is_admin(user):  # only host admins require two-factor sign-in of a partner's people
            del self.fields["require_mfa"]


class PartnerSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types"))] + [c for c in OrganizationKind.choices if c[0] != "host"],
    )


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "code", "address", "city", "is_active"]
