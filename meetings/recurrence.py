"""Recurrence in plain words ↔ RFC 5545 RRULE, and occurrences in a series' own time zone.

Occurrences are computed by dateutil on *naive local* date-times and only then localised with
zoneinfo: a 09:00 meeting is 09:00 in Copenhagen in winter and summer alike (its UTC instant
moves by an hour across the daylight-saving change instead).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from django.contrib.humanize.templatetags.humanize import ordinal as ordinal_number
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

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
]
# A rule the choices above cannot express (given through the API) is kept as it is: the edit form
# offers it by its words ("As now: …") instead of asking anyone to type an RRULE.
KEEP_CURRENT_LABEL = _("As now: %(rule)s")
ORDINAL_CHOICES = [
    (1, _("first")),
    (2, pgettext_lazy("ordinal", "second")),
    (3, _("third")),
    (4, _("fourth")),
    (-1, _("last")),
]
ORDINAL_WORDS = {**dict(ORDINAL_CHOICES), 5: _("fifth"), -2: _("second to last")}
# The weekday after "on" in a sentence (Danish: "om torsdagen").
WEEKDAYS_ON = {
    "MO": pgettext_lazy("on a weekday", "Monday"),
    "TU": pgettext_lazy("on a weekday", "Tuesday"),
    "WE": pgettext_lazy("on a weekday", "Wednesday"),
    "TH": pgettext_lazy("on a weekday", "Thursday"),
    "FR": pgettext_lazy("on a weekday", "Friday"),
    "SA": pgettext_lazy("on a weekday", "Saturday"),
    "SU": pgettext_lazy("on a weekday", "Sunday"),
}
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


MAX_INTERVAL = 12


def build_rrule(
    *,
    pattern: str,
    weekday: str = "",
    ordinal: int | None = None,
    day: int | None = None,
    interval: int | None = None,
    custom: str = "",
) -> str:
    """The RRULE text for a recurrence chosen in plain words (`interval`: every n-th week or month)."""
    if interval is not None and not 1 <= interval <= MAX_INTERVAL:
        raise RecurrenceError(_("Choose every 1 to %(n)d weeks or months.") % {"n": MAX_INTERVAL})
    every = f"INTERVAL={interval};" if interval and interval > 1 else ""
    if pattern == WEEKLY:
        return f"FREQ=WEEKLY;{every}BYDAY={_weekday(weekday)}"
    if pattern == BIWEEKLY:
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={_weekday(weekday)}"
    if pattern == MONTHLY_WEEKDAY:
        if ordinal not in (1, 2, 3, 4, -1):
            raise RecurrenceError(_("Choose which weekday of the month."))
        return f"FREQ=MONTHLY;{every}BYDAY={ordinal}{_weekday(weekday)}"
    if pattern == MONTHLY_DAY:
        if not day or not 1 <= day <= 28:
            raise RecurrenceError(_("Choose a day of the month between 1 and 28."))
        return f"FREQ=MONTHLY;{every}BYMONTHDAY={day}"
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
    """(pattern, fields) for a stored RRULE, so the form can show it in plain words again.

    Only when the choices rebuild exactly the stored text; otherwise (pattern CUSTOM) the form keeps
    the rule as it is, so saving an unchanged form never rewrites it."""
    text = normalise(text)
    found = _describe(text)
    if found is not None:
        pattern, fields = found
        try:
            if build_rrule(pattern=pattern, **fields) == text:
                return found
        except RecurrenceError:
            pass
    return CUSTOM, {"custom": text}


def _describe(text: str) -> tuple[str, dict] | None:
    parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
    freq, byday = parts.pop("FREQ", ""), parts.get("BYDAY", "")
    interval = parts.pop("INTERVAL", "1")
    if not interval.isdigit():
        return None
    interval = int(interval)
    keys = set(parts)
    if freq == "WEEKLY" and keys == {"BYDAY"} and byday in WEEKDAYS:
        if interval == 2:
            return BIWEEKLY, {"weekday": byday}
        return WEEKLY, {"weekday": byday, "interval": interval}
    if freq == "MONTHLY" and keys == {"BYDAY"} and byday[-2:] in WEEKDAYS:
        try:
            return MONTHLY_WEEKDAY, {"weekday": byday[-2:], "ordinal": int(byday[:-2]), "interval": interval}
        except ValueError:
            return None
    if freq == "MONTHLY" and keys == {"BYMONTHDAY"} and parts["BYMONTHDAY"].isdigit():
        return MONTHLY_DAY, {"day": int(parts["BYMONTHDAY"]), "interval": interval}
    if freq == "MONTHLY" and not keys and interval == 3:
        return QUARTERLY, {}
    return None


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


def next_occurrence(*, rrule: str, dtstart: datetime, after: datetime) -> datetime | None:
    """The first naive local start of the rule at or after `after` (None if there is none)."""
    return du.rrulestr(normalise(rrule), dtstart=dtstart).after(max(dtstart, after), inc=True)


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


# --- the rule in words ----------------------------------------------------------------------

# "every <period>" by frequency and interval; the general case is used from 4 on (2 and 3 read better
# as words in Danish: "hver anden uge", "hver tredje måned").
_PERIODS = {
    "DAILY": (
        lambda: gettext("every day"),
        lambda: gettext("every 2 days"),
        lambda: gettext("every 3 days"),
        lambda n: gettext("every %(n)d days") % {"n": n},
    ),
    "WEEKLY": (
        lambda: gettext("every week"),
        lambda: gettext("every 2 weeks"),
        lambda: gettext("every 3 weeks"),
        lambda n: gettext("every %(n)d weeks") % {"n": n},
    ),
    "MONTHLY": (
        lambda: gettext("every month"),
        lambda: gettext("every 2 months"),
        lambda: gettext("every 3 months"),
        lambda n: gettext("every %(n)d months") % {"n": n},
    ),
    "YEARLY": (
        lambda: gettext("every year"),
        lambda: gettext("every 2 years"),
        lambda: gettext("every 3 years"),
        lambda n: gettext("every %(n)d years") % {"n": n},
    ),
}
_KNOWN_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"}


def _period(freq: str, interval: int) -> str:
    one, two, three, many = _PERIODS[freq]
    return {1: one, 2: two, 3: three}.get(interval, lambda: many(interval))()


def _joined(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c" in the active language."""
    items = [str(i) for i in items]
    if len(items) == 1:
        return items[0]
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _day_of_month(day: int) -> str | None:
    if day == -1:
        return gettext("the last day")
    if 1 <= day <= 31:
        return pgettext("day of the month", "the %(day)s") % {"day": ordinal_number(day)}
    return None


def _until(value: str) -> date | None:
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _core(parts: dict, first_date: date | None) -> str | None:
    """The rule without COUNT/UNTIL in words, or None for a shape the words do not cover."""
    freq = parts.get("FREQ")
    if freq not in _PERIODS or not parts.get("INTERVAL", "1").isdigit() or int(parts.get("INTERVAL", "1")) < 1:
        return None
    interval = int(parts.get("INTERVAL", "1"))
    every = _period(freq, interval)
    byday = [d for d in parts.get("BYDAY", "").split(",") if d]
    bymonthday = [d for d in parts.get("BYMONTHDAY", "").split(",") if d]
    if byday and bymonthday:
        return None
    plain = [d for d in byday if d in WEEKDAYS]
    if byday and len(plain) == len(byday) and (freq == "WEEKLY" or (freq == "DAILY" and interval == 1)):
        if freq == "DAILY":
            every = _period("WEEKLY", 1)
        days = sorted(set(plain), key=WEEKDAYS.index)
        return gettext("%(every)s on %(weekdays)s") % {
            "every": every,
            "weekdays": _joined(WEEKDAYS_ON[d] for d in days),
        }
    if byday and freq == "MONTHLY" and not plain:
        nth = []
        for item in byday:
            number, weekday = item[:-2], item[-2:]
            try:
                word = ORDINAL_WORDS.get(int(number))
            except ValueError:
                return None
            if word is None or weekday not in WEEKDAYS:
                return None
            nth.append(f"{word} {dict(WEEKDAY_CHOICES)[weekday]}")
        return gettext("%(weekdays)s of %(every)s") % {"weekdays": _joined(nth), "every": every}
    if byday:
        return None
    if bymonthday and freq == "MONTHLY":
        try:
            days = [_day_of_month(int(d)) for d in bymonthday]
        except ValueError:
            return None
        if None in days:
            return None
        return gettext("%(every)s on %(days)s") % {"every": every, "days": _joined(days)}
    if bymonthday:
        return None
    # Nothing but the frequency: the rest comes from the first date.
    if first_date is not None and freq == "WEEKLY":
        weekday = WEEKDAYS_ON[WEEKDAYS[first_date.weekday()]]
        return gettext("%(every)s on %(weekdays)s") % {"every": every, "weekdays": weekday}
    if first_date is not None and freq == "MONTHLY":
        return gettext("%(every)s on %(days)s") % {"every": every, "days": _day_of_month(first_date.day)}
    if first_date is not None and freq == "YEARLY":
        return gettext("%(every)s on %(date)s") % {"every": every, "date": date_format(first_date, "MONTH_DAY_FORMAT")}
    return every


def in_words(rule: str, *, first_date: date | None = None) -> str:
    """The stored rule as a sentence in the active language: "First Tuesday of every month",
    "Hver anden uge om torsdagen". `first_date` supplies what a rule leaves to its start (the weekday
    of a bare weekly rule, the day of a quarterly one). A rule the words do not cover is named as a
    custom rule; the RRULE text itself is never shown."""
    text = normalise(rule)
    parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
    core = _core(parts, first_date) if set(parts) <= _KNOWN_PARTS else None
    if core is None:
        freq = parts.get("FREQ")
        if freq in _PERIODS:
            return capfirst(gettext("%(every)s, by a custom rule") % {"every": _period(freq, 1)})
        return gettext("By a custom rule")
    sentence = capfirst(core)
    if parts.get("COUNT", "").isdigit():
        count = int(parts["COUNT"])
        sentence = ngettext("%(rule)s, %(n)d time in all", "%(rule)s, %(n)d times in all", count) % {
            "rule": sentence,
            "n": count,
        }
    until = _until(parts.get("UNTIL", ""))
    if until is not None:
        sentence = gettext("%(rule)s, until %(date)s") % {"rule": sentence, "date": date_format(until, "DATE_FORMAT")}
    return sentence
