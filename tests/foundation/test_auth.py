"""Login, lock-out, logout, password change and reset, through the pages a user takes."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def _is_signed_in(client):
    return client.get(reverse("dashboard")).status_code == 200


def test_login_with_the_right_password_signs_in(world):
    client = Client()
    response = _login(client, "manager", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _is_signed_in(client)


def test_login_page_renders_the_form(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert reverse("password_reset") in html


def test_wrong_password_and_unknown_user_get_the_same_generic_message(world):
    wrong_password = _login(Client(), "manager", "not-the-password-1")
    unknown_user = _login(Client(), "nobody-by-that-name", "not-the-password-1")
    assert wrong_password.status_code == unknown_user.status_code == 200
    errors_wrong = wrong_password.context["form"].non_field_errors()
    errors_unknown = unknown_user.context["form"].non_field_errors()
    assert list(errors_wrong) == list(errors_unknown)
    assert "correct username and password" in errors_wrong[0]

    # Nothing on the page tells the two cases apart, apart from the echoed user name.
    def normalised(response, name):
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return re.sub(r'"X-CSRFToken": "[^"]+"', "", html).replace(name, "NAME")

    assert normalised(wrong_password, "manager") == normalised(unknown_user, "nobody-by-that-name")


def test_failed_attempts_are_counted(world):
    client = Client()
    _login(client, "manager", "wrong-1")
    _login(client, "manager", "wrong-2")
    attempt = AccessAttempt.objects.get(username="manager")
    assert attempt.failures_since_start == 2


def test_lockout_after_the_failure_limit_even_with_the_right_password(world, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client()
    for attempt in range(4):
        response = _login(client, "manager", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
    response = _login(client, "manager", "wrong-5")
    assert response.status_code == 429
    assertions_on_lockout_page(response)

    response = _login(client, "manager", PASSWORD)
    assert response.status_code == 429
    assertions_on_lockout_page(response)
    assert not _is_signed_in(client)

    # Another user from the same address is not locked out by someone else's failures.
    assert _login(Client(), "admin", PASSWORD).status_code == 302


def assertions_on_lockout_page(response):
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'id="locked-out"' in html
    assert "Too many failed login attempts" in html
    assert "15 minutes" in html
    assert reverse("password_reset") in html


def test_successful_login_resets_the_failure_count(world):
    client = Client()
    for attempt in range(3):
        _login(client, "manager", f"wrong-{attempt}")
    assert _login(client, "manager", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="manager", failures_since_start__gt=0).exists()


def test_logout_needs_post(world, client_as):
    client = client_as(world.manager)
    assert client.get(reverse("logout")).status_code == 405
    assert _is_signed_in(client)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("dashboard"))["Location"].startswith(LOGIN)


def test_password_change(world):
    client = Client()
    _login(client, "a_manager", PASSWORD)
    new = "a-much-newer-secret-42"
    bad = client.post(
        reverse("password_change"),
        {"old_password": "wrong-old-1", "new_password1": new, "new_password2": new},
    )
    assert bad.status_code == 200
    assert "old_password" in bad.context["form"].errors
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("profile")
    assert "Your password was changed." in response.content.decode()
    assert _login(Client(), "a_manager", new).status_code == 302
    assert _login(Client(), "a_manager", PASSWORD).status_code == 200


def test_password_reset_gives_the_same_answer_for_known_and_unknown_addresses(world):
    known = Client().post(reverse("password_reset"), {"email": world.manager.email})
    unknown = Client().post(reverse("password_reset"), {"email": "nobody@nowhere.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.manager.email]
    done = Client().get(reverse("password_reset_done"))
    assert "If an account uses that address" in done.content.decode()


def test_password_reset_link_sets_a_new_password(world):
    client = Client()
    client.post(reverse("password_reset"), {"email": world.a_viewer.email})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your partner portal password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]
    set_password_url = response.redirect_chain[-1][0]
    new = "reset-and-renewed-77"
    response = client.post(set_password_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")

    assert _login(Client(), "a_viewer", new).status_code == 302
    assert _login(Client(), "a_viewer", PASSWORD).status_code == 200
    # The link works once.
    used = Client().get(link, follow=True)
    assert not used.context["validlink"]
    assert "This link is invalid" in used.content.decode()


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_host_staff_land_on_the_dashboard(world, role):
    client = Client()
    response = _login(client, role, PASSWORD)
    assert client.get(response["Location"])["Location"] == reverse("dashboard")


def test_signed_in_user_comes_with_their_organization_in_one_query(world, django_assert_num_queries):
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    client = Client()
    _login(client, "a_viewer", PASSWORD)
    request = RequestFactory().get("/")
    request.session = client.session
    assert request.session.get("_auth_user_id")  # the session row is read here, not below
    with django_assert_num_queries(1):  # the user row, joined with the organization
        user = get_user(request)
        assert user.pk == world.a_viewer.pk
        assert user.organization.name == world.partner_a.name


def test_a_deactivated_user_is_signed_out_on_the_next_request(world):
    client = Client()
    _login(client, "a_viewer", PASSWORD)
    assert client.get(reverse("partners:detail", args=[world.partner_a.pk])).status_code == 200
    world.a_viewer.is_active = False
    world.a_viewer.save(update_fields=["is_active"])
    response = client.get(reverse("partners:detail", args=[world.partner_a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
