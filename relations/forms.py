from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from partnerportal import policy, widgets
from partnerportal.fields import max_length_of
from partners.models import Organization, OrganizationKind, User

from . import selectors
from .models import (
    ALLOWED_FILE_EXTENSIONS,
    Case,
    CaseStatus,
    Engagement,
    Kudos,
    Notice,
    RoadmapComment,
    RoadmapItem,
    SurveyResponse,
    SurveyRound,
)


class PartnerChoiceMixin:
    """A `partner` field limited to what the user may see (a partner user: their own)."""

    def setup_partner(self, user, initial_partner=None):
        field = self.fields["partner"]
        field.queryset = selectors.visible_partners(user=user)
        own = policy.partner_ids(user)  # None: every partner (host staff); else their own organisation
        field.empty_label = "—" if own is None else None
        if initial_partner is not None:
            field.initial = initial_partner.pk
        elif own:
            field.initial = own[0]


class NoticeForm(widgets.KeepPrecisionMixin, PartnerChoiceMixin, forms.ModelForm):
    class Meta:
        model = Notice
        fields = [
            "partner",
            "kind",
            "severity",
            "title",
            "affected_from",
            "affected_until",
            "description",
            "mitigation",
        ]
        widgets = {
            "affected_from": widgets.DateTimeInput(),
            "affected_until": widgets.DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_partner(user, partner)


def measurement_choices(user, partner):
    """The partner's measurements of the last 13 months that the user may see (facts for a case)."""
    from datetime import timedelta

    from django.utils import timezone

    from . import integrations

    model = integrations.model_or_none("kpis.Measurement")
    if model is None or partner is None:
        return None
    since = timezone.localdate() - timedelta(days=400)
    return (
        policy.scope(user, policy.VIEW, model)
        .filter(partner=partner, period_start__gte=since)
        .select_related("kpi", "partner")
        .order_by("-period_start", "kpi__name")
    )


class CaseForm(PartnerChoiceMixin, forms.ModelForm):
    measurement = forms.ModelChoiceField(
        label=_("Measurement"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Attach the measurement the case is about as a fact (optional)."),
    )

    class Meta:
        model = Case
        fields = ["partner", "title", "what_happened", "impact"]
        widgets = {"what_happened": forms.Textarea(attrs={"rows": 4}), "impact": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, partner=None, measurement=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partner is None and policy.partner_ids(user):
            partner = user.organization
        self.setup_partner(user, partner)
        choices = measurement_choices(user, partner)
        if choices is None:
            del self.fields["measurement"]
        else:
            self.fields["measurement"].queryset = choices
            if measurement is not None:
                self.fields["measurement"].initial = measurement.pk

    def clean(self):
        data = super().clean()
        measurement = data.get("measurement")
        if measurement is not None and data.get("partner") is not None and measurement.partner_id != data["partner"].pk:
            self.add_error("measurement", _("The measurement belongs to another partner."))
        return data


class CaseEditForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["title", "what_happened", "impact", "root_cause", "prevention", "no_action_reason"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields[1:]}


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=CaseStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the reader's language: a help text interpolated at import time would stay in English.
        self.fields["file"].help_text = _("Allowed: %(types)s; at most 10 MB.") % {
            "types": ", ".join(ALLOWED_FILE_EXTENSIONS)
        }


class ActionItemForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("action item", "Action"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), widget=widgets.DateInput())

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.action_owners(case=case)


class MeasurementLinkForm(forms.Form):
    measurement = forms.IntegerField(label=_("Measurement"), widget=forms.HiddenInput)


class KudosForm(PartnerChoiceMixin, forms.ModelForm):
    class Meta:
        model = Kudos
        fields = ["partner", "title", "message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_partner(user, partner)


class EngagementForm(widgets.KeepPrecisionMixin, PartnerChoiceMixin, forms.ModelForm):
    class Meta:
        model = Engagement
        fields = [
            "partner",
            "kind",
            "status",
            "title",
            "starts_at",
            "place",
            "participants",
            "agenda",
            "notes",
            "learnings",
        ]
        widgets = {
            "starts_at": widgets.DateTimeInput(),
            "participants": forms.SelectMultiple(attrs={"size": 6}),
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "learnings": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_partner(user, partner)
        from django.db.models import Q

        self.fields["participants"].queryset = (
            User.objects.filter(is_active=True)
            .filter(
                Q(organization__kind=OrganizationKind.HOST) | Q(organization__in=selectors.visible_partners(user=user))
            )
            .select_related("organization")
            .order_by("organization__name", "first_name")
        )

    def clean(self):
        data = super().clean()
        partner = data.get("partner")
        for person in data.get("participants") or []:
            if partner is not None and not person.organization.is_host and person.organization_id != partner.pk:
                self.add_error("participants", _("Participants come from the host or this partner."))
                break
        return data


class RoadmapForm(forms.ModelForm):
    class Meta:
        model = RoadmapItem
        fields = [
            "title",
            "category",
            "status",
            "starts_on",
            "ends_on",
            "description",
            "expected_effect",
            "shared_with",
        ]
        widgets = {
            "starts_on": widgets.DateInput(),
            "ends_on": widgets.DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "expected_effect": forms.Textarea(attrs={"rows": 3}),
            "shared_with": forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        }
        help_texts = {"shared_with": _("Tick the partners who may see the plan. None ticked: the plan is internal.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Active partners, plus any the plan is already shared with (so that editing keeps them).
        partners = Organization.objects.partners()
        choosable = partners.filter(is_active=True)
        if self.instance.pk:
            choosable = choosable | partners.filter(roadmap_items=self.instance)
        self.fields["shared_with"].queryset = choosable.distinct().order_by("name")


class RoadmapCommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=max_length_of(RoadmapComment, "body"),
    )
    is_idea = forms.BooleanField(label=_("This is an idea"), required=False)
    partner = forms.ModelChoiceField(label=_("Partner thread"), queryset=Organization.objects.none(), required=False)

    def __init__(self, *args, item, user, **kwargs):
        super().__init__(*args, **kwargs)
        if policy.allows(user, "answer_in_thread", RoadmapComment):
            self.fields["partner"].queryset = item.shared_with.all()
            self.fields["partner"].required = True
        else:
            del self.fields["partner"]


class SurveyRoundForm(PartnerChoiceMixin, forms.ModelForm):
    class Meta:
        model = SurveyRound
        fields = ["partner", "title", "opens_on", "closes_on", "anonymous"]
        widgets = {
            "opens_on": widgets.DateInput(),
            "closes_on": widgets.DateInput(),
        }

    def __init__(self, *args, user, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_partner(user, partner)
        self.fields["title"].required = False

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The survey cannot close before it opens."))
        return data


SCALE = [(str(i), str(i)) for i in range(1, 6)]


class SurveyAnswerForm(forms.Form):
    comment = forms.CharField(
        label=_("Anything else you want to tell us?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=max_length_of(SurveyResponse, "comment"),
    )

    def __init__(self, *args, survey, language="en", **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for question in survey.questions:
            fields[question["key"]] = forms.ChoiceField(
                label=question.get(language) or question["en"],
                choices=SCALE,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                help_text=_("1 = poor, 5 = excellent"),
            )
        self.fields = {**fields, **self.fields}
        self.question_keys = list(fields)
