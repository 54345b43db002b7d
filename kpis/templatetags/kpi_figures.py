"""`{{ value|figure:decimals }}`: a KPI figure rounded once, half up, localised (kpis.figures)."""

from django import template
from django.utils.html import format_html

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
        return format_html('<span class="text-muted">–</span>')
    return figure(value, decimals)
