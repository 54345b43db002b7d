from datetime import date, timedelta
from zoneinfo import available_timezones

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from partnerportal import policy, widgets
from partnerportal.fields import max_length_of
from partnerportal.templatetags.portal import before_in_words
from partners import selectors as partners_selectors

from . import recurrence, selectors
from .models import DEFAULT_REMINDER_OFFSETS, ActionItem, ActionStatus, AgendaTopic, Meeting, MeetingSeries, Purpose

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


class CheckboxList(forms.CheckboxSelectMultiple):
    """Choices to tick, one checkbox each (no Ctrl-click multi-select); the form template puts them in
    a fieldset with the field's label as its legend."""

    template_name = "meetings/widgets/checkboxes.html"


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        org = obj.organization.name if obj.organization_id else ""
        return f"{obj} ({org})" if org else str(obj)


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        org = obj.organization.name if obj.organization_id else ""
        return f"{obj} ({org})" if org else str(obj)


def people_for(partner):
    """Who may own or attend a partner's items: host staff and that partner's users (host staff only
    without a partner)."""
    if partner is None:
        return partners_selectors.host_managers().select_related("organization")
    return selectors.participant_choices(partner=partner)


# Reminder times offered as checkboxes (minutes before the start), besides any a series already has.
REMINDER_CHOICES = [7 * 24 * 60, 2 * 24 * 60, 24 * 60, 2 * 60, 60, 15]


def reminder_choices(current=()) -> list[tuple[str, str]]:
    """(minutes, "2 days before") for the usual reminder times and the ones given, longest first."""
    offsets = sorted(set(REMINDER_CHOICES) | {o for o in current if isinstance(o, int)}, reverse=True)
    return [(str(o), before_in_words(o)) for o in offsets]


class SeriesForm(widgets.KeepPrecisionMixin, forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=partners_selectors.partner_queryset().none())
    title = forms.CharField(label=_("Title"), max_length=200)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    pattern = forms.ChoiceField(label=_("Repeats"), choices=recurrence.PATTERN_CHOICES)
    weekday = forms.ChoiceField(label=_("Weekday"), choices=[("", "—"), *recurrence.WEEKDAY_CHOICES], required=False)
    ordinal = forms.TypedChoiceField(
        label=_("Which week of the month"),
        choices=[("", "—"), *recurrence.ORDINAL_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    day = forms.IntegerField(label=_("Day of the month"), min_value=1, max_value=28, required=False)
    interval = forms.IntegerField(
        label=_("Interval in weeks or months"),
        min_value=1,
        max_value=recurrence.MAX_INTERVAL,
        initial=1,
        required=False,
        help_text=_("1: every week (or month), 2: every other, 3: every third, …"),
    )
    first_date = forms.DateField(label=_("First meeting on"), widget=widgets.DateInput())
    start_time = forms.TimeField(label=_("Starts at (local time)"), widget=widgets.TimeInput())
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(z, z) for z in ZONES], initial="Europe/Copenhagen")
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60)
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_link = forms.URLField(
        label=_("Video link"),
        required=False,
        assume_scheme="https",
        max_length=max_length_of(MeetingSeries, "video_link"),
    )
    participants = PersonChoiceField(
        label=_("Participants"),
        queryset=partners_selectors.active_people().none(),
        required=False,
        widget=CheckboxList(),
    )
    reminders = forms.MultipleChoiceField(
        label=_("Reminders"), required=False, widget=CheckboxList(), initial=[str(o) for o in DEFAULT_REMINDER_OFFSETS]
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user, partner=None, series=None, **kwargs):
        self.user = user
        self.series = series
        if series is not None:
            kwargs.setdefault("initial", {}).update(self.initial_from(series))
            partner = series.partner
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners_selectors.active_partners()
        if series is not None:
            self.fields["partner"].disabled = True
        if partner is not None:
            self.fields["partner"].initial = partner.pk
        data_partner = self.data.get("partner") if self.is_bound and series is None else None
        if data_partner and str(data_partner).isdigit():
            partner = self.fields["partner"].queryset.filter(pk=data_partner).first() or partner
        self.fields["participants"].queryset = people_for(partner) if partner else partners_selectors.active_people()
        if series is not None and recurrence.describe(series.rrule)[0] == recurrence.CUSTOM:
            # A rule the choices cannot express (given through the API) stays as it is unless changed.
            keep = recurrence.KEEP_CURRENT_LABEL % {"rule": series.recurrence_in_words}
            self.fields["pattern"].choices = [(recurrence.CUSTOM, keep), *recurrence.PATTERN_CHOICES]
        stored = series.reminder_offsets if series is not None else []
        self.fields["reminders"].choices = reminder_choices(stored or [])
        if series is None:
            self.fields["first_date"].initial = timezone.localdate() + timedelta(days=7)

    @staticmethod
    def initial_from(series: MeetingSeries) -> dict:
        pattern, extra = recurrence.describe(series.rrule)
        initial = {
            "partner": series.partner_id,
            "title": series.title,
            "purpose": series.purpose,
            "pattern": pattern,
            "first_date": series.first_date,
            "start_time": series.start_time,
            "time_zone": series.time_zone,
            "duration_minutes": series.duration_minutes,
            "location": series.location,
            "video_link": series.video_link,
            "participants": list(series.participants.all()),
            "reminders": [str(o) for o in series.reminder_offsets or []],
            "active": series.active,
        }
        if "custom" not in extra:
            initial.update(extra)
        return initial

    def clean_reminders(self):
        chosen = [int(o) for o in self.cleaned_data.get("reminders") or []]
        stored = self.series.reminder_offsets if self.series is not None else []
        if set(chosen) == set(stored or []):
            return list(stored)  # unchanged: the stored order too
        return sorted(set(chosen), reverse=True)

    def clean(self):
        data = super().clean()
        pattern = data.get("pattern")
        first = data.get("first_date")
        if pattern == recurrence.CUSTOM:
            data["rrule"] = self.series.rrule  # only offered when editing a series with such a rule
        elif pattern and first:
            weekday = data.get("weekday") or recurrence.WEEKDAYS[first.weekday()]
            try:
                data["rrule"] = recurrence.build_rrule(
                    pattern=pattern,
                    weekday=weekday,
                    ordinal=data.get("ordinal"),
                    day=data.get("day") or (first.day if pattern == recurrence.MONTHLY_DAY else None),
                    interval=data.get("interval") or 1,
                )
            except recurrence.RecurrenceError as exc:
                self.add_error("pattern", str(exc))
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "purpose": d["purpose"],
            "rrule": d["rrule"],
            "time_zone": d["time_zone"],
            "first_date": d["first_date"],
            "start_time": d["start_time"],
            "duration_minutes": d["duration_minutes"],
            "location": d["location"],
            "video_link": d["video_link"],
            "reminder_offsets": d["reminders"],
            "active": d["active"],
            "participants": list(d["participants"]),
        }


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=200)
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=max_length_of(AgendaTopic, "description"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    internal = forms.BooleanField(label=_("Internal (host staff only)"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not policy.allows(user, "mark_internal", AgendaTopic):
            del self.fields["internal"]


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=max_length_of(Meeting, "minutes"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        max_length=max_length_of(Meeting, "decisions"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    present = PersonChoiceField(
        label=_("Present"),
        queryset=partners_selectors.active_people().none(),
        required=False,
        widget=CheckboxList(),
        help_text=_("Tick everyone who took part."),
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = selectors.meeting_participants(meeting=meeting)


class MoveForm(forms.Form):
    start = forms.DateTimeField(
        label=_("New start (local time)"),
        widget=widgets.DateTimeInput(),
        input_formats=widgets.ISO_DATETIME_FORMATS,
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=24 * 60)


class ActionItemForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("action item", "Action"), max_length=200)
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=max_length_of(ActionItem, "description"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner = PersonField(label=_("Owner"), queryset=partners_selectors.active_people().none())
    due_date = forms.DateField(label=_("Due date"), widget=widgets.DateInput())

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_for(partner)
        self.fields["due_date"].initial = date.today() + timedelta(days=14)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not policy.allows(user, "cancel", ActionItem):
            self.fields["status"].choices = [c for c in ActionStatus.choices if c[0] != ActionStatus.CANCELLED]


class FeedForm(forms.Form):
    include_organised = forms.BooleanField(label=_("Include all meetings of series I organise"), required=False)
