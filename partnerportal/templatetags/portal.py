from django import template
from django.apps import apps
from django.forms import CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select, SelectMultiple

from partnerportal import policy

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
