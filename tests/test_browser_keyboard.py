"""The portal's main tasks done with the keyboard alone, in Danish, in real Chromium (WCAG 2.1.1).

No clicks and no `fill`: only `keyboard.press` and `keyboard.type`, as someone without a mouse works.
The page is read (which element has the focus, what is shown) but never touched except through keys.

- Sign in (a wrong password first: the error summary takes the focus).
- A host manager goes from the top bar to a partner's KPI scorecard.
- A partner manager posts a notice ("Varsel") through the relationship menu (a failed submit first: the focus
  lands on the error summary, whose link leads back to the field).
"""

import pytest
from django.utils import timezone

from partners.models import User
from relations.models import Notice
from tests.browser import FOCUSED, new_page, tab_to
from tests.factories import PASSWORD
from tests.kpis import helpers as kpi_helpers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focus_text(page, selector, text, *, limit=80, key="Tab"):
    """Press Tab until an element matching `selector` whose text contains `text` has the focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(
            "([s, t]) => { const a = document.activeElement;"
            " return !!a && a.matches(s) && a.textContent.includes(t); }",
            [selector, text],
        ):
            return
    raise AssertionError(f"{selector} {text!r} is not reachable with {key}; focus: {page.evaluate(FOCUSED)}")


def _activate(page, key="Enter"):
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state()


def _sign_in(page, base, username):
    page.goto(base + "/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "da"
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    _activate(page)  # Enter in a field submits its form
    assert "/accounts/login/" not in page.url, f"{username} is still on the login page"


def _focused_is(page, selector):
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def _page(browser):
    return new_page(browser, viewport={"width": 1366, "height": 768}, locale="da-DK")


def test_sign_in_and_open_a_scorecard_with_the_keyboard(world, live_server, browser):
    kpi_helpers.setup_partner(world.partner_a)
    User.objects.filter(pk=world.manager.pk).update(language="da")
    page = _page(browser)

    # A wrong password: the focus moves to the error summary, which is read as an alert.
    page.goto(live_server.url + "/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type("manager")
    page.keyboard.press("Tab")
    page.keyboard.type("not the password")
    _activate(page)
    assert _focused_is(page, "[data-error-summary][role=alert]"), page.evaluate(FOCUSED)
    assert "Ret venligst følgende" in page.locator("[data-error-summary]").inner_text()

    _sign_in(page, live_server.url, "manager")
    assert page.locator("h1").first.inner_text() == "Overblik"

    # The skip link is the first stop and leads past the top bar.
    page.keyboard.press("Tab")
    assert _focused_is(page, ".skip-link") and page.locator(".skip-link").inner_text() == "Spring til indhold"
    page.keyboard.press("Enter")
    assert _focused_is(page, "main#content")

    # Top bar: Partnere → the partner's page → its scorecard.
    page.keyboard.press("Shift+Tab")  # back to the top
    _focus_text(page, "nav a.nav-link", "Partnere")
    _activate(page)
    assert page.url.endswith("/partners/")
    _focus_text(page, "main a", "Alfa Logistik A/S")
    _activate(page)
    assert page.url.endswith(f"/partners/{world.partner_a.pk}/")
    _focus_text(page, "main a", "Åbn scorecard")
    _activate(page)
    assert page.url.endswith(f"/kpis/partner/{world.partner_a.pk}/")
    assert page.locator("#scorecard tbody tr[data-kpi]").count() == 3  # host staff also see the internal KPI


def test_post_a_notice_with_the_keyboard(world, live_server, browser):
    User.objects.filter(pk=world.a_manager.pk).update(language="da")
    page = _page(browser)
    _sign_in(page, live_server.url, "a_manager")

    # The "Relation" menu opens with Enter; the arrow keys move through it.
    _focus_text(page, "nav button.dropdown-toggle", "Relation")
    page.keyboard.press("Enter")
    page.locator("#nav-relationship + .dropdown-menu").wait_for(state="visible")
    _focus_text(page, "#nav-relationship + .dropdown-menu a", "Varsler", key="ArrowDown", limit=10)
    _activate(page)
    assert page.url.endswith("/relations/notices/")
    tab_to(page, "main a[href$='/relations/notices/new/']")
    _activate(page)
    assert page.url.endswith("/relations/notices/new/")

    # The partner is the user's own; choose the kind with the arrow keys, and send without a title.
    tab_to(page, "#id_kind")
    page.keyboard.press("ArrowDown")
    kind = page.eval_on_selector("#id_kind", "el => el.value")
    assert kind
    tab_to(page, "main form [type=submit]")
    _activate(page)

    # The focus is on the summary; its link to the title field moves the focus there.
    assert _focused_is(page, "[data-error-summary]"), page.evaluate(FOCUSED)
    summary = page.locator("[data-error-summary]").inner_text()
    assert "Titel" in summary, summary
    tab_to(page, "[data-error-summary] a[href='#id_title']")
    page.keyboard.press("Enter")
    assert _focused_is(page, "#id_title")
    assert page.eval_on_selector("#id_title", "el => el.getAttribute('aria-invalid')") == "true"
    page.keyboard.type("Ekstra vagter i uge 50")

    # The date and time typed into the field's parts. The order of the parts follows the browser's own
    # language (headless Chromium: month first, and AM/PM); 12.12. reads the same either way, and "A"
    # is ignored where the clock has 24 hours. The arrow key moves from the year to the hour.
    tab_to(page, "#id_affected_from")
    page.keyboard.type("12122026", delay=20)
    page.keyboard.press("ArrowRight")
    page.keyboard.type("0800A", delay=20)
    assert page.eval_on_selector("#id_affected_from", "el => el.value") == "2026-12-12T08:00"
    tab_to(page, "#id_description")
    page.keyboard.type("Vi har travlt op til jul.")
    tab_to(page, "main form [type=submit]")
    _activate(page)

    notice = Notice.objects.get(title="Ekstra vagter i uge 50")
    assert notice.partner == world.partner_a and notice.kind == kind
    assert timezone.localtime(notice.affected_from).strftime("%Y-%m-%d %H:%M") == "2026-12-12 08:00"
    assert page.url.endswith(f"/relations/notices/{notice.pk}/")
    assert "Ekstra vagter i uge 50" in page.locator("h1").inner_text()
