"""The searchable partner picker in real Chromium, in Danish: on the action list a manager types part of a
partner's name, picks it with the keyboard and the list filters by it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import csp_errors, log_in, new_page
from tests.meetings.helpers import action_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pick_a_partner_with_the_keyboard_on_the_action_list(live_server, browser, world):
    world.manager.language = "da"
    world.manager.save(update_fields=["language"])
    action_for(world, world.partner_a)
    action_for(world, world.partner_b)

    page = new_page(browser)
    errors = csp_errors(page)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/meetings/actions/")
    assert page.locator("h1").inner_text() == "Handlingspunkter"
    table = page.locator("#action-table")
    assert "Action of Alfa Logistik A/S" in table.inner_text() and "Action of Beta Fragt ApS" in table.inner_text()

    box = page.get_by_role("combobox", name="Partner")
    assert box.get_attribute("placeholder") == "Alle partnere"
    box.focus()
    # The picker searches 200 ms after the last key: on a slow machine it may also search for "f" or "fr" on
    # the way (and show their matches). Wait for the answer for the whole word and the list it leaves.
    with page.expect_response(lambda r: "/partners/picker/" in r.url and "q=fragt" in r.url) as answered:
        page.keyboard.type("fragt")
    answered.value.finished()
    listbox = page.get_by_role("listbox")
    listbox.get_by_role("option", name="Beta Fragt ApS").wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    expect(listbox.get_by_role("option")).to_have_count(1)  # only names with "fragt"
    page.keyboard.press("ArrowDown")
    option_id = box.get_attribute("aria-activedescendant")
    assert page.locator(f"#{option_id}").inner_text() == "Beta Fragt ApS"
    assert page.locator(f"#{option_id}").get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")  # picks the partner; the list closes
    assert box.input_value() == "Beta Fragt ApS"
    assert box.get_attribute("aria-expanded") == "false"
    with page.expect_navigation():
        page.keyboard.press("Enter")  # with the list closed, Enter sends the filter

    assert re.search(rf"partner={world.partner_b.pk}\b", page.url)
    assert "Action of Beta Fragt ApS" in table.inner_text()
    assert "Action of Alfa Logistik A/S" not in table.inner_text()
    # The chosen partner stays in the box after the page reloaded.
    assert page.get_by_role("combobox", name="Partner").input_value() == "Beta Fragt ApS"
    assert not errors, errors
