"""Immutability in the model layer: whatever the entry point, a version that left draft does not change."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agreements.models import (
    Agreement,
    AgreementVersion,
    ChannelRule,
    EscalationStep,
    Party,
    Responsibility,
    Signature,
    VersionLocked,
    VersionStatus,
)
from kpis.models import KPIDefinition, KPITarget, PartnerKPI
from tests.agreements import helpers


@pytest.fixture
def signed(world):
    return helpers.active(world, helpers_partner(world))


def helpers_partner(world):
    return world.partner_a


def test_version_fields_refuse_to_change(world, signed):
    signed.summary = "Sneaky change"
    with pytest.raises(VersionLocked):
        signed.save()
    signed.refresh_from_db()
    signed.review_date = signed.review_date.replace(year=signed.review_date.year + 1)
    with pytest.raises(VersionLocked):
        signed.save()
    assert AgreementVersion.objects.get(pk=signed.pk).summary == "Scope."


def test_version_cannot_be_deleted_or_bulk_updated(world, signed):
    with pytest.raises(VersionLocked):
        signed.delete()
    with pytest.raises(VersionLocked):
        AgreementVersion.objects.filter(pk=signed.pk).update(summary="x")
    with pytest.raises(VersionLocked):
        AgreementVersion.objects.filter(pk=signed.pk).update(status=VersionStatus.DRAFT)
    with pytest.raises(VersionLocked):
        AgreementVersion.objects.filter(pk=signed.pk).delete()
    with pytest.raises(VersionLocked):
        Agreement.objects.get(pk=signed.agreement_id).delete()
    signed.refresh_from_db()
    assert signed.status == VersionStatus.ACTIVE and signed.summary == "Scope."


def test_status_only_moves_along_allowed_transitions(world, signed):
    signed.status = VersionStatus.DRAFT
    with pytest.raises(VersionLocked, match="cannot go from"):
        signed.save()
    assert AgreementVersion.objects.get(pk=signed.pk).status == VersionStatus.ACTIVE


@pytest.mark.parametrize("model", [Responsibility, ChannelRule, EscalationStep])
def test_rows_of_a_signed_version_are_frozen(world, signed, model):
    row = model.objects.filter(version=signed).first()
    row.note = "changed" if hasattr(row, "note") else None
    if model is Responsibility:
        row.responsible_for = "changed"
    with pytest.raises(VersionLocked):
        row.save()
    with pytest.raises(VersionLocked):
        row.delete()
    with pytest.raises(VersionLocked):
        model.objects.filter(version=signed).update(user=None)
    with pytest.raises(VersionLocked):
        model.objects.filter(version=signed).delete()
    assert model.objects.filter(version=signed).count() == model.objects.filter(pk=row.pk).count() + (
        model.objects.filter(version=signed).exclude(pk=row.pk).count()
    )
    assert model.objects.filter(pk=row.pk).exists()


def test_rows_cannot_be_added_to_a_signed_version(world, signed):
    with pytest.raises(VersionLocked):
        EscalationStep(version=signed, level=2, after_hours=8, party=Party.HOST, user=world.admin).save()
    with pytest.raises(VersionLocked):
        EscalationStep.objects.bulk_create(
            [EscalationStep(version=signed, level=3, after_hours=8, party=Party.HOST, user=world.admin)]
        )
    assert signed.escalationstep_set.count() == 1


def test_rows_cannot_be_moved_out_of_a_signed_version(world, signed):
    draft = helpers.revision(world, world.partner_a, send=False)
    row = ChannelRule.objects.get(version=signed)
    row.version = draft
    with pytest.raises(VersionLocked):
        row.save()
    with pytest.raises(VersionLocked):
        ChannelRule.objects.filter(version=draft).update(version=signed)


def test_draft_rows_change_freely(world):
    version = helpers.draft(world, world.partner_a)
    rule = version.channelrule_set.get()
    rule.response_hours = 12
    rule.save()
    ChannelRule.objects.filter(version=version).update(note="ok")
    assert ChannelRule.objects.get(pk=rule.pk).note == "ok"
    rule.delete()
    assert not version.channelrule_set.exists()


def test_signatures_are_immutable(world, signed):
    signature = signed.signatures.first()
    signature.signed_at = timezone.now()
    with pytest.raises(VersionLocked):
        signature.save()
    with pytest.raises(VersionLocked):
        signature.delete()
    with pytest.raises(VersionLocked):
        Signature.objects.filter(pk=signature.pk).update(user=world.manager)
    assert signed.signatures.count() == 2


def test_signature_needs_a_version_in_review(world):
    version = helpers.draft(world, world.partner_a)
    with pytest.raises(VersionLocked):
        Signature(version=version, party=Party.HOST, user=world.admin, signed_at=timezone.now()).save()


def test_person_is_exactly_one_of_user_and_contact_in_the_database(world):
    from django.db import IntegrityError, transaction

    version = helpers.draft(world, world.partner_a)
    contact = Responsibility.objects.filter(version=version, contact__isnull=False).first().contact
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(
            version=version, party=Party.PARTNER, activity="Both", user=world.a_manager, contact=contact
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(version=version, party=Party.PARTNER, activity="Nobody")
    row = Responsibility(version=version, party=Party.PARTNER, activity="Nobody", responsible_for="x")
    with pytest.raises(ValidationError):
        row.full_clean()


def _target(partner, shared=True):
    kpi = KPIDefinition.objects.order_by("pk").first()
    assignment, _ = PartnerKPI.objects.get_or_create(partner=partner, kpi=kpi, defaults={"shared": shared})
    return KPITarget.objects.create(partner_kpi=assignment, value=95, valid_from=timezone.localdate())


def test_kpi_targets_are_linked_copied_and_frozen(world):
    from agreements import services

    version = helpers.draft(world, world.partner_a)
    target = _target(world.partner_a)
    services.version_update(version=version, user=world.admin, kpi_targets=[target])
    services.version_send(version=version, user=world.admin)
    # The guard raises inside Django's own transaction of the m2m change: that block is rolled back.
    with pytest.raises(VersionLocked), transaction.atomic():
        version.kpi_targets.clear()
    with pytest.raises(VersionLocked), transaction.atomic():
        target.agreement_versions.remove(version)
    with pytest.raises(VersionLocked), transaction.atomic():
        version.kpi_targets.add(_target(world.partner_a))
    assert list(version.kpi_targets.all()) == [target]
    services.version_sign(version=version, user=world.admin)
    services.version_sign(version=version, user=world.a_manager)
    draft = services.draft_create(agreement=version.agreement, user=world.admin)
    assert list(draft.kpi_targets.all()) == [target]


def test_kpi_targets_of_another_partner_are_refused(world):
    from agreements import services

    version = helpers.draft(world, world.partner_a)
    with pytest.raises(ValidationError, match="shared"):
        services.version_update(version=version, user=world.admin, kpi_targets=[_target(world.partner_b)])
    assert not version.kpi_targets.exists()


def test_a_version_cannot_be_created_already_signed(world):
    agreement = helpers.agreement(world, world.partner_a)
    with pytest.raises(VersionLocked, match="starts as a draft"):
        AgreementVersion(agreement=agreement, number=2, status=VersionStatus.ACTIVE).save()
    assert agreement.versions.count() == 1


def test_the_dates_a_signed_version_was_in_force_cannot_change(world, signed):
    from datetime import date

    assert signed.effective_from is not None
    signed.effective_from = date(2000, 1, 1)
    with pytest.raises(VersionLocked):
        signed.save()
    with pytest.raises(VersionLocked):
        AgreementVersion.objects.filter(pk=signed.pk).update(effective_from=date(2000, 1, 1))
    assert AgreementVersion.objects.get(pk=signed.pk).effective_from != date(2000, 1, 1)
