"""Single sign-on (OpenID Connect) against a real issuer (oidc-provider-mock, tests/accounts/sso_issuer.py):
the test client posts the portal's sign-in button, the issuer's authorization form is submitted over HTTP,
and the issuer's redirect comes back to the portal's callback, which fetches the tokens from the issuer."""

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import Login
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import SESSION_KEY as AUTH_USER_KEY
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory

from partnerportal import policy, sso
from partners import sso as partners_sso
from partners.models import AccountEvent, AccountEventKind, User
from tests.accounts.sso_issuer import PROVIDER_NAME, issuer, portal_path, sso_settings  # noqa: F401 - fixture
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def sso_on(settings, issuer):  # noqa: F811 - the fixture
    def configure(**options):
        for name, value in sso_settings(issuer.url, **options).items():
            setattr(settings, name, value)

    configure()
    return configure


def sign_in(client, issuer, sub, *, provider_id="host", deny=False):  # noqa: F811
    """The whole round trip; the portal's last answer (the callback's redirect)."""
    response = client.post(f"/accounts/oidc/{provider_id}/login/")
    assert response.status_code == 302, response.status_code
    back = issuer.authorize(response["Location"], sub, deny=deny)
    return client.get(portal_path(back))


def signed_in_user(client):
    user_id = client.session.get(AUTH_USER_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def assert_refused(client, response, text):
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user(client) is None
    assert not client.session.get(sso.SESSION_KEY)
    assert any(text in message for message in messages_of(response)), messages_of(response)


def last_event():
    return AccountEvent.objects.order_by("-id").first()


# --- Not configured -------------------------------------------------------------------------------


def test_without_configuration_no_button_and_the_urls_answer_404(client, world):
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert b'id="sso-button"' not in page.content
    for path in ("/accounts/oidc/host/login/", "/accounts/oidc/host/login/callback/"):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    assert sso.host_sign_in() is None
    assert sso.sso_available_for(world.host) is None


def test_an_unknown_provider_answers_404_when_configured(client, sso_on):
    assert client.get("/accounts/oidc/nope/login/").status_code == 404
    assert client.post("/accounts/oidc/partner-999/login/").status_code == 404


# --- The button -----------------------------------------------------------------------------------


def test_login_page_offers_the_button_and_the_issuer_in_form_action(client, sso_on, issuer):  # noqa: F811
    page = client.get(LOGIN)
    html = page.content.decode()
    assert 'id="sso-button"' in html
    assert f"Sign in with {PROVIDER_NAME}" in html
    assert 'action="/accounts/oidc/host/login/"' in html
    assert issuer.url in page["Content-Security-Policy"].split("form-action", 1)[1].split(";")[0]
    # A GET of the sign-in URL asks first (the button POSTs with its CSRF token).
    confirm = client.get("/accounts/oidc/host/login/")
    assert confirm.status_code == 200
    assert f"Sign in with {PROVIDER_NAME}" in confirm.content.decode()


def test_login_page_in_danish(client, sso_on):
    client.cookies["django_language"] = "da"
    html = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert f"Log ind med {PROVIDER_NAME}" in html


# --- Mapping --------------------------------------------------------------------------------------


def test_existing_host_user_is_mapped_by_verified_email_then_by_sub(client, world, sso_on, issuer):  # noqa: F811
    world.manager.email = "Manager@Example.com"
    world.manager.save()
    issuer.set_claims("m-1", email="manager@example.COM", email_verified=True, name="Someone Else")

    response = sign_in(client, issuer, "m-1")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user(client) == world.manager
    assert client.session[sso.SESSION_KEY] is True
    account = SocialAccount.objects.get(user=world.manager)
    assert (account.provider, account.uid) == ("host", "m-1")
    event = last_event()
    assert (event.kind, event.user) == (AccountEventKind.SSO_SIGNED_IN, world.manager)
    assert "connected" in event.detail
    # One sign-in, one event: not also Django's plain "Signed in".
    sign_ins = AccountEvent.objects.filter(
        user=world.manager, kind__in=[AccountEventKind.SIGNED_IN, AccountEventKind.SSO_SIGNED_IN]
    )
    assert sign_ins.count() == 1
    world.manager.refresh_from_db()
    assert world.manager.first_name != "Someone"  # the existing person's name is kept
    assert client.get("/dashboard/").status_code == 200

    # Later sign-ins go by `sub`: the issuer's address may change.
    client.logout()
    issuer.set_claims("m-1", email="renamed@example.com", email_verified=True)
    response = sign_in(client, issuer, "m-1")
    assert signed_in_user(client) == world.manager
    assert SocialAccount.objects.count() == 1
    assert last_event().kind == AccountEventKind.SSO_SIGNED_IN
    assert sign_ins.count() == 2


def test_next_is_kept(client, world, sso_on, issuer):  # noqa: F811
    issuer.set_claims("admin-1", email=world.admin.email, email_verified=True)
    response = client.post("/accounts/oidc/host/login/", {"next": "/partners/"})
    back = issuer.authorize(response["Location"], "admin-1")
    assert client.get(portal_path(back))["Location"] == "/partners/"
    assert signed_in_user(client) == world.admin


def test_unverified_email_is_refused(client, world, sso_on, issuer):  # noqa: F811
    issuer.set_claims("m-2", email=world.manager.email, email_verified=False)
    response = sign_in(client, issuer, "m-2")
    assert_refused(client, response, "has not verified your e-mail address")
    assert not SocialAccount.objects.exists()
    event = last_event()
    assert event.kind == AccountEventKind.SIGN_IN_FAILED
    assert event.identifier == world.manager.email
    assert "unverified" in event.detail


def test_missing_email_verified_claim_is_refused_unless_the_issuer_is_trusted(
    client,
    world,
    sso_on,
    issuer,  # noqa: F811
):
    issuer.set_claims("m-3", email=world.manager.email)
    assert_refused(client, sign_in(client, issuer, "m-3"), "has not verified")
    sso_on(trust_email=True)
    sign_in(client, issuer, "m-3")
    assert signed_in_user(client) == world.manager


def test_unknown_address_is_refused_and_nothing_is_created(client, world, sso_on, issuer):  # noqa: F811
    users = User.objects.count()
    issuer.set_claims("x-1", email="stranger@example.net", email_verified=True, name="Stranger Danger")
    response = sign_in(client, issuer, "x-1")
    assert_refused(client, response, "There is no account in the portal for stranger@example.net")
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    assert last_event().kind == AccountEventKind.SIGN_IN_FAILED


def test_allow_listed_domain_creates_a_host_user(client, world, sso_on, issuer, settings):  # noqa: F811
    sso_on(allowed_domains="Lager.example, other.example")
    issuer.set_claims(
        "new-1", email="Nina.Holm@lager.example", email_verified=True, given_name="Nina", family_name="Holm"
    )
    sign_in(client, issuer, "new-1")

    user = signed_in_user(client)
    assert user is not None
    assert (user.email, user.first_name, user.last_name) == ("Nina.Holm@lager.example", "Nina", "Holm")
    assert user.organization == world.host
    assert user.role == policy.MANAGER
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(uid="new-1").user == user
    assert "account created" in last_event().detail
    # The same domain outside the allow-list's own (a partner's address) is not enough:
    client.logout()
    issuer.set_claims("new-2", email="someone@lager.example.evil", email_verified=True)
    assert_refused(client, sign_in(client, issuer, "new-2"), "There is no account")

    settings.OIDC_DEFAULT_ROLE = policy.ADMIN
    issuer.set_claims("new-3", email="boss@other.example", email_verified=True, name="Bo Ss")
    sign_in(client, issuer, "new-3")
    boss = signed_in_user(client)
    assert (boss.role, boss.first_name, boss.last_name) == (policy.ADMIN, "Bo", "Ss")


def test_allow_list_does_not_create_an_account_for_an_unverified_address(
    client,
    world,
    sso_on,
    issuer,  # noqa: F811
):
    sso_on(allowed_domains="lager.example")
    issuer.set_claims("new-4", email="eve@lager.example", email_verified=False)
    assert_refused(client, sign_in(client, issuer, "new-4"), "has not verified")
    assert not User.objects.filter(email="eve@lager.example").exists()


def test_partner_user_is_refused_on_the_hosts_issuer(client, world, sso_on, issuer):  # noqa: F811
    issuer.set_claims("p-1", email=world.a_manager.email, email_verified=True)
    response = sign_in(client, issuer, "p-1")
    assert_refused(client, response, "is for the host company's staff")
    assert not SocialAccount.objects.exists()
    event = last_event()
    assert (event.kind, event.user) == (AccountEventKind.SIGN_IN_FAILED, world.a_manager)


def test_partner_address_on_the_allow_list_is_still_refused(client, world, sso_on, issuer):  # noqa: F811
    sso_on(allowed_domains="example.com")  # the factories' domain: the partner user's too
    issuer.set_claims("p-2", email=world.a_viewer.email, email_verified=True)
    assert_refused(client, sign_in(client, issuer, "p-2"), "host company's staff")


def test_deactivated_person_and_organisation_are_refused(client, world, sso_on, issuer):  # noqa: F811
    world.manager.is_active = False
    world.manager.save()
    issuer.set_claims("m-5", email=world.manager.email, email_verified=True)
    assert_refused(client, sign_in(client, issuer, "m-5"), "has been deactivated")
    assert not SocialAccount.objects.exists()


def test_connected_person_deactivated_later_is_refused(client, world, sso_on, issuer):  # noqa: F811
    issuer.set_claims("m-6", email=world.manager.email, email_verified=True)
    sign_in(client, issuer, "m-6")
    assert signed_in_user(client) == world.manager
    client.logout()
    User.objects.filter(pk=world.manager.pk).update(is_active=False)
    assert_refused(client, sign_in(client, issuer, "m-6"), "has been deactivated")


def test_connected_person_moved_to_a_partner_role_is_refused(client, world, sso_on, issuer):  # noqa: F811
    person = UserFactory(email="mover@example.com", organization=world.host, role=policy.MANAGER)
    issuer.set_claims("m-7", email=person.email, email_verified=True)
    sign_in(client, issuer, "m-7")
    assert signed_in_user(client) == person
    client.logout()
    User.objects.filter(pk=person.pk).update(organization=world.partner_a, role=policy.PARTNER_VIEWER)
    assert_refused(client, sign_in(client, issuer, "m-7"), "host company's staff")


def test_address_shared_by_two_users_is_refused(client, world, sso_on, issuer):  # noqa: F811
    UserFactory(email="MANAGER@example.com", organization=world.host, role=policy.ADMIN)
    issuer.set_claims("m-8", email=world.manager.email, email_verified=True)
    assert_refused(client, sign_in(client, issuer, "m-8"), "More than one account")
    assert not SocialAccount.objects.exists()


def test_denied_at_the_issuer_goes_back_to_the_login_page(client, world, sso_on, issuer):  # noqa: F811
    response = sign_in(client, issuer, "whoever", deny=True)
    assert_refused(client, response, "did not complete")
    assert last_event().kind == AccountEventKind.SIGN_IN_FAILED


def test_a_forged_callback_is_refused(client, world, sso_on):
    response = client.get("/accounts/oidc/host/login/callback/?code=abc&state=forged")
    assert_refused(client, response, "did not complete")


def test_a_password_sign_in_is_not_marked(client, world, sso_on, issuer):  # noqa: F811
    issuer.set_claims("m-9", email=world.manager.email, email_verified=True)
    sign_in(client, issuer, "m-9")
    assert client.session[sso.SESSION_KEY] is True
    assert sso.sso_satisfies_mfa(type("R", (), {"session": client.session})())
    client.logout()
    assert not client.session.get(sso.SESSION_KEY)
    # Even a mark left in a session before a password sign-in does not count for it.
    session = client.session
    session[sso.SESSION_KEY] = True
    session.save()
    response = client.post(LOGIN, {"username": world.admin.username, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user(client) == world.admin
    assert not client.session.get(sso.SESSION_KEY)


def test_sso_satisfies_mfa_follows_the_setting(settings):
    request = type("R", (), {"session": {sso.SESSION_KEY: True}})()
    assert sso.sso_satisfies_mfa(request)
    settings.OIDC_SATISFIES_MFA = False
    assert not sso.sso_satisfies_mfa(request)
    assert not sso.sso_satisfies_mfa(type("R", (), {"session": {}})())


# --- A partner organisation with its own issuer ---------------------------------------------------


def test_partner_issuer_signs_in_that_organisations_people_only(client, world, sso_on, issuer):  # noqa: F811
    sso_on(partner_orgs=[world.partner_a])
    provider_id = f"partner-{world.partner_a.pk}"
    option = sso.sso_available_for(world.partner_a)
    assert option.provider_id == provider_id
    assert option.login_url == f"/accounts/oidc/{provider_id}/login/"
    assert sso.sso_available_for(world.partner_b) is None
    assert sso.sso_available_for(world.host).provider_id == "host"
    # Only the host's issuer is on the login page (the partners' are not listed to strangers).
    assert f"{world.partner_a.name} sign-in" not in client.get(LOGIN).content.decode()

    issuer.set_claims("a-1", email=world.a_viewer.email, email_verified=True)
    sign_in(client, issuer, "a-1", provider_id=provider_id)
    assert signed_in_user(client) == world.a_viewer
    assert SocialAccount.objects.get(uid="a-1").provider == provider_id
    client.logout()

    for sub, person in (("b-1", world.b_manager), ("h-1", world.manager)):
        issuer.set_claims(sub, email=person.email, email_verified=True)
        assert_refused(
            client, sign_in(client, issuer, sub, provider_id=provider_id), "does not belong to the organisation"
        )

    # The same `sub` on the host's issuer is another account: the host's issuer refuses a partner.
    assert_refused(client, sign_in(client, issuer, "a-1"), "host company's staff")


def test_partner_issuer_refuses_a_deactivated_organisation(client, world, sso_on, issuer):  # noqa: F811
    sso_on(partner_orgs=[world.partner_a])
    world.partner_a.is_active = False
    world.partner_a.save()
    issuer.set_claims("a-2", email=world.a_manager.email, email_verified=True)
    response = sign_in(client, issuer, "a-2", provider_id=f"partner-{world.partner_a.pk}")
    assert_refused(client, response, "has been deactivated")


# --- Configuration --------------------------------------------------------------------------------


def test_configuration_errors_are_clear():
    with pytest.raises(sso.SsoConfigError, match="OIDC_CLIENT_ID"):
        sso.host_issuer(issuer="https://idp.example.com", client_id="")
    with pytest.raises(sso.SsoConfigError, match="OIDC_ISSUER"):
        sso.host_issuer(issuer="idp.example.com", client_id="x")
    with pytest.raises(sso.SsoConfigError, match="not valid JSON"):
        sso.partner_issuers("{nope")
    with pytest.raises(sso.SsoConfigError, match="not an organisation id"):
        sso.partner_issuers('{"acme": {"issuer": "https://idp.example.com", "client_id": "x"}}')
    with pytest.raises(sso.SsoConfigError, match="needs at least"):
        sso.partner_issuers('{"5": {"issuer": "https://idp.example.com"}}')
    assert sso.host_issuer(issuer="", client_id="") is None
    assert sso.socialaccount_providers([None]) == {}


def test_configuration_from_the_environment():
    host = sso.host_issuer(
        issuer="https://login.microsoftonline.com/tenant/v2.0/",
        client_id="abc",
        client_secret="s",
        name="Microsoft Entra ID",
        allowed_domains="Lager.DK, @lager.com",
    )
    partners = sso.partner_issuers('{"7": {"issuer": "https://kc.example.com/realms/acme", "client_id": "p"}}')
    providers = sso.socialaccount_providers([host, *partners])
    apps = providers["openid_connect"]["APPS"]
    assert [app["provider_id"] for app in apps] == ["host", "partner-7"]
    assert apps[0]["settings"]["server_url"] == "https://login.microsoftonline.com/tenant/v2.0"
    assert apps[0]["settings"]["portal"]["allowed_domains"] == ["lager.com", "lager.dk"]
    assert apps[1]["settings"]["portal"]["organization_id"] == 7
    assert sso.form_action_origins([host, *partners]) == [
        "https://login.microsoftonline.com",
        "https://kc.example.com",
    ]


def test_a_fresh_client_is_not_signed_in_by_sso_state(world, sso_on):
    assert signed_in_user(Client()) is None


# --- The second factor --------------------------------------------------------------------------


class StagesAdapter(DefaultAccountAdapter):
    """An account adapter that lists the portal's second-factor stage (as the portal's own adapter does)."""

    def get_login_stages(self):
        return partners_sso.login_stages(super().get_login_stages())


def test_login_stages_swap_only_the_second_factor_step():
    stages = partners_sso.login_stages(DefaultAccountAdapter().get_login_stages())
    assert "partnerportal.accounts.SsoAuthenticateStage" in stages
    assert "allauth.mfa.stages.AuthenticateStage" not in stages
    assert "allauth.account.stages.EmailVerificationStage" in stages


def test_sso_counts_as_the_second_factor_when_configured(client, world, sso_on, issuer, settings):  # noqa: F811
    settings.ACCOUNT_ADAPTER = f"{__name__}.StagesAdapter"
    Authenticator.objects.create(user=world.manager, type=Authenticator.Type.TOTP, data={"secret": "x"})
    issuer.set_claims("mfa-1", email=world.manager.email, email_verified=True)
    response = sign_in(client, issuer, "mfa-1")
    assert response["Location"] == "/"
    assert signed_in_user(client) == world.manager

    # Without OIDC_SATISFIES_MFA the portal's own second factor is asked for (allauth's stage).
    settings.OIDC_SATISFIES_MFA = False
    stage = partners_sso.SsoAuthenticateStage(
        controller=None, request=None, login=Login(user=world.manager, signal_kwargs={"sociallogin": object()})
    )
    request = RequestFactory().get("/")
    request.session = {}
    assert stage._should_handle(request) is True
