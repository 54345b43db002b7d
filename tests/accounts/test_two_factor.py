"""Two-factor sign-in (allauth.mfa): who must have it, being led to set it up, signing in with a code, the
second factor a session passed (for an API token), and the events each step leaves in the audit log."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from partnerportal import policy
from partnerportal.accounts import session_passed_second_factor
from partners.models import AccountEvent
from tests.accounts.totp import add_totp, totp_code, wrong_code
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def _sign_in(username, password=PASSWORD, client=None):
    client = client or Client()
    response = client.post(LOGIN, {"username": username, "password": password})
    return client, response


def _kinds(user):
    return list(AccountEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def _activate_totp(client, capture):
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page
    secret = page.context["form"].secret
    with capture(execute=True):  # allauth sends its signals once the transaction commits
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return secret


# --- Who must have a second factor ------------------------------------------------------------------


def test_host_staff_must_have_it_while_the_setting_is_on(world, settings):
    settings.MFA_REQUIRED_FOR_HOST_STAFF = True
    assert policy.mfa_required(world.admin) and policy.mfa_required(world.manager)
    assert not policy.mfa_required(world.a_manager) and not policy.mfa_required(world.a_viewer)
    settings.MFA_REQUIRED_FOR_HOST_STAFF = False
    assert not policy.mfa_required(world.admin) and not policy.mfa_required(world.manager)


def test_an_organisation_can_require_it_of_its_people(world):
    world.partner_a.require_mfa = True
    world.partner_a.save(update_fields=["require_mfa"])
    world.a_viewer.refresh_from_db()
    world.b_viewer.refresh_from_db()
    assert policy.mfa_required(world.a_viewer) and policy.mfa_required(world.a_manager)
    assert not policy.mfa_required(world.b_viewer)


def test_nobody_signed_out_or_inactive_must_have_it(world, settings):
    from django.contrib.auth.models import AnonymousUser

    settings.MFA_REQUIRED_FOR_HOST_STAFF = True
    assert not policy.mfa_required(AnonymousUser())
    world.manager.is_active = False
    assert not policy.mfa_required(world.manager)


# --- Being led to set it up -------------------------------------------------------------------------


@pytest.fixture
def required(world):
    """Partner A requires two-factor sign-in; a_viewer has none yet."""
    world.partner_a.require_mfa = True
    world.partner_a.save(update_fields=["require_mfa"])
    return world


def test_a_person_who_must_have_it_is_led_to_set_it_up_and_can_do_nothing_else(required):
    client, response = _sign_in("a_viewer")
    assert response.status_code == 302
    home = client.get(reverse("partners:detail", args=[required.partner_a.pk]))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("mfa_index"))
    followed = client.get(home["Location"])
    assert followed.status_code == 200
    assert "You must set up two-factor sign-in" in followed.content.decode()
    # Everything else waits: other pages, the profile, the API with the session, the admin.
    for url in (reverse("dashboard"), reverse("profile"), reverse("api_token"), "/admin/"):
        assert client.get(url).status_code == 302, url
        assert client.get(url)["Location"].startswith(reverse("mfa_index")), url
    api = client.get("/api/me/")
    assert api.status_code == 403
    assert "two-factor" in api.json()["detail"]
    # The set-up pages, the language switch, the health check and signing out stay open.
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "da", "next": "/"}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard"))["Location"].startswith(LOGIN)


def test_after_setting_it_up_the_portal_opens(required, django_capture_on_commit_callbacks):
    client, _ = _sign_in("a_viewer")
    _activate_totp(client, django_capture_on_commit_callbacks)
    assert Authenticator.objects.filter(user=required.a_viewer, type="totp").exists()
    assert client.get(reverse("partners:detail", args=[required.partner_a.pk])).status_code == 200
    kinds = _kinds(required.a_viewer)
    assert "mfa_added" in kinds and "recovery_codes" in kinds


def test_after_a_required_set_up_the_page_asked_for_is_offered(required, django_capture_on_commit_callbacks):
    client, _ = _sign_in("a_viewer")
    asked = reverse("partners:detail", args=[required.partner_a.pk]) + "?tab=kpis"
    assert client.get(asked)["Location"].startswith(reverse("mfa_index"))

    page = client.get(reverse("mfa_activate_totp"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(page.context["form"].secret)})
    # New recovery codes are shown first, with the way on to the page asked for.
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(response["Location"])
    assert codes.status_code == 200
    html = codes.content.decode()
    assert f'href="{asked.replace("&", "&amp;")}"' in html
    assert "Continue to the page you asked for" in html
    assert client.get(asked).status_code == 200
    # Offered once: the codes' page later (from the profile) has no such link.
    assert "Continue to the page you asked for" not in client.get(reverse("mfa_view_recovery_codes")).content.decode()


def test_a_second_factor_added_of_ones_own_accord_goes_where_allauth_sends_it(
    world, django_capture_on_commit_callbacks
):
    client, _ = _sign_in("a_viewer")
    client.get(reverse("partners:detail", args=[world.partner_a.pk]))  # not required: not led anywhere
    page = client.get(reverse("mfa_activate_totp"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(page.context["form"].secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert "Continue to the page you asked for" not in client.get(response["Location"]).content.decode()


def test_one_who_has_it_but_whose_session_did_not_pass_it_is_asked_for_the_code(required):
    add_totp(required.a_viewer)
    client = Client()
    client.force_login(required.a_viewer)  # a session that never saw the second factor
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_api_token_authentication_is_not_affected(required):
    token = Token.objects.create(user=required.a_viewer)
    response = Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_api_token_requests_cost_no_query_for_the_second_factor(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = Token.objects.create(user=world.a_viewer)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "mfa_authenticator" not in sql and "usersessions_usersession" not in sql
    assert "partners_accountevent" not in sql


def test_a_person_not_required_is_not_led_anywhere(world):
    client, _ = _sign_in("a_viewer")
    assert client.get(reverse("partners:detail", args=[world.partner_a.pk])).status_code == 200


def test_host_staff_are_led_to_set_it_up_when_the_setting_is_on(world, settings):
    settings.MFA_REQUIRED_FOR_HOST_STAFF = True
    client, _ = _sign_in("manager")
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("mfa_index"))


# --- Signing in with a code ---------------------------------------------------------------------


def test_sign_in_asks_for_the_code_and_a_wrong_code_is_refused(world):
    secret = add_totp(world.a_manager)
    client, response = _sign_in("a_manager")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet.
    assert client.get(reverse("dashboard"))["Location"].startswith(LOGIN)
    client, response = _sign_in("a_manager")
    wrong = client.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
    assert wrong.status_code == 200
    assert AccountEvent.objects.filter(user=world.a_manager, kind="sign_in_failed", detail="second factor").exists()
    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert right.status_code == 302
    assert client.get(reverse("partners:detail", args=[world.partner_a.pk])).status_code == 200
    assert "signed_in" in _kinds(world.a_manager)


def test_a_code_of_the_step_before_is_accepted_but_not_older_ones_nor_twice(world):
    """A code read off the app just before its 30-second step ended still signs in (MFA_TOTP_TOLERANCE);
    one two steps old does not, and no code works twice."""
    secret = add_totp(world.a_manager)
    client, _ = _sign_in("a_manager")
    stale = totp_code(secret, offset=-2)
    if stale not in {totp_code(secret, offset=offset) for offset in (-1, 0, 1)}:
        assert client.post(reverse("mfa_authenticate"), {"code": stale}).status_code == 200
    previous = totp_code(secret, offset=-1)
    assert client.post(reverse("mfa_authenticate"), {"code": previous}).status_code == 302
    again, _ = _sign_in("a_manager")
    assert again.post(reverse("mfa_authenticate"), {"code": previous}).status_code == 200


def test_redirect_after_sign_in_survives_the_second_factor(world):
    secret = add_totp(world.a_manager)
    client = Client()
    target = reverse("partners:detail", args=[world.partner_a.pk])
    response = client.post(LOGIN, {"username": "a_manager", "password": PASSWORD, "next": target})
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response["Location"] == target


def test_the_session_passed_the_second_factor_after_the_code(world, rf):
    secret = add_totp(world.a_manager)
    client, _ = _sign_in("a_manager")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    request = rf.get("/")
    request.session = client.session
    request.user = world.a_manager
    assert session_passed_second_factor(request)


def test_single_sign_on_counts_as_the_second_factor(world, rf, settings):
    client = Client()
    client.force_login(world.manager)
    request = rf.get("/")
    request.session = client.session
    request.user = world.manager
    assert not session_passed_second_factor(request)
    request.session["pp_sso"] = True
    assert session_passed_second_factor(request)
    settings.OIDC_SATISFIES_MFA = False
    assert not session_passed_second_factor(request)


def test_a_session_signed_in_by_single_sign_on_is_not_led_to_set_it_up(world, settings):
    settings.MFA_REQUIRED_FOR_HOST_STAFF = True
    client = Client()
    client.force_login(world.manager)
    session = client.session
    session["pp_sso"] = True
    session.save()
    assert client.get(reverse("dashboard")).status_code == 200


# --- The API token needs a session that passed the second factor ----------------------------------


def test_a_token_is_not_created_without_the_second_factor(world):
    client, _ = _sign_in("a_viewer")
    page = client.get(reverse("api_token"))
    html = page.content.decode()
    assert 'id="token-needs-mfa"' in html
    assert reverse("mfa_index") in html
    response = client.post(reverse("api_token"), follow=True)
    assert not Token.objects.filter(user=world.a_viewer).exists()
    assert "Confirm your second factor" in response.content.decode()


def test_one_with_an_authenticator_is_sent_to_enter_its_code_for_a_token(world):
    add_totp(world.a_viewer)
    client = Client()
    client.force_login(world.a_viewer)
    html = client.get(reverse("api_token")).content.decode()
    assert reverse("mfa_reauthenticate") in html


def test_a_token_is_created_after_the_second_factor_and_recorded(world):
    secret = add_totp(world.a_viewer)
    client, _ = _sign_in("a_viewer")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert "token-needs-mfa" not in client.get(reverse("api_token")).content.decode()
    assert client.post(reverse("api_token")).status_code == 302
    assert Token.objects.filter(user=world.a_viewer).exists()
    assert "token_created" in _kinds(world.a_viewer)


# --- Removing a second factor ---------------------------------------------------------------------


def test_removing_the_authenticator_app_is_recorded(world, django_capture_on_commit_callbacks):
    client, _ = _sign_in("a_viewer")
    _activate_totp(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=world.a_viewer, type="totp").exists()
    assert "mfa_removed" in _kinds(world.a_viewer)
    # The factor this session added is gone: it no longer counts as having passed one.
    assert 'id="token-needs-mfa"' in client.get(reverse("api_token")).content.decode()


def test_regenerating_recovery_codes_is_recorded(world, django_capture_on_commit_callbacks):
    client, _ = _sign_in("a_viewer")
    _activate_totp(client, django_capture_on_commit_callbacks)
    before = _kinds(world.a_viewer).count("recovery_codes")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("mfa_generate_recovery_codes")).status_code == 302
    assert _kinds(world.a_viewer).count("recovery_codes") == before + 1


# --- The pages: the portal's layout, both languages ---------------------------------------------


@pytest.mark.parametrize(("language", "text"), [("en", "Authenticator App"), ("da", "Autentificeringsapp")])
def test_the_two_factor_page_in_the_portal_layout(world, language, text):
    client = Client()
    client.force_login(world.a_viewer)
    client.cookies["django_language"] = language
    world.a_viewer.language = language
    world.a_viewer.save(update_fields=["language"])
    html = client.get(reverse("mfa_index")).content.decode()
    assert 'class="navbar' in html  # our base template
    assert text in html
    profile = client.get(reverse("profile")).content.decode()
    assert reverse("mfa_index") in profile and reverse("usersessions_list") in profile


def test_the_passkey_page_names_its_field_in_danish(world):
    """allauth's passkey form has a "name" field without a label (Django shows "Name" in any language)."""
    world.a_viewer.language = "da"
    world.a_viewer.save(update_fields=["language"])
    client, _response = _sign_in("a_viewer")  # just signed in: not asked for the password again
    client.cookies["django_language"] = "da"
    html = client.get(reverse("mfa_add_webauthn")).content.decode()
    assert "Tilføj sikkerhedsnøgle" in html
    assert re.search(r"<label[^>]*>\s*Navn", html) and not re.search(r"<label[^>]*>\s*Name", html)


def test_entering_the_code_opens_the_portal_for_one_who_has_it(required):
    secret = add_totp(required.a_viewer)
    client = Client()
    client.force_login(required.a_viewer)
    prompt = client.get(reverse("profile"))["Location"]
    page = client.get(prompt)
    assert page.status_code == 200 and 'class="navbar' in page.content.decode()
    response = client.post(prompt, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    assert client.get(reverse("profile")).status_code == 200


def test_an_htmx_request_is_sent_to_the_set_up_page_as_a_whole(required):
    client, _ = _sign_in("a_viewer")
    response = client.get(reverse("partners:detail", args=[required.partner_a.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("mfa_index"))
