"""How dates, periods and numbers are *shown*: one style per language.

The styles themselves are the format modules beside this file (`da/formats.py`, `en/formats.py`,
found through FORMAT_MODULE_PATH). Everything a person reads goes through them:

- `day(d)` the long date ("1. december 2026", "1 December 2026"): detail pages and e-mails;
- `short_day(d)` the short date ("1. dec. 2026", "1 Dec 2026"): tables and lists;
- `moment(dt)` / `short_moment(dt)` the same with the time of day, in the active time zone;
- `period(start, granularity)` a calendar period in words ("uge 48 2026", "Q4 2026");
- `quantity(value, unit, decimals)` a figure with its unit ("21,6 timer").

Templates use the same through the filters of `partnerportal/templatetags/portal.py` (`|day`,
`|short_day`, `|moment`, `|short_moment`, `|period:"month"`, `|quantity:unit`).

What a machine reads (form inputs, CSV/JSON/API, data-attributes, URLs) stays ISO and unlocalised.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

GRANULARITIES = ("day", "week", "month", "quarter", "year")


def _local(value):
    """A date or datetime (aware ones in the active time zone); ISO text as stored in JSON is read too
    ("2026-11" is a month, "2026-11-15" a day, "2026-11-15T10:00:00+00:00" a moment)."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 7:
            value = date.fromisoformat(text + "-01")
        elif len(text) == 10:
            value = date.fromisoformat(text)
        else:
            value = datetime.fromisoformat(text)
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def day(value) -> str:
    """The long date: "1. december 2026" / "1 December 2026" ('' for None)."""
    if value in (None, ""):
        return ""
    return date_format(_local(value), "DATE_FORMAT")


def short_day(value) -> str:
    """The short date of tables and lists: "1. dec. 2026" / "1 Dec 2026"."""
    if value in (None, ""):
        return ""
    return date_format(_local(value), "SHORT_DATE_FORMAT")


def moment(value) -> str:
    """A point in time: "tirsdag 1. december 2026 kl. 14:30" / "Tuesday 1 December 2026, 14:30"."""
    if value in (None, ""):
        return ""
    value = _local(value)
    if not isinstance(value, datetime):
        return day(value)
    return date_format(value, "DATETIME_FORMAT")


def short_moment(value) -> str:
    """A point in time in a table: "1. dec. 2026 kl. 14:30" / "1 Dec 2026, 14:30"."""
    if value in (None, ""):
        return ""
    value = _local(value)
    if not isinstance(value, datetime):
        return short_day(value)
    return date_format(value, "SHORT_DATETIME_FORMAT")


def clock(value) -> str:
    """The time of day: "14:30"."""
    if value in (None, ""):
        return ""
    return date_format(_local(value), "TIME_FORMAT")


def period(start, granularity: str = "month") -> str:
    """The calendar period that begins on `start`, in words.

    day "1. dec. 2026", week "uge 48 2026" / "week 48 2026" (ISO week and its ISO year),
    month "november 2026" / "November 2026", quarter "4. kvartal 2026" / "Q4 2026", year "2026".
    """
    if start in (None, ""):
        return ""
    start = _local(start)
    if isinstance(start, datetime):
        start = start.date()
    if granularity == "week":
        year, week, _weekday = start.isocalendar()
        return _("week %(week)d %(year)s") % {"week": week, "year": year}
    if granularity == "month":
        return date_format(start, "YEAR_MONTH_FORMAT")
    if granularity == "quarter":
        return _("Q%(quarter)d %(year)s") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year}
    if granularity == "year":
        return str(start.year)
    return short_day(start)


def number(value, decimals: int | None = None) -> str:
    """A number for people: grouped thousands and the language's decimal sign ("14.327.548", "12,5")."""
    if value in (None, ""):
        return ""
    return number_format(value, decimals, force_grouping=True)


def quantity(value, unit: str = "", decimals: int | None = None) -> str:
    """A figure and its unit: "21,6 timer", "98,5 %", "14.327.548 stk." ('' for no figure).

    With `decimals` the figure is shown with that many places; KPI figures come rounded already
    (kpis.figures.rounded: half up, once), so nothing is rounded a second way here."""
    if value in (None, ""):
        return ""
    text = number(value, None if decimals is None else int(decimals))
    unit = str(unit or "").strip()
    return f"{text} {unit}" if unit else text
