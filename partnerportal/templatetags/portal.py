import re
import secrets

from django import template
from django.apps import apps
from django.core.signals import setting_changed
from django.forms import CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select, SelectMultiple
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerportal import formats, hub, policy

register = template.Library()


# A user-agent string read as a person names it ("Chrome · Windows"), for "Your sessions". The order
# matters: Edge and Opera say "Chrome" too, Chrome says "Safari", iPhones say "Mac OS X".
_BROWSERS = (
    ("Edge", r"Edg(?:e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux|X11"),
)


@register.filter
def browser_name(user_agent):
    user_agent = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    return " · ".join(part for part in (browser, system) if part) or _("Unknown browser")


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


# --- The layout's top bar ----------------------------------------------------------------------
#
# The top bar is the same markup on every page of a person (in a language, on a kind of page), so
# it is rendered once per key and process and then reused: a page pays for its key and a join, not
# for ~20 URL reversals, the menu's loops and the translations. Each cached fragment is rendered
# from a context holding only what its key holds, so nothing else can leak into it; the values
# that change per request (the CSRF token, the page's own path, the unread count) are slots filled
# in per request (`_prerendered`, `_fill`). The caches live in partnerportal.hub (emptied when a
# registration or a URL or language setting changes; bounded).

# A slot's marker holds a secret of the process, so no name or text a person enters can pose as one.
_SLOT_MARK = f"\x00slot-{secrets.token_hex(8)}:"
_SLOT = re.compile(re.escape(_SLOT_MARK) + "(\\w+)\x00")


def _slot(name):
    return mark_safe(f"{_SLOT_MARK}{name}\x00")


def _prerendered(key, template_name, context, slots=()):
    """The parts of `template_name` rendered with `context` (and a marker for each slot), once per key:
    a list alternating markup and slot names."""
    parts = hub._NAV_HTML.get(key)
    if parts is None:
        html = render_to_string(template_name, {**context, **{name: _slot(name) for name in slots}})
        parts = hub.remember(hub._NAV_HTML, key, _SLOT.split(html))
    return parts


def _fill(parts, values):
    """The markup with each slot's value (already escaped) in its place."""
    return mark_safe("".join(values[part] if index % 2 else part for index, part in enumerate(parts)))


def _main_menu(request, user, menu):
    """The top bar's links (includes/main_menu.html): Dashboard and Partners for the people who run
    the partnerships, else their own partner's hub, then their menu (`hub.nav_menu_for`)."""
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    runs_partnerships = policy.may(user, "add", apps.get_model("partners.Organization"))
    own_hub = own_hub_name = ""
    if not runs_partnerships and user.organization_id:
        own_hub = _own_hub_url(user.organization_id)
        own_hub_name = user.organization.name
    context = {
        "nav_menu": menu,
        "runs_partnerships": runs_partnerships,
        "view_name": view_name if runs_partnerships and view_name in ("dashboard", "partners:list") else "",
        "own_hub": own_hub,
        "own_hub_name": own_hub_name,
        "own_hub_current": bool(own_hub) and request.path == own_hub,
    }
    key = ("main_menu", menu.key, *(value for name, value in context.items() if name != "nav_menu"))
    return key, "".join(_prerendered(key, "includes/main_menu.html", context))


def _own_hub_url(organization_id):
    key = ("own_hub", organization_id, get_urlconf(), get_script_prefix())
    url = hub._NAV_LAYOUTS.get(key)
    if url is None:
        url = hub.remember(hub._NAV_LAYOUTS, key, reverse("partners:detail", args=[organization_id]))
    return url


_NAVBAR_PAGES = ("notifications:inbox", "profile", "password_change", "api_token")


@register.simple_tag(takes_context=True)
def navbar(context):
    """`{% navbar %}`: the layout's top bar (includes/navbar.html) for the request's person."""
    request = context.get("request")
    user = getattr(request, "user", None)
    authenticated = bool(user is not None and user.is_authenticated)
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    values = {
        "authenticated": authenticated,
        "view_name": view_name if view_name in _NAVBAR_PAGES else "",
        "main_menu": "",
        "user_name": "",
        "role_name": "",
        "organization_name": None,
    }
    menu_key = None
    unread_badge = ""
    if authenticated:
        menu = context.get("nav_menu")
        if not hasattr(menu, "key"):
            menu = hub.nav_menu_for(user, request)
        menu_key, main_menu = _main_menu(request, user, menu)
        values["main_menu"] = mark_safe(main_menu)
        values["user_name"] = str(user)
        values["role_name"] = str(user.get_role_display())
        values["organization_name"] = user.organization.name if user.organization_id else None
        unread = context.get("unread_notifications")
        if unread is None:
            from partnerportal.notifications.selectors import unread_count

            unread = unread_count(user=user)
        if unread:
            unread_badge = format_html('<span class="badge text-bg-warning" id="unread-count">{}</span>', unread)
    key = (
        "navbar",
        translation.get_language(),
        get_urlconf(),
        get_script_prefix(),
        menu_key,
        *(value for name, value in values.items() if name != "main_menu"),
    )
    parts = _prerendered(key, "includes/navbar.html", values, slots=("csrf_input", "next_path", "unread_badge"))
    token = context.get("csrf_token")
    csrf_input = (
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != "NOTPROVIDED"
        else ""
    )
    next_path = escape(request.get_full_path()) if request is not None else ""
    return _fill(parts, {"csrf_input": csrf_input, "next_path": next_path, "unread_badge": unread_badge})


# Static files' URLs by path: the storage (and its manifest of hashed names) stays the same while the
# process runs, so the layout's stylesheets and scripts are looked up once, not on every page.
_ASSET_URLS: dict[str, str] = {}


@register.simple_tag
def asset(path):
    """`{% asset "css/portal.css" %}`: what `{% static "css/portal.css" %}` gives, worked out once."""
    url = _ASSET_URLS.get(path)
    if url is None:
        url = _ASSET_URLS[path] = static(path)
    return url


def _static_settings_changed(*, setting, **_kwargs):
    if setting in {"STATIC_URL", "STATIC_ROOT", "STATICFILES_DIRS", "STORAGES", "FORCE_SCRIPT_NAME"}:
        _ASSET_URLS.clear()


setting_changed.connect(_static_settings_changed)
