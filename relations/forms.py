from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from partnerportal import policy, widgets
from partnerportal.fields import max_length_of

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


class MeasurementPicker(forms.Widget):
    """A search for one of a partner's measurements instead of a select of thousands of rows.

    A text box (KPI or site) and a month narrow the list; the results come from
    relations:measurement_picker (scoped by the access policy) as radio buttons named like the
    field, none of them chosen. `search_url` carries the partner when it is fixed; otherwise the
    form's partner select (`partner_field_id`) is sent along and a new partner reloads the list.
    """

    template_name = "relations/widgets/measurement_picker.html"
    search_url = ""
    partner_field_id = ""
    choices = None  # the queryset a posted value is looked up in, to show it chosen again

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = None
        if value not in (None, "") and self.choices is not None and str(value).isdigit():
            chosen = self.choices.filter(pk=int(value)).first()
        context["widget"].update(
            search_url=self.search_url,
            partner_field_id=self.partner_field_id,
            results_id=f"{context['widget']['attrs'].get('id', name)}-results",
            chosen=chosen,
        )
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name) or None


class CaseForm(PartnerChoiceMixin, forms.ModelForm):
    measurement = forms.ModelChoiceField(
        label=_("Measurement"),
        queryset=None,
        required=False,
        help_text=_("Attach the measurement the case is about as a fact (optional)."),
        widget=MeasurementPicker,
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
        # Any measurement the user may see is accepted here; clean() keeps it to the chosen partner.
        choices = selectors.measurement_choices(user=user)
        field = self.fields["measurement"]
        field.queryset = choices
        field.widget.choices = choices
        field.widget.search_url = reverse("relations:measurement_picker")
        field.widget.partner_field_id = self["partner"].auto_id
        if measurement is not None:
            field.initial = measurement.pk

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
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)
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
        self.fields["participants"].queryset = selectors.engagement_participant_choices(user=user)

    def clean(self):
        data = super().clean()
        partner = data.get("partner")
        for person in data.get("participants") or []:
            if partner is not None and not person.organization.is_host and person.organization_id != partner.pk:
                self.add_error("participants", _("Participants come from the host or this partner."))
                break
        return data


class PartnerCheckboxes(forms.CheckboxSelectMultiple):
    """The partners to tick, one checkbox each in a bordered box that says when there is none to choose; the
    form template puts it in a fieldset with the field's label as its legend."""

    template_name = "relations/widgets/partner_checkboxes.html"


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
            "shared_with": PartnerCheckboxes(attrs={"class": "form-check-input"}),
        }
        help_texts = {"shared_with": _("Tick the partners who may see the plan. None ticked: the plan is internal.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shared_with"].queryset = selectors.roadmap_share_choices(item=self.instance)


class RoadmapCommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=max_length_of(RoadmapComment, "body"),
    )
    is_idea = forms.BooleanField(label=_("This is an idea"), required=False)
    partner = forms.ModelChoiceField(label=_("Partner thread"), queryset=None, required=False)

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
