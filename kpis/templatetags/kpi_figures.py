"""`{{ value|figure:decimals }}`: a KPI figure rounded once, half up, localised (kpis.figures)."""

from django import template

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
