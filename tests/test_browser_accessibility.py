"""Keyboard and screen-reader behaviour in real Chromium: sorting the portfolio with the keyboard, and htmx
swaps that keep the focus in a sensible place and announce what they did in the polite live region."""

from datetime import date

import pytest
from django.urls import reverse

from agreements.models import ChannelRule
from tests.agreements.helpers import draft
from tests.browser import FOCUSED, log_in, new_page, tab_to
from tests.kpis.helpers import measure, setup_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _live_text(page, expected):
    page.wait_for_function(
        "t => document.getElementById('live-status').textContent.includes(t)", arg=expected, timeout=10000
    )


def _overall_column(page):
    return page.eval_on_selector_all(
        "#portfolio tbody tr", "rows => rows.map(r => r.cells[r.cells.length - 1].dataset.value)"
    )


def test_portfolio_sorts_with_the_keyboard_and_htmx_swaps_keep_focus_and_speak(world, live_server, browser):
    setup_partner(world.partner_a)
    setup_partner(world.partner_b)
    measure(world.partner_a, "error-rate", date(2025, 3, 4), numerator=30, denominator=1000)  # critical
    measure(world.partner_b, "error-rate", date(2025, 3, 4), numerator=5, denominator=1000)  # on target
    version = draft(world, world.partner_a)
    rule = version.channelrule_set.get()

    page = log_in(new_page(browser, timeout=20000, viewport={"width": 1366, "height": 768}), live_server.url, "admin")

    # The portfolio: sorted by partner at first, and its headers say so.
    page.goto(live_server.url + reverse("kpis:portfolio") + "?day=2025-03-10")
    assert page.get_attribute("#portfolio thead th:first-child", "aria-sort") == "ascending"
    last = "#portfolio thead th:last-child button"
    tab_to(page, last, limit=80)
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    assert page.get_attribute("#portfolio thead th:last-child", "aria-sort") == "ascending"
    assert page.get_attribute("#portfolio thead th:first-child", "aria-sort") is None
    scores = [float(v) for v in _overall_column(page)]
    assert scores == sorted(scores) and scores[0] < scores[-1], scores
    _live_text(page, "Sorted by Overall score, ascending")
    page.keyboard.press("Space")
    assert page.get_attribute("#portfolio thead th:last-child", "aria-sort") == "descending"
    scores = [float(v) for v in _overall_column(page)]
    assert scores == sorted(scores, reverse=True), scores
    _live_text(page, "Sorted by Overall score, descending")
    # Only one column is marked as sorted.
    assert page.locator("#portfolio thead th[aria-sort]").count() == 1
    # The words for screen readers in a wide table do not widen the page on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], wide
    page.set_viewport_size({"width": 1366, "height": 768})

    # An htmx swap with the keyboard: edit a row of a draft agreement in place.
    page.goto(live_server.url + reverse("agreements:edit", args=[version.pk]))
    row = f"#channel-{rule.pk}"
    tab_to(page, f"{row} a[aria-label]", limit=80)
    page.keyboard.press("Enter")
    # The form replaced the row: the focus is on its first field, not lost on <body>.
    page.wait_for_selector("form.agreement-row-form")
    focused = page.evaluate(FOCUSED)
    assert page.evaluate("!!document.activeElement.closest('form.agreement-row-form')"), focused
    tab_to(page, "form.agreement-row-form input[name=response_hours]", limit=15)
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{row}:not(form)")
    _live_text(page, "The row was saved.")
    # The saved row came back in place of the form, and the focus is in it.
    assert page.evaluate(f"!!document.activeElement.closest('{row}')"), page.evaluate(FOCUSED)
    rule.refresh_from_db()
    assert rule.response_hours == 7

    # A search that filters as one types: the focus stays in the field; the count is spoken.
    page.goto(live_server.url + reverse("partners:list"))
    tab_to(page, "#id_q", limit=80)
    page.keyboard.type("Beta")
    _live_text(page, "1 partner found.")
    assert page.evaluate("document.activeElement.id") == "id_q"
    assert page.locator("#partner-rows tbody tr").count() == 1
    assert ChannelRule.objects.filter(pk=rule.pk, response_hours=7).exists()
