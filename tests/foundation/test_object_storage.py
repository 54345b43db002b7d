"""Uploads go to S3-compatible object storage when S3_BUCKET is set, and to MEDIA_ROOT otherwise.

On the object storage (moto's in-process S3 here) the portal's uses of the files behave as on the
disk: case evidence is private and downloads through the portal's view, two files of one name stay
two files, a KPI import preview is confirmed and then gone, and the cleanup of abandoned previews
lists and dates the objects. (tests/foundation/test_two_instances.py runs two gunicorn instances
against one such storage.)
"""

import runpy
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import mock_aws

from kpis import importing
from kpis.models import Measurement
from partnerportal.uploads import UploadStorage
from relations.models import CaseFile
from tests.kpis.helpers import setup_partner
from tests.relations import helpers

ROOT = Path(__file__).resolve().parents[2]
S3_VARIABLES = (
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_DEFAULT_ACL",
    "S3_ADDRESSING_STYLE",
)
BUCKET = "portal-test-uploads"


def _dotenv_sets_s3() -> bool:
    dotenv = ROOT / ".env"
    return dotenv.exists() and any(line.strip().startswith("S3_") for line in dotenv.read_text().splitlines())


def _settings(monkeypatch, **env) -> dict:
    """The production settings module, run afresh with `env` (and no other S3_ variable)."""
    if _dotenv_sets_s3():
        pytest.skip("a local .env sets S3_ variables")
    for name in S3_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "partnerportal" / "settings.py"))


# --- which storage ---------------------------------------------------------------------------------


def test_without_a_bucket_uploads_stay_on_the_local_disk(monkeypatch, tmp_path):
    config = _settings(monkeypatch, MEDIA_ROOT=str(tmp_path))
    assert config["STORAGES"]["default"] == {"BACKEND": "partnerportal.uploads.UploadStorage"}
    assert config["MEDIA_ROOT"] == tmp_path


def test_with_a_bucket_uploads_go_to_private_object_storage(monkeypatch):
    config = _settings(
        monkeypatch,
        S3_BUCKET="portal-uploads",
        S3_ENDPOINT_URL="http://minio:9000",
        S3_REGION="eu-north-1",
        S3_ACCESS_KEY_ID="key-id",
        S3_SECRET_ACCESS_KEY="secret",
    )
    default = config["STORAGES"]["default"]
    assert default["BACKEND"] == "partnerportal.object_storage.ObjectStorage"
    storage = storages.create_storage(default)
    assert storage.bucket_name == "portal-uploads"
    assert storage.endpoint_url == "http://minio:9000"
    assert storage.region_name == "eu-north-1"
    assert (storage.access_key, storage.secret_key) == ("key-id", "secret")
    assert storage.default_acl == "private"
    assert storage.file_overwrite is False  # two uploads of one name are two files, as on the disk
    assert storage.querystring_auth is True  # never an unsigned public URL
    assert storage.client_config.s3["addressing_style"] == "path"  # a custom endpoint (MinIO)


def test_on_aws_the_credentials_and_the_acl_may_come_from_elsewhere(monkeypatch):
    config = _settings(monkeypatch, S3_BUCKET="portal-uploads", S3_DEFAULT_ACL="")
    storage = storages.create_storage(config["STORAGES"]["default"])
    assert storage.access_key is None and storage.secret_key is None  # boto3's chain: role, environment
    assert storage.endpoint_url is None
    assert storage.default_acl is None  # a bucket with ACLs disabled refuses any ACL header
    assert storage.client_config.s3["addressing_style"] is None  # boto3's choice on AWS


def test_the_test_settings_use_the_local_disk():
    assert type(storages["default"]) is UploadStorage


# --- the portal on object storage ------------------------------------------------------------------


@pytest.fixture
def s3(settings):
    """The default storage is an ObjectStorage on a moto bucket; yields the boto3 client."""
    import boto3

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "partnerportal.object_storage.ObjectStorage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "us-east-1",
                    "access_key": "testing",
                    "secret_key": "testing",
                },
            },
        }
        yield client


def _keys(client, prefix="") -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def test_case_evidence_is_a_private_object_downloaded_through_the_view(world, client_as, s3):
    case = helpers.case(world, world.partner_a)
    upload_url = reverse("relations:case_file_upload", args=[case.pk])
    content = b"%PDF-1.4 " + bytes(range(256)) * 40
    for _ in range(2):
        client_as(world.a_manager).post(upload_url, {"file": SimpleUploadedFile("report.pdf", content)})
    first, second = CaseFile.objects.order_by("pk")
    assert first.file.name != second.file.name  # not overwritten
    keys = _keys(s3, f"private/relations/cases/{case.pk}/")
    assert keys == sorted([first.file.name, second.file.name])
    grants = s3.get_object_acl(Bucket=BUCKET, Key=keys[0])["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"] and grants[0]["Grantee"]["Type"] == "CanonicalUser"

    response = client_as(world.a_viewer).get(reverse("relations:case_file", args=[first.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment")
    assert client_as(world.b_manager).get(reverse("relations:case_file", args=[first.pk])).status_code == 404


def test_an_engagement_file_is_stored_in_the_bucket_and_downloaded_through_the_view(world, client_as, s3):
    from relations import services

    engagement = helpers.engagement(world, world.partner_a)
    upload = SimpleUploadedFile("agenda.txt", b"Agenda\n1. Damaged pallets\n", content_type="text/plain")
    attachment = services.engagement_attach_file(user=world.manager, engagement=engagement, uploaded=upload)
    assert _keys(s3, "private/relations/engagements/") == [attachment.file.name]
    response = client_as(world.a_viewer).get(reverse("relations:engagement_file", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Agenda\n1. Damaged pallets\n"
    assert client_as(world.b_manager).get(reverse("relations:engagement_file", args=[attachment.pk])).status_code == 404


def test_a_kpi_import_preview_waits_in_the_bucket_until_confirmed(world, client_as, s3):
    setup_partner(world.partner_a)
    client = client_as(world.manager)
    csv = f"partner,kpi,period_start,numerator,denominator\n{world.partner_a.pk},error-rate,2025-03-03,1,100\n"
    preview = client.post(reverse("kpis:import"), {"file": SimpleUploadedFile("m.csv", csv.encode())})
    token = preview.context["token"]
    assert _keys(s3, "kpi-imports/") == [f"kpi-imports/{token}"]
    client.post(reverse("kpis:import"), {"confirm": "1", "token": token})
    assert Measurement.objects.count() == 1
    assert _keys(s3, "kpi-imports/") == []
    assert importing.preview_read(token) is None  # gone: "the preview has expired"


def test_abandoned_previews_are_removed_from_the_bucket_by_age(s3):
    old = importing.preview_save(b"kpi,period_start\n")
    recent = importing.preview_save(b"kpi,period_start\n")
    default_storage.save("kpi-imports/not-a-preview.txt", ContentFile(b"x"))  # only previews are touched
    assert importing.remove_abandoned_previews() == 0  # none is an hour old yet
    assert importing.preview_read(old) == b"kpi,period_start\n"

    in_two_hours = time.time() + 2 * 3600
    importing.preview_delete(recent)  # confirmed meanwhile
    assert importing.remove_abandoned_previews(now=in_two_hours) == 1
    assert _keys(s3, "kpi-imports/") == ["kpi-imports/not-a-preview.txt"]
    with pytest.raises(FileNotFoundError):  # as on the disk, for a cleanup racing a confirmation
        default_storage.get_modified_time(f"kpi-imports/{old}")
