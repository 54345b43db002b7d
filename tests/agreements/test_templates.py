"""Agreement templates (issue 18): keep them with their revisions, build a new agreement from one,
show what changed in the template since, and carry the change into a new draft; signed versions
are never touched, down to the database's triggers."""

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agreements import selectors, services, standard_template
from agreements.models import (
    AgreementTemplate,
    AgreementTemplateRevision,
    AgreementVersion,
    ChannelRule,
    EscalationStep,
    Responsibility,
    VersionLocked,
    VersionStatus,
)
from kpis.models import KPITarget
from tests.agreements import helpers
from tests.agreements import templates_helpers as th

pytestmark = pytest.mark.django_db
needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")


def test_the_migration_makes_the_standard_template_the_default(world):
    template = AgreementTemplate.objects.get(name=standard_template.NAME)
    assert template.is_default
    revision = template.latest_revision()
    assert revision.number == 1
    assert [c["topic"] for c in revision.channels][:2] == ["daily_operations", "delivery_delays"]
    assert len(revision.escalation) == 4 and len(revision.kpis) == 4


def test_a_new_agreement_starts_from_the_template(world):
    template = th.template(world)
    agreement = th.built(world, world.partner_a, template)
    version = agreement.versions.get()
    assert version.status == VersionStatus.DRAFT
    assert version.template_revision == template.latest_revision()
    assert agreement.template_skipped == []
    assert version.review_date == timezone.localdate() + relativedelta(months=12)
    assert Responsibility.objects.filter(version=version).count() == len(standard_template.RESPONSIBILITIES)
    assert ChannelRule.objects.filter(version=version).count() == len(standard_template.CHANNELS)
    step = EscalationStep.objects.get(version=version, level=1)
    # The people: the partner's manager for the partner's side, the person building it for the host's.
    assert (step.party, step.user) == ("partner", world.a_manager)
    host_row = Responsibility.objects.filter(version=version, party="host").first()
    assert host_row.user == world.admin
    # The standard KPIs become the partner's shared KPIs with the template's default targets.
    targets = {t.kpi.code: t for t in version.kpi_targets.all()}
    assert set(targets) == {k["kpi"] for k in standard_template.KPIS}
    assert (targets["error-rate"].value, targets["error-rate"].warning, targets["error-rate"].critical) == (
        0.5,
        1.0,
        2.0,
    )
    assert all(t.partner_kpi.shared and t.partner == world.partner_a for t in targets.values())
    # The draft is complete enough to be sent as it is.
    assert services.version_send(version=version, user=world.admin).status == VersionStatus.IN_REVIEW


def test_a_partner_target_already_in_force_is_kept(world):
    template = th.template(world)
    agreement = th.built(world, world.partner_a, template)
    target = agreement.versions.get().kpi_targets.get(kpi__code="delivery-time")
    # A second partner already has its own delivery-time target: the agreement commits to that one.
    other = services.agreement_create_from_template(partner=world.partner_b, user=world.admin, template=template)
    assert other.versions.get().kpi_targets.get(kpi__code="delivery-time").partner == world.partner_b
    assert KPITarget.objects.filter(partner=world.partner_a, kpi__code="delivery-time").get() == target


def test_a_side_with_nobody_to_name_is_reported_not_invented(world):
    world.a_manager.is_active = False
    world.a_manager.save()
    agreement = th.built(world, world.partner_a)
    version = agreement.versions.get()
    assert not Responsibility.objects.filter(version=version, party="partner").exists()
    assert "Vareindlevering (Partner)" in agreement.template_skipped


def test_saving_a_template_unchanged_adds_no_revision(world):
    template = th.template(world)
    history = template.history.count()
    services.template_save(
        user=world.admin,
        template=template,
        name=template.name,
        description=template.description,
        review_interval_months=12,
        parts=th.standard_parts(),
    )
    assert template.revisions.count() == 1
    assert template.history.count() == history
    th.change(world, template)
    assert list(template.revisions.values_list("number", flat=True)) == [2, 1]


@pytest.mark.parametrize(
    ("part", "row", "message"),
    [
        (
            "channels",
            {"topic": "invoices", "channel": "email", "response_hours": 0, "party": "host"},
            "at least one hour",
        ),
        (
            "channels",
            {"topic": "nonsense", "channel": "email", "response_hours": 2, "party": "host"},
            "not a valid choice",
        ),
        (
            "channels",
            {"topic": "invoices", "channel": "email", "response_hours": 2, "party": "host"},
            "already in the channel",
        ),
        ("escalation", {"level": 0, "after_hours": 0, "party": "host"}, "Levels start at 1"),
        ("responsibilities", {"party": "host", "activity": "", "responsible_for": "x"}, "cannot be blank"),
        ("kpis", {"kpi": "no-such-kpi", "horizon": "short_term", "value": 1}, "Choose one of the KPIs"),
        ("kpis", {"kpi": "error-rate", "horizon": "short_term", "value": 1, "warning": 0.5}, "lie above the target"),
    ],
)
def test_bad_template_input_is_refused_and_changes_nothing(world, part, row, message):
    template = th.template(world)
    parts = th.standard_parts()
    parts[part].append(row)
    with pytest.raises(ValidationError) as error:
        services.template_save(
            user=world.admin, template=template, name="Renamed", review_interval_months=12, parts=parts
        )
    assert message in " ".join(error.value.messages)
    template.refresh_from_db()
    assert template.name == "Test template" and template.revisions.count() == 1


def test_only_admins_keep_templates(world):
    template = th.template(world)
    for user in (world.manager, world.a_manager, world.a_viewer):
        with pytest.raises(ValidationError):
            services.template_save(user=user, template=template, name="x", review_interval_months=12, parts={})
        with pytest.raises(ValidationError):
            services.template_save(user=user, name="New one", review_interval_months=12, parts={})
    assert AgreementTemplate.objects.filter(name__in=["x", "New one"]).count() == 0


def test_one_default_template(world):
    first = AgreementTemplate.objects.get(is_default=True)
    second = th.template(world, name="Other", is_default=True)
    first.refresh_from_db()
    assert second.is_default and not first.is_default


def test_a_revision_is_kept_as_it_was_saved(world):
    revision = th.template(world).latest_revision()
    revision.note = "changed afterwards"
    with pytest.raises(ValidationError):
        revision.save()
    with pytest.raises(ValidationError):
        AgreementTemplateRevision.objects.filter(pk=revision.pk).update(note="x")


def test_the_diff_shows_what_changed_in_the_template_part_by_part(world):
    template = th.template(world)
    version = th.built(world, world.partner_a, template).versions.get()
    assert selectors.template_changes_for(version) is None
    th.change(world, template)
    diff = selectors.template_changes_for(version)
    sections = {s["key"]: s for s in diff["sections"]}
    assert diff["fields"][0]["old"] == "12" and diff["fields"][0]["new"] == "6"
    channel = sections["channels"]["changed"][0]
    assert channel["label"] == "Delivery delays"
    assert [(c["old"], c["new"]) for c in channel["changes"]] == [("2", "1")]
    assert [a["label"] for a in sections["escalation"]["added"]] == ["Level 5"]
    assert [r["label"] for r in sections["responsibilities"]["removed"]] == ["Statusmøder (Host)"]
    kpi = sections["kpis"]["changed"][0]
    assert kpi["changes"][0]["old"] == "4.5" and kpi["changes"][0]["new"] == "4.7"


def test_carry_into_the_open_draft(world):
    template = th.template(world)
    agreement = th.built(world, world.partner_a, template)
    draft = agreement.versions.get()
    th.change(world, template)
    result = services.template_changes_carry(agreement=agreement, user=world.manager)
    assert result.pk == draft.pk
    draft.refresh_from_db()
    assert draft.template_revision.number == 2
    assert draft.channelrule_set.get(topic="delivery_delays").response_hours == 1
    assert draft.escalationstep_set.get(level=5).user == world.manager  # the host side: who carried it
    assert not draft.responsibility_set.filter(activity="Statusmøder").exists()
    assert draft.kpi_targets.get(kpi__code="customer-satisfaction").value == 4.7
    assert draft.review_date == timezone.localdate() + relativedelta(months=6)
    assert selectors.template_changes_for(draft) is None
    with pytest.raises(ValidationError, match="Nothing to carry"):
        services.template_changes_carry(agreement=agreement, user=world.manager)


def test_carry_into_a_new_draft_leaves_the_signed_version_alone(world):
    template = th.template(world)
    active = th.built_active(world, world.partner_a, template)
    before = (
        list(active.channelrule_set.values_list("topic", "response_hours", "user_id")),
        list(active.kpi_targets.values_list("pk", flat=True)),
        active.review_date,
        active.template_revision_id,
    )
    th.change(world, template)
    assert selectors.template_changes_for(active) is not None
    draft = services.template_changes_carry(agreement=active.agreement, user=world.manager)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    assert draft.channelrule_set.get(topic="delivery_delays").response_hours == 1
    active.refresh_from_db()
    after = (
        list(active.channelrule_set.values_list("topic", "response_hours", "user_id")),
        list(active.kpi_targets.values_list("pk", flat=True)),
        active.review_date,
        active.template_revision_id,
    )
    assert after == before
    assert active.status == VersionStatus.ACTIVE
    # The new draft differs from the version in force and can go for sign-off.
    assert services.version_send(version=draft, user=world.admin).status == VersionStatus.IN_REVIEW


def test_carry_refuses_a_version_awaiting_signatures_and_agreements_without_template(world):
    template = th.template(world)
    version = th.built(world, world.partner_a, template).versions.get()
    services.version_send(version=version, user=world.admin)
    th.change(world, template)
    with pytest.raises(ValidationError, match="withdraw it"):
        services.template_changes_carry(agreement=version.agreement, user=world.admin)
    plain = helpers.active(world, world.partner_b)
    with pytest.raises(ValidationError, match="not built from a template"):
        services.template_changes_carry(agreement=plain.agreement, user=world.admin)


def test_partners_cannot_carry(world):
    template = th.template(world)
    version = th.built(world, world.partner_a, template).versions.get()
    th.change(world, template)
    for user in (world.a_manager, world.a_viewer):
        with pytest.raises(ValidationError):
            services.template_changes_carry(agreement=version.agreement, user=user)
    version.refresh_from_db()
    assert version.template_revision.number == 1


def test_a_signed_versions_template_link_is_sealed_in_the_model(world):
    template = th.template(world)
    active = th.built_active(world, world.partner_a, template)
    th.change(world, template)
    active.template_revision = template.latest_revision()
    with pytest.raises(VersionLocked):
        active.save()


@needs_postgres
def test_the_trigger_refuses_moving_a_signed_version_to_the_new_template_revision(world):
    template = th.template(world)
    active = th.built_active(world, world.partner_a, template)
    newer = th.change(world, template).latest_revision()
    with pytest.raises(IntegrityError, match="agreements:"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE agreements_agreementversion SET template_revision_id = %s WHERE id = %s", [newer.pk, active.pk]
        )
    with pytest.raises(IntegrityError, match="agreements:"), transaction.atomic():
        field = AgreementVersion._meta.get_field("template_revision")
        AgreementVersion.objects.filter(pk=active.pk)._update([(field, None, newer.pk)])
    with pytest.raises(IntegrityError, match="agreements:"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM agreements_channelrule WHERE version_id = %s", [active.pk])
    active.refresh_from_db()
    assert active.template_revision.number == 1
    assert active.channelrule_set.count() == len(standard_template.CHANNELS)


def test_the_demo_part_and_a_flush_put_the_standard_template_back(world):
    from types import SimpleNamespace

    from agreements.demo import seed_templates

    AgreementTemplate.objects.all().delete()
    demo = SimpleNamespace(objects={"users": {"admin": world.admin}})
    seed_templates(demo)
    seed_templates(demo)  # idempotent
    template = AgreementTemplate.objects.get()
    assert template.name == standard_template.NAME and template.is_default
    assert template.latest_revision().content() == {"review_interval_months": 12, **standard_template.parts()}
    AgreementTemplate.objects.all().delete()
    standard_template.restore()
    standard_template.restore()
    assert AgreementTemplate.objects.get().revisions.count() == 1
