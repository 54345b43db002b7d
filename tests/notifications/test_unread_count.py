"""The header badge's count (issue 16): `inbox()`'s own SQL compiled once per shape, equal to the ORM count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partnerportal import policy
from partnerportal.notifications import selectors
from partnerportal.notifications.models import NotificationStatus
from tests.factories import UserFactory
from tests.notifications.helpers import make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_shapes():
    selectors._UNREAD.clear()
    yield
    selectors._UNREAD.clear()


def _every_state(user, tag):
    """One notification of every state a count can meet, for `user`."""
    now = timezone.now()
    for status in NotificationStatus.values:
        make(user, key=f"{tag}:{status}:unread", status=status)
        make(user, key=f"{tag}:{status}:read", status=status, read_at=now)
        make(user, key=f"{tag}:{status}:later", status=status, send_at=now + timedelta(hours=1))
    make(user, key=f"{tag}:now", send_at=now)


def _people(world):
    inactive = UserFactory(username="gone", organization=world.partner_a, role=policy.PARTNER_MANAGER)
    inactive.is_active = False
    inactive.save()
    no_role = UserFactory(username="norole", organization=world.host, role="")
    orphan = UserFactory(username="orphan", organization=world.partner_b, role=policy.PARTNER_VIEWER)
    type(orphan).objects.filter(pk=orphan.pk).update(organization=None)
    orphan.refresh_from_db()
    superuser_partner = UserFactory(
        username="super_partner", organization=world.partner_b, role=policy.PARTNER_VIEWER, is_superuser=True
    )
    return [
        world.admin,
        world.manager,
        world.a_manager,
        world.a_viewer,
        world.b_manager,
        world.b_viewer,
        inactive,
        no_role,
        orphan,
        superuser_partner,
    ]


def test_the_count_equals_the_orm_count_for_every_role_and_state_with_as_many_queries(world):
    people = _people(world)
    for n, person in enumerate(people):
        _every_state(person, f"p{n}")
    for person in people:
        for _ in range(2):  # the first count compiles the shape, the second reuses it
            with CaptureQueriesContext(connection) as orm:
                expected = selectors.inbox(user=person, unread=True).count()
            with CaptureQueriesContext(connection) as fast:
                counted = selectors.unread_count(user=person)
            assert counted == expected, person.username
            assert len(fast.captured_queries) == len(orm.captured_queries), person.username
    counts = {person.username: selectors.unread_count(user=person) for person in people}
    # Own due unread rows only: pending, sending, sent, failed and the one due right now; never withdrawn.
    assert counts["a_manager"] == 5 and counts["admin"] == 5 and counts["manager"] == 5
    assert counts["gone"] == 0 and counts["orphan"] == 0
    compiled = {key[2] for key, shape in selectors._UNREAD._shapes.items() if isinstance(shape, tuple)}
    assert compiled == set(policy.ALL_ROLES)  # every role through the compiled SQL, none through the ORM


def test_a_shape_reused_for_another_person_counts_that_persons_rows(world):
    make(world.a_manager, key="a:1")
    make(world.a_manager, key="a:2")
    make(world.b_manager, key="b:1")
    make(world.b_manager, key="b:read", read_at=timezone.now())
    assert selectors.unread_count(user=world.a_manager) == 2
    assert selectors.unread_count(user=world.b_manager) == 1
    assert len(selectors._UNREAD._shapes) == 1  # one shape for both partner managers
    assert all(isinstance(shape, tuple) for shape in selectors._UNREAD._shapes.values())
    later = timezone.now() + timedelta(minutes=5)
    make(world.b_manager, key="b:soon", send_at=later - timedelta(minutes=1))
    assert selectors.unread_count_fast(user=world.b_manager) == 1
    assert selectors.unread_count_fast(user=world.b_manager, now=later) == 2


def test_a_rule_with_a_parameter_of_its_own_is_counted_through_the_orm(world, monkeypatch):
    make(world.a_manager, key="a:1")
    make(world.a_manager, key="a:2")
    original = selectors.inbox

    def inbox_with_a_user_parameter(*, user, **kwargs):
        return original(user=user, **kwargs).exclude(subject=f"Subject of {user.pk}")

    monkeypatch.setattr(selectors, "inbox", inbox_with_a_user_parameter)
    assert selectors.unread_count(user=world.a_manager) == 2
    assert list(selectors._UNREAD._shapes.values()) == [False]


@pytest.mark.parametrize("attribute", ["email", "username", "last_login", "date_joined", "title"])
def test_a_rule_with_a_parameter_from_another_field_of_the_reader_is_counted_through_the_orm(
    world, monkeypatch, attribute
):
    """Only the ids are markers: a value taken from any other field would be frozen from the first reader."""
    make(world.a_manager, key="a:1")
    make(world.a_viewer, key="v:1")
    original = selectors.inbox

    def inbox_with_a_user_field(*, user, **kwargs):
        return original(user=user, **kwargs).exclude(subject=f"{getattr(user, attribute)}")

    monkeypatch.setattr(selectors, "inbox", inbox_with_a_user_field)
    assert selectors.unread_count(user=world.a_manager) == 1
    assert list(selectors._UNREAD._shapes.values()) == [False]


def test_a_rule_registered_or_defined_later_clears_the_compiled_shapes(world):
    from partnerportal.notifications.models import Notification

    make(world.a_manager, key="a:1")
    assert selectors.unread_count(user=world.a_manager) == 1
    assert selectors._UNREAD._shapes
    rule = policy.rule_for(Notification)
    try:
        policy.define(Notification, "test_only_action", roles=[policy.ADMIN])
        assert not selectors._UNREAD._shapes  # built again from the rules as they are now
    finally:
        rule.extra.pop("test_only_action", None)
    assert selectors.unread_count(user=world.a_manager) == 1
