"""Sign-in through allauth keeps the portal's rules; "Your sessions"; a password change or reset signs out
the other sessions; every account event lands in the audit log, which admins read with filters."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse

from partners.models import AccountEvent
from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


def _sign_in(username, password=PASSWORD, **headers):
    client = Client(**headers)
    response = client.post(LOGIN, {"username": username, "password": password})
    return client, response


def _signed_in(client):
    return client.get(reverse("profile")).status_code == 200


def _events(kind, **filters):
    return AccountEvent.objects.filter(kind=kind, **filters)


# --- Sign-in --------------------------------------------------------------------------------------


def test_the_login_page_is_allauths_in_the_portal_layout(client, db):
    from partnerportal.accounts import PortalLoginView

    response = client.get(LOGIN)
    assert response.resolver_match.func.view_class is PortalLoginView
    html = response.content.decode()
    assert 'class="navbar' in html and 'name="username"' in html and 'name="password"' in html
    assert 'id="passkey_login"' in html  # signing in with a passkey
    assert reverse("login") == reverse("account_login") == LOGIN


def test_the_login_page_in_danish(client, db):
    client.cookies["django_language"] = "da"
    html = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Log ind" in html and "Brugernavn" in html and "Adgangskode" in html


def test_nobody_signs_themselves_up(client, db):
    from partnerportal.accounts import PortalAccountAdapter

    assert PortalAccountAdapter().is_open_for_signup(None) is False
    with pytest.raises(NoReverseMatch):
        reverse("account_signup")
    assert client.get("/accounts/signup/").status_code == 404


def test_the_url_names_the_portal_uses_still_work(db):
    for name in ("login", "logout", "password_change", "password_reset", "profile", "api_token"):
        assert reverse(name).startswith("/accounts/")


def test_a_signed_in_person_opening_the_login_page_goes_home(world, client_as):
    response = client_as(world.a_viewer).get(LOGIN)
    assert response.status_code == 302


def test_redirect_after_login(world):
    client = Client()
    target = reverse("partners:detail", args=[world.partner_a.pk])
    response = client.post(LOGIN, {"username": "a_viewer", "password": PASSWORD, "next": target})
    assert response["Location"] == target
    # Not to another site.
    response = Client().post(LOGIN, {"username": "a_viewer", "password": PASSWORD, "next": "https://evil.example/"})
    assert "evil.example" not in response["Location"]


def test_signing_in_flashes_no_signed_in_message(world):
    """The portal says nothing on an ordinary sign-in (allauth's "Successfully signed in as ..." came, in
    the browser's language rather than the person's, on every sign-in), with or without a second factor."""
    from django.contrib.messages import get_messages

    from tests.accounts.totp import add_totp, totp_code

    client, response = _sign_in("a_viewer")
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == []
    secret = add_totp(world.a_manager)
    client, response = _sign_in("a_manager")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302 and _signed_in(client)
    assert [str(m) for m in get_messages(response.wsgi_request)] == []


def test_the_lockout_still_counts_through_allauth(world, settings):
    from axes.models import AccessAttempt

    client = Client()
    for attempt in range(5):
        response = client.post(LOGIN, {"username": "a_viewer", "password": f"wrong-{attempt}"})
    assert response.status_code == 429
    assert AccessAttempt.objects.get(username="a_viewer").failures_since_start == 5
    assert _events("sign_in_failed", user=world.a_viewer, detail="locked out").exists()


# --- Account events of signing in and out -----------------------------------------------------------


def test_signing_in_and_out_is_recorded(world):
    client, _ = _sign_in("a_viewer", HTTP_USER_AGENT="Firefox/140")
    event = _events("signed_in", user=world.a_viewer).get()
    assert event.organization == world.partner_a
    assert event.ip_address == "127.0.0.1" and event.user_agent == "Firefox/140"
    client.post(reverse("logout"))
    assert _events("signed_out", user=world.a_viewer).exists()


def test_a_failed_sign_in_keeps_what_was_typed_and_the_person_only_when_known(world):
    _sign_in("a_viewer", "wrong-password-1")
    _sign_in("no-such-person", "wrong-password-1")
    known = _events("sign_in_failed", identifier="a_viewer").get()
    unknown = _events("sign_in_failed", identifier="no-such-person").get()
    assert known.user == world.a_viewer
    assert unknown.user is None and unknown.organization is None
    assert "wrong-password" not in known.detail + unknown.detail


# --- Your sessions --------------------------------------------------------------------------------


def test_your_sessions_lists_where_you_are_signed_in_and_ends_the_others(world):
    laptop, _ = _sign_in("a_manager", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    phone, _ = _sign_in("a_manager", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1")
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert page.context["session_count"] == 2
    html = page.content.decode()
    assert "127.0.0.1" in html and 'class="navbar' in html
    response = laptop.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    assert _events("sessions_ended", user=world.a_manager).get().detail == "1"
    # Someone else's sessions are not touched.
    other, _ = _sign_in("a_viewer")
    laptop.post(reverse("usersessions_list"))
    assert _signed_in(other)


def test_your_sessions_names_the_browser_and_marks_this_session_first(world):
    """A person reads "Chrome on Windows", not a user-agent string, and sees which session is this one in
    the row's first cell (on a phone the last columns are scrolled out of view)."""
    chrome = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    )
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Mobile/15E148 Safari/604.1"
    )
    laptop, _ = _sign_in("a_manager", HTTP_USER_AGENT=chrome)
    _sign_in("a_manager", HTTP_USER_AGENT=iphone)
    laptop.cookies["django_language"] = "da"
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    html = laptop.get(reverse("usersessions_list")).content.decode()
    assert "Chrome · Windows" in html and "Safari · iPhone" in html
    assert "AppleWebKit/537.36 (KHTML" not in re.sub(r'title="[^"]*"', "", html)  # the full string only as a tooltip
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    current = [row for row in rows if "Chrome" in row]
    first_cell = re.search(r"<t[dh][^>]*>(.*?)</t[dh]>", current[0], re.S).group(1)
    assert "Denne session" in first_cell
    assert "Log ud af de andre sessioner" in html


def test_a_password_change_signs_out_the_other_sessions(world):
    here, _ = _sign_in("a_manager")
    there, _ = _sign_in("a_manager")
    new = "a-much-newer-secret-42"
    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert "signed out everywhere else" in response.content.decode()
    assert _signed_in(here)
    assert not _signed_in(there)
    assert _events("password_changed", user=world.a_manager).exists()
    # The current session is still listed in "Your sessions".
    assert here.get(reverse("usersessions_list")).context["session_count"] == 1


def test_a_password_reset_signs_out_every_session(world):
    signed_in, _ = _sign_in("a_viewer")
    client = Client()
    client.post(reverse("password_reset"), {"email": world.a_viewer.email})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "reset-and-renewed-77"
    client.post(set_password_url, {"new_password1": new, "new_password2": new})
    assert not _signed_in(signed_in)
    assert _events("password_reset", user=world.a_viewer).exists()


# --- The audit log --------------------------------------------------------------------------------


def test_admins_read_the_account_events_with_filters(world, client_as):
    _sign_in("a_viewer")
    _sign_in("no-such-person", "wrong-password-1")
    admin = client_as(world.admin)
    page = admin.get(reverse("audit_accounts"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Signed in" in html and "Sign-in failed" in html and "no-such-person" in html
    assert reverse("audit") in html  # the tab back to the changes
    only_failed = admin.get(reverse("audit_accounts"), {"kind": "sign_in_failed"})
    assert {e.kind for e in only_failed.context["page"]} == {"sign_in_failed"}
    only_viewer = admin.get(reverse("audit_accounts"), {"person": world.a_viewer.pk})
    assert {e.user_id for e in only_viewer.context["page"]} == {world.a_viewer.pk}
    assert reverse("audit_accounts") in admin.get(reverse("audit")).content.decode()


def test_the_account_events_are_paged_in_a_fixed_number_of_queries(world, client_as, django_assert_max_num_queries):
    from partners.services import account_event_record

    people = UserFactory.create_batch(3, organization=world.partner_a)
    for index in range(60):
        account_event_record(kind="signed_in", user=people[index % 3], actor=world.admin)
    admin = client_as(world.admin)
    first = admin.get(reverse("audit_accounts"))
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].has_next()
    with django_assert_max_num_queries(12):
        admin.get(reverse("audit_accounts"), {"page": 2})


@pytest.mark.parametrize("role", ["manager", "partner_manager", "partner_viewer"])
def test_only_admins_read_the_account_events(world, client_as, role):
    assert client_as(world.user(role)).get(reverse("audit_accounts")).status_code in (403, 404)


# --- The organisation's requirement -----------------------------------------------------------------


def _partner_form_data(partner, **extra):
    return {
        "name": partner.name,
        "kind": partner.kind,
        "country": "Danmark",
        "is_active": "on",
        **extra,
    }


def test_host_admins_require_two_factor_of_a_partners_people(world, client_as):
    url = reverse("partners:edit", args=[world.partner_a.pk])
    admin = client_as(world.admin)
    assert 'name="require_mfa"' in admin.get(url).content.decode()
    response = admin.post(url, _partner_form_data(world.partner_a, require_mfa="on"))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    world.partner_a.refresh_from_db()
    assert world.partner_a.require_mfa


def test_warehouse_managers_cannot_switch_the_requirement(world, client_as):
    url = reverse("partners:edit", args=[world.partner_a.pk])
    manager = client_as(world.manager)
    assert 'name="require_mfa"' not in manager.get(url).content.decode()
    manager.post(url, _partner_form_data(world.partner_a, require_mfa="on"))
    world.partner_a.refresh_from_db()
    assert not world.partner_a.require_mfa


def _pre_login(request, user):
    from partnerportal.accounts import PortalAccountAdapter

    options = {"email_verification": "none", "signal_kwargs": None, "email": None, "signup": False}
    return PortalAccountAdapter(request).pre_login(request, user, redirect_url=None, **options)


def test_every_way_in_refuses_a_deactivated_person_with_the_deactivated_message(world, rf):
    """Passkeys and single sign-on reach allauth's pre_login without a password check: it refuses too."""
    from django.contrib.messages.storage.fallback import FallbackStorage

    from partners.sessions import SessionStore

    world.partner_a.is_active = False
    world.partner_a.save(update_fields=["is_active"])
    world.a_viewer.refresh_from_db()
    request = rf.get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = _pre_login(request, world.a_viewer)
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "deactivated" in str(list(request._messages)[0])
    assert _pre_login(request, world.a_manager) is not None  # a_manager's organisation is the same, deactivated one
    assert _pre_login(request, world.b_viewer) is None


def test_the_django_admin_signs_in_through_the_portals_login(world):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    client = Client()
    response = client.post(LOGIN, {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_account_events_read_in_danish(world, client_as):
    from partners.services import account_event_record

    account_event_record(kind="sign_in_failed", user=world.a_viewer, detail="locked out")
    account_event_record(kind="mfa_added", user=world.a_viewer, detail="totp")
    account_event_record(kind="sessions_ended", user=world.a_viewer, detail="2")
    world.admin.language = "da"
    world.admin.save(update_fields=["language"])
    html = client_as(world.admin).get(reverse("audit_accounts")).content.decode()
    assert "Kontohændelser" in html
    assert "spærret" in html and "autentificeringsapp" in html and "2 sessioner" in html
