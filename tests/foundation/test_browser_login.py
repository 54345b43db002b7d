"""Real Chromium: a warehouse manager and a partner user log in through the form and see their worlds."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import csp_errors, log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_warehouse_manager_sees_dashboard_and_directory(world, live_server, browser):
    page = new_page(browser)
    csp = csp_errors(page)
    log_in(page, live_server.url, "manager")
    assert page.url == live_server.url + reverse("dashboard")
    assert page.locator("h1").first.inner_text() == "Dashboard"

    page.click("nav >> text=Partners")
    page.wait_for_url(re.compile(r"/partners/$"))
    rows = page.locator("#partner-rows tbody tr")
    assert rows.count() == 2
    assert "Alfa Logistik A/S" in rows.all_inner_texts()[0]
    assert "Beta Fragt ApS" in rows.all_inner_texts()[1]

    # Live search through htmx replaces the rows without a page load.
    page.fill("#id_q", "beta")
    expect(page.locator("#partner-rows tbody tr")).to_have_count(1)
    assert "Beta Fragt ApS" in page.locator("#partner-rows").inner_text()

    page.click("text=Beta Fragt ApS")
    page.wait_for_url(re.compile(rf"/partners/{world.partner_b.pk}/$"))
    assert page.locator("h1").inner_text() == "Beta Fragt ApS"

    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .information-container", timeout=10000)
    assert "Partner portal API" in page.locator(".swagger-ui").inner_text()
    assert not csp, csp


def test_partner_user_sees_only_their_own_organisation(world, live_server, browser):
    page = new_page(browser)
    csp = csp_errors(page)
    log_in(page, live_server.url, "a_manager")
    own = live_server.url + reverse("partners:detail", args=[world.partner_a.pk])
    assert page.url == own
    assert page.locator("h1").inner_text() == "Alfa Logistik A/S"
    body = page.locator("body").inner_text()
    assert "Beta Fragt ApS" not in body
    nav = page.locator("nav.navbar").inner_text()
    assert "Partners" not in nav.split()
    assert page.locator(f"nav a[href='{reverse('partners:list')}']").count() == 0

    response = page.goto(live_server.url + reverse("partners:detail", args=[world.partner_b.pk]))
    assert response.status == 404
    assert "Page not found" in page.locator("h1").inner_text()
    assert "Beta Fragt ApS" not in page.content()

    # Switch to Danish with the language menu in the navigation.
    page.goto(own)
    page.select_option("select[name=language]", "da")
    page.click("#language-form button[type=submit]")
    page.wait_for_load_state()
    page.wait_for_selector("html[lang=da]")
    assert page.url == own
    assert "Log ud" in page.content()
    body = page.locator("body").inner_text().lower()  # card headings are upper-cased by CSS
    assert "lokationer" in body and "personer" in body and "partnerportal" in body
    assert not csp, csp


def test_phone_width_collapses_the_navigation(world, live_server, browser):
    page = new_page(browser, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    csp = csp_errors(page)
    log_in(page, live_server.url, "manager")
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    directory_link = page.locator("#mainnav a", has_text="Partners").first
    assert not directory_link.is_visible()
    toggler.click()
    directory_link.wait_for(state="visible")
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert not csp, csp


def test_lockout_message_in_the_browser(world, live_server, browser):
    page = new_page(browser)
    csp = csp_errors(page)
    for attempt in range(5):
        page.goto(live_server.url + reverse("login"))
        page.fill("input[name=username]", "a_viewer")
        page.fill("input[name=password]", f"wrong-{attempt}")
        with page.expect_navigation():  # the attempt is answered before the next goto (which would abort it)
            page.click("main form button[type=submit]")
    assert page.locator("#locked-out").is_visible()
    assert "Too many failed login attempts" in page.locator("#locked-out").inner_text()
    assert not csp, csp
