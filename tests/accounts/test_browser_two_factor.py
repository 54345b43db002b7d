"""Real Chromium: setting up an authenticator app and signing in with its code (computed in the test), and a
person whose organisation requires two-factor sign-in being led to set it up before anything else (in Danish)."""

import re

import pytest
from django.urls import reverse

from partners.models import AccountEvent
from tests.accounts.totp import totp_code, wrong_code
from tests.browser import csp_errors, new_page
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in_form(page, base, username):
    page.goto(base + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form [type=submit]")


def _activate_authenticator_app(page):
    """On the activation page: read the secret as an app would from the QR code, give its code."""
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    assert page.locator("img[src^='data:image/svg+xml']").count() == 1  # the QR code
    page.fill("input[name=code]", totp_code(secret))
    page.click("form:has(input[name=code]) [type=submit]")
    # Accepted: allauth goes on to the recovery codes made with it (a wrong code would stay on this page).
    page.wait_for_url(re.compile(r"/recovery-codes/$"))
    return secret


def test_setting_up_an_authenticator_app_and_signing_in_with_its_code(world, live_server, browser):
    page = new_page(browser)
    csp = csp_errors(page)
    _sign_in_form(page, live_server.url, "a_viewer")
    page.goto(live_server.url + reverse("profile"))
    page.click("#mfa-link")
    page.wait_for_url(re.compile(r"/accounts/2fa/$"))
    assert page.locator("h1").inner_text() == "Two-Factor Authentication"
    page.click(f"a[href='{reverse('mfa_activate_totp')}']")
    page.wait_for_url(re.compile(r"/totp/activate/$"))
    secret = _activate_authenticator_app(page)
    # allauth shows the recovery codes made with it.
    assert page.locator("main").inner_text().count("\n") > 5
    assert AccountEvent.objects.filter(user=world.a_viewer, kind="mfa_added").exists()

    # A new browser: the password alone does not sign in.
    page = new_page(browser)
    csp += csp_errors(page)
    _sign_in_form(page, live_server.url, "a_viewer")
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.fill("input[name=code]", wrong_code(secret))
    with page.expect_navigation():
        page.click("form:has(input[name=code]) [type=submit]")
    assert "/accounts/2fa/authenticate/" in page.url
    assert page.locator(".error-summary, .invalid-feedback").count() > 0
    page.fill("input[name=code]", totp_code(secret))
    page.click("form:has(input[name=code]) [type=submit]")
    page.wait_for_url(re.compile(rf"/partners/{world.partner_a.pk}/$"))
    assert page.locator("h1").inner_text() == "Alfa Logistik A/S"
    assert not csp, csp


def test_a_person_who_must_have_it_is_made_to_set_it_up_first_in_danish(world, live_server, browser):
    world.partner_a.require_mfa = True
    world.partner_a.save(update_fields=["require_mfa"])
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    page = new_page(browser, locale="da-DK", extra_http_headers={"Accept-Language": "da"})
    csp = csp_errors(page)
    _sign_in_form(page, live_server.url, "a_manager")
    page.wait_for_url(re.compile(r"/accounts/2fa/(\?.*)?$"))
    assert "To-faktor-autentificering" in page.locator("h1").inner_text()
    assert "Du skal opsætte totrinslogin" in page.locator("main").inner_text()

    # Nothing else opens until then.
    partner_page = live_server.url + reverse("partners:detail", args=[world.partner_a.pk])
    page.goto(partner_page)
    assert "/accounts/2fa/" in page.url
    page.goto(live_server.url + reverse("api_token"))
    assert "/accounts/2fa/" in page.url

    page.click(f"a[href='{reverse('mfa_activate_totp')}']")
    page.wait_for_url(re.compile(r"/totp/activate/$"))
    assert "Aktiver autentificeringsapp" in page.locator("h1").inner_text()
    _activate_authenticator_app(page)
    # The recovery codes first, then on to the page last asked for.
    assert "Totrinslogin er sat op" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.click("text=Fortsæt til den side, du bad om")
    assert page.url == live_server.url + reverse("api_token")
    page.goto(partner_page)
    assert page.url == partner_page
    assert page.locator("h1").inner_text() == "Alfa Logistik A/S"
    assert not csp, csp


def test_adding_a_passkey_and_signing_in_with_it(world, live_server, browser):
    """Chromium's virtual authenticator (DevTools WebAuthn domain) plays the security key; browsers allow
    passkeys on http://localhost, where the live server runs."""
    from allauth.mfa.models import Authenticator

    page = new_page(browser)
    csp = csp_errors(page)
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    _sign_in_form(page, live_server.url, "a_viewer")
    page.goto(live_server.url + reverse("mfa_add_webauthn"))
    page.fill("input[name=name]", "Laptop")
    if page.locator("input[name=passwordless]").count():
        page.check("input[name=passwordless]")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=world.a_viewer, type="webauthn").exists()
    assert AccountEvent.objects.filter(user=world.a_viewer, kind="mfa_added").exists()

    # Signed out; the passkey alone signs in again.
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.click("#passkey_login")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.url == live_server.url + reverse("partners:detail", args=[world.partner_a.pk])
    assert AccountEvent.objects.filter(user=world.a_viewer, kind="signed_in").count() == 2
    # A passkey is a second factor in itself: this session may create an API token.
    page.goto(live_server.url + reverse("api_token"))
    assert page.locator("#token-needs-mfa").count() == 0
    assert not csp, csp
