"""The life cycle of an agreement version and every invalid step (nothing changes on refusal)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from agreements import services
from agreements.models import AgreementVersion, ChannelRule, Party, Responsibility, Signature, VersionStatus
from partnerportal.notifications.models import Notification
from tests.agreements import helpers


def _state(version):
    version.refresh_from_db()
    return version.status, version.signatures.count()


def test_new_agreement_starts_with_an_empty_draft(world):
    agreement = helpers.agreement(world, world.partner_a)
    version = agreement.versions.get()
    assert (version.number, version.status, version.created_by) == (1, VersionStatus.DRAFT, world.admin)


def test_partner_user_cannot_create_agreement(world):
    with pytest.raises(ValidationError):
        services.agreement_create(partner=world.partner_a, user=world.a_manager)
    assert not AgreementVersion.objects.exists()


def test_full_life_cycle_records_who_and_when_and_supersedes(world):
    v1 = helpers.in_review(world, world.partner_a)
    assert v1.sent_by == world.admin and v1.sent_at
    # Both signatories are notified through the outbox, each once.
    requests = Notification.objects.filter(key__startswith=f"agreement:{v1.pk}:sign:", key__endswith=":request")
    keys = set(requests.values_list("recipient__username", flat=True))
    assert keys == {"admin", "manager", "a_manager"}
    services.version_sign(version=v1, user=world.manager)
    assert _state(v1) == (VersionStatus.IN_REVIEW, 1)
    services.version_sign(version=v1, user=world.a_manager)
    v1.refresh_from_db()
    assert v1.status == VersionStatus.ACTIVE
    assert v1.effective_from == timezone.localdate()
    signatures = {s.party: s.user for s in v1.signatures.all()}
    assert signatures == {Party.HOST: world.manager, Party.PARTNER: world.a_manager}
    assert all(s.signed_at for s in v1.signatures.all())

    v2 = services.draft_create(agreement=v1.agreement, user=world.manager)
    assert v2.number == 2
    # The draft is a copy of the active version with all rows.
    assert v2.responsibility_set.count() == 2 and v2.channelrule_set.count() == 1 and v2.escalationstep_set.count() == 1
    assert v2.review_date == v1.review_date
    # An unchanged copy cannot be sent; one change and it can.
    with pytest.raises(ValidationError, match="Nothing differs from the version in force"):
        services.version_send(version=v2, user=world.admin)
    assert _state(v2) == (VersionStatus.DRAFT, 0)
    services.version_update(version=v2, user=world.manager, summary="Scope, with returns.")
    services.version_send(version=v2, user=world.admin)
    services.version_sign(version=v2, user=world.admin)
    services.version_sign(version=v2, user=world.a_manager)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v2.status == VersionStatus.ACTIVE
    assert v1.status == VersionStatus.SUPERSEDED
    assert v1.effective_to is not None and v1.effective_to >= v1.effective_from
    assert Notification.objects.filter(key=f"agreement:{v2.pk}:active").count() == 3


def test_signing_a_draft_that_was_not_sent(world):
    version = helpers.draft(world, world.partner_a)
    with pytest.raises(ValidationError, match="not been sent"):
        services.version_sign(version=version, user=world.a_manager)
    assert _state(version) == (VersionStatus.DRAFT, 0)


def test_partner_viewer_cannot_sign(world):
    version = helpers.in_review(world, world.partner_a)
    with pytest.raises(ValidationError, match="partner manager"):
        services.version_sign(version=version, user=world.a_viewer)
    assert _state(version) == (VersionStatus.IN_REVIEW, 0)


def test_other_partners_manager_cannot_sign(world):
    version = helpers.in_review(world, world.partner_a)
    with pytest.raises(ValidationError, match="Only a manager of"):
        services.version_sign(version=version, user=world.b_manager)
    assert _state(version) == (VersionStatus.IN_REVIEW, 0)


def test_signing_twice(world):
    version = helpers.in_review(world, world.partner_a)
    services.version_sign(version=version, user=world.admin)
    with pytest.raises(ValidationError, match="already signed"):
        services.version_sign(version=version, user=world.admin)
    with pytest.raises(ValidationError, match="already signed this version for your side"):
        services.version_sign(version=version, user=world.manager)
    assert _state(version) == (VersionStatus.IN_REVIEW, 1)


def test_signing_an_active_version(world):
    version = helpers.active(world, world.partner_a)
    with pytest.raises(ValidationError, match="no longer awaits"):
        services.version_sign(version=version, user=world.manager)
    assert version.signatures.count() == 2


def test_editing_a_sent_or_active_version_is_refused(world):
    for version in (helpers.in_review(world, world.partner_a), helpers.active(world, world.partner_b)):
        with pytest.raises(ValidationError, match="cannot be changed"):
            services.version_update(version=version, user=world.admin, summary="Changed")
        row = version.channelrule_set.get()
        row.response_hours = 99
        with pytest.raises(ValidationError, match="cannot be changed"):
            services.row_save(version=version, row=row, user=world.admin)
        with pytest.raises(ValidationError, match="cannot be changed"):
            services.row_delete(row=row, user=world.admin)
        version.refresh_from_db()
        assert version.summary == "Scope."
        assert version.channelrule_set.get().response_hours == 4


def test_a_second_open_version_is_refused(world):
    version = helpers.in_review(world, world.partner_a)
    with pytest.raises(ValidationError, match="already"):
        services.draft_create(agreement=version.agreement, user=world.admin)
    assert version.agreement.versions.count() == 1


def test_send_needs_a_complete_draft(world):
    agreement = helpers.agreement(world, world.partner_a)
    version = agreement.versions.get()
    with pytest.raises(ValidationError) as info:
        services.version_send(version=version, user=world.admin)
    messages = " ".join(info.value.messages)
    assert "review date" in messages and "channel matrix" in messages and "escalation ladder" in messages
    assert _state(version) == (VersionStatus.DRAFT, 0)
    assert not Notification.objects.exists()


def test_partner_manager_cannot_send(world):
    version = helpers.draft(world, world.partner_a)
    with pytest.raises(ValidationError):
        services.version_send(version=version, user=world.a_manager)
    assert _state(version) == (VersionStatus.DRAFT, 0)


def test_terminate_needs_admin_and_reason(world):
    version = helpers.active(world, world.partner_a)
    with pytest.raises(ValidationError, match="administrator"):
        services.version_terminate(version=version, user=world.manager, reason="Closing the site")
    with pytest.raises(ValidationError, match="reason"):
        services.version_terminate(version=version, user=world.admin, reason="   ")
    version.refresh_from_db()
    assert version.status == VersionStatus.ACTIVE
    services.version_terminate(version=version, user=world.admin, reason="Closing the site")
    version.refresh_from_db()
    assert (version.status, version.terminated_by, version.termination_reason) == (
        VersionStatus.TERMINATED,
        world.admin,
        "Closing the site",
    )
    assert version.terminated_at and version.effective_to


def test_terminating_a_draft_is_refused(world):
    version = helpers.draft(world, world.partner_a)
    with pytest.raises(ValidationError, match="Only the active version"):
        services.version_terminate(version=version, user=world.admin, reason="No")
    assert _state(version) == (VersionStatus.DRAFT, 0)


def test_withdraw_returns_to_draft_and_voids_signatures(world):
    version = helpers.in_review(world, world.partner_a)
    services.version_sign(version=version, user=world.admin)
    services.version_withdraw(version=version, user=world.manager)
    assert _state(version) == (VersionStatus.DRAFT, 0)
    assert not Notification.objects.filter(key__startswith=f"agreement:{version.pk}:sign:", status="pending").exists()
    # Sent again, the signatories are asked again.
    version = services.version_send(version=version, user=world.manager)
    pending = Notification.objects.filter(key__startswith=f"agreement:{version.pk}:sign:", status="pending")
    assert set(pending.values_list("recipient__username", flat=True)) == {"admin", "manager", "a_manager"}


def test_rows_name_people_of_the_right_side(world):
    version = helpers.draft(world, world.partner_a)
    with pytest.raises(ValidationError, match="does not belong"):
        services.row_save(
            version=version,
            row=Responsibility(party=Party.HOST, activity="Outbound", user=world.a_manager, responsible_for="x"),
            user=world.admin,
        )
    with pytest.raises(ValidationError, match="does not belong"):
        services.row_save(
            version=version,
            row=Responsibility(party=Party.PARTNER, activity="Outbound", user=world.b_manager, responsible_for="x"),
            user=world.admin,
        )
    with pytest.raises(ValidationError, match="exactly one person"):
        services.row_save(
            version=version,
            row=Responsibility(party=Party.HOST, activity="Outbound", responsible_for="x"),
            user=world.admin,
        )
    assert not version.responsibility_set.filter(activity="Outbound").exists()


def test_reminders_are_sent_once_per_version_and_step(world):
    version = helpers.in_review(world, world.partner_a)
    services.version_sign(version=version, user=world.admin)
    later = timezone.now() + timedelta(days=4)
    assert services.remind_pending_signatures(now=timezone.now(), after_days=3) == 0
    assert services.remind_pending_signatures(now=later, after_days=3) == 1  # only the partner side is pending
    assert services.remind_pending_signatures(now=later, after_days=3) == 0
    reminder = Notification.objects.get(key__startswith=f"agreement:{version.pk}:sign:", key__endswith=":reminder:3d")
    assert reminder.recipient == world.a_manager and reminder.partner == world.partner_a
    # Signing withdraws pending reminders.
    services.version_sign(version=version, user=world.a_manager)
    reminder.refresh_from_db()
    assert reminder.status == "withdrawn"


def test_review_reminder_weeks_before(world):
    version = helpers.active(world, world.partner_a)
    today = version.review_date - timedelta(weeks=6)
    assert services.remind_reviews(today=today, weeks_before=4) == 0
    today = version.review_date - timedelta(weeks=3)
    # The host side names the manager; the partner side names only a contact without a login, so
    # its signatory (the partner manager) is told instead.
    assert services.remind_reviews(today=today, weeks_before=4) == 2
    assert services.remind_reviews(today=today + timedelta(days=1), weeks_before=4) == 0
    recipients = set(
        Notification.objects.filter(kind="agreements.review").values_list("recipient__username", flat=True)
    )
    assert recipients == {"manager", "a_manager"}


def _review_recipients(version):
    today = version.review_date - timedelta(weeks=3)
    services.remind_reviews(today=today, weeks_before=4)
    return set(
        Notification.objects.filter(kind="agreements.review", key__startswith=f"agreement:{version.pk}:").values_list(
            "recipient__username", flat=True
        )
    )


def test_review_reminder_goes_to_the_people_the_agreement_names(world):
    version = helpers.draft(world, world.partner_a)
    services.row_save(
        version=version,
        row=Responsibility(party=Party.PARTNER, activity="Outbound", user=world.a_viewer, responsible_for="Loading"),
        user=world.admin,
    )
    version = helpers.active(world, world.partner_a)
    assert _review_recipients(version) == {"manager", "a_viewer"}


def test_review_reminder_falls_back_to_the_signatories_of_a_side_that_names_nobody_active(world):
    version = helpers.active(world, world.partner_a)
    world.manager.is_active = False
    world.manager.save(update_fields=["is_active"])
    assert _review_recipients(version) == {"admin", "a_manager"}


def test_notifications_never_reach_another_partner(world):
    version = helpers.in_review(world, world.partner_a)
    assert not Notification.objects.filter(
        key__startswith=f"agreement:{version.pk}", recipient__organization=world.partner_b
    ).exists()


def test_tasks_call_the_services(world):
    from agreements import tasks

    helpers.active(world, world.partner_a)
    assert tasks.remind_pending_signatures() == 0
    assert isinstance(tasks.remind_reviews(), int)


def test_concurrent_rules_enforced_by_database(world):
    version = helpers.in_review(world, world.partner_a)
    Signature(version=version, party=Party.HOST, user=world.admin, signed_at=timezone.now()).save()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Signature(version=version, party=Party.HOST, user=world.manager, signed_at=timezone.now()).save()
    assert ChannelRule.objects.filter(version=version).count() == 1


def test_sign_request_is_written_in_each_recipients_language(world):
    world.a_manager.language = "da"
    world.a_manager.save()
    version = helpers.in_review(world, world.partner_a)
    danish = Notification.objects.get(recipient=world.a_manager, kind="agreements.signature")
    english = Notification.objects.get(recipient=world.manager, kind="agreements.signature")
    assert danish.subject.startswith("Underskriv venligst:") and "venter" not in english.subject
    assert english.subject == f"Please sign: {version.agreement.title}, version 1"
    assert f"http://testserver/agreements/versions/{version.pk}/" in danish.body
    assert danish.url == f"/agreements/versions/{version.pk}/"


def test_periodic_tasks_and_notification_kinds_are_registered():
    from partnerportal import schedule
    from partnerportal.notifications import kinds

    tasks = {spec.task: spec.every_seconds for spec in schedule.registered()}
    assert tasks["agreements.tasks.remind_pending_signatures"] > 0
    assert tasks["agreements.tasks.remind_reviews"] > 0
    for kind in (services.KIND_SIGNATURE, services.KIND_STATUS, services.KIND_REVIEW):
        assert kinds.is_registered(kind)
