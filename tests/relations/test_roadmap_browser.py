"""Real Chromium: a Danish host manager shares a plan with partner A, then moves the sharing to partner B;
B's manager sees the plan and the notification, A's user no longer reaches it (issue 14)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from partnerportal.notifications.models import Notification
from relations.models import RoadmapItem
from tests.browser import csp_errors, log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, username):
    page = new_page(browser)
    csp = csp_errors(page)
    log_in(page, live_server.url, username)
    return page, csp


def test_a_plan_is_shared_moved_to_another_partner_and_seen_only_there(world, live_server, browser):
    for user in (world.manager, world.b_manager):
        user.language = "da"
        user.save()

    # The host manager (in Danish) adds a plan shared with partner A.
    host, host_csp = _page(browser, live_server, "manager")
    host.goto(live_server.url + reverse("relations:roadmap_create"))
    form = host.locator("#roadmap-form")
    sharing = form.get_by_role("group", name="Delt med")
    expect(sharing.locator("legend")).to_have_text("Delt med")
    expect(sharing).to_contain_text("Sæt flueben ved de partnere")
    form.locator("input[name=title]").fill("Nyt lagerstyringssystem")
    form.locator("select[name=category]").select_option("new_systems")
    sharing.get_by_label("Alfa Logistik A/S").check()
    form.locator("button[type=submit]").click()
    expect(host.locator("body")).to_contain_text("Planen er gemt og delt med: Alfa Logistik A/S.")
    item = RoadmapItem.objects.get()
    host.wait_for_url(re.compile(rf"/roadmap/{item.pk}/$"))
    assert set(item.shared_with.all()) == {world.partner_a}

    # … then edits it: partner B added, partner A removed.
    host.get_by_role("link", name="Redigér").click()
    sharing = host.get_by_role("group", name="Delt med")
    expect(sharing.get_by_label("Alfa Logistik A/S")).to_be_checked()
    sharing.get_by_label("Alfa Logistik A/S").uncheck()
    sharing.get_by_label("Beta Fragt ApS").check()
    host.locator("#roadmap-form button[type=submit]").click()
    host.wait_for_url(re.compile(rf"/roadmap/{item.pk}/$"))
    expect(host.locator("body")).to_contain_text("Planen er gemt og delt med: Beta Fragt ApS.")
    shared_line = host.locator("#shared-with-list")
    expect(shared_line).to_contain_text("Delt med: Beta Fragt ApS")
    expect(shared_line).not_to_contain_text("Alfa")
    host.goto(live_server.url + reverse("relations:roadmap_list"))
    row = host.locator("tr", has_text="Nyt lagerstyringssystem")
    expect(row).to_contain_text("Beta Fragt ApS")
    expect(row).not_to_contain_text("Alfa Logistik A/S")
    assert set(item.shared_with.all()) == {world.partner_b}
    assert not host_csp

    # Partner B's manager sees the plan and got the notification, in Danish.
    partner_b, b_csp = _page(browser, live_server, "b_manager")
    partner_b.goto(live_server.url + reverse("notifications:inbox"))
    expect(partner_b.locator("body")).to_contain_text("En plan er delt med jer: Nyt lagerstyringssystem")
    partner_b.goto(live_server.url + reverse("relations:roadmap_list"))
    partner_b.get_by_role("link", name="Nyt lagerstyringssystem").click()
    partner_b.wait_for_url(re.compile(rf"/roadmap/{item.pk}/$"))
    expect(partner_b.locator("h1")).to_have_text("Nyt lagerstyringssystem")
    assert not b_csp
    assert Notification.objects.filter(recipient=world.b_manager, kind="relations.roadmap").count() == 1

    # Partner A's user no longer reaches it.
    partner_a, _ = _page(browser, live_server, "a_manager")
    response = partner_a.goto(live_server.url + reverse("relations:roadmap_detail", args=[item.pk]))
    assert response.status == 404
    partner_a.goto(live_server.url + reverse("relations:roadmap_list"))
    expect(partner_a.locator("body")).not_to_contain_text("Nyt lagerstyringssystem")
