from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from partnerportal import policy, widgets
from partnerportal.fields import max_length_of

from .models import Organization, OrganizationKind, Role, Site

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


# --- People ------------------------------------------------------------------------------------------


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"))
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        help_text=_("The e-mail and the new person's portal use this language."),
    )

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if value in roles]
        if policy.PARTNER_VIEWER in roles:
            self.fields["role"].initial = policy.PARTNER_VIEWER


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if value in roles]


class DeactivateForm(forms.Form):
    """One field per offboarding step with something to hand over: who takes it (or nobody)."""

    def __init__(self, *args, steps=(), successors=None, **kwargs):
        super().__init__(*args, **kwargs)
        for step, owned in steps:
            self.fields[f"hand_over_{step.key}"] = forms.ModelChoiceField(
                label=_("%(what)s (%(count)s): hand over to") % {"what": step.title, "count": len(owned)},
                queryset=successors,
                required=False,
                empty_label=_("Nobody (they stay with this person)"),
            )

    def hand_over(self) -> dict:
        prefix = "hand_over_"
        return {name[len(prefix) :]: value for name, value in self.cleaned_data.items() if name.startswith(prefix)}


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class AcceptInvitationWithSsoForm(forms.Form):
    """Accepting where the organisation signs in with single sign-on: the name only, no password."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
