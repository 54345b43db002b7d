"""Real Chromium: a warehouse manager signs in through the host's issuer (oidc-provider-mock, a real
OpenID Connect provider on 127.0.0.1) from the login page's button and lands on the dashboard."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from partners.models import AccountEvent, AccountEventKind
from tests.accounts.sso_issuer import PROVIDER_NAME, issuer, sso_settings  # noqa: F401 - fixture
from tests.browser import csp_errors, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sso_sign_in_lands_on_the_dashboard(world, live_server, browser, settings, issuer):  # noqa: F811
    for name, value in sso_settings(issuer.url).items():
        setattr(settings, name, value)
    issuer.set_claims("entra-manager-1", email=world.manager.email.upper(), email_verified=True, name="M Anager")

    page = new_page(browser)
    csp = csp_errors(page)
    page.goto(live_server.url + "/accounts/login/")
    button = page.locator("#sso-button")
    assert button.inner_text().strip() == f"Sign in with {PROVIDER_NAME}"
    button.click()

    # The issuer's own authorization form: who signs in (its `sub`).
    page.wait_for_url(re.compile(re.escape(issuer.url) + r"/oauth2/authorize"))
    page.fill("input[name=sub]", "entra-manager-1")
    page.click("button:text('Authorize')")

    page.wait_for_url(live_server.url + reverse("dashboard"))
    assert page.locator("h1").first.inner_text() == "Dashboard"
    assert SocialAccount.objects.get(uid="entra-manager-1").user == world.manager
    assert AccountEvent.objects.filter(kind=AccountEventKind.SSO_SIGNED_IN, user=world.manager).count() == 1
    assert not csp, csp


def test_sso_refusal_is_shown_on_the_login_page(world, live_server, browser, settings, issuer):  # noqa: F811
    for name, value in sso_settings(issuer.url).items():
        setattr(settings, name, value)
    issuer.set_claims("partner-1", email=world.a_manager.email, email_verified=True)

    page = new_page(browser)
    page.goto(live_server.url + "/accounts/login/")
    page.click("#sso-button")
    page.wait_for_url(re.compile(re.escape(issuer.url)))
    page.fill("input[name=sub]", "partner-1")
    page.click("button:text('Authorize')")

    page.wait_for_url(live_server.url + "/accounts/login/")
    assert "is for the host company's staff" in page.locator("#messages").inner_text()
    assert not SocialAccount.objects.exists()
