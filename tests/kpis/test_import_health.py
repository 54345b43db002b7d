"""Bulk imports of measurements refresh the stored health score as the API's posts do (issue 16).

The import page (CSV and XLSX) and the bulk loader (`kpis_load_csv`, both its paths) write
measurements; the partner's health snapshot of the month must show the new figure right after the
commit, not only after the daily task or a press on Recompute."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from partnerportal.celery import app as celery_app
from relations import health
from relations.models import Case, HealthSnapshot
from tests.conftest import client_for
from tests.kpis.helpers import measure, setup_partner
from tests.relations import helpers

pytestmark = pytest.mark.django_db

HEADER = ["partner", "kpi", "period_kind", "period_start", "site", "value", "numerator", "denominator", "sample_size"]


@pytest.fixture(autouse=True)
def eager_tasks():
    """The Celery task the receivers queue on commit runs in-process here."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _off_target_rows(world):
    """Today's error rate far off target: the KPI part of the score moves."""
    return [[world.partner_a.pk, "error-rate", "day", timezone.localdate().isoformat(), "", "", 5, 100, ""]]


def _stored_baseline(world):
    setup_partner(world.partner_a)
    case = helpers.case(world, world.partner_a)
    Case.objects.filter(pk=case.pk).update(raised_at=timezone.now() - timedelta(days=40))
    return health.snapshot(world.partner_a, timezone.localdate()).score


def _assert_snapshot_is_fresh(world, before):
    today = timezone.localdate()
    live = health.compute(world.partner_a, today)[0]
    assert live != before, "the import must move the score, else this test proves nothing"
    stored = HealthSnapshot.objects.get(partner=world.partner_a, month=health.month_start(today))
    assert stored.score == live


def _csv(rows) -> bytes:
    lines = [",".join(HEADER), *(",".join(str(v) for v in row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def _xlsx(rows) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_import_page_refreshes_the_health_snapshot(world, kind, django_capture_on_commit_callbacks):
    before = _stored_baseline(world)
    content = (_csv if kind == "csv" else _xlsx)(_off_target_rows(world))
    client = client_for(world.manager)
    preview = client.post(reverse("kpis:import"), {"file": SimpleUploadedFile(f"m.{kind}", content)})
    assert not preview.context["problems"], preview.context["problems"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("kpis:import"), {"confirm": "1", "token": preview.context["token"]})
    assert response.status_code == 302
    _assert_snapshot_is_fresh(world, before)


@pytest.mark.parametrize("path", ["new rows", "checked"])
def test_the_bulk_loader_refreshes_the_health_snapshot(world, tmp_path, path, django_capture_on_commit_callbacks):
    before = _stored_baseline(world)
    if path == "checked":  # a stored row of the same day: the loader takes its checking (upsert) path
        with django_capture_on_commit_callbacks(execute=True):
            measure(world.partner_a, "error-rate", timezone.localdate(), numerator=0, denominator=100)
        before = health.snapshot(world.partner_a, timezone.localdate()).score
    file = tmp_path / "load.csv"
    file.write_bytes(_csv(_off_target_rows(world)))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("kpis_load_csv", str(file), "--quiet-progress")
    _assert_snapshot_is_fresh(world, before)
