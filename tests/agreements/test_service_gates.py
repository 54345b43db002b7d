"""The agreement services refuse partner users (and terminating to anyone but an admin) themselves, whatever
page or endpoint calls them: each asks the access policy (agreements.policies), never a role by name."""

import pytest
from django.core.exceptions import ValidationError

from agreements import services
from agreements.models import Responsibility, VersionStatus
from tests.agreements import helpers

pytestmark = pytest.mark.django_db

HOST_ONLY = "Only host staff can change agreements."


def _refused(write, message):
    with pytest.raises(ValidationError) as refused:
        write()
    assert refused.value.messages == [message]
    assert refused.value.error_list[0].code == "forbidden"


@pytest.mark.parametrize("name", ["a_manager", "a_viewer"])
def test_partner_users_cannot_change_send_withdraw_or_terminate_agreements(world, name):
    user = getattr(world, name)
    draft = helpers.draft(world, world.partner_a)
    agreement = draft.agreement
    row = draft.responsibility_set.first()
    rows = draft.responsibility_set.count()
    _refused(lambda: services.agreement_create(partner=world.partner_a, user=user, title="X"), HOST_ONLY)
    _refused(lambda: services.draft_create(agreement=agreement, user=user), HOST_ONLY)
    _refused(lambda: services.version_update(version=draft, user=user, summary="Changed."), HOST_ONLY)
    _refused(
        lambda: services.row_save(
            version=draft, row=Responsibility(party="host", activity="X", responsible_for="Y"), user=user
        ),
        HOST_ONLY,
    )
    _refused(lambda: services.row_delete(row=row, user=user), HOST_ONLY)
    _refused(lambda: services.template_changes_carry(agreement=agreement, user=user), HOST_ONLY)
    _refused(
        lambda: services.version_send(version=draft, user=user), "Only host staff can send an agreement for sign-off."
    )
    sent = services.version_send(version=draft, user=world.admin)
    _refused(
        lambda: services.version_withdraw(version=sent, user=user),
        "Only host staff can withdraw a version from sign-off.",
    )
    draft.refresh_from_db()
    assert (draft.status, draft.summary, draft.responsibility_set.count()) == (VersionStatus.IN_REVIEW, "Scope.", rows)
    assert agreement.partner.agreements.count() == 1


@pytest.mark.parametrize("name", ["manager", "a_manager", "a_viewer"])
def test_only_an_admin_terminates(world, name):
    version = helpers.active(world, world.partner_a)
    _refused(
        lambda: services.version_terminate(version=version, user=getattr(world, name), reason="Closing"),
        "Only an administrator can terminate an agreement.",
    )
    version.refresh_from_db()
    assert version.status == VersionStatus.ACTIVE
