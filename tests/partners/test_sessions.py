"""The session engine (partners/sessions.py): every session row knows whose it is, `clearsessions` clears
the expired ones, and the sessions of django.contrib.sessions' table move over in migration 0006 with
their people still signed in."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from partners.models import BrowserSession
from partners.sessions import SessionStore
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _row(client):
    return BrowserSession.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_the_session_row_names_its_person_from_sign_in_to_sign_out(world):
    client = Client()
    client.get(LOGIN)  # an anonymous session first (the CSRF token, allauth's state)
    assert client.post(LOGIN, {"username": "a_viewer", "password": PASSWORD}).status_code == 302
    assert _row(client).user_id == world.a_viewer.pk
    assert client.get(reverse("profile")).status_code == 200
    assert _row(client).user_id == world.a_viewer.pk  # written again, still theirs

    # Django's login() of another person on the same browser: a new session, theirs.
    client.force_login(world.b_viewer)
    assert _row(client).user_id == world.b_viewer.pk
    assert not BrowserSession.objects.filter(user_id=world.a_viewer.pk).exists()

    forced = Client()
    forced.force_login(world.a_manager)
    assert _row(forced).user_id == world.a_manager.pk

    assert client.post(reverse("logout")).status_code == 302
    assert not BrowserSession.objects.filter(user_id=world.b_viewer.pk).exists()


def test_an_anonymous_session_has_no_person():
    store = SessionStore()
    store["anything"] = 1
    store.save()
    assert BrowserSession.objects.get(session_key=store.session_key).user_id is None
    assert SessionStore().create_model_instance({"_auth_user_id": "not a number"}).user_id is None


def test_clearsessions_deletes_the_expired_sessions_only(world):
    live = Client()
    live.force_login(world.a_viewer)
    expired = Client()
    expired.force_login(world.b_viewer)
    BrowserSession.objects.filter(user_id=world.b_viewer.pk).update(expire_date=timezone.now() - timedelta(seconds=1))

    call_command("clearsessions")

    assert list(BrowserSession.objects.values_list("user_id", flat=True)) == [world.a_viewer.pk]
    assert live.get(reverse("profile")).status_code == 200


def test_the_daily_task_clears_expired_sessions_and_their_rows_in_your_sessions(world):
    from allauth.usersessions.models import UserSession

    from partnerportal import schedule
    from partners import tasks

    browsers = {}
    for name in ("a_viewer", "b_viewer"):
        browsers[name] = Client()
        assert browsers[name].post(LOGIN, {"username": name, "password": PASSWORD}).status_code == 302
    assert UserSession.objects.count() == 2  # "Your sessions" rows of the two sign-ins
    BrowserSession.objects.filter(user_id=world.b_viewer.pk).update(expire_date=timezone.now() - timedelta(seconds=1))

    assert tasks.clear_expired_sessions.apply().get() == 1

    assert list(BrowserSession.objects.values_list("user_id", flat=True)) == [world.a_viewer.pk]
    assert list(UserSession.objects.values_list("user_id", flat=True)) == [world.a_viewer.pk]
    assert browsers["a_viewer"].get(reverse("profile")).status_code == 200
    assert tasks.clear_expired_sessions.apply().get() == 0  # nothing more
    spec = next(spec for spec in schedule.registered() if spec.task == "partners.tasks.clear_expired_sessions")
    assert spec.every_seconds == 24 * 3600


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_the_sessions_of_djangos_table_move_over_and_stay_signed_in(world):
    latest = ("partners", MigrationExecutor(connection).loader.graph.leaf_nodes("partners")[0][1])
    _migrate(("partners", "0005_invitations"))
    try:
        with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.db"):
            signed_in = Client()
            signed_in.force_login(world.a_viewer)
            anonymous = DjangoSessionStore()
            anonymous["seen"] = 1
            anonymous.save()
            expired = Client()
            expired.force_login(world.b_viewer)
        DjangoSession.objects.filter(session_key=expired.cookies[settings.SESSION_COOKIE_NAME].value).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        assert DjangoSession.objects.count() == 3
    finally:
        _migrate(latest)

    moved = dict(BrowserSession.objects.values_list("session_key", "user_id"))
    assert moved == {
        signed_in.cookies[settings.SESSION_COOKIE_NAME].value: world.a_viewer.pk,
        anonymous.session_key: None,
    }
    assert not DjangoSession.objects.exists()  # the old table is emptied, the expired row with it
    assert signed_in.get(reverse("profile")).status_code == 200  # still signed in, on the new engine
    assert expired.get(reverse("profile")).status_code == 302

    # Back again (a rollback of the deploy): the live sessions return to Django's table.
    _migrate(("partners", "0005_invitations"))
    try:
        assert set(DjangoSession.objects.values_list("session_key", flat=True)) == set(moved)
    finally:
        _migrate(latest)
