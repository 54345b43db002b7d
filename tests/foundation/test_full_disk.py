"""A full media disk: the upload is refused with a clear message, leaves no file, changes nothing,
and the next upload that fits works (tests through the real upload pages)."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relations.models import CaseFile, EngagementFile
from tests.foundation.small_disk import small_disk_fixture  # noqa: F401 - the small_disk fixture
from tests.relations import helpers

pytestmark = pytest.mark.django_db

FULL_EN = "The file was not saved: the server's file storage is full."
FULL_DA = "Filen blev ikke gemt: serverens fillager er fuldt."


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_case_file_on_a_full_disk_is_refused_leaves_nothing_and_the_next_small_one_works(world, client_as, small_disk):
    case = helpers.case(world, world.partner_a)
    client = client_as(world.a_manager)
    url = reverse("relations:case_file_upload", args=[case.pk])

    response = client.post(url, {"file": SimpleUploadedFile("big.txt", b"x" * 100_000)}, follow=True)

    assert response.status_code == 200
    assert any(m.startswith(FULL_EN) for m in _messages(response)), _messages(response)
    assert not CaseFile.objects.exists()
    assert small_disk.files() == [], "the partly written file must be removed"

    response = client.post(url, {"file": SimpleUploadedFile("small.txt", b"y" * 10_000)}, follow=True)
    assert "The file was attached." in _messages(response)
    attachment = CaseFile.objects.get()
    assert attachment.file.read() == b"y" * 10_000
    assert [p.name for p in small_disk.files()] == ["small.txt"]


def test_engagement_file_on_a_full_disk_tells_a_danish_user_in_danish(world, client_as, small_disk):
    engagement = helpers.engagement(world, world.partner_a)
    world.manager.language = "da"
    world.manager.save(update_fields=["language"])
    client = client_as(world.manager)
    url = reverse("relations:engagement_file_upload", args=[engagement.pk])

    response = client.post(url, {"file": SimpleUploadedFile("referat.pdf", b"%PDF-" + b"x" * 80_000)}, follow=True)

    assert any(m.startswith(FULL_DA) for m in _messages(response)), _messages(response)
    assert not EngagementFile.objects.exists()
    assert small_disk.files() == []
    client.post(url, {"file": SimpleUploadedFile("referat.pdf", b"%PDF-" + b"x" * 5_000)})
    assert EngagementFile.objects.get().size == 5_005


def test_api_case_file_on_a_full_disk_answers_400_with_the_reason(world, client_as, small_disk):
    case = helpers.case(world, world.partner_a)
    client = client_as(world.a_manager)
    response = client.post(
        reverse("api:case-attach-file", args=[case.pk]),
        {"file": SimpleUploadedFile("big.txt", b"x" * 100_000)},
    )
    assert response.status_code == 400
    assert FULL_EN in str(response.json())
    assert not CaseFile.objects.exists()
    assert small_disk.files() == []


def test_kpi_import_preview_on_a_full_disk_is_a_form_error_and_keeps_no_file(world, client_as, small_disk):
    from tests.kpis.helpers import setup_partner

    setup_partner(world.partner_a)
    client = client_as(world.manager)
    header = "partner;kpi;period_start;site;value;numerator;denominator;sample_size\n"
    line = f"{world.partner_a.pk};error-rate;2025-03-03;ALFA1;;3;200;\n"
    first = date(2021, 1, 1)
    rows = "".join(  # ~65 KB of valid rows: more than the disk has room for
        f"{world.partner_a.pk};error-rate;{first + timedelta(days=i)};ALFA1;;3;200;\n" for i in range(1300)
    )
    big = (header + rows).encode()

    response = client.post(reverse("kpis:import"), {"file": SimpleUploadedFile("m.csv", big)})

    assert response.status_code == 200
    assert any(e.startswith(FULL_EN) for e in response.context["form"].errors["file"])
    assert response.context.get("token") is None
    assert "kpi_import" not in client.session
    assert small_disk.files() == []

    preview = client.post(reverse("kpis:import"), {"file": SimpleUploadedFile("m.csv", (header + line).encode())})
    assert preview.context["token"] and preview.context["problems"] == []
    done = client.post(reverse("kpis:import"), {"confirm": "1", "token": preview.context["token"]})
    assert done.status_code == 302
    assert small_disk.files() == [], "the confirmed preview file is removed"
