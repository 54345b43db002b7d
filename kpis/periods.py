"""Calendar periods of the scorecards: week (ISO, Monday), month, quarter, year."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

GRANULARITIES = {
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
}
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_start(granularity: str, day: date) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if granularity == "year":
        return date(day.year, 1, 1)
    raise ValueError(f"unknown granularity {granularity!r}")


def shift(granularity: str, start: date, n: int) -> date:
    """The start of the period n periods after (n < 0: before) the one starting at `start`."""
    if granularity == "week":
        return start + timedelta(weeks=n)
    return start + relativedelta(months=_MONTHS[granularity] * n)


def period_end(granularity: str, start: date) -> date:
    return shift(granularity, start, 1) - timedelta(days=1)


def bounds(granularity: str, day: date) -> tuple[date, date]:
    start = period_start(granularity, day)
    return start, period_end(granularity, start)


def label(granularity: str, start: date) -> str:
    """The period's machine label ("2026-W48", "2026-11", "2026-Q4"): API, exports, chart data keys.
    People read the period in words: partnerportal.formats.period (`{{ start|period:granularity }}`)."""
    if granularity == "week":
        year, week, _weekday = start.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity == "month":
        return f"{start:%Y-%m}"
    if granularity == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def previous_range(start: date, end: date) -> tuple[date, date]:
    """The period of equal length just before [start, end] (whole calendar periods map to the previous one)."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        prev_start = start - relativedelta(months=months)
        return prev_start, start - timedelta(days=1)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def month_aligned(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1
