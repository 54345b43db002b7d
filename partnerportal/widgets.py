"""The portal's date and time inputs: always ISO values, whatever the language.

A browser's `<input type="date">` only accepts `2026-12-15`; given the Danish `15.12.2026` it shows an
empty field, and the next save wipes the date. So these widgets write ISO (`%Y-%m-%d`,
`%Y-%m-%dT%H:%M`, `%H:%M`) and the browser shows the date the user's way. How a date is *shown*
in text is a separate matter (templates, `|date`).

The form fields accept ISO in every language: Django appends the ISO input formats to the
locale's (Danish `%d.%m.%Y` first, then `%Y-%m-%d`), and DateTimeField parses `2026-12-15T10:00`.
`ISO_DATE_FORMATS` and friends spell this out for forms that set their own `input_formats`.

`KeepPrecisionMixin` keeps a stored time's seconds: `datetime-local` holds minutes, so an unchanged
save of 10:00:30 would otherwise store 10:00:00.
"""

from django import forms

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
TIME_FORMAT = "%H:%M"

ISO_DATE_FORMATS = [DATE_FORMAT]
ISO_DATETIME_FORMATS = [DATETIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
ISO_TIME_FORMATS = [TIME_FORMAT, "%H:%M:%S"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's argument name
        super().__init__(attrs, format=format or DATE_FORMAT)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None, format=None):  # noqa: A002
        super().__init__(attrs, format=format or DATETIME_FORMAT)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format=None):  # noqa: A002
        super().__init__(attrs, format=format or TIME_FORMAT)


class KeepPrecisionMixin:
    """A `datetime-local` or `time` value posted back unchanged keeps the stored seconds.

    The inputs hold whole minutes; when the posted value is the initial value cut to the minute, the
    initial value is kept, so an unchanged save changes nothing.
    """

    def _clean_fields(self):
        super()._clean_fields()
        for name, field in self.fields.items():
            if not isinstance(field.widget, (DateTimeInput, TimeInput)) or name not in self.cleaned_data:
                continue
            # Not get_initial_for_field(): it drops the microseconds.
            value, initial = self.cleaned_data[name], self.initial.get(name, field.initial)
            if callable(initial):
                initial = initial()
            if value is None or initial is None or type(initial) is not type(value):
                continue
            try:
                same_minute = initial.replace(second=0, microsecond=0) == value
            except TypeError:  # naive and aware
                continue
            if same_minute:
                self.cleaned_data[name] = initial
