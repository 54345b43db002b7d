"""Every page fits the screen, on a laptop (1366 px) and on a phone (390 px), in real Chromium.

One browser and one seeded demo database. The pages are not listed by hand: the sweep walks the links
of the demo portal as a host admin and as a partner manager, one page per URL shape (numbers in the path
are one shape), first in one language and then again in the other, so a new page is covered as soon as
a link leads to it. On every page:

- nothing is wider than the window (`scrollWidth > innerWidth` is a horizontal scroll bar): wide tables
  scroll inside their own `.table-responsive` box;
- the bell, the user menu and the language choice are on screen and on the blue bar (not white on white);
- on the phone, the scorecard shows each KPI's status and trend without scrolling sideways.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from partnerportal.management.commands.seed_demo import DEMO_PASSWORD
from partners.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = ((1366, 768), (390, 844))
# Not followed: signing out ends the walk, language switches change the user, the Django admin and the
# API documentation have their own layout, and exports are downloads rather than pages.
SKIP = re.compile(r"^/(accounts/logout|i18n/|set-language|static/|media/|admin/|api/)|/(export|feed|ics|pdf|download)")
MAX_PAGES = 120

# Runs in the page: what does not fit, and where the shell's controls are.
MEASURE = """() => {
  const doc = document.documentElement;
  const nav = document.querySelector('nav.navbar');
  const navBox = nav ? nav.getBoundingClientRect() : null;
  const controls = {};
  for (const [name, selector] of Object.entries({
      bell: '#inbox-link', user: '#user-menu-button', language: '#language-form select',
      languageSubmit: '#language-form button[type=submit]'})) {
    const el = document.querySelector(selector);
    if (!el) { controls[name] = 'missing'; continue; }
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) { controls[name] = 'hidden'; continue; }
    if (r.left < 0 || r.right > window.innerWidth) { controls[name] = `off screen (${Math.round(r.left)}-${Math.round(r.right)} px)`; continue; }
    if (navBox && (r.top < navBox.top - 1 || r.bottom > navBox.bottom + 1 || r.right > navBox.right + 1)) {
      controls[name] = 'outside the bar'; continue;
    }
  }
  let scorecard = null;
  const row = document.querySelector('#scorecard tbody tr[data-kpi]');
  if (row) {
    scorecard = {};
    for (const [name, index] of [['status', 4], ['trend', 5]]) {
      const cell = row.querySelector(`td:nth-child(${index})`);
      const r = cell ? cell.getBoundingClientRect() : null;
      scorecard[name] = !!r && r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
    }
  }
  const wide = [];
  if (doc.scrollWidth > window.innerWidth) {
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && !el.closest('.table-responsive, .overflow-auto')) {
        wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
        if (wide.length >= 3) break;
      }
    }
  }
  return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, controls, scorecard, wide};
}"""

LINKS = """() => Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'))"""


def _shape(path):
    return re.sub(r"/\d+", "/N", path)


def _log_in(context, base, username):
    page = context.new_page()
    page.set_default_timeout(10000)
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not log in"
    return page


def _check(page, label, problems, scorecard_seen):
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
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


def _sweep(page, base, problems, scorecard_seen, urls=None, language=""):
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
        _check(page, f"{language} {url}", problems, scorecard_seen)
        page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
        if walking:
            for href in page.evaluate(LINKS):
                parts = urlsplit(urljoin(page.url, href))
                if parts.netloc != here.netloc or SKIP.search(parts.path):
                    continue
                if _shape(parts.path) not in seen:
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return visited


def test_every_page_fits_laptop_and_phone(live_server):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    problems, scorecard_seen, counts = [], [], {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            for username in ("admin", "danlog"):
                context = browser.new_context(viewport={"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
                page = _log_in(context, live_server.url, username)
                User.objects.filter(username=username).update(language="en")
                walked = _sweep(page, live_server.url, problems, scorecard_seen, language="en")
                User.objects.filter(username=username).update(language="da")
                _sweep(page, live_server.url, problems, scorecard_seen, urls=walked, language="da")
                counts[username] = len(walked)
                context.close()
        finally:
            browser.close()
    assert counts["admin"] > 25 and counts["danlog"] > 15, f"the walk found too few pages: {counts}"
    assert scorecard_seen, "the walk never reached a scorecard"
    assert not problems, f"{len(problems)} layout problems:\n" + "\n".join(problems)
