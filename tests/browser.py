"""The steps every browser test shares (real headless Chromium through Playwright): starting the browser,
opening a page, signing in through the login form, collecting Content-Security-Policy errors, tabbing to an
element, and the scripts that measure what does not fit the page and the contrast of an element's text.
The tests take the `browser` fixture (tests/conftest.py)."""

from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium (scripts/test.sh installs it)


def chromium():
    """Yield a started headless Chromium; closed afterwards."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, *, timeout=8000, **context_options):
    """A page in a new browser context (its own cookies) that waits up to `timeout` ms for each step."""
    page = browser.new_context(**context_options).new_page()
    page.set_default_timeout(timeout)
    return page


def log_in(page, base, username, password=PASSWORD):
    """Sign in through the login form at `base` (the live server's URL); the page is then signed in."""
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # Wait for the answer to the form's POST (the page it leads to, or the login form again): a load state
    # alone can be the login page's own, before the answer has come, and a goto right after would abort it.
    with page.expect_navigation():
        page.click("main form [type=submit]")
    assert "/accounts/login/" not in page.url, f"{username} could not log in"
    return page


def csp_errors(page):
    """The list the page's Content-Security-Policy violations (console messages) are collected in."""
    errors = []

    def on_console(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    return errors


# Runs in the page: what does not fit, and where the shell's controls are. `wide` names up to three elements
# that stick out of the window outside a scrolling box; `controls` the top bar's controls that are missing,
# hidden, off screen or outside the bar; `scorecard` whether a scorecard row's status and trend are in view.
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
    if (r.left < 0 || r.right > window.innerWidth) {
      controls[name] = `off screen (${Math.round(r.left)}-${Math.round(r.right)} px)`; continue;
    }
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
        const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).join('.') : '';
        wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (classes ? '.' + classes : ''));
        if (wide.length >= 3) break;
      }
    }
  }
  return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, controls, scorecard, wide};
}"""

FOCUSED = "() => { const a = document.activeElement; return a ? a.outerHTML.slice(0, 200) : null; }"


def tab_to(page, selector, *, limit=60, key="Tab"):
    """Press Tab (or `key`) until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with {key}; the focus is on {page.evaluate(FOCUSED)}")


# Runs on an element: the contrast ratio (WCAG 2.1) of its text colour on the first opaque background behind it.
CONTRAST = """el => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) { bg = c; break; }
    node = node.parentElement;
  }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg || [255, 255, 255]);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
