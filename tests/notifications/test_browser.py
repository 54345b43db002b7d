"""Real Chromium: a partner user reads a notification in the inbox; the header badge follows."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from partnerportal.notifications.models import Notification
from tests.browser import csp_errors, log_in, new_page
from tests.notifications.helpers import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_user_marks_a_notification_read_and_opens_another(world, live_server, browser):
    first = make(world.a_manager, key="b:1", subject="Truck 4 is delayed", body="New ETA 14:30.")
    make(world.a_manager, key="b:2", subject="Minutes published", url="/notifications/preferences/")
    make(world.b_manager, key="b:3", subject="Beta only")
    page = new_page(browser)
    csp = csp_errors(page)
    log_in(page, live_server.url, "a_manager")

    expect(page.locator("#unread-count")).to_have_text("2")
    page.click("#inbox-link")
    page.wait_for_url(f"**{reverse('notifications:inbox')}")
    row = page.locator(f"#notification-{first.pk}")
    expect(row).to_contain_text("Truck 4 is delayed")
    expect(page.locator("#notification-list")).not_to_contain_text("Beta only")

    # htmx: the row is swapped in place and the header badge updates out of band.
    url_before = page.url
    row.get_by_role("button", name="Mark as read").click()
    expect(page.locator("#unread-count")).to_have_text("1")
    expect(page.locator(f"#notification-{first.pk} .badge")).to_have_count(0)
    expect(page.locator(f"#notification-{first.pk} button")).to_have_count(0)
    assert page.url == url_before

    page.click("text=Minutes published")
    page.wait_for_url(f"**{reverse('notifications:preferences')}")
    expect(page.locator("#unread-count")).to_have_count(0)
    assert not Notification.objects.filter(recipient=world.a_manager, read_at__isnull=True).exists()
    assert csp == []
