"""Every page fits the screen, on a laptop (1366 px) and on a phone (390 px), in real Chromium.

One browser and one seeded demo database. The pages are not listed by hand: the sweep walks the links
of the demo portal as a host admin and as a partner manager, one page per URL shape (numbers in the path
are one shape), first in one language and then again in the other, so a new page is covered as soon as
a link leads to it. On every page:

- nothing is wider than the window (`scrollWidth > innerWidth` is a horizontal scroll bar): wide tables
  scroll inside their own `.table-responsive` box;
- the bell, the user menu and the language choice are on screen and on the blue bar (not white on white);
- on the phone, the scorecard shows each KPI's status and trend without scrolling sideways;
- axe-core (vendored in tests/assets/axe-core, WCAG 2.0/2.1 A and AA rules) finds no serious or critical
  violation, at laptop width, in both languages (the words differ in length, and so do the boxes they fill).
"""

import io
import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command

from partnerportal import hub
from partnerportal.management.commands.seed_demo import DEMO_PASSWORD
from partners.models import User
from tests.browser import CONTRAST, MEASURE, log_in, new_page, tab_to

WIDTHS = ((1366, 768), (390, 844))
# The top bar is the same on every page: the first page of each walk also tries the widths in between.
BAR_WIDTHS = ((1200, 800), (1024, 768), (768, 1024))
# Not followed: signing out ends the walk, language switches change the user, the Django admin and the
# API documentation have their own layout, and exports are downloads rather than pages.
SKIP = re.compile(r"^/(accounts/logout|i18n/|set-language|static/|media/|admin/|api/)|/(export|feed|ics|pdf|download)")
MAX_PAGES = 120

# The icon font is in, and charts follow a resized window on the next animation frames (a phone would
# load at its own width).
SETTLE = """() => document.fonts.ready.then(() => new Promise(done => {
  let n = document.querySelector('canvas') ? 0 : 99;
  const tick = () => (++n > 4 ? done() : requestAnimationFrame(tick));
  tick();
}))"""

# axe-core is injected once per page (through the DevTools protocol, so the page's Content-Security-Policy,
# which forbids inline scripts, still holds for the portal's own code) and runs the WCAG 2.1 A/AA rules.
AXE_SOURCE = (Path(__file__).parent / "assets" / "axe-core" / "axe.min.js").read_text()
AXE_RUN = """() => axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  resultTypes: ['violations'],
}).then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  targets: v.nodes.map(n => n.target.join(' ')),
  detail: [...v.nodes[0].any, ...v.nodes[0].all, ...v.nodes[0].none].map(c => c.message).join(' '),
})))"""

LINKS = """() => Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'))"""


def _shape(path):
    return re.sub(r"/\d+", "/N", path)


def _check(page, label, problems, scorecard_seen, widths=WIDTHS):
    for width, height in widths:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate(SETTLE)
        m = page.evaluate(MEASURE)
        where = f"{label} at {width} px"
        if m["scrollWidth"] > m["innerWidth"]:
            problems.append(f"{where}: page is {m['scrollWidth']} px wide; too wide: {m['wide']}")
        if m["controls"]:
            problems.append(f"{where}: {m['controls']}")
        if width < 576 and m["scorecard"] is not None:
            scorecard_seen.append(label)
            if not all(m["scorecard"].values()):
                problems.append(f"{where}: the scorecard hides {m['scorecard']} on the phone")


AXE_TIME = [0.0]


def _axe(page, label, violations):
    """Serious and critical axe-core violations of the page as it is: rule, the elements (CSS selectors)
    and what is wrong with the first of them."""
    started = time.monotonic()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    for v in page.evaluate(AXE_RUN):
        targets = ", ".join(v["targets"][:5]) + (f" (+{len(v['targets']) - 5} more)" if len(v["targets"]) > 5 else "")
        violations.append(f"{label}: {v['impact']} {v['id']} ({v['help']}): {targets} -- {v['detail']}")
    AXE_TIME[0] += time.monotonic() - started


def _sweep(page, base, problems, scorecard_seen, urls=None, language="", violations=None):
    """Visit `urls` (or walk from the home page when None); return the walked URLs, one per shape."""
    walking = urls is None
    queue = ["/"] if walking else list(urls)
    seen, visited = set(), []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        shape = _shape(urlsplit(url).path)
        if shape in seen:
            continue
        seen.add(shape)
        try:
            response = page.goto(base + url)
        except Exception:  # a download rather than a page
            continue
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        here = urlsplit(page.url)
        if here.path != urlsplit(url).path and _shape(here.path) in seen:
            continue  # redirected to a page already checked
        visited.append(url)
        if violations is not None:
            _axe(page, f"{language} {url}", violations)
        _check(page, f"{language} {url}", problems, scorecard_seen, WIDTHS + (BAR_WIDTHS if not visited[1:] else ()))
        page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
        if walking:
            for href in page.evaluate(LINKS):
                parts = urlsplit(urljoin(page.url, href))
                if parts.netloc != here.netloc or SKIP.search(parts.path):
                    continue
                if _shape(parts.path) not in seen:
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return visited


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_fits_laptop_and_phone_and_passes_axe(live_server, browser):
    started = time.monotonic()
    call_command("seed_demo", stdout=io.StringIO())
    print(f"seeded in {time.monotonic() - started:.0f} s")
    problems, scorecard_seen, counts, violations = [], [], {}, []
    for username in ("admin", "danlog"):
        page = new_page(browser, timeout=10000, viewport={"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
        log_in(page, live_server.url, username, DEMO_PASSWORD)
        User.objects.filter(username=username).update(language="en")
        walked = _sweep(page, live_server.url, problems, scorecard_seen, language="en", violations=violations)
        User.objects.filter(username=username).update(language="da")
        _sweep(page, live_server.url, problems, scorecard_seen, urls=walked, language="da", violations=violations)
        counts[username] = len(walked)
        print(f"{username}: {len(walked)} pages, {time.monotonic() - started:.0f} s (axe: {AXE_TIME[0]:.0f} s)")
        page.context.close()
    assert counts["admin"] > 25 and counts["danlog"] > 15, f"the walk found too few pages: {counts}"
    assert scorecard_seen, "the walk never reached a scorecard"
    assert not problems + violations, (
        f"{len(problems)} layout problems, {len(violations)} serious/critical axe violations:\n"
        + "\n".join(problems + violations)
    )


# The shell's accessibility (WCAG 2.1 AA), in the browser and in the served HTML.


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_shell_is_usable_with_keyboard_and_readable(world, live_server, browser):
    page = log_in(new_page(browser, viewport={"width": 1366, "height": 768}), live_server.url, "admin")
    page.goto(live_server.url + "/relations/cases/")

    # The first Tab shows a skip link; following it puts the focus on the content.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert skip.inner_text() == "Skip to content"
    box = skip.bounding_box()
    assert box["width"] > 50 and box["height"] > 20, "the skip link stays invisible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"

    # Link text on the bar has at least 4.5:1 contrast; focus draws a clear ring.
    for link in page.locator("nav.navbar .nav-link").all():
        if link.is_visible():
            ratio = link.evaluate(CONTRAST)
            assert ratio >= 4.5, f"{link.inner_text()!r} has contrast {ratio:.2f}:1"
    page.goto(live_server.url + "/relations/cases/")
    tab_to(page, "nav .nav-link", limit=40)
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] != "none" and ring[1] >= 2, f"focus ring {ring}"

    # The active menu is marked for screen readers on the current page's own link.
    current = page.locator("nav [aria-current=page]")
    assert current.count() == 1 and current.get_attribute("href") == "/relations/cases/"

    # The user menu is a button that opens with Enter and with Space.
    for key in ("Enter", "Space"):
        page.goto(live_server.url + "/relations/cases/")
        tab_to(page, "#user-menu-button", limit=40)
        assert page.evaluate("document.activeElement.tagName") == "BUTTON"
        page.keyboard.press(key)
        expect_menu = page.locator("#user-menu-button + .dropdown-menu")
        expect_menu.wait_for(state="visible")
        assert page.locator("#user-menu-button").get_attribute("aria-expanded") == "true"

    # Choosing a language changes nothing until the visible button is pressed (WCAG 3.2.2).
    page.goto(live_server.url + "/relations/cases/")
    page.select_option("#language-form select", "da")
    page.wait_for_timeout(300)
    assert page.url.endswith("/relations/cases/") and page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():  # the page in the new language, not the old page's load state
        page.click("#language-form button[type=submit]")
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.locator(".skip-link").inner_text() == "Spring til indhold"
    world.admin.refresh_from_db()
    assert world.admin.language == "da"


def test_shell_markup(world, client_as):
    html = client_as(world.a_manager).get("/meetings/actions/mine/", follow=True).content.decode()
    nav = html[html.index("<nav") : html.index("</nav>")]
    # Decorative icons are hidden from screen readers.
    assert nav.count("<i ") > 3
    assert nav.count("<i ") == nav.count('aria-hidden="true"></i>')
    # The language menu has no automatic submit, but a visible button.
    form = nav[nav.index('id="language-form"') :]
    form = form[: form.index("</form>")]
    assert "data-autosubmit" not in form and "<noscript>" not in form and 'type="submit"' in form
    # The current page's menu entry is marked, and only it.
    assert nav.count('aria-current="page"') == 1
    assert re.search(r'href="/meetings/actions/mine/"[^>]*aria-current="page"', nav)
    # The user menu is a real button.
    assert re.search(r'<button[^>]*id="user-menu-button"', nav)


def test_navigation_is_grouped_into_few_menus(world):
    class Request:
        path = "/relations/cases/"
        resolver_match = type("Match", (), {"view_name": "relations:case_list"})()

    menu = hub.nav_menu_for(world.admin, Request())
    assert len(menu) <= 6, [str(e.group.label if e.group else e.link.item.label) for e in menu]
    labels = {str(e.group.label) for e in menu if e.group}
    assert {"KPIs", "Collaboration", "Relationship", "Administration"} <= labels
    relationship = next(e for e in menu if e.group and e.group.key == "relationship")
    assert relationship.active
    assert [link.item.url_name for link in relationship.links if link.current] == ["relations:case_list"]
    # A partner viewer sees the KPIs menu as one plain link (one item), and no administration.
    partner_menu = hub.nav_menu_for(world.a_viewer, Request())
    assert not any(e.group and e.group.key == "administration" for e in partner_menu)
    # Their "KPIs" is their own scorecard, not the host-wide list of definitions.
    kpi_link = next(e.link for e in partner_menu if e.group is None and str(e.link.item.label) == "KPIs")
    assert kpi_link.url == f"/kpis/partner/{world.partner_a.pk}/"
    assert not any(link.item.url_name == "kpis:definitions" for e in partner_menu for link in e.links)


def test_unknown_navigation_group_is_refused():
    with pytest.raises(ValueError, match="Unknown navigation group 'nope'"):
        hub.nav_item("X", "home", group="nope")
    assert "home" not in [item.url_name for item in hub._NAV.values()]
