"""`{{ value|figure:decimals }}`: a KPI figure rounded once, half up, localised (kpis.figures)."""

from django import template
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from kpis import figures

register = template.Library()

DEFAULT_DECIMALS = 2  # a figure whose number of decimals is not known (e.g. an agenda frozen without it)


@register.filter
def figure(value, decimals=DEFAULT_DECIMALS):
    """The figure as text ('' for None: the templates show their own placeholder for no data)."""
    if value is None or value == "":
        return ""
    try:
        places = int(decimals)
    except (TypeError, ValueError):
        places = DEFAULT_DECIMALS
    try:
        return figures.shown(value, places)
    except (TypeError, ValueError):
        return ""


@register.filter
def figure_or_dash(value, decimals=DEFAULT_DECIMALS):
    """What kpis/_value.html shows, as a filter: the figure, or a muted dash for no data.

    For tables of figures (the scorecard: ~90 per page), where an include per cell costs more than the data.
    """
    if value is None:
        return NO_FIGURE
    try:
        return shown_fast(value, int(decimals))
    except (TypeError, ValueError):
        return figure(value, decimals)


NO_FIGURE = mark_safe('<span class="text-muted">–</span>')  # a fixed tag
_SIGNS: dict[str, dict] = {}


def shown_fast(value, places: int) -> str:
    """`figures.shown(value, places)` for a number, in a third of the time: the same rounded figure, formatted
    by Python with "," and "." and those replaced by the language's signs (what `number_format` does with
    grouping on, as the portfolio's cells do). A zero shows no sign, as in `number_format`."""
    number = figures.rounded(value, places)
    if not number:
        number = abs(number)
    return format(number, ",f").translate(_signs())


def _signs() -> dict:
    """The translation of Python's "," and "." into the active language's signs."""
    language = get_language()
    signs = _SIGNS.get(language)
    if signs is None:
        signs = _SIGNS[language] = str.maketrans(
            {",": get_format("THOUSAND_SEPARATOR"), ".": get_format("DECIMAL_SEPARATOR")}
        )
    return signs


def fast_figures():
    """`shown_fast` with the active language's signs looked up once: for a table of figures (the
    scorecard's ~90), where looking up the language per figure cost as much as the figure."""
    signs, rounded = _signs(), figures.rounded

    def shown(value, places: int) -> str:
        number = rounded(value, places)
        if not number:
            number = abs(number)
        return format(number, ",f").translate(signs)

    return shown
