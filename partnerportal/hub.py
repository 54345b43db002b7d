"""Extension points through which apps plug into the shared UI without editing each other.

- `nav_item(...)`: an entry in the top navigation, shown to the people the access policy lets use it
  (`visible(user) -> bool`, asking the policy; default: every signed-in person with a role).
- `partner_section(...)`: a section on the partner hub page (partners:detail). The context
  function receives (request, partner) and returns the template context, or None to hide.
"""

from collections.abc import Callable
from dataclasses import dataclass

from partnerportal import policy


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    visible: Callable
    order: int = 100
    icon: str = ""


@dataclass(frozen=True)
class PartnerSection:
    key: str
    template: str
    context: Callable
    order: int = 100


_NAV: dict[str, NavItem] = {}
_SECTIONS: dict[str, PartnerSection] = {}


def _anyone(user) -> bool:
    return policy.role_of(user) is not None


def nav_item(label, url_name, *, visible=_anyone, order=100, icon=""):
    _NAV[url_name] = NavItem(label, url_name, visible, order, icon)


def partner_section(key, template, context, *, order=100):
    _SECTIONS[key] = PartnerSection(key, template, context, order)


def nav_for(user):
    return sorted((i for i in _NAV.values() if i.visible(user)), key=lambda i: i.order)


def sections_for(request, partner):
    rendered = []
    for section in sorted(_SECTIONS.values(), key=lambda s: s.order):
        context = section.context(request, partner)
        if context is not None:
            rendered.append((section, context))
    return rendered


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
