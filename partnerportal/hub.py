"""The shell's extension points: how apps plug into the shared UI without editing each other.

One convention: an app's `<app>/hub.py` has a `register()` that makes all of the app's registrations
with the shell, and its `AppConfig.ready()` calls it (``from . import hub; hub.register()``). Nothing
registers as a side effect of importing a module. The three extension points of this module:

- Navigation, `nav_item(label, url_name, *, visible, order, icon, group, url_kwargs)`: an entry in the
  top bar, shown to the people the access policy lets use it (`visible(user) -> bool`, asking the
  policy; default: every signed-in person with a role). With `group=` it goes into one of the shared
  menus (`nav_group`: kpis, collaboration, relationship, administration), so the top bar keeps a few
  entries and fits a laptop screen; a menu holding one visible item is shown as that item's own link.
  `url_kwargs(user)` gives the URL's arguments for a page of the person's own (their scorecard).
  `visible` and `url_kwargs` are asked on every request; the URLs, the order and the markup of the
  top bar are worked out once per process for each set of visible items and language (see
  `nav_menu_for`), so both must depend on nothing but the user::

      hub.nav_item(_("Meetings"), "meetings:meeting_list", order=50, icon="calendar-event", group="collaboration")

- Partner hub sections, `partner_section(key, template, context, *, order, lazy, title)`: a section on
  the partner hub page (partners:detail). `context(request, partner)` returns the template's context,
  or None to hide the section from this person::

      hub.partner_section("meetings", "meetings/_hub_section.html", partner_section, order=40)

  A section below the fold is registered `lazy=True` with its `title`: the hub's first answer holds
  only a placeholder under that title, and htmx fetches the section from partners:section
  (`/partners/<pk>/sections/<key>/`, the same access check as the hub; None from `context` is a 404)
  when it scrolls into view. Without JavaScript the placeholder is a link to that page::

      hub.partner_section("meetings", "meetings/_hub_section.html", partner_section, order=40, lazy=True,
                          title=_("Meetings and actions"))

- Dashboard panels, `dashboard_panel(key, template, context, *, order)`: a panel on the dashboard.
  `context(request)` returns the template's context, or None to hide the panel::

      hub.dashboard_panel("meetings", "meetings/_dashboard_panel.html", dashboard_panel, order=35)

The same `register()` also declares the app's notification kinds (`partnerportal.notifications.kinds
.register`), its periodic tasks (`partnerportal.schedule.periodic_task`) and its part of the demo data
(`demo_part(key, seed, order=)`, run by `manage.py seed_demo`). The shell's own menus and
links are registered by `register()` below, from PartnerPortalConfig.ready(), before any app's.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from partnerportal import policy


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    visible: Callable
    order: int = 100
    icon: str = ""
    group: str = ""
    # url_kwargs(user) -> the URL's arguments, for a page of the person's own (their partner's scorecard)
    url_kwargs: Callable | None = None

    def url_for(self, user) -> str:
        return self._reverse(self.url_kwargs(user) if self.url_kwargs else None)

    def _reverse(self, kwargs) -> str:
        try:
            return reverse(self.url_name, kwargs=kwargs)
        except NoReverseMatch:
            return ""


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    order: int = 100
    icon: str = ""


@dataclass(frozen=True)
class PartnerSection:
    key: str
    template: str
    context: Callable
    order: int = 100
    # A lazy section is left out of the hub's first answer: a placeholder under `title` loads it.
    lazy: bool = False
    title: str = ""


_NAV: dict[str, NavItem] = {}
_GROUPS: dict[str, NavGroup] = {}
_SECTIONS: dict[str, PartnerSection] = {}


def _anyone(user) -> bool:
    return policy.role_of(user) is not None


def nav_group(key, label, *, order=100, icon=""):
    """A menu in the top bar; items join it with `nav_item(..., group=key)`."""
    _GROUPS[key] = NavGroup(key, label, order, icon)
    clear_nav_cache()


def nav_item(label, url_name, *, visible=_anyone, order=100, icon="", group="", url_kwargs=None):
    if group and group not in _GROUPS:
        raise ValueError(f"Unknown navigation group {group!r} for {url_name!r}; known groups: {sorted(_GROUPS)}.")
    _NAV[url_name] = NavItem(label, url_name, visible, order, icon, group, url_kwargs)
    clear_nav_cache()


def partner_section(key, template, context, *, order=100, lazy=False, title=""):
    if lazy and not title:
        raise ValueError(f"The lazy partner section {key!r} needs a title for its placeholder.")
    _SECTIONS[key] = PartnerSection(key, template, context, order, lazy, title)


def nav_for(user):
    return sorted((i for i in _NAV.values() if i.visible(user)), key=lambda i: i.order)


@dataclass(frozen=True)
class MenuLink:
    item: NavItem
    current: bool  # this very page: aria-current="page"
    active: bool  # this page or one below it
    url: str = ""


@dataclass(frozen=True)
class MenuEntry:
    """One entry of the top bar: a single link (`group` None) or a menu of links."""

    group: NavGroup | None
    links: list

    @property
    def active(self) -> bool:
        return any(link.active for link in self.links)

    @property
    def link(self) -> MenuLink:
        return self.links[0]


class NavMenu(list):
    """The top bar's entries (a list of MenuEntry) with `key`: what its rendering depends on.

    Two menus with the same key hold the same links under the same labels with the same marks, so
    their HTML is the same: the base template renders it once per key (`{% navbar %}` in
    partnerportal/templatetags/portal.py).
    """

    key: tuple = ()


# The top bar's layout per set of visible items: which entries, in which order, each link's URL.
# Reversing a URL and sorting the registrations are pure (the same urlconf, prefix and language
# give the same answer), so each layout is worked out once per process; only who sees which items
# (their `visible(user)`) and which entry is this page's are asked per request. Emptied when a
# registration or the URL settings change.
_NAV_LAYOUTS: dict[tuple, object] = {}
_NAV_CACHE_LIMIT = 1000


def clear_nav_cache(**_kwargs) -> None:
    _NAV_LAYOUTS.clear()
    _NAV_HTML.clear()


# The rendered top bar by key (NavMenu.key and what else the markup shows), filled by `{% navbar %}`
# (partnerportal/templatetags/portal.py).
_NAV_HTML: dict[tuple, list] = {}


def _nav_settings_changed(*, setting, **_kwargs):
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "USE_I18N", "FORCE_SCRIPT_NAME"}:
        clear_nav_cache()


setting_changed.connect(_nav_settings_changed)


def remember(cache: dict, key, value):
    """Store `value` under `key` in one of the navigation's caches (bounded: emptied when full)."""
    if len(cache) >= _NAV_CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _nav_layout(items, kwargs):
    """((group or None, ((item, url), ...)), ...) for the visible `items` (in order) and their URL arguments."""
    key = (
        tuple(item.url_name for item in items),
        kwargs,
        get_urlconf(),
        get_script_prefix(),
        translation.get_language(),
    )
    layout = _NAV_LAYOUTS.get(key)
    if layout is not None:
        return key, layout
    grouped: dict[str, list] = {}
    entries: list[tuple[int, NavGroup | None, list]] = []
    for item, item_kwargs in zip(items, kwargs, strict=True):
        pair = (item, item._reverse(dict(item_kwargs) if item_kwargs is not None else None))
        if item.group:
            if item.group not in grouped:
                grouped[item.group] = []
                entries.append((_GROUPS[item.group].order, _GROUPS[item.group], grouped[item.group]))
            grouped[item.group].append(pair)
        else:
            entries.append((item.order, None, [pair]))
    # A menu with one item for this user is just that item's link.
    entries.sort(key=lambda e: e[0])
    layout = tuple((group if len(pairs) > 1 else None, tuple(pairs)) for _order, group, pairs in entries)
    return key, remember(_NAV_LAYOUTS, key, layout)


def nav_menu_for(user, request=None) -> NavMenu:
    """The top bar for `user`: ungrouped items and menus in order, marking the page `request` shows."""
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    path = getattr(request, "path", "")
    items = nav_for(user)
    kwargs = tuple(
        tuple(sorted(item.url_kwargs(user).items())) if item.url_kwargs is not None else None for item in items
    )
    layout_key, layout = _nav_layout(items, kwargs)
    menu = NavMenu()
    marks = []
    for group, pairs in layout:
        links = []
        for item, url in pairs:
            current = item.url_name == view_name and (item.url_kwargs is None or path == url)
            active = current or (len(url) > 1 and path.startswith(url))
            links.append(MenuLink(item, current, active, url))
            marks.append((current, active))
        menu.append(MenuEntry(group, links))
    menu.key = (layout_key, tuple(marks))
    return menu


def sections_for(request, partner):
    """The hub's sections as (section, context); a lazy section's context is None (not computed yet)."""
    rendered = []
    for section in sorted(_SECTIONS.values(), key=lambda s: s.order):
        if section.lazy:
            rendered.append((section, None))
            continue
        context = section.context(request, partner)
        if context is not None:
            rendered.append((section, context))
    return rendered


def section_for(request, partner, key):
    """One section of the hub with its context (lazy or not), or None: no such key, or hidden from this person."""
    section = _SECTIONS.get(key)
    if section is None:
        return None
    context = section.context(request, partner)
    return None if context is None else (section, context)


_PANELS: dict[str, PartnerSection] = {}


def dashboard_panel(key, template, context, *, order=100):
    """A panel on the host dashboard; context(request) returns its context or None to hide."""
    _PANELS[key] = PartnerSection(key, template, context, order)


def dashboard_panels_for(request):
    rendered = []
    for panel in sorted(_PANELS.values(), key=lambda p: p.order):
        context = panel.context(request)
        if context is not None:
            rendered.append((panel, context))
    return rendered


_DEMO_PARTS: dict[str, tuple[int, Callable]] = {}


def demo_part(key, seed, *, order=100):
    """An app's part of `manage.py seed_demo`: seed(demo) adds its demo data; parts run by `order`."""
    _DEMO_PARTS[key] = (order, seed)


def demo_parts() -> list[Callable]:
    return [seed for order, seed in sorted(_DEMO_PARTS.values(), key=lambda part: part[0])]


def register():
    """The shell's own part of the top bar: the shared menus and the links to its own pages."""
    # Overview and Partners are the portal's own first links (in the base template).
    nav_group("kpis", _("KPIs"), order=20, icon="speedometer2")
    nav_group("collaboration", _("Collaboration"), order=30, icon="people")
    nav_group("relationship", _("Relationship"), order=40, icon="chat-square-heart")
    nav_group("administration", _("Administration"), order=900, icon="gear")
    nav_item(
        _("Site administration"),
        "admin:index",
        visible=lambda user: bool(user.is_staff),
        order=910,
        icon="tools",
        group="administration",
    )
    nav_item(_("Audit log"), "audit", visible=policy.is_admin, order=900, icon="clock-history", group="administration")


# --- Offboarding ------------------------------------------------------------------------------------
#
# When a person is deactivated (partners.services.person_deactivate), apps below partners' users in the
# layers (meetings: open action items) offer to hand what the person still owns to someone else:
#
#     hub.offboarding_step("meetings-actions", describe, hand_over, title=_("Open action items"))
#
# `describe(person)` lists what the person still owns (a list of short texts; empty: nothing to hand
# over, the step is not shown); `hand_over(person=, to=, actor=)` gives it all to `to` (an active person of
# the same organisation, chosen on the confirmation page) and returns how many; it runs inside the
# deactivation's transaction, so either everything happens or nothing does.


@dataclass(frozen=True)
class OffboardingStep:
    key: str
    describe: Callable
    hand_over: Callable
    title: str = ""
    order: int = 100


_OFFBOARDING: dict[str, OffboardingStep] = {}


def offboarding_step(key, describe, hand_over, *, title="", order=100):
    _OFFBOARDING[key] = OffboardingStep(key, describe, hand_over, title or key, order)


def offboarding_steps() -> list[OffboardingStep]:
    return sorted(_OFFBOARDING.values(), key=lambda step: step.order)
