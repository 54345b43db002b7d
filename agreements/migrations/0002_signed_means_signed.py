"""Signed means signed, down to the database (issue #12).

The model layer's guards (models.py, signals.py) are repeated as PostgreSQL triggers, so raw SQL,
`QuerySet._update`, `_raw_delete` and any other way past Python are refused as well. Also: the
users who created, sent or terminated a version are PROTECTed, and the version's KPI target link
table becomes a model of its own.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


TRIGGERS_SQL = r"""
-- A version that left draft is sealed (in review) or signed (active, superseded, terminated).
-- Every refusal is SQLSTATE 23001 (restrict_violation) with a message starting "agreements:".

CREATE OR REPLACE FUNCTION agreements_refuse(message text) RETURNS void AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = 'agreements: ' || message;
END;
$$ LANGUAGE plpgsql;

-- The status of a version if it is sealed, NULL for a draft or no version.
CREATE OR REPLACE FUNCTION agreements_sealed_status(version_id bigint) RETURNS text AS $$
    SELECT status FROM agreements_agreementversion WHERE id = version_id AND status <> 'draft'
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION agreements_fully_signed(version_id bigint) RETURNS boolean AS $$
    SELECT count(DISTINCT party) = 2 FROM agreements_signature
    WHERE agreements_signature.version_id = agreements_fully_signed.version_id AND party IN ('host', 'partner')
$$ LANGUAGE sql STABLE;

-- The columns whose value differs between two rows of the same table.
CREATE OR REPLACE FUNCTION agreements_changed_columns(new_row jsonb, old_row jsonb) RETURNS text[] AS $$
    SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}')
    FROM jsonb_each(new_row) n JOIN jsonb_each(old_row) o USING (key)
    WHERE n.value IS DISTINCT FROM o.value
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION agreements_version_guard() RETURNS trigger AS $$
DECLARE
    changed text[];
    allowed text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'draft' THEN
            PERFORM agreements_refuse(format('a new agreement version starts as a draft, not %s', NEW.status));
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            PERFORM agreements_refuse(format('version %s is %s and is kept for the record', OLD.id, OLD.status));
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'draft' THEN
        IF NEW.status NOT IN ('draft', 'in_review') THEN
            PERFORM agreements_refuse(format('version %s cannot go from draft to %s', OLD.id, NEW.status));
        END IF;
        RETURN NEW;
    END IF;
    -- The columns each step of the life cycle writes (agreements.models.SEALED_CHANGES).
    allowed := CASE
        WHEN OLD.status = NEW.status THEN '{}'::text[]
        WHEN OLD.status = 'in_review' AND NEW.status = 'draft' THEN ARRAY['sent_at', 'sent_by_id']
        WHEN OLD.status = 'in_review' AND NEW.status = 'active'
            THEN ARRAY['effective_from', 'effective_to', 'activated_at']
        WHEN OLD.status = 'active' AND NEW.status = 'superseded' THEN ARRAY['effective_to']
        WHEN OLD.status = 'active' AND NEW.status = 'terminated'
            THEN ARRAY['effective_to', 'terminated_by_id', 'terminated_at', 'termination_reason']
    END;
    IF allowed IS NULL THEN
        PERFORM agreements_refuse(format('version %s cannot go from %s to %s', OLD.id, OLD.status, NEW.status));
    END IF;
    changed := array_remove(agreements_changed_columns(to_jsonb(NEW), to_jsonb(OLD)), 'status');
    IF NOT changed <@ allowed THEN
        PERFORM agreements_refuse(format(
            'version %s is %s and is kept as it was sent or signed: %s cannot change',
            OLD.id, OLD.status, array_to_string(changed, ', ')));
    END IF;
    IF OLD.status = 'in_review' AND NEW.status = 'draft' AND (
        NEW.sent_at IS NOT NULL OR NEW.sent_by_id IS NOT NULL
        OR EXISTS (SELECT 1 FROM agreements_signature WHERE version_id = OLD.id)
    ) THEN
        PERFORM agreements_refuse(format('version %s goes back to draft only when withdrawn, '
            'with its signatures voided and no sending recorded', OLD.id));
    END IF;
    IF OLD.status = 'in_review' AND NEW.status = 'active' AND (
        NEW.activated_at IS NULL OR OLD.effective_from IS NOT NULL OR OLD.effective_to IS NOT NULL
    ) THEN
        PERFORM agreements_refuse(format('version %s becomes active through the sign-off, which records when', OLD.id));
    END IF;
    IF OLD.status = 'active' AND NEW.status = 'superseded' AND (
        OLD.effective_to IS NOT NULL OR NEW.effective_to IS NULL OR NOT EXISTS (
            SELECT 1 FROM agreements_agreementversion newer
            WHERE newer.agreement_id = OLD.agreement_id AND newer.number > OLD.number
              AND newer.status = 'in_review' AND agreements_fully_signed(newer.id)
        )
    ) THEN
        PERFORM agreements_refuse(format('version %s is superseded only when a newer version, '
            'signed by both parties, is activated', OLD.id));
    END IF;
    IF OLD.status = 'active' AND NEW.status = 'terminated' AND (
        OLD.effective_to IS NOT NULL OR NEW.effective_to IS NULL
        OR NEW.terminated_at IS NULL OR NEW.terminated_by_id IS NULL OR btrim(NEW.termination_reason) = ''
        OR OLD.terminated_at IS NOT NULL OR OLD.termination_reason <> ''
    ) THEN
        PERFORM agreements_refuse(format('version %s is terminated only through the termination, '
            'which records who, when and why', OLD.id));
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Rows of a version (TG_ARGV[0] names the column that points to the version): only while a draft.
CREATE OR REPLACE FUNCTION agreements_row_guard() RETURNS trigger AS $$
DECLARE
    status text;
    version_id bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        version_id := (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
        status := agreements_sealed_status(version_id);
        IF status IS NOT NULL THEN
            PERFORM agreements_refuse(format('version %s is %s: its %s rows are kept as they were sent or signed',
                version_id, status, TG_TABLE_NAME));
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        version_id := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
        status := agreements_sealed_status(version_id);
        IF status IS NOT NULL THEN
            PERFORM agreements_refuse(format('version %s is %s: no %s rows can be added to it',
                version_id, status, TG_TABLE_NAME));
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Signatures: recorded while in review, never changed, removed only by withdrawing (in review).
CREATE OR REPLACE FUNCTION agreements_signature_guard() RETURNS trigger AS $$
DECLARE
    status text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM agreements_refuse(format('signature %s cannot be changed', OLD.id));
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT v.status INTO status FROM agreements_agreementversion v WHERE v.id = NEW.version_id;
        IF status IS DISTINCT FROM 'in_review' THEN
            PERFORM agreements_refuse(format('version %s is %s: only a version sent for sign-off can be signed',
                NEW.version_id, coalesce(status, 'missing')));
        END IF;
        RETURN NEW;
    END IF;
    SELECT v.status INTO status FROM agreements_agreementversion v WHERE v.id = OLD.version_id;
    IF status IN ('active', 'superseded', 'terminated') THEN
        PERFORM agreements_refuse(format('version %s is %s: its signatures are kept for the record',
            OLD.version_id, status));
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

-- The agreement: its title and partner are what a sealed version shows.
CREATE OR REPLACE FUNCTION agreements_agreement_guard() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM agreements_agreementversion WHERE agreement_id = OLD.id AND status <> 'draft') THEN
        IF TG_OP = 'DELETE' THEN
            PERFORM agreements_refuse(format('agreement %s has been sent for sign-off and is kept for the record',
                OLD.id));
        ELSIF to_jsonb(NEW) IS DISTINCT FROM to_jsonb(OLD) THEN
            PERFORM agreements_refuse(format('agreement %s has been sent for sign-off: %s cannot change', OLD.id,
                array_to_string(agreements_changed_columns(to_jsonb(NEW), to_jsonb(OLD)), ', ')));
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- A KPI target a sealed version commits to changes only by a new row, which closes it (valid_to
-- earlier); who typed it may be blanked when that user is deleted.
CREATE OR REPLACE FUNCTION agreements_committed_target_guard() RETURNS trigger AS $$
DECLARE
    changed text[];
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM agreements_agreementversion_kpi_targets link
        JOIN agreements_agreementversion v ON v.id = link.agreementversion_id
        WHERE link.kpitarget_id = OLD.id AND v.status <> 'draft'
    ) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM agreements_refuse(format('KPI target %s is part of an agreement sent for sign-off or signed '
            'and is kept', OLD.id));
    END IF;
    changed := agreements_changed_columns(to_jsonb(NEW), to_jsonb(OLD));
    IF NOT changed <@ ARRAY['valid_to', 'created_by_id']
        OR ('created_by_id' = ANY (changed) AND NEW.created_by_id IS NOT NULL)
        OR ('valid_to' = ANY (changed) AND (NEW.valid_to IS NULL OR NEW.valid_to > coalesce(OLD.valid_to, NEW.valid_to)))
    THEN
        PERFORM agreements_refuse(format('KPI target %s is part of an agreement sent for sign-off or signed: '
            'set a new target instead (it can only be closed earlier)', OLD.id));
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER agreements_version_guard BEFORE INSERT OR UPDATE OR DELETE ON agreements_agreementversion
    FOR EACH ROW EXECUTE FUNCTION agreements_version_guard();
CREATE TRIGGER agreements_row_guard BEFORE INSERT OR UPDATE OR DELETE ON agreements_responsibility
    FOR EACH ROW EXECUTE FUNCTION agreements_row_guard('version_id');
CREATE TRIGGER agreements_row_guard BEFORE INSERT OR UPDATE OR DELETE ON agreements_channelrule
    FOR EACH ROW EXECUTE FUNCTION agreements_row_guard('version_id');
CREATE TRIGGER agreements_row_guard BEFORE INSERT OR UPDATE OR DELETE ON agreements_escalationstep
    FOR EACH ROW EXECUTE FUNCTION agreements_row_guard('version_id');
CREATE TRIGGER agreements_row_guard BEFORE INSERT OR UPDATE OR DELETE ON agreements_agreementversion_kpi_targets
    FOR EACH ROW EXECUTE FUNCTION agreements_row_guard('agreementversion_id');
CREATE TRIGGER agreements_signature_guard BEFORE INSERT OR UPDATE OR DELETE ON agreements_signature
    FOR EACH ROW EXECUTE FUNCTION agreements_signature_guard();
CREATE TRIGGER agreements_agreement_guard BEFORE UPDATE OR DELETE ON agreements_agreement
    FOR EACH ROW EXECUTE FUNCTION agreements_agreement_guard();
CREATE TRIGGER agreements_committed_target_guard BEFORE UPDATE OR DELETE ON kpis_kpitarget
    FOR EACH ROW EXECUTE FUNCTION agreements_committed_target_guard();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS agreements_version_guard ON agreements_agreementversion;
DROP TRIGGER IF EXISTS agreements_row_guard ON agreements_responsibility;
DROP TRIGGER IF EXISTS agreements_row_guard ON agreements_channelrule;
DROP TRIGGER IF EXISTS agreements_row_guard ON agreements_escalationstep;
DROP TRIGGER IF EXISTS agreements_row_guard ON agreements_agreementversion_kpi_targets;
DROP TRIGGER IF EXISTS agreements_signature_guard ON agreements_signature;
DROP TRIGGER IF EXISTS agreements_agreement_guard ON agreements_agreement;
DROP TRIGGER IF EXISTS agreements_committed_target_guard ON kpis_kpitarget;
DROP FUNCTION IF EXISTS agreements_version_guard();
DROP FUNCTION IF EXISTS agreements_row_guard();
DROP FUNCTION IF EXISTS agreements_signature_guard();
DROP FUNCTION IF EXISTS agreements_agreement_guard();
DROP FUNCTION IF EXISTS agreements_committed_target_guard();
DROP FUNCTION IF EXISTS agreements_changed_columns(jsonb, jsonb);
DROP FUNCTION IF EXISTS agreements_fully_signed(bigint);
DROP FUNCTION IF EXISTS agreements_sealed_status(bigint);
DROP FUNCTION IF EXISTS agreements_refuse(text);
"""


def create_triggers(apps, schema_editor):
    # PostgreSQL only: on SQLite (development, part of the tests) the model layer's guards hold alone.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS_SQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0001_initial'),
        ('kpis', '0004_rollup_without_db_constraints'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='agreement',
            options={'base_manager_name': 'objects', 'ordering': ['partner__name'], 'verbose_name': 'agreement', 'verbose_name_plural': 'agreements'},
        ),
        migrations.AlterModelOptions(
            name='agreementversion',
            options={'base_manager_name': 'objects', 'ordering': ['agreement', '-number'], 'verbose_name': 'agreement version', 'verbose_name_plural': 'agreement versions'},
        ),
        migrations.AlterModelOptions(
            name='channelrule',
            options={'base_manager_name': 'objects', 'ordering': ['topic', 'pk'], 'verbose_name': 'channel rule', 'verbose_name_plural': 'channel matrix'},
        ),
        migrations.AlterModelOptions(
            name='escalationstep',
            options={'base_manager_name': 'objects', 'ordering': ['level', 'pk'], 'verbose_name': 'escalation step', 'verbose_name_plural': 'escalation ladder'},
        ),
        migrations.AlterModelOptions(
            name='responsibility',
            options={'base_manager_name': 'objects', 'ordering': ['activity', 'party', 'pk'], 'verbose_name': 'responsibility', 'verbose_name_plural': 'responsibilities'},
        ),
        migrations.AlterModelOptions(
            name='signature',
            options={'base_manager_name': 'objects', 'ordering': ['signed_at'], 'verbose_name': 'signature', 'verbose_name_plural': 'signatures'},
        ),
        migrations.AlterField(
            model_name='agreementversion',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='agreementversion',
            name='sent_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='agreementversion',
            name='terminated_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        # The link table Django created for the plain many-to-many field becomes a model of its own
        # (same table, same columns), so its querysets and deletions can be guarded.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AgreementVersionKPITarget',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('agreementversion', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='agreements.agreementversion')),
                        ('kpitarget', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='kpis.kpitarget')),
                    ],
                    options={
                        'verbose_name': 'KPI target of a version',
                        'verbose_name_plural': 'KPI targets of versions',
                        'db_table': 'agreements_agreementversion_kpi_targets',
                        'base_manager_name': 'objects',
                        'unique_together': {('agreementversion', 'kpitarget')},
                    },
                ),
                migrations.AlterField(
                    model_name='agreementversion',
                    name='kpi_targets',
                    field=models.ManyToManyField(blank=True, help_text='The KPI targets this version commits to (shared targets of the partner).', related_name='agreement_versions', through='agreements.AgreementVersionKPITarget', to='kpis.kpitarget', verbose_name='KPI targets'),
                ),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
