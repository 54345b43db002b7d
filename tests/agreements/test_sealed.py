"""Signed means signed, down to the database.

Every path of issue #12 is tried twice: through the ORM (model layer, any database) and, on
PostgreSQL, as raw SQL and through the ORM's unguarded internals (`_update`, `_raw_delete`), which
only the triggers of migration agreements/0002 stop. The services' own transitions still work.
"""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from agreements import services
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
    is_refusal,
)
from kpis import services as kpi_services
from kpis.models import KPIDefinition, KPITarget, PartnerKPI
from tests.agreements import helpers

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers that keep signed agreements are PostgreSQL's"
)
ROW_MODELS = (Responsibility, ChannelRule, EscalationStep)
Link = AgreementVersion.kpi_targets.through


def _target(partner, value=95, valid_from=None):
    kpi = KPIDefinition.objects.order_by("pk").first()
    assignment, _ = PartnerKPI.objects.get_or_create(partner=partner, kpi=kpi, defaults={"shared": True})
    return KPITarget.objects.create(
        partner_kpi=assignment, value=value, valid_from=valid_from or timezone.localdate() - timedelta(days=30)
    )


@pytest.fixture
def target(world):
    return _target(world.partner_a)


@pytest.fixture
def signed(world, target):
    """An active version 1 that commits to `target`."""
    version = helpers.draft(world, world.partner_a)
    services.version_update(version=version, user=world.admin, kpi_targets=[target])
    services.version_send(version=version, user=world.admin)
    services.version_sign(version=version, user=world.admin)
    services.version_sign(version=version, user=world.a_manager)
    version.refresh_from_db()
    assert version.status == VersionStatus.ACTIVE
    return version


def _snapshot(version):
    """Everything a signed version consists of, to show that a refused change changed nothing."""
    version = AgreementVersion.objects.get(pk=version.pk)
    fields = {f.attname: getattr(version, f.attname) for f in AgreementVersion._meta.concrete_fields}
    return (
        fields,
        Agreement.objects.filter(pk=version.agreement_id).values().get(),
        [list(m.objects.filter(version=version).order_by("pk").values()) for m in ROW_MODELS],
        list(Signature.objects.filter(version=version).order_by("pk").values()),
        list(Link.objects.filter(agreementversion=version).order_by("pk").values()),
        list(KPITarget.objects.filter(agreement_versions=version).order_by("pk").values()),
    )


# --- the model layer (any database) -------------------------------------------------------------


def test_queryset_delete_of_an_agreement_keeps_its_signed_versions(world, signed):
    before = _snapshot(signed)
    with pytest.raises(VersionLocked), transaction.atomic():
        Agreement.objects.filter(pk=signed.agreement_id).delete()
    with pytest.raises(VersionLocked), transaction.atomic():
        Agreement._base_manager.filter(pk=signed.agreement_id).delete()
    assert _snapshot(signed) == before


def test_a_draft_only_agreement_can_still_be_deleted(world):
    draft = helpers.draft(world, world.partner_b)
    Agreement.objects.filter(pk=draft.agreement_id).delete()
    assert not AgreementVersion.objects.filter(pk=draft.pk).exists()


def test_base_manager_is_guarded_too(world, signed):
    before = _snapshot(signed)
    attempts = [
        lambda: AgreementVersion._base_manager.filter(pk=signed.pk).update(summary="x"),
        lambda: AgreementVersion._base_manager.filter(pk=signed.pk).delete(),
        lambda: Signature._base_manager.filter(version=signed).update(signed_at=timezone.now()),
        lambda: Signature._base_manager.filter(version=signed).delete(),
        lambda: Link._base_manager.filter(agreementversion=signed).delete(),
        *[lambda m=m: m._base_manager.filter(version=signed).update(party=Party.HOST) for m in ROW_MODELS],
        *[lambda m=m: m._base_manager.filter(version=signed).delete() for m in ROW_MODELS],
    ]
    for attempt in attempts:
        with pytest.raises(VersionLocked), transaction.atomic():
            attempt()
    assert _snapshot(signed) == before


def test_bulk_create_cannot_add_signed_versions_or_signatures(world, signed):
    before = _snapshot(signed)
    with pytest.raises(VersionLocked), transaction.atomic():
        AgreementVersion.objects.bulk_create(
            [AgreementVersion(agreement_id=signed.agreement_id, number=9, status=VersionStatus.ACTIVE)]
        )
    with pytest.raises(VersionLocked), transaction.atomic():
        Signature.objects.bulk_create(
            [Signature(version=signed, party=Party.HOST, user=world.manager, signed_at=timezone.now())]
        )
    assert _snapshot(signed) == before
    assert signed.agreement.versions.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("activated_at", timezone.now() - timedelta(days=400)),
        ("sent_at", timezone.now() - timedelta(days=400)),
        ("sent_by", "manager"),
        ("termination_reason", "Rewritten"),
        ("terminated_at", timezone.now()),
    ],
)
def test_sign_off_record_of_a_signed_version_cannot_be_rewritten(world, signed, field, value):
    before = _snapshot(signed)
    value = world.manager if value == "manager" else value
    setattr(signed, field, value)
    with pytest.raises(VersionLocked), transaction.atomic():
        signed.save()
    with pytest.raises(VersionLocked), transaction.atomic():
        AgreementVersion.objects.filter(pk=signed.pk).update(**{field: value})
    assert _snapshot(signed) == before


def test_status_does_not_jump_without_the_service(world, signed):
    before = _snapshot(signed)
    version = AgreementVersion.objects.get(pk=signed.pk)
    version.status = VersionStatus.TERMINATED
    version.termination_reason = "No service"
    with pytest.raises(VersionLocked, match="terminat"), transaction.atomic():
        version.save()
    version = AgreementVersion.objects.get(pk=signed.pk)
    version.status = VersionStatus.SUPERSEDED
    version.effective_to = timezone.localdate()
    with pytest.raises(VersionLocked, match="newer version"), transaction.atomic():
        version.save()
    assert _snapshot(signed) == before


def test_kpi_target_of_a_signed_version_changes_only_by_a_new_row(world, signed, target):
    before = _snapshot(signed)
    target.value = 50
    with pytest.raises(ValidationError), transaction.atomic():
        target.save()
    with pytest.raises(ValidationError), transaction.atomic():
        target.full_clean()
    with pytest.raises(ValidationError), transaction.atomic():
        KPITarget.objects.filter(pk=target.pk).update(value=50)
    with pytest.raises(ValidationError), transaction.atomic():
        KPITarget.objects.filter(pk=target.pk).update(valid_to=None, valid_from=timezone.localdate())
    with pytest.raises(ValidationError), transaction.atomic():
        KPITarget.objects.get(pk=target.pk).delete()
    with pytest.raises(ValidationError), transaction.atomic():
        KPITarget.objects.filter(pk=target.pk).delete()
    with pytest.raises(ValidationError), transaction.atomic():
        PartnerKPI.objects.filter(pk=target.partner_kpi_id).delete()
    assert _snapshot(signed) == before
    # The legitimate way: a new target closes the old one, whose history (and the version's link) stays.
    new = kpi_services.target_set(
        user=world.admin,
        partner_kpi=target.partner_kpi,
        horizon=target.horizon,
        value=50,
        valid_from=timezone.localdate(),
    )
    target.refresh_from_db()
    assert (target.value, target.valid_to) == (95, timezone.localdate() - timedelta(days=1))
    assert list(signed.kpi_targets.all()) == [target] and new.value == 50


def test_target_links_of_a_signed_version_cannot_change_through_the_link_table(world, signed, target):
    before = _snapshot(signed)
    other = _target(world.partner_a, value=80, valid_from=timezone.localdate() - timedelta(days=60))
    attempts = [
        lambda: Link.objects.filter(agreementversion=signed).delete(),
        lambda: Link.objects.filter(agreementversion=signed).update(kpitarget=other),
        lambda: Link.objects.create(agreementversion=signed, kpitarget=other),
        lambda: Link.objects.bulk_create([Link(agreementversion=signed, kpitarget=other)]),
        lambda: Link.objects.get(agreementversion=signed).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(VersionLocked), transaction.atomic():
            attempt()
    assert _snapshot(signed) == before


def test_title_of_a_signed_agreement_cannot_change(world, signed):
    before = _snapshot(signed)
    agreement = Agreement.objects.get(pk=signed.agreement_id)
    agreement.title = "Renamed"
    with pytest.raises(VersionLocked), transaction.atomic():
        agreement.save()
    with pytest.raises(ValidationError), transaction.atomic():
        agreement.full_clean()
    with pytest.raises(VersionLocked), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).update(title="Renamed")
    assert _snapshot(signed) == before


def test_title_of_a_draft_only_agreement_can_change(world):
    draft = helpers.draft(world, world.partner_b)
    Agreement.objects.filter(pk=draft.agreement_id).update(title="Renamed")
    agreement = Agreement.objects.get(pk=draft.agreement_id)
    agreement.title = "Renamed again"
    agreement.full_clean()
    agreement.save()


def test_services_still_move_signed_versions(world, signed):
    """Supersede (a newer version is activated), withdraw and terminate pass the guards."""
    v2 = services.draft_create(agreement=signed.agreement, user=world.admin)
    services.version_update(version=v2, user=world.admin, summary="Scope, with returns.")
    services.version_send(version=v2, user=world.admin)
    services.version_sign(version=v2, user=world.admin)
    services.version_withdraw(version=v2, user=world.admin)
    services.version_send(version=v2, user=world.admin)
    services.version_sign(version=v2, user=world.admin)
    services.version_sign(version=v2, user=world.a_manager)
    signed.refresh_from_db()
    v2.refresh_from_db()
    assert (signed.status, v2.status) == (VersionStatus.SUPERSEDED, VersionStatus.ACTIVE)
    services.version_terminate(version=v2, user=world.admin, reason="Site closed")
    v2.refresh_from_db()
    assert (v2.status, v2.termination_reason) == (VersionStatus.TERMINATED, "Site closed")
    with pytest.raises(ValidationError):
        services.version_terminate(version=v2, user=world.admin, reason="Again")
    v2.refresh_from_db()
    assert v2.termination_reason == "Site closed"


# --- the admin -------------------------------------------------------------------------------------


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _old_draft_record(version):
    return version.history.filter(status=VersionStatus.DRAFT).order_by("history_date").first()


def test_admin_history_revert_of_a_signed_version_is_refused_with_a_message(world, signed, client_as):
    before = _snapshot(signed)
    client = client_as(world.admin)
    record = _old_draft_record(signed)
    url = reverse("admin:agreements_agreementversion_simple_history", args=[signed.pk, record.history_id])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="summary"' not in page.content.decode()  # shown, not a form to revert with
    response = client.post(url, {"review_date": "2020-01-01", "summary": "Old draft", "_continue": "1"})
    assert response.status_code == 302
    assert any("cannot be reverted" in m for m in _messages(response))
    assert _snapshot(signed) == before


def test_admin_shows_the_title_of_a_signed_agreement_read_only(world, signed, client_as):
    before = _snapshot(signed)
    client = client_as(world.admin)
    url = reverse("admin:agreements_agreement_change", args=[signed.agreement_id])
    assert 'name="title"' not in client.get(url).content.decode()
    response = client.post(url, {"title": "Renamed", "partner": world.partner_a.pk, "versions-TOTAL_FORMS": "0"})
    assert response.status_code in (200, 302)
    assert _snapshot(signed) == before
    record = Agreement.history.filter(id=signed.agreement_id).order_by("history_date").first()
    revert = reverse("admin:agreements_agreement_simple_history", args=[signed.agreement_id, record.history_id])
    response = client.post(revert, {"title": "Renamed", "partner": world.partner_a.pk})
    assert response.status_code == 302 and any("cannot be reverted" in m for m in _messages(response))
    assert _snapshot(signed) == before


def test_admin_revert_of_a_draft_still_works(world, client_as):
    draft = helpers.draft(world, world.partner_b)
    record = draft.history.order_by("history_date").first()
    url = reverse("admin:agreements_agreementversion_simple_history", args=[draft.pk, record.history_id])
    response = client_as(world.admin).post(
        url, {"agreement": draft.agreement_id, "number": draft.number, "summary": "Reverted", "_save": "1"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.summary == "Reverted"


def test_admin_turns_a_refusal_into_a_message(world, client_as, monkeypatch):
    """A refusal the form could not foresee (here: the version was sent for sign-off by someone
    else between reading the form and saving it) is shown as a message, not a 500."""
    from agreements.admin import AgreementVersionAdmin

    draft = helpers.revision(world, world.partner_b, send=False)
    original = AgreementVersionAdmin.save_model

    def save_model_after_sending(self, request, obj, form, change):
        services.version_send(version=obj, user=world.manager)
        return original(self, request, obj, form, change)

    monkeypatch.setattr(AgreementVersionAdmin, "save_model", save_model_after_sending)
    url = reverse("admin:agreements_agreementversion_change", args=[draft.pk])
    inlines = ("responsibility_set", "channelrule_set", "escalationstep_set", "signatures")
    response = client_as(world.admin).post(
        url,
        {
            "agreement": draft.agreement_id,
            "number": draft.number,
            "summary": "Changed",
            "review_date": draft.review_date.isoformat(),
            **{f"{prefix}-{key}": "0" for prefix in inlines for key in ("TOTAL_FORMS", "INITIAL_FORMS")},
        },
    )
    assert response.status_code == 302
    assert _messages(response)
    draft.refresh_from_db()
    assert draft.summary != "Changed"


# --- the database (PostgreSQL) ----------------------------------------------------------------------


def _refused(sql, params):
    with pytest.raises(IntegrityError, match="agreements:") as refusal, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    assert is_refusal(refusal.value)


def _raw_paths(signed, target, world):
    v = signed.pk
    rows = [m._meta.db_table for m in ROW_MODELS]
    return [
        # the version: content, sign-off record, status, deletion
        ("UPDATE agreements_agreementversion SET summary = 'x' WHERE id = %s", [v]),
        ("UPDATE agreements_agreementversion SET activated_at = now() - interval '1 year' WHERE id = %s", [v]),
        ("UPDATE agreements_agreementversion SET sent_at = now() - interval '1 year' WHERE id = %s", [v]),
        ("UPDATE agreements_agreementversion SET sent_by_id = %s WHERE id = %s", [world.manager.pk, v]),
        ("UPDATE agreements_agreementversion SET sent_by_id = NULL WHERE id = %s", [v]),
        ("UPDATE agreements_agreementversion SET termination_reason = 'x' WHERE id = %s", [v]),
        ("UPDATE agreements_agreementversion SET effective_from = '2000-01-01' WHERE id = %s", [v]),
        ("UPDATE agreements_agreementversion SET status = 'draft' WHERE id = %s", [v]),
        ("UPDATE agreements_agreementversion SET status = 'terminated', termination_reason = 'x' WHERE id = %s", [v]),
        (
            "UPDATE agreements_agreementversion SET status = 'superseded', effective_to = current_date WHERE id = %s",
            [v],
        ),
        ("DELETE FROM agreements_agreementversion WHERE id = %s", [v]),
        (
            "INSERT INTO agreements_agreementversion (agreement_id, number, status, summary, created_at, "
            "termination_reason) VALUES (%s, 99, 'active', '', now(), '')",
            [signed.agreement_id],
        ),
        # the agreement whose title the version shows
        ("UPDATE agreements_agreement SET title = 'Renamed' WHERE id = %s", [signed.agreement_id]),
        ("DELETE FROM agreements_agreement WHERE id = %s", [signed.agreement_id]),
        # its rows
        *[(f"UPDATE {table} SET party = party WHERE version_id = %s", [v]) for table in rows],
        *[(f"DELETE FROM {table} WHERE version_id = %s", [v]) for table in rows],
        (
            "INSERT INTO agreements_escalationstep (version_id, party, level, after_hours, note, user_id) "
            "VALUES (%s, 'host', 7, 1, '', %s)",
            [v, world.admin.pk],
        ),
        # its signatures
        ("UPDATE agreements_signature SET signed_at = now() WHERE version_id = %s", [v]),
        ("DELETE FROM agreements_signature WHERE version_id = %s", [v]),
        # its target links and the targets themselves
        (f"DELETE FROM {Link._meta.db_table} WHERE agreementversion_id = %s", [v]),
        (f"UPDATE {Link._meta.db_table} SET kpitarget_id = kpitarget_id WHERE agreementversion_id = %s", [v]),
        ("UPDATE kpis_kpitarget SET value = 1 WHERE id = %s", [target.pk]),
        ("UPDATE kpis_kpitarget SET valid_from = valid_from - 1 WHERE id = %s", [target.pk]),
        ("DELETE FROM kpis_kpitarget WHERE id = %s", [target.pk]),
    ]


@needs_postgres
@pytest.mark.postgres
def test_raw_sql_cannot_change_a_signed_version(world, signed, target):
    before = _snapshot(signed)
    for sql, params in _raw_paths(signed, target, world):
        _refused(sql, params)
    assert _snapshot(signed) == before
    # Other integrity errors are not mistaken for a refusal of the triggers.
    with pytest.raises(IntegrityError) as unique, transaction.atomic():
        Agreement.objects.create(partner=world.partner_a, title="Second")
    assert not is_refusal(unique.value)


@needs_postgres
@pytest.mark.postgres
def test_admin_shows_the_databases_refusal_as_a_message(world, client_as, monkeypatch):
    """Here the save goes past every Python guard (QuerySet._update, as raw SQL would): the trigger
    refuses, and the admin says so instead of answering 500."""
    from agreements.admin import AgreementVersionAdmin

    draft = helpers.revision(world, world.partner_b, send=False)

    def save_model_past_python(self, request, obj, form, change):
        services.version_send(version=obj, user=world.manager)
        _update(AgreementVersion.objects.filter(pk=obj.pk), summary=obj.summary)

    monkeypatch.setattr(AgreementVersionAdmin, "save_model", save_model_past_python)
    url = reverse("admin:agreements_agreementversion_change", args=[draft.pk])
    inlines = ("responsibility_set", "channelrule_set", "escalationstep_set", "signatures")
    response = client_as(world.admin).post(
        url,
        {
            "agreement": draft.agreement_id,
            "number": draft.number,
            "summary": "Changed",
            "review_date": draft.review_date.isoformat(),
            **{f"{prefix}-{key}": "0" for prefix in inlines for key in ("TOTAL_FORMS", "INITIAL_FORMS")},
        },
    )
    assert response.status_code == 302
    assert any("database refused" in m for m in _messages(response))
    draft.refresh_from_db()
    assert (draft.status, draft.summary) == (VersionStatus.DRAFT, "Scope.")


def _update(queryset, **values):
    """QuerySet._update: what Model.save() runs, past every queryset guard."""
    return queryset._update([(queryset.model._meta.get_field(name), None, value) for name, value in values.items()])


@needs_postgres
@pytest.mark.postgres
def test_orm_internals_that_skip_every_python_guard_are_refused_by_the_database(world, signed, target):
    before = _snapshot(signed)
    attempts = [
        lambda: _update(AgreementVersion.objects.filter(pk=signed.pk), summary="x"),
        lambda: AgreementVersion.objects.filter(pk=signed.pk)._raw_delete(connection.alias),
        lambda: Signature.objects.filter(version=signed)._raw_delete(connection.alias),
        lambda: Link.objects.filter(agreementversion=signed)._raw_delete(connection.alias),
        lambda: KPITarget._base_manager.filter(pk=target.pk).update(value=1),
        lambda: _update(Agreement.objects.filter(pk=signed.agreement_id), title="Renamed"),
        *[lambda m=m: m.objects.filter(version=signed)._raw_delete(connection.alias) for m in ROW_MODELS],
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError, match="agreements:"), transaction.atomic():
            attempt()
    assert _snapshot(signed) == before


@needs_postgres
@pytest.mark.postgres
def test_the_database_allows_what_the_services_do(world, signed, target):
    """Closing a committed target earlier, withdrawing signatures in review and drafts are free."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE kpis_kpitarget SET valid_to = current_date WHERE id = %s", [target.pk])
        cursor.execute("UPDATE kpis_kpitarget SET valid_to = current_date - 1 WHERE id = %s", [target.pk])
    # ... but never later, or open again.
    _refused("UPDATE kpis_kpitarget SET valid_to = current_date + 30 WHERE id = %s", [target.pk])
    _refused("UPDATE kpis_kpitarget SET valid_to = NULL WHERE id = %s", [target.pk])
    draft = services.draft_create(agreement=signed.agreement, user=world.admin)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE agreements_agreementversion SET summary = 'free' WHERE id = %s", [draft.pk])
        cursor.execute("UPDATE agreements_channelrule SET note = 'free' WHERE version_id = %s", [draft.pk])
        cursor.execute(f"DELETE FROM {Link._meta.db_table} WHERE agreementversion_id = %s", [draft.pk])
    services.version_send(version=draft, user=world.admin)
    services.version_sign(version=draft, user=world.admin)
    # In review the content is sealed already; only the withdrawal removes signatures.
    _refused("UPDATE agreements_agreementversion SET summary = 'x' WHERE id = %s", [draft.pk])
    _refused("UPDATE agreements_signature SET signed_at = now() WHERE version_id = %s", [draft.pk])
    _refused(
        "UPDATE agreements_agreementversion SET status = 'active', activated_at = now() WHERE id = %s", [signed.pk]
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM agreements_signature WHERE version_id = %s", [draft.pk])
    assert not draft.signatures.exists()
