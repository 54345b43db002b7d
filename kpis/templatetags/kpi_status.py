"""Status and trend in words as well as colour (WCAG 1.4.1): `{% status_mark r.status %}`, `{% trend_mark r %}`.

The colour of a cell or arrow is only a second cue: a shape that differs per status and a word that
screen readers read out ("Advarsel", "op – bedre"). The same marks serve the templates and the
portfolio's pre-rendered cells.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kpis.selectors import CRITICAL, NO_DATA, ON_TARGET, WARNING

register = template.Library()

STATUS_ICONS = {
    ON_TARGET: "check-circle",
    WARNING: "exclamation-triangle",
    CRITICAL: "x-octagon",
    NO_DATA: "dash-circle",
}


def status_word(status) -> str:
    # One lookup per call, not four (a scorecard asks once per KPI).
    if status == ON_TARGET:
        return _("On target")
    if status == WARNING:
        return _("Warning")
    if status == CRITICAL:
        return _("Critical")
    return _("No data")


@register.simple_tag
def status_mark(status):
    """A small shape per status and its word for screen readers; the cell keeps its colour."""
    return format_html(
        '<i class="bi bi-{} status-mark" aria-hidden="true"></i><span class="visually-hidden"> {}</span>',
        STATUS_ICONS.get(status, STATUS_ICONS[NO_DATA]),
        status_word(status),
    )


def _field(result, name):
    return result.get(name) if isinstance(result, dict) else getattr(result, name, None)


def _better(trend, direction) -> bool:
    return (trend == "up") == (direction != "lower")


def trend_name(trend, direction) -> str:
    """'up – better' or 'up – worse': better or worse follows the KPI's direction, not the arrow's."""
    if trend == "flat":
        return _("unchanged")
    if trend == "up":
        return _("up – better") if _better(trend, direction) else _("up – worse")
    return _("down – better") if _better(trend, direction) else _("down – worse")


@register.simple_tag
def trend_mark(result):
    """The arrow of a KPI result (object or agenda dict), named; nothing when there is no trend."""
    trend, direction = _field(result, "trend"), _field(result, "direction")
    if trend not in ("up", "down", "flat"):
        return ""
    if trend == "flat":
        icon, colour = "arrow-right", "text-muted"
    else:
        icon, colour = f"arrow-{trend}-right", "text-success" if _better(trend, direction) else "text-danger"
    name = trend_name(trend, direction)
    return format_html(
        '<span class="kpi-trend" data-trend="{}" title="{}"><i class="bi bi-{} {}" aria-hidden="true"></i>'
        '<span class="visually-hidden">{}</span></span>',
        trend,
        name,
        icon,
        colour,
        name,
    )


register.filter("status_word", status_word)  # `{{ r.status|status_word }}`: kpis/_status.html without an include
