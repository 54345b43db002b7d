"""Real Chromium: an admin sends a revision, the partner manager reviews the differences and signs,
and the printed PDF holds the agreed channel matrix."""

import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agreements import services
from agreements.models import VersionStatus
from tests.agreements import helpers
from tests.browser import csp_errors, log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_revision_reviewed_signed_and_printed(world, live_server, browser, tmp_path):
    active = helpers.active(world, world.partner_a)
    draft = services.draft_create(agreement=active.agreement, user=world.admin)
    rule = draft.channelrule_set.get()

    # The admin changes a line of the channel matrix inline (htmx, no page load) and sends the revision.
    admin = new_page(browser)
    admin_csp = csp_errors(admin)
    log_in(admin, live_server.url, "admin")
    admin.goto(live_server.url + reverse("agreements:edit", args=[draft.pk]))
    admin.evaluate("window.__noReload = true")
    row = admin.locator(f"#channel-{rule.pk}")
    row.locator("a[aria-label=Edit]").click()
    form = admin.locator("form.agreement-row-form")
    form.locator("input[name=response_hours]").fill("0")
    form.locator("button[type=submit]").click()
    expect(admin.locator("form.agreement-row-form")).to_contain_text("The response time is at least one hour.")
    form = admin.locator("form.agreement-row-form")
    form.locator("input[name=response_hours]").fill("2")
    form.locator("select[name=channel]").select_option("phone")
    form.locator("button[type=submit]").click()
    expect(admin.locator(f"#channel-{rule.pk}")).to_contain_text("Phone")
    expect(admin.locator(f"#channel-{rule.pk}")).to_contain_text("2 hours")
    assert admin.evaluate("window.__noReload") is True
    admin.click("#send-button")
    admin.wait_for_url(re.compile(rf"/agreements/versions/{draft.pk}/$"))
    expect(admin.locator("#sign-off")).to_be_visible()
    admin.click("#sign-button")  # the required confirmation box stops an unticked form in the browser
    expect(admin.locator("#sign-off")).to_be_visible()
    assert admin.locator("#sign-confirm").evaluate("el => el.validity.valueMissing") is True
    admin.check("#sign-confirm")
    admin.click("#sign-button")
    expect(admin.locator("body")).to_contain_text("Your signature was recorded")
    assert not admin_csp

    # The partner manager finds the pending signature on the hub, reviews the differences and signs.
    partner = new_page(browser)
    partner_csp = csp_errors(partner)
    log_in(partner, live_server.url, "a_manager")
    partner.goto(live_server.url + reverse("partners:detail", args=[world.partner_a.pk]))
    pending = partner.locator("#agreement-pending")
    expect(pending).to_contain_text("awaits your signature")
    pending.locator("a").click()
    partner.wait_for_url(re.compile(rf"/agreements/versions/{draft.pk}/$"))
    diff = partner.locator("#diff")
    expect(diff).to_contain_text("Delivery delays")
    expect(diff).to_contain_text("Portal notice → Phone")
    expect(diff).to_contain_text("4 → 2")
    partner.click("#sign-button")  # the required confirmation box stops an unticked form in the browser
    expect(partner.locator("#sign-off")).to_be_visible()
    assert partner.locator("#sign-confirm").evaluate("el => el.validity.valueMissing") is True
    partner.check("#sign-confirm")
    partner.click("#sign-button")
    expect(partner.locator("body")).to_contain_text("now in force")
    draft.refresh_from_db()
    active.refresh_from_db()
    assert draft.status == VersionStatus.ACTIVE and active.status == VersionStatus.SUPERSEDED

    # The print page: no navigation when printed, the agreed channel matrix in the PDF.
    partner.goto(live_server.url + reverse("agreements:print", args=[draft.pk]))
    partner.emulate_media(media="print")
    expect(partner.locator("nav.navbar")).to_be_hidden()
    matrix = partner.locator("#channel-matrix")
    expect(matrix).to_be_visible()
    expect(matrix).to_contain_text("Delivery delays")
    expect(matrix).to_contain_text("Phone")
    expect(matrix).to_contain_text("2 hours")
    pdf = partner.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    if shutil.which("pdftotext"):
        path = tmp_path / "agreement.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "Delivery delays" in text and "Phone" in text and "2 hours" in text
        assert "Log out" not in text
    assert not partner_csp
