"""Reading measurements from CSV / XLSX files and API payloads into `MeasurementInput`s.

Accepts the Danish style too: `;` as separator and `12,5` as a decimal (the separator is sniffed
from the header line). In a `;` file a dot between groups of three digits is a thousands
separator, as Danish number formats write it (`12.000` is twelve thousand, `1.234,5`).
Text is read as UTF-8 (with or without BOM), falling back to Windows-1252 (what Excel in
Denmark writes); anything else is refused with a clear message.
"""

from __future__ import annotations

import csv
import io
import re
import time
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from partnerportal import uploads

from . import rules
from .columns import COLUMNS, NUMBER_COLUMNS
from .rules import parse_date, parse_number  # noqa: F401 - the readers' names since before rules.py
from .services import MeasurementInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
ALIASES = {
    "partner_id": "partner",
    "kpi_code": "kpi",
    "code": "kpi",
    "period": "period_start",
    "date": "period_start",
    "dato": "period_start",
    "site_code": "site",
    "count": "sample_size",
    "n": "sample_size",
}


# 12.000 / 1.234.567 / 1.234,5 — dots between groups of three digits, optional decimal comma.
DANISH_THOUSANDS = re.compile(r"[-+]?[1-9]\d{0,2}(\.\d{3})+(,\d*)?")
SEPARATOR_NAMES = {",": "“,”", ";": "“;”", "\t": "tab"}


class FileError(Exception):
    """The file as a whole cannot be read (empty, too big, wrong encoding, not a spreadsheet)."""


def decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise FileError(_("The file could not be read as text. Save it as CSV (UTF-8) or XLSX."))


def read_rows(content: bytes, filename: str) -> list[dict]:
    """Rows as dicts with canonical column names; raises FileError for a file that can't be used.

    Each row carries `_line`, its line in the file as a person counts it (the header is line 1; blank
    lines and line breaks inside quoted fields count; in a workbook, the sheet's row number), and
    `_error` when it has more fields than the header: with a comma as separator, `12,5` is two fields,
    never read as 12 and 5 in two columns.
    """
    if not content:
        raise FileError(_("The file is empty."))
    if len(content) > MAX_UPLOAD_BYTES:
        raise FileError(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    delimiter = None
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        records = _read_xlsx(content)
    else:
        records, delimiter = _read_csv(decode(content))
    try:
        rows = _rows(records, delimiter)
    finally:
        records.close()  # stops reading (and closes a workbook) at the row limit or a bad header
    if delimiter == ";":
        for row in rows:
            for name in NUMBER_COLUMNS:
                if isinstance(row.get(name), str) and DANISH_THOUSANDS.fullmatch(row[name].strip()):
                    row[name] = row[name].strip().replace(".", "")
    return rows


def _blank(record) -> bool:
    return not any(str(v).strip() for v in record if v is not None)


def _rows(records, delimiter) -> list[dict]:
    """Read (line, record) pairs into row dicts, stopping as soon as there are more than MAX_ROWS."""
    header = None
    for _line, record in records:
        if not _blank(record):
            header = [ALIASES.get(_norm(h), _norm(h)) for h in record]
            break
    if header is None:
        raise FileError(_("The file is empty."))
    while header and header[-1] == "":  # empty cells after the last column name
        header.pop()
    missing = [c for c in ("kpi", "period_start") if c not in header]
    if missing:
        message = _("The header row lacks the column(s) %(cols)s. Expected columns: %(all)s.") % {
            "cols": ", ".join(missing),
            "all": ", ".join(COLUMNS),
        }
        if delimiter is not None:
            message += " " + _("The file was read with %(sep)s as separator.") % {"sep": SEPARATOR_NAMES[delimiter]}
        raise FileError(message)
    width = len(header)
    columns = [(i, h) for i, h in enumerate(header) if h in COLUMNS]
    rows = []
    for line, record in records:
        if _blank(record):
            continue
        if len(rows) == MAX_ROWS:
            raise FileError(_("The file has more than %(n)s rows. Split it into smaller files.") % {"n": MAX_ROWS})
        row = {h: (record[i] if i < len(record) else None) for i, h in columns}
        row["_line"] = line
        if any(v is not None and str(v).strip() for v in record[width:]):
            error = _("Too many fields: line %(line)s has %(n)s fields, but the header has %(m)s.") % {
                "line": line,
                "n": len(record),
                "m": width,
            }
            if delimiter == ",":
                error += " " + _("With a comma as separator, write a decimal as 12.5 or in quotes (“12,5”).")
            row["_error"] = error
        rows.append(row)
    if not rows:
        raise FileError(_("The file has a header row but no measurements."))
    return rows


def _norm(value) -> str:
    return str(value or "").strip().lower().replace(" ", "_").replace("-", "_")


def _read_csv(text: str):
    """(a generator of (first line of the record, record), the separator sniffed from the header line)."""
    first_line = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if "\t" in first_line and first_line.count("\t") > max(first_line.count(";"), first_line.count(",")):
        delimiter = "\t"

    def records():
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        line = 1
        for record in reader:
            yield line, record
            line = reader.line_num + 1

    return records(), delimiter


def _read_xlsx(content: bytes):
    """A generator of (sheet row number, values), streamed: the workbook is read only as far as needed."""
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except (BadZipFile, KeyError, OSError, ValueError, IndexError) as exc:
        raise FileError(_("The file is not a valid XLSX workbook.")) from exc
    sheet.reset_dimensions()  # rows as written, not padded to a (possibly huge) declared width

    def records():
        try:
            # Missing rows come as empty ones, so the count is the sheet's row number.
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except (BadZipFile, KeyError, OSError, ValueError) as exc:
            raise FileError(_("The file is not a valid XLSX workbook.")) from exc
        finally:
            workbook.close()

    return records()


def build_items(rows: list[dict], *, user, default_partner=None) -> list[MeasurementInput]:
    """Turn rows into MeasurementInputs; rows that cannot be parsed carry their errors (item.errors).

    Partners, KPIs and sites are looked up as `rules.References` says (within what the user may see);
    `item.line` is the row's line in the file (None for an API payload).
    """
    rows = list(rows)
    references = rules.References(user, rows=rows)
    labels = (  # translated once, not per row
        ("value", _("value")),
        ("numerator", _("numerator")),
        ("denominator", _("denominator")),
        ("sample_size", _("sample size")),
    )
    items = []
    for row in rows:
        errors = {}
        if row.get("_error"):
            errors["row"] = row["_error"]
        partner = default_partner
        raw_partner = row.get("partner")
        if raw_partner not in (None, ""):
            try:
                partner = references.partner(raw_partner)
            except ValueError as exc:
                partner = None
                errors["partner"] = str(exc)
        elif partner is None:
            errors["partner"] = _("The partner is missing.")
        kpi = None
        try:
            kpi = references.kpi(row.get("kpi"))
        except ValueError as exc:
            errors["kpi"] = str(exc)
        try:
            kind = rules.parse_period_kind(row.get("period_kind"))
        except ValueError as exc:
            kind = str(row.get("period_kind"))
            errors["period_kind"] = str(exc)
        period_start = None
        try:
            period_start = parse_date(row.get("period_start"))
        except ValueError as exc:
            errors["period_start"] = str(exc)
        site = None
        raw_site = row.get("site")
        if raw_site not in (None, ""):
            try:
                site = references.site(raw_site)
            except ValueError as exc:
                errors["site"] = str(exc)
        numbers = {}
        for name, label in labels:
            try:
                numbers[name] = parse_number(row.get(name), field_label=label)
            except ValueError as exc:
                errors[name] = str(exc)
                numbers[name] = None
        item = MeasurementInput(
            partner=partner,
            kpi=kpi,
            period_kind=kind,
            period_start=period_start,
            site=site,
            **numbers,
        )
        item.errors = errors
        item.line = row.get("_line")
        item.raw = {c: row.get(c) if row.get(c) is not None else "" for c in COLUMNS}
        items.append(item)
    return items


# --- preview files ---------------------------------------------------------------------------------
# A file that previewed without errors waits in kpi-imports/<token> of the default storage (MEDIA_ROOT,
# or the object storage that all web processes share, so that any of them can confirm it).
# It is deleted when the import is confirmed, refused at confirmation or cancelled, or replaced by the
# next upload of the same session; the periodic task removes previews abandoned for longer than
# PREVIEW_MAX_AGE (by their age, so a run after a pause catches up on everything old enough).

PREVIEW_MAX_AGE = 3600  # seconds
PREVIEW_TOKEN = re.compile(r"[0-9a-f]{32}")


PREVIEW_DIR = "kpi-imports"  # in the default storage (the media disk, or object storage)


def _preview_name(token) -> str | None:
    """The preview file of a token, or None for something that is not a token."""
    if not isinstance(token, str) or not PREVIEW_TOKEN.fullmatch(token):
        return None
    return f"{PREVIEW_DIR}/{token}"


def preview_save(content: bytes) -> str:
    """Keep an uploaded file until it is confirmed; UploadNotSaved (nothing kept) when storage fails."""
    token = uuid.uuid4().hex
    uploads.store(default_storage, _preview_name(token), ContentFile(content))
    return token


def preview_read(token) -> bytes | None:
    name = _preview_name(token)
    if name is None:
        return None
    try:  # one request to object storage, and no gap between "exists" and "open"
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    except FileNotFoundError:  # expired and removed, or confirmed in another tab
        return None


def preview_delete(token) -> None:
    name = _preview_name(token)
    if name is not None:
        default_storage.delete(name)


def remove_abandoned_previews(*, max_age: float = PREVIEW_MAX_AGE, now: float | None = None) -> int:
    """Delete preview files older than `max_age` seconds; returns how many were deleted."""
    cutoff = (time.time() if now is None else now) - max_age
    removed = 0
    try:
        _dirs, names = default_storage.listdir(PREVIEW_DIR)
    except FileNotFoundError:
        return 0
    for name in names:
        if not PREVIEW_TOKEN.fullmatch(name):
            continue
        path = f"{PREVIEW_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path).timestamp() < cutoff:
                default_storage.delete(path)
                removed += 1
        except FileNotFoundError:  # confirmed or cancelled meanwhile
            continue
    return removed
