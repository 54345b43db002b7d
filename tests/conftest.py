import os
from dataclasses import dataclass

import pytest
from django.test import Client

from partnerportal import policy
from tests.browser import chromium
from tests.factories import HostFactory, OrganizationFactory, SiteFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test
# itself (set-up, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROLES = ("admin", "manager", "partner_manager", "partner_viewer")


@dataclass
class World:
    """A host company, two partners (A is 'own', B is 'other') and one user per role."""

    host: object
    partner_a: object
    partner_b: object
    host_site: object
    site_a: object
    site_b: object
    admin: object
    manager: object
    a_manager: object
    a_viewer: object
    b_manager: object
    b_viewer: object

    def user(self, role, partner=None):
        """The user with `role`; for partner roles, the one at `partner` (default A)."""
        if role == "admin":
            return self.admin
        if role == "manager":
            return self.manager
        prefix = "b" if partner is not None and partner == self.partner_b else "a"
        return getattr(self, f"{prefix}_{'manager' if role == 'partner_manager' else 'viewer'}")


TWO_INSTANCES = "tests/foundation/test_two_instances.py"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """The test database, and when the two-instance test runs, its copy of it, made right away: later a
    live server's thread holds connections to the test database, and a template may have none."""
    from django.db import connection

    twin = connection.vendor == "postgresql" and any(
        item.nodeid.startswith(TWO_INSTANCES) for item in request.session.items
    )
    if twin:
        from tests.foundation import test_two_instances

        with django_db_blocker.unblock():
            test_two_instances.make_twin()
    yield
    if twin:
        with django_db_blocker.unblock():
            test_two_instances.drop_twin()


@pytest.fixture(autouse=True)
def _language_of_the_settings():
    """Every test starts in the default language: a request in Danish (the test client runs the
    LocaleMiddleware in this thread) must not leave the next test's messages in Danish."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db):
    host = HostFactory()
    partner_a = OrganizationFactory(name="Alfa Logistik A/S", kind="3pl")
    partner_b = OrganizationFactory(name="Beta Fragt ApS", kind="carrier")
    return World(
        host=host,
        partner_a=partner_a,
        partner_b=partner_b,
        host_site=SiteFactory(organization=host, name="Aarhus Central", code="AAR1"),
        site_a=SiteFactory(organization=partner_a, name="Alfa Hub", code="ALFA1"),
        site_b=SiteFactory(organization=partner_b, name="Beta Depot", code="BETA1"),
        admin=UserFactory(username="admin", organization=host, role=policy.ADMIN, is_staff=True, is_superuser=True),
        manager=UserFactory(username="manager", organization=host, role=policy.MANAGER),
        a_manager=UserFactory(username="a_manager", organization=partner_a, role=policy.PARTNER_MANAGER),
        a_viewer=UserFactory(username="a_viewer", organization=partner_a, role=policy.PARTNER_VIEWER),
        b_manager=UserFactory(username="b_manager", organization=partner_b, role=policy.PARTNER_MANAGER),
        b_viewer=UserFactory(username="b_viewer", organization=partner_b, role=policy.PARTNER_VIEWER),
    )


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def client_as():
    return client_for


@pytest.fixture
def browser():
    """A started headless Chromium (tests/browser.py), closed after the test."""
    yield from chromium()
