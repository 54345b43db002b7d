"""The import page refuses files that are slightly wrong, names the line of the file as a person
counts it, stops reading at the row limit, and leaves no preview file behind."""

import io
import os
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis import importing, tasks
from kpis.models import Measurement
from tests.kpis.helpers import setup_partner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media" / "kpi-imports"


def _upload(client, content: bytes, name="m.csv"):
    return client.post(reverse("kpis:import"), {"file": SimpleUploadedFile(name, content)})


def _problems(response) -> dict[int, str]:
    """line -> the messages of that line."""
    return {p["line"]: " ".join(p["errors"].values()) for p in response.context["problems"]}


def _previews(media) -> list[str]:
    return sorted(os.listdir(media)) if media.exists() else []


# --- slightly wrong files ------------------------------------------------------------------------


def test_a_row_with_more_fields_than_the_header_is_refused_with_its_line(world, client_as):
    """`12,5` in a comma file is two fields: value 12 and sample size 5 (and 40 dropped) - refused."""
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    csv_text = (
        "partner,kpi,period_start,value,sample_size\n"
        f"{p},delivery-time,2025-03-03,20,40\n"
        f"{p},delivery-time,2025-03-04,12,5,40\n"
    )
    preview = _upload(client_as(world.manager), csv_text.encode())
    problems = _problems(preview)
    assert list(problems) == [3]
    assert "line 3 has 6 fields" in problems[3] and "header has 5" in problems[3]
    assert "12.5" in problems[3]  # the hint: a decimal point or quotes in a comma file
    assert b"confirm-import" not in preview.content
    assert not Measurement.objects.exists()


def test_trailing_empty_fields_are_not_extra_fields(world, client_as):
    setup_partner(world.partner_a)
    csv_text = f"partner,kpi,period_start,numerator,denominator\n{world.partner_a.pk},error-rate,2025-03-03,1,100,,\n"
    preview = _upload(client_as(world.manager), csv_text.encode())
    assert preview.context["problems"] == []


def test_errors_name_the_file_line_after_blank_lines_and_quoted_line_breaks(world, client_as):
    setup_partner(world.partner_a)
    p = world.partner_a.pk
    csv_text = (
        "partner,kpi,period_start,numerator,denominator\n"  # line 1
        "\n"  # line 2
        f'"{p}",error-rate,2025-03-03,1,100\n'  # line 3
        f'"{p}","error-\nrate",2025-03-04,1,100\n'  # lines 4-5: a quoted field over two lines
        "\n\n"  # lines 6-7
        f"{p},error-rate,2025-03-05,1,0\n"  # line 8: denominator zero
        f"{p},error-rate,2025-03-03,1,100\n"  # line 9: the same as line 3
    )
    preview = _upload(client_as(world.manager), csv_text.encode())
    problems = _problems(preview)
    assert sorted(problems) == [4, 8, 9]
    assert "Unknown KPI code" in problems[4]
    assert "zero" in problems[8]
    assert "also in row 3" in problems[9]
    rows = [item.line for item in preview.context["items"]]
    assert rows == [3, 4, 8, 9]
    html = preview.content.decode()
    assert '<td class="import-line">8</td>' in html


def test_the_same_row_twice_points_at_the_first_data_row_not_the_header(world, client_as):
    setup_partner(world.partner_a)
    line = f"{world.partner_a.pk},error-rate,2025-03-03,1,100\n"
    preview = _upload(
        client_as(world.manager), ("partner,kpi,period_start,numerator,denominator\n" + line * 2).encode()
    )
    assert _problems(preview) == {3: "The same partner, KPI, period and site appear twice (also in row 2)."}


def test_xlsx_rows_are_named_by_their_sheet_row(world, client_as):
    import openpyxl

    setup_partner(world.partner_a)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["partner", "kpi", "period_start", "numerator", "denominator"])
    sheet.append([world.partner_a.pk, "error-rate", "2025-03-03", 1, 100])
    sheet.append([])
    sheet.append([world.partner_a.pk, "error-rate", "2025-03-04", 1, 0, "extra"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = _upload(client_as(world.manager), buffer.getvalue(), "m.xlsx")
    problems = _problems(preview)
    assert list(problems) == [4] and "line 4 has 6 fields" in problems[4]


def test_a_header_that_does_not_match_names_the_separator(world, client_as):
    response = _upload(client_as(world.manager), b"kpi|period_start|value\nerror-rate|2025-03-03|1\n")
    message = " ".join(response.context["form"].errors["file"])
    assert "lacks the column" in message and "separator" in message and "“,”" in message


def _xlsx_with_rows(rows: int) -> bytes:
    """A minimal workbook of `rows` rows written straight as XML (openpyxl would take seconds)."""
    body = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{"kpi" if r == 1 else "x"}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>{"period_start" if r == 1 else "2025-01-01"}</t></is></c></row>'
        for r in range(1, rows + 1)
    )
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><dimension ref="A1:B{rows}"/><sheetData>{body}</sheetData></worksheet>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_an_xlsx_over_the_row_limit_is_refused_quickly(world, client_as):
    """Reading stops at the limit: a 300,000-row sheet is refused in about the time it takes to read
    50,000 rows (before, the whole sheet was read first: 15 s and 85 MB of worker memory)."""
    big = _xlsx_with_rows(300_000)
    assert len(big) < importing.MAX_UPLOAD_BYTES
    response = _upload(client_as(world.manager), big, "big.xlsx")
    assert "more than 50000 rows" in " ".join(response.context["form"].errors["file"])

    def seconds(read):
        started = time.perf_counter()
        read()
        return time.perf_counter() - started

    at_limit = _xlsx_with_rows(importing.MAX_ROWS + 1)  # the header and exactly MAX_ROWS rows: read in full
    reference = seconds(lambda: importing.read_rows(at_limit, "limit.xlsx"))
    refused = seconds(lambda: pytest.raises(importing.FileError, importing.read_rows, big, "big.xlsx"))
    # Reading the whole sheet would take six times as long as the reference; the machine may be busy.
    assert refused < 2 * reference + 0.5, (refused, reference)


def test_a_csv_over_the_row_limit_is_refused(world, client_as):
    content = b"kpi,period_start\n" + b"x,2025-01-01\n" * (importing.MAX_ROWS + 1)
    response = _upload(client_as(world.manager), content)
    assert "more than 50000 rows" in " ".join(response.context["form"].errors["file"])


# --- preview files ---------------------------------------------------------------------------------


def _good_csv(world):
    return (
        f"partner,kpi,period_start,numerator,denominator\n{world.partner_a.pk},error-rate,2025-03-03,1,100\n".encode()
    )


def test_a_refused_preview_leaves_no_file(world, client_as, media):
    setup_partner(world.partner_a)
    client = client_as(world.manager)
    bad = f"partner,kpi,period_start,numerator,denominator\n{world.partner_a.pk},error-rate,2025-03-03,1,0\n"
    preview = _upload(client, bad.encode())
    assert preview.context["problems"] and _previews(media) == []
    _upload(client, b"foo,bar\n1,2\n")  # a file refused as a whole
    assert _previews(media) == []


def test_a_confirmed_import_deletes_its_preview(world, client_as, media):
    setup_partner(world.partner_a)
    client = client_as(world.manager)
    preview = _upload(client, _good_csv(world))
    assert _previews(media) == [preview.context["token"]]
    client.post(reverse("kpis:import"), {"confirm": "1", "token": preview.context["token"]})
    assert Measurement.objects.count() == 1
    assert _previews(media) == []


def test_a_preview_refused_at_confirm_is_deleted(world, client_as, media):
    error, *_ = setup_partner(world.partner_a)
    client = client_as(world.manager)
    preview = _upload(client, _good_csv(world))
    error.delete()  # meanwhile the KPI is no longer assigned: the confirm refuses the file
    response = client.post(reverse("kpis:import"), {"confirm": "1", "token": preview.context["token"]})
    assert response.context["problems"]
    assert not Measurement.objects.exists()
    assert _previews(media) == []


def test_a_cancelled_preview_is_deleted(world, client_as, media):
    setup_partner(world.partner_a)
    client = client_as(world.manager)
    preview = _upload(client, _good_csv(world))
    assert b'name="cancel"' in preview.content
    other = client_as(world.admin)  # another session cannot cancel it
    other.post(reverse("kpis:import"), {"cancel": "1", "token": preview.context["token"]})
    assert _previews(media) == [preview.context["token"]]
    response = client.post(reverse("kpis:import"), {"cancel": "1", "token": preview.context["token"]})
    assert response.status_code == 302
    assert _previews(media) == []
    assert not Measurement.objects.exists()


def test_a_new_upload_replaces_the_earlier_preview(world, client_as, media):
    setup_partner(world.partner_a)
    client = client_as(world.manager)
    _upload(client, _good_csv(world))
    second = _upload(client, _good_csv(world))
    assert _previews(media) == [second.context["token"]]


def test_abandoned_previews_are_removed_by_age(world, client_as, media):
    setup_partner(world.partner_a)
    old = _upload(client_as(world.manager), _good_csv(world)).context["token"]
    recent = _upload(client_as(world.admin), _good_csv(world)).context["token"]
    two_hours_ago = time.time() - 2 * 3600
    os.utime(media / old, (two_hours_ago, two_hours_ago))
    stray = media / "not-a-preview.txt"  # only preview files are touched
    stray.write_text("x")
    os.utime(stray, (two_hours_ago, two_hours_ago))
    assert tasks.remove_abandoned_import_previews() == 1
    assert _previews(media) == sorted([recent, "not-a-preview.txt"])
    # A run after a long pause removes everything old enough, however many ticks were missed.
    for token in (recent,):
        os.utime(media / token, (two_hours_ago - 86400, two_hours_ago - 86400))
    assert tasks.remove_abandoned_import_previews() == 1
    assert tasks.remove_abandoned_import_previews() == 0


def test_preview_cleanup_is_in_the_beat_schedule():
    from partnerportal import schedule
    from partnerportal.celery import app

    specs = {spec.task: spec for spec in schedule.registered()}
    spec = specs["kpis.tasks.remove_abandoned_import_previews"]
    assert spec.every_seconds <= 3600
    app.loader.import_default_modules()
    assert "kpis.tasks.remove_abandoned_import_previews" in app.tasks
