"""Real Chromium, in Danish: a manager starts a partner's agreement from the default template, the
admin changes the template, and the manager carries the change into a new draft."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agreements.models import AgreementTemplate, VersionStatus
from tests.agreements import templates_helpers as th
from tests.browser import MEASURE, csp_errors, log_in, new_page
from tests.test_browser_layout import AXE_RUN, AXE_SOURCE


def _fits_and_passes_axe(page):
    """No wider than a phone or a laptop, and no serious axe-core violation."""
    for width, height in ((390, 844), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        m = page.evaluate(MEASURE)
        assert m["scrollWidth"] <= m["innerWidth"], (page.url, width, m["wide"])
        page.evaluate(AXE_SOURCE)
        assert page.evaluate(AXE_RUN) == [], (page.url, width)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agreement_created_from_a_template_in_danish(world, live_server, browser):
    # A transactional test starts from an emptied database: make the standard template the default here.
    AgreementTemplate.objects.filter(is_default=True).update(is_default=False)
    template = th.template(world, name="Standard samarbejdsaftale (test)", is_default=True)
    for user in (world.manager, world.admin):
        user.language = "da"
        user.save()

    page = new_page(browser, locale="da-DK")
    errors = csp_errors(page)
    log_in(page, live_server.url, "manager")
    page.goto(live_server.url + reverse("agreements:create", args=[world.partner_a.pk]))
    expect(page.locator("h1")).to_contain_text("Ny aftale med Alfa Logistik A/S")
    select = page.locator("select[name=template]")
    assert select.evaluate("el => el.options[el.selectedIndex].text") == template.name
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/agreements/versions/\d+/edit/$"))
    expect(page.locator("body")).to_contain_text("Aftalen blev oprettet med en første kladde udfyldt fra skabelonen.")
    expect(page.locator("#rows-channel")).to_contain_text("Leveringsforsinkelser")
    expect(page.locator("#rows-escalation")).to_contain_text("Driftsvagten tager sagen")
    expect(page.locator("#version-form")).to_contain_text("Leveringstid")  # the default KPI targets

    # The admin makes the template answer delivery delays within the hour.
    admin = new_page(browser, locale="da-DK")
    log_in(admin, live_server.url, "admin")
    admin.goto(live_server.url + reverse("agreements:template_edit", args=[template.pk]))
    _fits_and_passes_axe(admin)
    admin.set_viewport_size({"width": 1366, "height": 768})
    admin.locator("input[name=channels-1-response_hours]").fill("1")
    admin.locator("input[name=note]").fill("Hurtigere svar på forsinkelser")
    admin.locator("#save-template").click()
    expect(admin.locator("body")).to_contain_text("Skabelonen blev gemt.")
    expect(admin.locator("#template-revisions")).to_contain_text("Revision 2")
    _fits_and_passes_axe(admin)

    # The agreement page shows the difference; the manager carries it into the draft.
    agreement = world.partner_a.agreements.get()
    page.goto(live_server.url + reverse("agreements:detail", args=[agreement.pk]))
    changes = page.locator("#template-changes")
    expect(changes).to_contain_text("Hurtigere svar på forsinkelser")
    expect(changes.locator("#template-diff-channels")).to_contain_text("Ændret")
    _fits_and_passes_axe(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("#carry-template-button").click()
    page.wait_for_url(re.compile(r"/agreements/versions/\d+/edit/$"))
    expect(page.locator("body")).to_contain_text("Skabelonens ændringer blev overført til version 1")
    draft = agreement.versions.get()
    assert draft.status == VersionStatus.DRAFT and draft.template_revision.number == 2
    assert draft.channelrule_set.get(topic="delivery_delays").response_hours == 1
    assert not errors
