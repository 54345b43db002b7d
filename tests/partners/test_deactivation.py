"""Deactivating an organisation or a person cuts off every session, API token and calendar feed at once.

Everything goes through the paths people take: the login form, a signed-in browser session, an
API call with `Authorization: Token`, the calendar feed URL and the Django admin's change form.
"""

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from importlib import import_module
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, SessionBase
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token

from meetings import services as meeting_services
from meetings.models import CalendarFeed
from partnerportal import policy
from partnerportal.notifications.services import dispatch_due
from partners import services
from partners.models import Organization, User
from relations.models import Notice, NoticeKind
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


class _FormScraper(HTMLParser):
    """What a browser would post for the first form with method=post: every field with its value."""

    def __init__(self):
        super().__init__()
        self.data, self._in_form, self._select, self._textarea = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def _admin_save(admin_client, url, **changes):
    page = admin_client.get(url)
    assert page.status_code == 200
    scraper = _FormScraper()
    scraper.feed(page.content.decode())
    data = {k: v for k, v in scraper.data.items() if v}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    data["_save"] = "Save"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _session_exists(client):
    return _session_store()().exists(client.cookies[settings.SESSION_COOKIE_NAME].value)


class Access:
    """One person's ways in: a browser session, an API token and a calendar feed."""

    def __init__(self, user):
        self.user = user
        self.session = Client()
        assert self.session.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302
        self.token = Token.objects.create(user=user).key
        self.feed = meeting_services.feed_regenerate(user=user).token

    def page(self):
        return self.session.get(reverse("relations:notice_list"))

    def api(self, token=None):
        return Client().get(reverse("api:notice-list"), HTTP_AUTHORIZATION=f"Token {token or self.token}")

    def session_api(self):
        return self.session.get(reverse("api:me"))

    def feed_status(self, token=None):
        return Client().get(reverse("meetings:feed", args=[token or self.feed])).status_code

    def assert_works(self):
        assert self.page().status_code == 200
        assert self.session_api().status_code == 200
        assert self.api().status_code == 200
        assert self.feed_status() == 200

    def assert_cut_off(self):
        page = self.page()
        assert page.status_code == 302 and page["Location"].startswith(LOGIN)
        assert self.session_api().status_code in (401, 403)
        assert self.api().status_code == 401
        assert self.feed_status() == 404


def _login(username):
    client = Client()
    return client, client.post(LOGIN, {"username": username, "password": PASSWORD})


def _notice(world):
    from relations.services import notice_post

    return notice_post(
        user=world.manager,
        partner=world.partner_a,
        kind=NoticeKind.DELIVERY_DELAY,
        severity="high",
        title="Delay on Monday",
        affected_from=date.today(),
    )


def _assert_login_refused_clearly(username):
    client, response = _login(username)
    assert response.status_code == 200
    errors = list(response.context["form"].non_field_errors())
    assert errors and "deactivated" in errors[0]
    assert client.get(reverse("relations:notice_list")).status_code == 302


def _audit_changes(admin, model_label):
    response = Client()
    response.force_login(admin)
    page = response.get(reverse("audit"), {"model": model_label})
    assert page.status_code == 200
    return [
        (entry.object_label, change)
        for entry in page.context["page"].object_list
        for change in entry.changes
        if change[0] == "active"
    ]


# --- organisation --------------------------------------------------------------------------------


def test_deactivating_an_organisation_cuts_off_its_people_and_reactivation_needs_new_credentials(world):
    viewer, manager = Access(world.a_viewer), Access(world.a_manager)
    other = Access(world.b_viewer)
    viewer.assert_works()
    manager.assert_works()

    services.organization_set_active(user=world.admin, organization=world.partner_a, active=False)

    viewer.assert_cut_off()
    manager.assert_cut_off()
    other.assert_works()  # another partner is not touched
    _assert_login_refused_clearly("a_viewer")
    # Sessions, tokens and feeds of the organisation's people are gone; nothing else of theirs is.
    assert not Token.objects.filter(user__organization=world.partner_a).exists()
    assert not CalendarFeed.objects.filter(user__organization=world.partner_a).exists()
    assert User.objects.filter(organization=world.partner_a, is_active=True).count() == 2

    services.organization_set_active(user=world.admin, organization=world.partner_a, active=True)

    # The old credentials stay dead; logging in again and a new token work.
    assert viewer.api().status_code == 401
    assert viewer.feed_status() == 404
    assert viewer.page().status_code == 302
    client, response = _login("a_viewer")
    assert response.status_code == 302
    assert client.get(reverse("relations:notice_list")).status_code == 200
    new_token = Token.objects.create(user=world.a_viewer).key
    assert viewer.api(new_token).status_code == 200
    assert viewer.feed_status(meeting_services.feed_regenerate(user=world.a_viewer).token) == 200

    changes = _audit_changes(world.admin, "partners.organization")
    assert (world.partner_a.name, ("active", "True", "False")) in changes
    assert (world.partner_a.name, ("active", "False", "True")) in changes


def test_an_inactive_organisations_data_is_refused_even_by_a_session_that_outlived_it(world):
    """Deactivating by queryset update (no signals, no save): every request still checks."""
    notice = _notice(world)
    viewer = Access(world.a_viewer)
    assert viewer.session.get(reverse("relations:notice_detail", args=[notice.pk])).status_code == 200

    Organization.objects.filter(pk=world.partner_a.pk).update(is_active=False)

    viewer.assert_cut_off()
    assert viewer.session.get(reverse("relations:notice_detail", args=[notice.pk])).status_code == 302
    _assert_login_refused_clearly("a_viewer")
    assert Notice.objects.filter(pk=notice.pk).exists()
    # The update also revoked the credentials and left a trail in the audit log.
    assert not Token.objects.filter(user=world.a_viewer).exists()
    assert (world.partner_a.name, ("active", "True", "False")) in _audit_changes(world.admin, "partners.organization")

    Organization.objects.filter(pk=world.partner_a.pk).update(is_active=True)
    assert viewer.api().status_code == 401  # the old token does not come back
    assert viewer.feed_status() == 404
    assert _login("a_viewer")[1].status_code == 302
    assert (world.partner_a.name, ("active", "False", "True")) in _audit_changes(world.admin, "partners.organization")


def test_deactivating_an_organisation_in_the_django_admin(world):
    viewer = Access(world.a_viewer)
    admin = Client()
    admin.force_login(world.admin)
    url = reverse("admin:partners_organization_change", args=[world.partner_a.pk])

    _admin_save(admin, url, is_active=None)  # untick "active"

    world.partner_a.refresh_from_db()
    assert world.partner_a.is_active is False
    viewer.assert_cut_off()
    assert not Token.objects.filter(user=world.a_viewer).exists()
    _assert_login_refused_clearly("a_viewer")

    _admin_save(admin, url, is_active="on")
    assert _login("a_viewer")[1].status_code == 302
    changes = _audit_changes(world.admin, "partners.organization")
    assert (world.partner_a.name, ("active", "False", "True")) in changes


# --- one person ----------------------------------------------------------------------------------


def test_deactivating_a_user_cuts_off_that_person_only(world):
    viewer, manager = Access(world.a_viewer), Access(world.a_manager)

    services.user_set_active(user=world.admin, person=world.a_viewer, active=False)

    viewer.assert_cut_off()
    manager.assert_works()
    _assert_login_refused_clearly("a_viewer")
    assert not _session_exists(viewer.session)

    services.user_set_active(user=world.admin, person=world.a_viewer, active=True)
    assert viewer.api().status_code == 401
    assert viewer.feed_status() == 404
    assert _login("a_viewer")[1].status_code == 302
    changes = _audit_changes(world.admin, "partners.user")
    assert (world.a_viewer.username, ("active", "True", "False")) in changes
    assert (world.a_viewer.username, ("active", "False", "True")) in changes


def test_deactivating_a_user_by_queryset_update(world):
    viewer = Access(world.a_viewer)
    User.objects.filter(pk=world.a_viewer.pk).update(is_active=False)
    viewer.assert_cut_off()
    _assert_login_refused_clearly("a_viewer")
    assert not Token.objects.filter(user=world.a_viewer).exists()
    assert (world.a_viewer.username, ("active", "True", "False")) in _audit_changes(world.admin, "partners.user")


def test_deactivating_a_user_in_the_django_admin(world):
    viewer = Access(world.a_viewer)
    admin = Client()
    admin.force_login(world.admin)
    url = reverse("admin:partners_user_change", args=[world.a_viewer.pk])

    _admin_save(admin, url, is_active=None)

    viewer.assert_cut_off()
    _assert_login_refused_clearly("a_viewer")
    _admin_save(admin, url, is_active="on")
    assert _login("a_viewer")[1].status_code == 302
    assert (world.a_viewer.username, ("active", "False", "True")) in _audit_changes(world.admin, "partners.user")


def test_wrong_password_for_a_deactivated_account_gets_the_generic_message(world):
    """The clear message needs the right password: it must not tell a stranger an account exists."""
    services.user_set_active(user=world.admin, person=world.a_viewer, active=False)
    response = Client().post(LOGIN, {"username": "a_viewer", "password": "wrong-password-1"})
    errors = list(response.context["form"].non_field_errors())
    assert "deactivated" not in errors[0] and "correct username and password" in errors[0]


def test_only_those_who_may_change_them_may_deactivate(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.organization_set_active(user=world.a_manager, organization=world.partner_a, active=False)
    with pytest.raises(PermissionDenied):
        services.user_set_active(user=world.manager, person=world.a_manager, active=False)
    with pytest.raises(PermissionDenied):
        services.user_set_active(user=world.a_viewer, person=world.a_manager, active=False)
    world.partner_a.refresh_from_db()
    world.a_manager.refresh_from_db()
    assert world.partner_a.is_active and world.a_manager.is_active


# --- sessions: every way of signing in ends, and only the deactivated person's -------------------
#
# The browser sessions are the session engine's rows. A request of a deactivated person is refused
# anyway (partnerportal.backends.may_sign_in), so these tests look at the rows themselves: the
# deactivated person's are gone, everyone else's are still there.


def _signed_in(user, *, admin=False):
    """Sessions of `user`: through the login page, by force_login and (staff) the Django admin's sign-in."""
    by_form = Client()
    assert by_form.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302
    forced = Client()
    forced.force_login(user)
    sessions = [by_form, forced]
    if admin:
        via_admin = Client()
        response = via_admin.get("/admin/login/?next=/admin/", follow=True)
        assert response.redirect_chain and response.redirect_chain[-1][0].startswith(LOGIN)
        response = via_admin.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": "/admin/"})
        assert response["Location"] == "/admin/"
        assert via_admin.get("/admin/").status_code == 200
        sessions.append(via_admin)
    assert all(_session_exists(client) for client in sessions)
    return sessions


def _assert_ended(sessions):
    assert not any(_session_exists(client) for client in sessions)


def _assert_alive(sessions):
    assert all(_session_exists(client) for client in sessions)


def _other_sessions(count, users):
    """`count` sessions of `users` (and one anonymous in ten), written as the session engine writes them."""
    store_class = _session_store()
    rows = []
    for i in range(count):
        store = store_class()
        store._session_key = get_random_string(32, VALID_KEY_CHARS)
        data = {} if i % 10 == 0 else {"_auth_user_id": str(users[i % len(users)].pk), "n": i}
        rows.append(store.create_model_instance(data))
    store_class.get_model_class().objects.bulk_create(rows)


class _Decodes:
    """Counts the sessions decoded (any engine, any caller) while it is active."""

    def __enter__(self):
        original = SessionBase.decode
        self.count = 0

        def counting(store, session_data):
            self.count += 1
            return original(store, session_data)

        self._patch = mock.patch.object(SessionBase, "decode", counting)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()


def _deactivation_cost(person, admin):
    with _Decodes() as decodes, CaptureQueriesContext(connection) as queries:
        services.user_set_active(user=admin, person=person, active=False)
    return len(queries), decodes.count


def test_deactivating_a_person_reads_no_other_session_and_costs_the_same_with_2000_of_them(world):
    """Revocation finds the person's sessions by user, not by decoding every session in the database."""
    first, second = (UserFactory(organization=world.partner_a, role=policy.PARTNER_VIEWER) for _ in range(2))
    first_sessions, second_sessions = _signed_in(first), _signed_in(second)
    others = [world.a_manager, world.b_manager, world.b_viewer, world.manager]
    _other_sessions(10, others)

    few = _deactivation_cost(first, world.admin)
    _other_sessions(1_990, others)
    many = _deactivation_cost(second, world.admin)

    assert few == many, f"queries and sessions decoded with 10 other sessions {few}, with 2,000 {many}"
    assert many[1] == 0  # not one session decoded, not even the person's own
    _assert_ended(first_sessions + second_sessions)
    model = _session_store().get_model_class()
    assert model.objects.count() == 2_000


def test_deactivating_an_organisation_reads_no_other_session(world):
    a_sessions = _signed_in(world.a_viewer) + _signed_in(world.a_manager)
    b_sessions = _signed_in(world.b_viewer)
    _other_sessions(500, [world.b_manager, world.manager, world.admin])

    with _Decodes() as decodes:
        services.organization_set_active(user=world.admin, organization=world.partner_a, active=False)

    assert decodes.count == 0
    _assert_ended(a_sessions)
    _assert_alive(b_sessions)


def test_deactivating_a_person_on_the_people_page_ends_every_session_of_theirs_only(world):
    leaving, colleague = _signed_in(world.a_viewer), _signed_in(world.a_manager)
    manager = Client()
    manager.force_login(world.a_manager)

    response = manager.post(reverse("partners:person_deactivate", args=[world.a_viewer.pk]), {})

    assert response.status_code == 302
    _assert_ended(leaving)
    _assert_alive(colleague)
    assert manager.get(reverse("profile")).status_code == 200


def test_deactivating_an_organisation_ends_its_peoples_sessions_only(world):
    a_sessions = _signed_in(world.a_viewer) + _signed_in(world.a_manager)
    others = _signed_in(world.b_viewer) + _signed_in(world.manager) + _signed_in(world.admin, admin=True)

    services.organization_set_active(user=world.admin, organization=world.partner_a, active=False)

    _assert_ended(a_sessions)
    _assert_alive(others)


def test_a_queryset_update_ends_the_sessions(world):
    viewer, a_manager, b_viewer = _signed_in(world.a_viewer), _signed_in(world.a_manager), _signed_in(world.b_viewer)

    User.objects.filter(pk=world.a_viewer.pk).update(is_active=False)
    _assert_ended(viewer)
    _assert_alive(a_manager + b_viewer)

    Organization.objects.filter(pk=world.partner_a.pk).update(is_active=False)
    _assert_ended(a_manager)
    _assert_alive(b_viewer)


def test_deactivating_a_staff_member_in_the_django_admin_ends_their_admin_sessions(world):
    staff = UserFactory(organization=world.host, role=policy.ADMIN, is_staff=True, is_superuser=True)
    staff_sessions = _signed_in(staff, admin=True)
    admin = Client()
    admin.force_login(world.admin)
    admin_sessions = _signed_in(world.admin, admin=True)

    _admin_save(admin, reverse("admin:partners_user_change", args=[staff.pk]), is_active=None)

    _assert_ended(staff_sessions)
    _assert_alive(admin_sessions)
    assert admin.get("/admin/").status_code == 200


def test_the_session_an_accepted_invitation_signs_in_ends_too(world):
    """Accepting an invitation signs in with Django's login(), not through allauth."""
    services.invitation_invite(
        user=world.a_manager, organization=world.partner_a, email="new@example.com", role=policy.PARTNER_VIEWER
    )
    dispatch_due(now=timezone.now() + timedelta(seconds=1))
    token = re.search(r"/partners/join/([\w-]+)/", mail.outbox[-1].body).group(1)
    client = Client()
    password = "Vandmand-Regnbue-42"
    form = {"first_name": "Nina", "last_name": "Holm", "password1": password, "password2": password}
    assert client.post(reverse("partners:invitation_accept", args=[token]), form).status_code == 302
    assert _session_exists(client)
    person = User.objects.get(email="new@example.com")

    services.user_set_active(user=world.admin, person=person, active=False)

    _assert_ended([client])
