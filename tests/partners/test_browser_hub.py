"""The partner hub in real Chromium, in Danish: a lazy section waits below the fold as a busy placeholder
and loads when the reader opens it from the hub's list of sections, without script errors."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import csp_errors, log_in, new_page
from tests.meetings.helpers import action_for, meeting_for
from tests.relations import helpers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hub_in_danish_loads_a_lazy_section_when_it_is_opened(live_server, browser, world):
    for _ in range(4):  # enough above the engagements to push them below a short window
        helpers.notice(world, world.partner_a)
        helpers.case(world, world.partner_a)
        action_for(world, world.partner_a)
    meeting_for(world, world.partner_a, days=2)
    helpers.engagement(world, world.partner_a)
    helpers.roadmap_item(world, world.partner_a)
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])

    page = new_page(browser, viewport={"width": 1280, "height": 400})
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    csp = csp_errors(page)
    log_in(page, live_server.url, "a_manager")
    page.goto(live_server.url + reverse("partners:detail", args=[world.partner_a.pk]))
    section = page.locator("#section-engagements")
    # Below the fold: a placeholder under its Danish title, busy, with a link for a browser without scripts.
    expect(section).to_have_attribute("aria-busy", "true")
    expect(section.locator("h2")).to_have_text("Aktiviteter")
    expect(section.locator("a")).to_have_text("Vis Aktiviteter")
    assert "Visit Alfa Logistik A/S" not in page.content()

    # Opened from the list of sections: it scrolls into view and htmx swaps the section in (awaited by its
    # content below: a response listener started here could miss an answer already on its way).
    page.locator("nav[aria-label=Afsnit] a", has_text="Aktiviteter").click()
    loaded = page.locator("#section-engagements")
    expect(loaded).to_contain_text("Visit Alfa Logistik A/S", timeout=15000)  # a busy machine answers slowly
    expect(loaded).to_contain_text("Planlagt")
    expect(loaded).not_to_have_attribute("aria-busy", "true")
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    # A section loading as it scrolls into view does not take the focus (nor scroll the page to itself).
    assert page.evaluate("!!document.activeElement.closest('.hub-section')") is False

    # A keyboard reader on a placeholder's link: the section loads in its place and takes the focus.
    page.goto(live_server.url + reverse("partners:detail", args=[world.partner_a.pk]))
    expect(page.locator("#section-roadmap")).to_have_attribute("aria-busy", "true")
    page.locator("#section-roadmap a").focus()
    expect(page.locator("#section-roadmap")).to_contain_text("Roadmap Alfa Logistik A/S")
    expect(page.locator("#section-roadmap :focus")).to_have_count(1)
    assert not script_errors, script_errors
    assert not csp, csp


def test_hub_gives_the_focus_to_the_opened_section_while_others_load_at_once(live_server, browser, world):
    """Several lazy sections swapping in at the same moment: the one whose placeholder link the reader is on
    takes the focus, whichever settles first (the other sections' swaps once used up its focus state)."""
    meeting_for(world, world.partner_a, days=2)
    helpers.engagement(world, world.partner_a)
    helpers.roadmap_item(world, world.partner_a)
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])

    page = new_page(browser, viewport={"width": 1280, "height": 4000})  # every lazy section starts loading at once
    held = {}

    def hold(route):
        held.setdefault(route.request.url.rstrip("/").rsplit("/", 1)[-1], []).append(route)  # a repeat too

    log_in(page, live_server.url, "a_manager")
    page.route("**/sections/*/", hold)
    page.goto(live_server.url + reverse("partners:detail", args=[world.partner_a.pk]))
    count = page.locator("[data-lazy-section]").count()
    assert count >= 3 and page.locator("#section-roadmap[data-lazy-section]").count() == 1
    for _ in range(100):
        if len(held) == count:
            break
        page.wait_for_timeout(50)
    assert len(held) == count, held.keys()
    page.locator("#section-roadmap a").focus()
    answers = {key: routes[0].fetch() for key, routes in held.items()}
    for key in sorted(held, key=lambda key: key == "roadmap"):  # the other sections' answers first, then the roadmap's
        for route in held[key]:
            route.fulfill(response=answers[key])
    expect(page.locator("#section-roadmap")).to_contain_text("Roadmap Alfa Logistik A/S")
    expect(page.locator("[data-lazy-section]")).to_have_count(0)
    expect(page.locator("#section-roadmap :focus")).to_have_count(1)
