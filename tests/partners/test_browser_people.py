"""People in real Chromium: an invitation accepted end to end in Danish (the link opened from the sent
e-mail), and a partner manager inviting a colleague and deactivating another, handing over their actions."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import ActionItem
from partnerportal import policy
from partnerportal.notifications.services import dispatch_due
from partners import services
from partners.models import Invitation, User
from tests.browser import csp_errors, log_in, new_page
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Havnekran-Solsikke-73"


def test_an_invitation_is_accepted_end_to_end_in_danish(live_server, browser, world, settings):
    settings.SITE_URL = live_server.url
    services.invitation_invite(
        user=world.a_manager,
        organization=world.partner_a,
        email="signe@example.com",
        role=policy.PARTNER_VIEWER,
        language="da",
    )
    dispatch_due(now=timezone.now() + timedelta(seconds=1))
    message = next(m for m in mail.outbox if m.to == ["signe@example.com"])
    assert message.subject == "Invitation til partnerportalen hos Alfa Logistik A/S"
    link = re.search(r"https?://\S+/partners/join/\S+/", message.body).group(0)

    page = new_page(browser)
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    csp = csp_errors(page)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Tag imod invitationen")
    expect(page.locator("main")).to_contain_text("Partnerlæser")
    expect(page.locator("main")).to_contain_text("Alfa Logistik A/S")
    # A password the validators refuse: said in Danish, nothing created.
    page.fill("input[name=first_name]", "Signe")
    page.fill("input[name=last_name]", "Holm")
    page.fill("input[name=password1]", "123")
    page.fill("input[name=password2]", "123")
    # The refusal is a new page: wait for it, or the next fills could land on the form it replaces (the
    # form already says "adgangskode", so the expectation below does not wait for the answer).
    with page.expect_navigation():
        page.click("main form [type=submit]")
    expect(page.locator("main")).to_contain_text("adgangskode")
    assert not User.objects.filter(email="signe@example.com").exists()

    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_url(live_server.url + reverse("partners:detail", args=[world.partner_a.pk]))
    expect(page.locator("main")).to_contain_text("Velkommen, Signe")
    person = User.objects.get(email="signe@example.com")
    assert (person.organization, person.role, person.language) == (world.partner_a, policy.PARTNER_VIEWER, "da")

    # The link is used now: it says so, in a fresh browser too.
    other = new_page(browser)
    other.goto(link)
    expect(other.locator("h1")).to_have_text("Denne invitation er allerede brugt")
    assert not script_errors, script_errors
    assert not csp, csp


def test_a_partner_manager_invites_and_deactivates_a_colleague(live_server, browser, world):
    colleague = UserFactory(organization=world.partner_a, role=policy.PARTNER_VIEWER, first_name="Karl")
    item = ActionItem.objects.create(
        partner=world.partner_a, title="Count the pallets", owner=world.a_viewer, due_date=date.today()
    )
    page = new_page(browser)
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    log_in(page, live_server.url, "a_manager")
    people = live_server.url + reverse("partners:section", args=[world.partner_a.pk, "people"])
    page.goto(people)

    page.click("text=Invite a person")
    page.fill("input[name=email]", "new.colleague@example.com")
    page.select_option("select[name=role]", "partner_viewer")
    page.select_option("select[name=language]", "en")
    page.click("main form [type=submit]")
    expect(page.locator("main")).to_contain_text("An invitation was sent to new.colleague@example.com")
    # Back on the People section (its own page; the hub loads it as it comes into view).
    expect(page.locator("#section-people #invitations-table")).to_contain_text("new.colleague@example.com")
    assert Invitation.objects.filter(email="new.colleague@example.com", organization=world.partner_a).exists()

    page.goto(people)
    page.locator(f'tr[data-person="{world.a_viewer.pk}"] a', has_text="Deactivate").click()
    expect(page.locator("main")).to_contain_text("Count the pallets")
    page.select_option("select[name=hand_over_meetings-actions]", str(colleague.pk))
    page.click("main form button.btn-danger")
    expect(page.locator("main")).to_contain_text("was deactivated")
    page.goto(people)
    expect(page.locator(f'tr[data-person="{world.a_viewer.pk}"]')).to_contain_text("Deactivated")
    world.a_viewer.refresh_from_db()
    item.refresh_from_db()
    assert not world.a_viewer.is_active and item.owner == colleague
    assert not script_errors, script_errors
