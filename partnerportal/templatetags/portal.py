from django import template
from django.apps import apps
from django.forms import CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select, SelectMultiple
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerportal import formats, policy

register = template.Library()


@register.filter
def bs(field):
    """Render a form field's widget with Bootstrap's classes (and is-invalid on errors)."""
    widget = field.field.widget
    if isinstance(widget, (CheckboxInput, CheckboxSelectMultiple, RadioSelect)):
        css = "form-check-input"
    elif isinstance(widget, (Select, SelectMultiple)):
        css = "form-select"
    else:
        css = "form-control"
    existing = widget.attrs.get("class", "")
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def focus_id(field):
    """The id of the input that a link to `field` should focus: the field's own input, or the first
    choice of a group of radio buttons or checkboxes (whose label names no single input)."""
    if field.use_fieldset and field.auto_id:
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


@register.simple_tag(takes_context=True)
def querystring_without(context, *keys):
    params = context["request"].GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


@register.filter
def minutes(duration):
    """A timedelta as whole minutes (rounded up), e.g. for the lock-out page."""
    if duration is None:
        return ""
    return max(1, -(-int(duration.total_seconds()) // 60))


@register.simple_tag(takes_context=True)
def may(context, action, target):
    """`{% may "acknowledge" notice as can_ack %}` or `{% may "add" "relations.Notice" as can_post %}`:
    the access policy's answer for the signed-in user, so a page shows only the controls its user may
    use (an object, or a model as "app_label.Model")."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or target in (None, ""):
        return False
    if isinstance(target, str):
        target = apps.get_model(target)
    return policy.may(user, action, target)


@register.filter
def before_in_words(minutes):
    """A reminder offset in minutes as words: 2880 → "2 days before", 90 → "1 hour 30 minutes before"."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if mins or not parts:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", mins) % {"n": mins})
    return _("%(duration)s before") % {"duration": " ".join(parts)}


# --- Dates, periods and numbers for people: one style per language (partnerportal.formats) ---------
# `{{ d|day }}`, `{{ d|short_day }}`, `{{ dt|moment }}`, `{{ dt|short_moment }}`, `{{ dt|clock }}` and
# `{{ start|period:"week" }}` are the functions of the same name (their docstrings show the styles).
register.filter("day", formats.day)
register.filter("short_day", formats.short_day)
register.filter("moment", formats.moment)
register.filter("short_moment", formats.short_moment)
register.filter("clock", formats.clock)
register.filter("period", formats.period)


@register.filter
def number(value, decimals=None):
    """`{{ n|number }}` or `{{ n|number:1 }}`: grouped thousands, the language's decimal sign."""
    try:
        places = None if decimals in (None, "") else int(decimals)
    except (TypeError, ValueError):
        places = None
    return formats.number(value, places)


@register.filter
def quantity(value, unit=""):
    """`{{ n|quantity:kpi.display_unit }}`: a number and its unit, "14.327.548 stk.", "21,6 timer"."""
    return formats.quantity(value, unit)
