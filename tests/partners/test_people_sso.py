"""Accepting an invitation where the organisation signs in with single sign-on: the accept page asks for the
name only, creates the account without a password and sends the person to the organisation's issuer, whose
sign-in (a real OpenID Connect issuer in the test, tests/accounts/sso_issuer.py) finds the new account."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from partnerportal import policy
from partners import services
from partners.models import Invitation, InvitationState, User
from tests.accounts.sso_issuer import issuer, portal_path, sso_settings  # noqa: F401 - the fixture
from tests.partners.test_people import _sent_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_a_sso(settings, issuer, world):  # noqa: F811 - the fixture
    for name, value in sso_settings(issuer.url, partner_orgs=[world.partner_a]).items():
        setattr(settings, name, value)


def test_an_invitee_of_a_single_sign_on_organisation_accepts_through_the_issuer(
    client,
    world,
    partner_a_sso,
    issuer,  # noqa: F811
):
    services.invitation_invite(
        user=world.a_manager, organization=world.partner_a, email="ole@alfa.example", role=policy.PARTNER_VIEWER
    )
    _message, _link, token = _sent_link("ole@alfa.example")
    url = reverse("partners:invitation_accept", args=[token])
    page = client.get(url).content.decode()
    assert 'data-method="sso"' in page and 'name="password1"' not in page

    assert client.post(url, {"first_name": "", "last_name": "Sund"}).status_code == 400
    assert not User.objects.filter(email="ole@alfa.example").exists()

    response = client.post(url, {"first_name": "Ole", "last_name": "Sund"})
    login_url = f"/accounts/oidc/partner-{world.partner_a.pk}/login/"
    assert response.status_code == 302 and response["Location"].startswith(login_url)
    person = User.objects.get(email="ole@alfa.example")
    assert not person.has_usable_password() and person.organization == world.partner_a
    assert Invitation.objects.get().state == InvitationState.ACCEPTED
    assert SESSION_KEY not in client.session  # signed in by the issuer, not by the link

    issuer.set_claims("ole-1", email="ole@alfa.example", email_verified=True)
    to_issuer = client.post(response["Location"])
    back = issuer.authorize(to_issuer["Location"], "ole-1")
    client.get(portal_path(back))
    assert client.session[SESSION_KEY] == str(person.pk)


def test_without_single_sign_on_the_page_asks_for_a_password(client, world, partner_a_sso):
    services.invitation_invite(
        user=world.b_manager, organization=world.partner_b, email="pia@beta.example", role=policy.PARTNER_VIEWER
    )
    _message, _link, token = _sent_link("pia@beta.example")
    page = client.get(reverse("partners:invitation_accept", args=[token])).content.decode()
    assert 'data-method="password"' in page and 'name="password1"' in page
