"""`manage.py seed_demo` is idempotent across every app: the second run changes nothing."""

import io
import re

from django.apps import apps
from django.core.management import call_command

from partnerportal.management.commands.seed_demo import DEMO_PASSWORD
from partners.models import Organization, Site, User


def _row_counts():
    # Every model of every app, history tables included: a save() that changes nothing still
    # writes a history row, so it shows up here too.
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _run():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_changes_nothing(db):
    first_output = _run()
    after_first = _row_counts()
    second_output = _run()
    after_second = _row_counts()
    changed = {
        label: (after_first[label], after_second[label])
        for label in after_first
        if after_first[label] != after_second[label]
    }
    assert not changed, f"the second seed_demo run changed row counts: {changed}"
    assert first_output == second_output


def test_seed_demo_creates_a_realistic_world(db):
    output = _run()
    host = Organization.objects.host().get()
    assert host.sites.count() == 2
    partners = Organization.objects.partners()
    assert partners.count() >= 4
    assert len(set(partners.values_list("kind", flat=True))) >= 4
    roles = set(User.objects.values_list("role", flat=True))
    assert roles >= {"admin", "manager", "partner_manager", "partner_viewer"}
    assert Site.objects.exclude(organization=host).exists()
    for username in ("admin", "lager", "danlog", "danlog_view", "jysk"):
        assert username in output
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in output


def test_demo_logins_do_not_start_with_a_flood_of_unread_notifications(db, client):
    """The demo's year of history notified people about every record month and breach as it was
    seeded; a person signing in for the first time sees a few new notifications, not 85."""
    from partnerportal.notifications import selectors
    from partnerportal.notifications.models import Notification

    _run()
    assert Notification.objects.filter(recipient__username="lager").count() > 20  # the history is there
    for user in User.objects.filter(is_active=True):
        assert selectors.unread_count(user=user) <= 3, user.username
    assert selectors.unread_count(user=User.objects.get(username="lager")) > 0  # the bell still shows news
    client.post("/accounts/login/", {"username": "lager", "password": DEMO_PASSWORD})
    page = client.get("/notifications/?show=unread").content.decode()
    assert 0 < len(re.findall(r'id="notification-\d+"', page)) <= 3


def test_demo_logins_work_through_the_login_form(db, client):
    _run()
    response = client.post("/accounts/login/", {"username": "danlog", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    danlog = Organization.objects.get(name="DanLog 3PL A/S")
    assert client.get("/")["Location"] == f"/partners/{danlog.pk}/"
