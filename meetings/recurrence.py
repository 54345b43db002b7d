"""Recurrence in plain words ↔ RFC 5545 RRULE, and occurrences in a series' own time zone.

Occurrences are computed by dateutil on *naive local* date-times and only then localised with
zoneinfo: a 09:00 meeting is 09:00 in Copenhagen in winter and summer alike (its UTC instant
moves by an hour across the daylight-saving change instead).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

WEEKLY = "weekly"
BIWEEKLY = "biweekly"
MONTHLY_WEEKDAY = "monthly_weekday"
MONTHLY_DAY = "monthly_day"
QUARTERLY = "quarterly"
CUSTOM = "custom"

PATTERN_CHOICES = [
    (WEEKLY, _("Every week")),
    (BIWEEKLY, _("Every two weeks")),
    (MONTHLY_WEEKDAY, _("Monthly on the first, second, … weekday")),
    (MONTHLY_DAY, _("Monthly on a day of the month")),
    (QUARTERLY, _("Quarterly (every three months)")),
    (CUSTOM, _("Custom RRULE (administrators)")),
]
ORDINAL_CHOICES = [
    (1, _("first")),
    (2, pgettext_lazy("ordinal", "second")),
    (3, _("third")),
    (4, _("fourth")),
    (-1, _("last")),
]
WEEKDAY_CHOICES = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]


class RecurrenceError(ValueError):
    pass


def build_rrule(
    *, pattern: str, weekday: str = "", ordinal: int | None = None, day: int | None = None, custom: str = ""
) -> str:
    """The RRULE text for a recurrence chosen in plain words."""
    if pattern == WEEKLY:
        return f"FREQ=WEEKLY;BYDAY={_weekday(weekday)}"
    if pattern == BIWEEKLY:
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={_weekday(weekday)}"
    if pattern == MONTHLY_WEEKDAY:
        if ordinal not in (1, 2, 3, 4, -1):
            raise RecurrenceError(_("Choose which weekday of the month."))
        return f"FREQ=MONTHLY;BYDAY={ordinal}{_weekday(weekday)}"
    if pattern == MONTHLY_DAY:
        if not day or not 1 <= day <= 28:
            raise RecurrenceError(_("Choose a day of the month between 1 and 28."))
        return f"FREQ=MONTHLY;BYMONTHDAY={day}"
    if pattern == QUARTERLY:
        return "FREQ=MONTHLY;INTERVAL=3"
    if pattern == CUSTOM:
        validate_rrule(custom)
        return normalise(custom)
    raise RecurrenceError(_("Choose how often the meeting recurs."))


def _weekday(value):
    if value not in WEEKDAYS:
        raise RecurrenceError(_("Choose a weekday."))
    return value


def normalise(text: str) -> str:
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    return text.upper()


def validate_rrule(text: str) -> None:
    text = normalise(text)
    if not text or "FREQ=" not in text:
        raise RecurrenceError(_("A recurrence rule needs FREQ, e.g. FREQ=MONTHLY;BYDAY=1TU."))
    if "DTSTART" in text or "\n" in text:
        raise RecurrenceError(_("Give the rule only (no DTSTART)."))
    try:
        rule = du.rrulestr(text, dtstart=datetime(2026, 1, 1, 9, 0))
    except (ValueError, TypeError, KeyError) as exc:
        raise RecurrenceError(_("Not a valid recurrence rule: %(error)s") % {"error": exc}) from None
    freq = text.split("FREQ=")[1].split(";")[0]
    if freq in ("SECONDLY", "MINUTELY", "HOURLY"):
        raise RecurrenceError(_("Meetings recur daily at most."))
    if rule.after(datetime(2026, 1, 1, 8, 0), inc=True) is None:
        raise RecurrenceError(_("The rule has no occurrences."))


def describe(text: str) -> tuple[str, dict]:
    """(pattern, fields) for a stored RRULE, so the form can show it in plain words again."""
    text = normalise(text)
    parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
    keys = set(parts)
    byday = parts.get("BYDAY", "")
    if keys == {"FREQ", "BYDAY"} and parts["FREQ"] == "WEEKLY" and byday in WEEKDAYS:
        return WEEKLY, {"weekday": byday}
    if (
        keys == {"FREQ", "INTERVAL", "BYDAY"}
        and parts["FREQ"] == "WEEKLY"
        and parts["INTERVAL"] == "2"
        and byday in WEEKDAYS
    ):
        return BIWEEKLY, {"weekday": byday}
    if keys == {"FREQ", "BYDAY"} and parts["FREQ"] == "MONTHLY" and byday[-2:] in WEEKDAYS:
        try:
            return MONTHLY_WEEKDAY, {"weekday": byday[-2:], "ordinal": int(byday[:-2])}
        except ValueError:
            pass
    if keys == {"FREQ", "BYMONTHDAY"} and parts["FREQ"] == "MONTHLY":
        return MONTHLY_DAY, {"day": int(parts["BYMONTHDAY"])}
    if keys == {"FREQ", "INTERVAL"} and parts["FREQ"] == "MONTHLY" and parts["INTERVAL"] == "3":
        return QUARTERLY, {}
    return CUSTOM, {"custom": text}


def local_occurrences(*, rrule: str, dtstart: datetime, start: datetime, end: datetime) -> list[datetime]:
    """Naive local start times of the rule in [start, end] (all naive, in the series' zone)."""
    rule = du.rrulestr(normalise(rrule), dtstart=dtstart)
    return list(rule.between(start, end, inc=True))


def first_occurrence(*, rrule: str, dtstart: datetime) -> datetime | None:
    """The first naive local start the rule produces from `dtstart` on (None if it produces none).

    `dtstart` itself when it is on the rule; otherwise a later date (a "first Tuesday" series set up
    on a Wednesday starts on the next first Tuesday). dateutil never counts an off-rule `dtstart`,
    RFC 5545 always does, so a calendar file must start at this date for both to agree.
    """
    return du.rrulestr(normalise(rrule), dtstart=dtstart).after(dtstart, inc=True)


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time in `zone` as an aware UTC instant (fold=0: the first of an ambiguous hour;
    a time inside the spring-forward gap is moved forward by the gap)."""
    aware = local.replace(tzinfo=zone)
    roundtrip = aware.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if roundtrip.replace(tzinfo=None) != local:  # non-existent local time
        aware = (local + timedelta(hours=1)).replace(tzinfo=zone)
    return aware.astimezone(ZoneInfo("UTC"))


def occurrences_utc(*, rrule: str, dtstart: datetime, zone: ZoneInfo, start: date, end: date) -> list[datetime]:
    """UTC instants of the occurrences whose local date falls in [start, end]."""
    locals_ = local_occurrences(
        rrule=rrule,
        dtstart=dtstart,
        start=datetime.combine(start, datetime.min.time()),
        end=datetime.combine(end, datetime.max.time()),
    )
    return [to_utc(local, zone) for local in locals_]
