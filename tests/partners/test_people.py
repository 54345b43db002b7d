"""People (issue 17): invitations, the People section, role changes, deactivation with offboarding and
reactivation; the policy's rules (who may invite whom, no leak to another partner's manager, the last
partner manager) and the invitation link (its e-mail in the invitee's language, expired/used/revoked)."""

import re
import threading
from datetime import date, timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth import authenticate
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from meetings.models import ActionItem
from partnerportal import policy
from partnerportal.notifications.models import Notification, NotificationStatus
from partnerportal.notifications.services import dispatch_due, notify
from partners import services
from partners.models import AccountEvent, AccountEventKind, Invitation, InvitationState, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Vandmand-Regnbue-42"


def _invite(world, by=None, email="new.person@example.com", role=policy.PARTNER_VIEWER, org=None, language="da"):
    return services.invitation_invite(
        user=by or world.a_manager, organization=org or world.partner_a, email=email, role=role, language=language
    )


def _sent_link(address):
    """Send what is due and return the invitation link from the e-mail to `address`."""
    dispatch_due(now=timezone.now() + timedelta(seconds=1))
    messages = [m for m in mail.outbox if address in m.to]
    assert messages, f"no e-mail to {address}"
    found = re.search(r"https?://\S+/partners/join/([\w-]+)/", messages[-1].body)
    assert found, messages[-1].body
    return messages[-1], found.group(0), found.group(1)


# --- Invitations: the policy ------------------------------------------------------------------------


def test_partner_manager_invites_into_own_organisation_with_partner_roles_only(world):
    result = _invite(world)
    assert result.invitation.organization == world.partner_a and not result.resent
    with pytest.raises(ValidationError):
        _invite(world, email="x@example.com", role=policy.MANAGER)
    with pytest.raises(PermissionDenied):
        _invite(world, email="y@example.com", org=world.partner_b)
    with pytest.raises(PermissionDenied):
        _invite(world, email="z@example.com", org=world.host)
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize("role", ["manager", "partner_viewer"])
def test_nobody_else_invites(world, role):
    with pytest.raises(PermissionDenied):
        _invite(world, by=world.user(role))
    assert not Invitation.objects.exists()


def test_host_admin_invites_anywhere_with_a_fitting_role(world):
    assert _invite(world, by=world.admin, org=world.host, role=policy.MANAGER, email="m@example.com").invitation
    assert _invite(world, by=world.admin, org=world.partner_b, role=policy.PARTNER_MANAGER, email="p@example.com")
    with pytest.raises(ValidationError):
        _invite(world, by=world.admin, org=world.host, role=policy.PARTNER_VIEWER, email="q@example.com")
    with pytest.raises(ValidationError):
        _invite(world, by=world.admin, org=world.partner_b, role=policy.ADMIN, email="r@example.com")


def test_the_token_is_stored_only_as_a_hash(world):
    _invite(world)
    message, link, token = _sent_link("new.person@example.com")
    invitation = Invitation.objects.get()
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert services.invitation_token_hash(token) == invitation.token_hash


def test_inviting_the_same_address_again_resends(world):
    first = _invite(world).invitation
    old_hash = first.token_hash
    again = _invite(world, email="New.Person@example.com", role=policy.PARTNER_MANAGER)
    assert again.resent and again.invitation.pk == first.pk
    first.refresh_from_db()
    assert first.token_hash != old_hash and first.role == policy.PARTNER_MANAGER
    assert Invitation.objects.count() == 1
    # The first e-mail was not sent yet: withdrawn, so only the new link goes out.
    assert Notification.objects.filter(status=NotificationStatus.WITHDRAWN, address__iexact=first.email).count() == 1


# --- The address has an account already ---------------------------------------------------------------


def test_host_admin_is_told_plainly_who_has_the_address(world):
    with pytest.raises(ValidationError) as error:
        _invite(world, by=world.admin, org=world.partner_b, email=world.a_viewer.email.upper())
    text = " ".join(error.value.messages)
    assert str(world.a_viewer) in text and world.partner_a.name in text
    assert not Invitation.objects.exists()


def test_partner_manager_is_told_when_the_person_is_already_theirs(world):
    with pytest.raises(ValidationError) as error:
        _invite(world, email=world.a_viewer.email)
    assert str(world.a_viewer) in " ".join(error.value.messages)


def test_partner_manager_learns_nothing_about_another_organisations_address(world):
    """Same answer as for a new address; the owner is told by e-mail; no account is created or moved."""
    other = world.b_viewer
    new = _invite(world, email="brand.new@example.com")
    known = _invite(world, email=other.email)
    assert type(new) is type(known) and new.resent == known.resent is False
    assert known.invitation.organization == world.partner_a
    dispatch_due(now=timezone.now() + timedelta(seconds=1))
    to_other = [m for m in mail.outbox if other.email in m.to]
    assert len(to_other) == 1 and "/partners/join/" not in to_other[0].body
    assert "already have an account" in to_other[0].body
    other.refresh_from_db()
    assert other.organization == world.partner_b and User.objects.filter(email__iexact=other.email).count() == 1
    # The page answers both in the same words.
    client = Client()
    client.force_login(world.a_manager)
    url = reverse("partners:invite", args=[world.partner_a.pk])
    answer = client.post(url, {"email": world.b_manager.email, "role": "partner_viewer", "language": "en"}, follow=True)
    assert "An invitation was sent to" in answer.content.decode()
    assert world.partner_b.name not in answer.content.decode()


# --- The e-mail and the link ---------------------------------------------------------------------------


def test_invitation_email_in_the_invitees_language_with_a_working_link(world):
    world.a_manager.language = "en"
    world.a_manager.save()
    _invite(world, language="da")
    message, link, token = _sent_link("new.person@example.com")
    assert "Invitation til partnerportalen" in message.subject
    assert "Åbn dette link" in message.body
    assert Notification.objects.get(address="new.person@example.com").recipient is None
    client = Client()
    page = client.get(link.replace("http://localhost:8000", "").replace("http://testserver", ""))
    assert page.status_code == 200
    body = page.content.decode()
    assert world.partner_a.name in body and "Partnerlæser" in body  # the role, in Danish


def test_the_role_in_the_invitation_email_is_in_the_invitees_language_not_the_inviters(world):
    """A Danish partner manager invites one person in English and tries another organisation's English
    speaker: both e-mails name the role in English (it was the inviter's "Partnerlæser")."""
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    world.b_viewer.language = "en"
    world.b_viewer.save(update_fields=["language"])
    client = Client()
    client.force_login(world.a_manager)
    url = reverse("partners:invite", args=[world.partner_a.pk])
    for address in ("new.person@example.com", world.b_viewer.email):
        answer = client.post(url, {"email": address, "role": "partner_viewer", "language": "en"})
        assert answer.status_code == 302, answer.content.decode()
    message, _link, _token = _sent_link("new.person@example.com")
    assert "as Partner viewer of" in message.body and "Partnerlæser" not in message.body
    to_owner = [m for m in mail.outbox if world.b_viewer.email in m.to]
    assert len(to_owner) == 1
    assert "as Partner viewer" in to_owner[0].body and "Partnerlæser" not in to_owner[0].body


def _accept(client, token, **data):
    form = {"first_name": "Nina", "last_name": "Holm", "password1": STRONG, "password2": STRONG, **data}
    return client.post(reverse("partners:invitation_accept", args=[token]), form)


def test_accepting_creates_the_user_signs_in_and_lands_on_the_hub(world):
    _invite(world)
    _message, _link, token = _sent_link("new.person@example.com")
    client = Client()
    response = _accept(client, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:detail", args=[world.partner_a.pk])
    person = User.objects.get(email="new.person@example.com")
    assert (person.organization, person.role, person.language) == (world.partner_a, policy.PARTNER_VIEWER, "da")
    assert person.check_password(STRONG) and person.first_name == "Nina"
    assert client.get(response["Location"]).status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.state == InvitationState.ACCEPTED and invitation.accepted_user == person
    kinds = set(AccountEvent.objects.values_list("kind", flat=True))
    assert {AccountEventKind.INVITATION_SENT, AccountEventKind.INVITATION_ACCEPTED} <= kinds
    # The link is single-use.
    again = _accept(Client(), token)
    assert again.status_code == 410 and 'data-reason="used"' in again.content.decode()
    assert User.objects.filter(email="new.person@example.com").count() == 1


def test_host_invitee_lands_on_the_dashboard(world):
    _invite(world, by=world.admin, org=world.host, role=policy.MANAGER, email="host.new@example.com")
    _message, _link, token = _sent_link("host.new@example.com")
    response = _accept(Client(), token)
    assert response["Location"] == reverse("dashboard")


def test_expired_revoked_resent_and_unknown_links_say_which_and_create_nothing(world):
    expired = _invite(world, email="old@example.com").invitation
    _m, _l, expired_token = _sent_link("old@example.com")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    revoked = _invite(world, email="gone@example.com").invitation
    _m, _l, revoked_token = _sent_link("gone@example.com")
    services.invitation_revoke(user=world.a_manager, invitation=revoked)
    resent = _invite(world, email="twice@example.com").invitation
    _m, _l, first_token = _sent_link("twice@example.com")
    services.invitation_resend(user=world.a_manager, invitation=resent)
    users = User.objects.count()
    for token, reason, status in [
        (expired_token, "expired", 410),
        (revoked_token, "revoked", 410),
        (first_token, "unknown", 404),
        ("not-a-token", "unknown", 404),
    ]:
        for response in (Client().get(reverse("partners:invitation_accept", args=[token])), _accept(Client(), token)):
            assert response.status_code == status, (reason, response.status_code)
            assert f'data-reason="{reason}"' in response.content.decode()
    assert User.objects.count() == users
    # The resent link works.
    _m, _l, new_token = _sent_link("twice@example.com")
    assert new_token != first_token and _accept(Client(), new_token).status_code == 302


def test_an_expired_link_asks_for_a_new_invitation_once(world):
    invitation = _invite(world, email="old@example.com").invitation
    _m, _l, token = _sent_link("old@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = Client().get(reverse("partners:invitation_accept", args=[token]))
    assert "partners/join/" in page.content.decode() and "/ask/" in page.content.decode()
    for _ in range(2):
        assert Client().post(reverse("partners:invitation_ask_again", args=[token])).status_code == 200
    assert Notification.objects.filter(recipient=world.a_manager, key__endswith="asked-again").count() == 1
    assert Client().post(reverse("partners:invitation_ask_again", args=["nonsense"])).status_code == 404


def test_asking_for_a_new_invitation_answers_in_the_invitations_language(world):
    """The expired link's page speaks the invitation's language; so does the page after asking."""
    invitation = _invite(world, email="old@example.com", language="da").invitation
    _m, _l, token = _sent_link("old@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(reverse("partners:invitation_ask_again", args=[token]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bed om en ny invitation" in html and "Ask for a new invitation" not in html


@pytest.mark.parametrize(
    "change",
    [
        {"password1": "short", "password2": "short"},
        {"password1": "password", "password2": "password"},
        {"password2": "Something-else-99"},
        {"first_name": ""},
        {"last_name": "   "},
        {"password1": "Nina-Holm-2026", "password2": "Nina-Holm-2026", "first_name": "Nina-Holm-2026"},
    ],
)
def test_bad_input_changes_nothing(world, change):
    _invite(world)
    _m, _l, token = _sent_link("new.person@example.com")
    users = User.objects.count()
    response = _accept(Client(), token, **change)
    assert response.status_code == 400
    assert User.objects.count() == users
    assert Invitation.objects.get().state == InvitationState.PENDING
    assert _accept(Client(), token).status_code == 302  # still usable


def test_revoke_and_resend_only_pending_and_only_own(world):
    invitation = _invite(world).invitation
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(user=world.b_manager, invitation=invitation)
    with pytest.raises(PermissionDenied):
        services.invitation_resend(user=world.a_viewer, invitation=invitation)
    services.invitation_revoke(user=world.admin, invitation=invitation)
    with pytest.raises(PermissionDenied):  # no longer pending: not revocable
        services.invitation_revoke(user=world.a_manager, invitation=invitation)
    assert AccountEvent.objects.filter(kind=AccountEventKind.INVITATION_REVOKED, actor=world.admin).exists()


def test_expiry_follows_the_setting(world, settings):
    settings.INVITATION_EXPIRY_DAYS = 2
    invitation = _invite(world).invitation
    assert timedelta(days=2) - (invitation.expires_at - timezone.now()) < timedelta(minutes=1)


# --- Roles, deactivation, reactivation -----------------------------------------------------------------


def test_role_change_between_partner_roles(world):
    services.person_change_role(user=world.a_manager, person=world.a_viewer, role=policy.PARTNER_MANAGER)
    world.a_viewer.refresh_from_db()
    assert world.a_viewer.role == policy.PARTNER_MANAGER
    with pytest.raises(ValidationError):
        services.person_change_role(user=world.a_manager, person=world.a_viewer, role=policy.ADMIN)
    with pytest.raises(PermissionDenied):
        services.person_change_role(user=world.b_manager, person=world.a_viewer, role=policy.PARTNER_VIEWER)
    with pytest.raises(PermissionDenied):
        services.person_change_role(user=world.manager, person=world.a_viewer, role=policy.PARTNER_VIEWER)
    event = AccountEvent.objects.get(kind=AccountEventKind.ROLE_CHANGED)
    assert event.actor == world.a_manager and event.user == world.a_viewer


def test_the_last_partner_manager_stays(world):
    with pytest.raises(ValidationError) as error:
        services.person_change_role(user=world.admin, person=world.a_manager, role=policy.PARTNER_VIEWER)
    assert "last active partner manager" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        services.person_deactivate(user=world.admin, person=world.a_manager)
    world.a_manager.refresh_from_db()
    assert world.a_manager.is_active and world.a_manager.role == policy.PARTNER_MANAGER
    # With a second manager, either may go.
    services.person_change_role(user=world.admin, person=world.a_viewer, role=policy.PARTNER_MANAGER)
    services.person_deactivate(user=world.admin, person=world.a_manager)


def test_nobody_deactivates_themselves(world):
    UserFactory(organization=world.partner_a, role=policy.PARTNER_MANAGER)
    with pytest.raises(PermissionDenied):
        services.person_deactivate(user=world.a_manager, person=world.a_manager)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent requests need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_demotions_keep_one_partner_manager(world):
    second = UserFactory(organization=world.partner_a, role=policy.PARTNER_MANAGER)
    barrier, outcomes = threading.Barrier(2), []

    def worker(person, how):
        try:
            barrier.wait()
            if how == "demote":
                services.person_change_role(user=world.admin, person=person, role=policy.PARTNER_VIEWER)
            else:
                services.person_deactivate(user=world.admin, person=person)
            outcomes.append("done")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(world.a_manager, "demote")),
        threading.Thread(target=worker, args=(second, "deactivate")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "refused"]
    assert User.objects.filter(organization=world.partner_a).filter(policy.partner_managers()).count() == 1


def test_deactivation_ends_access_withdraws_queued_mail_and_hands_over_actions(world):
    colleague = UserFactory(organization=world.partner_a, role=policy.PARTNER_VIEWER)
    leaving = world.a_viewer
    Token.objects.create(user=leaving)
    client = Client()
    client.force_login(leaving)
    item = ActionItem.objects.create(
        partner=world.partner_a, title="Count the pallets", owner=leaving, due_date=date.today()
    )
    done = ActionItem.objects.create(
        partner=world.partner_a, title="Done already", owner=leaving, due_date=date.today(), status="done"
    )
    queued = notify(recipients=[leaving], kind="system", key="test:queued", template="partners/email/invitation")
    assert queued
    UserSession.objects.create(user=leaving, ip="127.0.0.1", session_key="k" * 32, user_agent="test")
    steps = services.offboarding_for(person=leaving)
    assert [step.key for step, _owned in steps] == ["meetings-actions"]
    services.person_deactivate(user=world.a_manager, person=leaving, hand_over={"meetings-actions": colleague})
    leaving.refresh_from_db()
    item.refresh_from_db()
    done.refresh_from_db()
    assert not leaving.is_active
    assert item.owner == colleague and done.owner == leaving  # history stays
    assert not Token.objects.filter(user=leaving).exists()
    assert not UserSession.objects.filter(user=leaving).exists()
    assert client.get(reverse("profile")).status_code == 302
    assert Notification.objects.get(key="test:queued").status == NotificationStatus.WITHDRAWN
    event = AccountEvent.objects.get(kind=AccountEventKind.DEACTIVATED)
    assert event.actor == world.a_manager and "1" in event.detail


def test_the_audit_log_names_people_events_in_the_readers_language(world, client_as):
    """What a partner manager did in Danish reads in English for an English admin and in Danish for a
    Danish one: roles, a role change, what a deactivation handed over and withdrew; an invitation's row
    names the invited address, not an "unknown user name"."""
    colleague = UserFactory(organization=world.partner_a, role=policy.PARTNER_VIEWER, first_name="Mette")
    ActionItem.objects.create(partner=world.partner_a, title="Count", owner=world.a_viewer, due_date=date.today())
    with translation.override("da"):
        _invite(world, email="new.person@example.com")
        services.person_change_role(user=world.a_manager, person=colleague, role=policy.PARTNER_MANAGER)
        hand_over = {"meetings-actions": colleague}
        services.person_deactivate(user=world.a_manager, person=world.a_viewer, hand_over=hand_over)
    english = client_as(world.admin).get(reverse("audit_accounts")).content.decode()
    for text in ("Partner viewer", "Partner viewer → Partner manager", "Open action items: 1 → Mette", "withdrawn"):
        assert text in english, text
    assert "Partnerlæser" not in english and "Unknown user name" not in english
    assert "new.person@example.com" in english
    world.admin.language = "da"
    world.admin.save(update_fields=["language"])
    danish = client_as(world.admin).get(reverse("audit_accounts")).content.decode()
    for text in ("Partnerlæser → Partneransvarlig", "Åbne handlingspunkter: 1 → Mette", "trukket tilbage"):
        assert text in danish, text
    assert "queued notifications withdrawn" not in danish and "Ukendt brugernavn" not in danish


def test_hand_over_only_to_an_active_person_of_the_same_organisation(world):
    ActionItem.objects.create(partner=world.partner_a, title="Mine", owner=world.a_viewer, due_date=date.today())
    with pytest.raises(ValidationError):
        services.person_deactivate(
            user=world.admin, person=world.a_viewer, hand_over={"meetings-actions": world.b_manager}
        )
    world.a_viewer.refresh_from_db()
    assert world.a_viewer.is_active


def test_reactivation_lets_them_sign_in_again(world):
    services.person_deactivate(user=world.a_manager, person=world.a_viewer)
    with pytest.raises(PermissionDenied):
        services.person_reactivate(user=world.b_manager, person=world.a_viewer)
    services.person_reactivate(user=world.a_manager, person=world.a_viewer)
    world.a_viewer.refresh_from_db()
    assert world.a_viewer.is_active
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username=world.a_viewer.username, password=PASSWORD) == world.a_viewer
    assert AccountEvent.objects.filter(kind=AccountEventKind.REACTIVATED, actor=world.a_manager).exists()


# --- The People section ------------------------------------------------------------------------------


def test_people_section_shows_role_two_factor_and_invitations_in_few_queries(world, django_assert_max_num_queries):
    from allauth.mfa.models import Authenticator

    for _ in range(5):
        UserFactory(organization=world.partner_a, role=policy.PARTNER_VIEWER)
    Authenticator.objects.create(user=world.a_viewer, type=Authenticator.Type.TOTP, data={})
    _invite(world, email="pending@example.com")
    client = Client()
    client.force_login(world.a_manager)
    url = reverse("partners:section", args=[world.partner_a.pk, "people"])
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "pending@example.com" in body and str(world.a_viewer) in body
    row = body.split(f'data-person="{world.a_viewer.pk}"')[1].split("</tr>")[0]
    assert "text-bg-success" in row
    assert 'action="/partners/people/' in body  # manager's buttons


def test_viewer_sees_people_read_only(world):
    client = Client()
    client.force_login(world.a_viewer)
    _invite(world, email="pending@example.com")
    url = reverse("partners:section", args=[world.partner_a.pk, "people"])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "pending@example.com" in body and str(world.a_manager) in body
    assert "<form" not in body and reverse("partners:invite", args=[world.partner_a.pk]) not in body


def test_the_people_section_calls_two_factor_by_the_profiles_name_in_danish(world):
    """The column says "Totrinslogin", the word of the profile's link and the set-up messages (it said
    "Totrinsbekræftelse", a third word for the same thing)."""
    world.a_manager.language = "da"
    world.a_manager.save(update_fields=["language"])
    client = Client()
    client.force_login(world.a_manager)
    client.cookies["django_language"] = "da"
    url = reverse("partners:section", args=[world.partner_a.pk, "people"])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert ">Totrinslogin<" in body and "Totrinsbekræftelse" not in body
    profile = client.get(reverse("profile")).content.decode()
    assert "Totrinslogin" in profile


def test_nobody_joins_a_deactivated_organisation(world):
    world.partner_b.is_active = False
    world.partner_b.save()
    with pytest.raises(ValidationError):
        _invite(world, by=world.admin, org=world.partner_b)
    assert not Invitation.objects.exists()


def test_a_signed_in_person_cannot_accept_someone_elses_invitation(world):
    _invite(world)
    _m, _l, token = _sent_link("new.person@example.com")
    client = Client()
    client.force_login(world.b_manager)
    assert client.get(reverse("partners:invitation_accept", args=[token])).status_code == 409
    assert _accept(client, token).status_code == 409
    assert not User.objects.filter(email="new.person@example.com").exists()


def test_the_page_refuses_the_last_partner_manager_with_a_message(world):
    client = Client()
    client.force_login(world.admin)
    url = reverse("partners:person_role", args=[world.a_manager.pk])
    response = client.post(url, {"role": "partner_viewer"}, follow=True)
    assert "last active partner manager" in response.content.decode()
    world.a_manager.refresh_from_db()
    assert world.a_manager.role == policy.PARTNER_MANAGER
    bad = client.post(url, {"role": "admin"}, follow=True)
    assert "Choose a role." in bad.content.decode()


def test_the_last_partner_manager_is_offered_no_demotion_or_deactivation(world):
    """An admin sees no role form or Deactivate button on an organisation's only partner manager (both
    would only be refused), but a note why; with a second manager both rows have them."""

    def row_of(person):
        client = Client()
        client.force_login(world.admin)
        body = client.get(reverse("partners:section", args=[world.partner_a.pk, "people"]), HTTP_HX_REQUEST="true")
        return body.content.decode().split(f'data-person="{person.pk}"')[1].split("</tr>")[0]

    only = row_of(world.a_manager)
    assert reverse("partners:person_deactivate", args=[world.a_manager.pk]) not in only
    assert reverse("partners:person_role", args=[world.a_manager.pk]) not in only
    assert "only partner manager" in only
    second = UserFactory(organization=world.partner_a, role=policy.PARTNER_MANAGER)
    for person in (world.a_manager, second):
        row = row_of(person)
        assert reverse("partners:person_deactivate", args=[person.pk]) in row
        assert reverse("partners:person_role", args=[person.pk]) in row and "only partner manager" not in row


def test_host_people_page_for_admins_and_404_for_partner_users(world):
    admin = Client()
    admin.force_login(world.admin)
    page = admin.get(reverse("partners:people", args=[world.host.pk]))
    assert page.status_code == 200 and world.manager.email in page.content.decode()
    menu = admin.get(reverse("partners:host_people"))
    assert menu.status_code == 200 and world.manager.email in menu.content.decode()
    assert reverse("partners:host_people") in admin.get(reverse("dashboard")).content.decode()
    assert reverse("partners:invite", args=[world.host.pk]) in page.content.decode()
    invite = admin.get(reverse("partners:invite", args=[world.host.pk])).content.decode()
    assert 'value="manager"' in invite and 'value="partner_viewer"' not in invite
    for user in (world.a_manager, world.a_viewer):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("partners:people", args=[world.host.pk])).status_code == 404
        assert client.get(reverse("partners:invite", args=[world.host.pk])).status_code == 404
    manager = Client()
    manager.force_login(world.manager)
    assert manager.get(reverse("partners:people", args=[world.host.pk])).status_code == 200
    assert manager.get(reverse("partners:invite", args=[world.host.pk])).status_code == 403


def test_django_admin_lists_invitations_and_read_only_account_events(world):
    _invite(world)
    services.account_event_record(kind=AccountEventKind.SIGNED_IN, user=world.a_viewer)
    client = Client()
    client.force_login(world.admin)
    assert client.get(reverse("admin:partners_invitation_changelist")).status_code == 200
    assert client.get(reverse("admin:partners_accountevent_changelist")).status_code == 200
    event = AccountEvent.objects.first()
    assert client.get(reverse("admin:partners_accountevent_change", args=[event.pk])).status_code == 200
    assert client.get(reverse("admin:partners_accountevent_add")).status_code == 403
    delete = reverse("admin:partners_accountevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    invitation = Invitation.objects.get()
    page = client.get(reverse("admin:partners_invitation_change", args=[invitation.pk])).content.decode()
    assert invitation.token_hash not in page


def test_a_superusers_role_is_changed_in_the_django_admin_only(world):
    other_admin = UserFactory(organization=world.host, role=policy.ADMIN, is_superuser=True, is_staff=True)
    with pytest.raises(ValidationError):
        services.person_change_role(user=world.admin, person=other_admin, role=policy.MANAGER)
    other_admin.refresh_from_db()
    assert other_admin.role == policy.ADMIN
    services.person_change_role(user=world.admin, person=world.manager, role=policy.ADMIN)
    world.manager.refresh_from_db()
    assert world.manager.role == policy.ADMIN
