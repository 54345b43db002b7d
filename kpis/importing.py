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
from datetime import date, datetime

from django.utils.translation import gettext as _

from partnerportal import policy
from partners.models import Organization, Site

from . import selectors
from .models import KPIDefinition, PeriodKind
from .services import MeasurementInput, unknown_kpi_code

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
COLUMNS = ["partner", "kpi", "period_kind", "period_start", "site", "value", "numerator", "denominator", "sample_size"]
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


NUMBER_COLUMNS = ("value", "numerator", "denominator", "sample_size")
# 12.000 / 1.234.567 / 1.234,5 — dots between groups of three digits, optional decimal comma.
DANISH_THOUSANDS = re.compile(r"[-+]?[1-9]\d{0,2}(\.\d{3})+(,\d*)?")


class FileError(Exception):
    """The file as a whole cannot be read (empty, too big, wrong encoding, not a spreadsheet)."""


def parse_number(raw, *, field_label: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if text == "":
        return None
    if "," in text and "." in text:
        # 1.234,5 (Danish) or 1,234.5 (English): the last separator is the decimal one.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text):
        raise ValueError(_("“%(raw)s” is not a number (%(field)s).") % {"raw": raw, "field": field_label})
    return float(text)


def parse_date(raw) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("“%(raw)s” is not a date (use YYYY-MM-DD).") % {"raw": text})


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
    """Rows as dicts with canonical column names; raises FileError for a file that can't be used."""
    if not content:
        raise FileError(_("The file is empty."))
    if len(content) > MAX_UPLOAD_BYTES:
        raise FileError(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    danish = False
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        records = _read_xlsx(content)
    else:
        records, delimiter = _read_csv(decode(content))
        danish = delimiter == ";"
    records = [r for r in records if any(str(v).strip() for v in r if v is not None)]
    if not records:
        raise FileError(_("The file is empty."))
    header = [ALIASES.get(_norm(h), _norm(h)) for h in records[0]]
    missing = [c for c in ("kpi", "period_start") if c not in header]
    if missing:
        raise FileError(
            _("The header row lacks the column(s) %(cols)s. Expected columns: %(all)s.")
            % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)}
        )
    rows = []
    for record in records[1:]:
        rows.append({h: (record[i] if i < len(record) else None) for i, h in enumerate(header) if h in COLUMNS})
    if danish:
        for row in rows:
            for name in NUMBER_COLUMNS:
                if isinstance(row.get(name), str) and DANISH_THOUSANDS.fullmatch(row[name].strip()):
                    row[name] = row[name].strip().replace(".", "")
    if not rows:
        raise FileError(_("The file has a header row but no measurements."))
    if len(rows) > MAX_ROWS:
        raise FileError(_("The file has more than %(n)s rows. Split it into smaller files.") % {"n": MAX_ROWS})
    return rows


def _norm(value) -> str:
    return str(value or "").strip().lower().replace(" ", "_").replace("-", "_")


def _read_csv(text: str) -> tuple[list[list], str]:
    first_line = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if "\t" in first_line and first_line.count("\t") > max(first_line.count(";"), first_line.count(",")):
        delimiter = "\t"
    return list(csv.reader(io.StringIO(text), delimiter=delimiter)), delimiter


def _read_xlsx(content: bytes) -> list[list]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileError(_("The file is not a valid XLSX workbook.")) from exc
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def build_items(rows: list[dict], *, user, default_partner=None) -> list[MeasurementInput]:
    """Turn rows into MeasurementInputs; rows that cannot be parsed carry their errors (item.errors).

    Partners, sites and KPI codes are looked up within what the user may see (the access policy's
    scope; an operator's command-line load has no user and sees all): another partner, or a KPI the
    host tracks internally or has assigned only to another partner, is as unknown to a partner user
    as one that does not exist (the messages must not tell apart).
    """
    organizations = Organization.objects.partners()
    site_rows = Site.objects.all()
    if user is not None:
        organizations = policy.scope(user, policy.VIEW, organizations)
        site_rows = policy.scope(user, policy.VIEW, site_rows)
    partners = {str(o.pk): o for o in organizations}
    partners_by_name = {o.name.strip().lower(): o for o in partners.values()}
    definitions = KPIDefinition.objects.filter(is_active=True)
    if user is not None:
        definitions = definitions.filter(pk__in=selectors.definitions_for(user=user).values("pk"))
    kpis = {k.code.lower(): k for k in definitions}
    sites = {s.code.lower(): s for s in site_rows}
    items = []
    for row in rows:
        errors = {}
        partner = default_partner
        raw_partner = row.get("partner")
        if raw_partner not in (None, ""):
            key = str(raw_partner).strip()
            if key.endswith(".0"):
                key = key[:-2]
            partner = partners.get(key) or partners_by_name.get(key.lower())
            if partner is None:
                errors["partner"] = _("Unknown partner “%(p)s”.") % {"p": raw_partner}
        elif partner is None:
            errors["partner"] = _("The partner is missing.")
        kpi = kpis.get(str(row.get("kpi") or "").strip().lower())
        if kpi is None:
            errors["kpi"] = unknown_kpi_code(row.get("kpi"))
        kind = str(row.get("period_kind") or "day").strip().lower()
        kind = {"dag": "day", "uge": "week", "måned": "month", "maaned": "month"}.get(kind, kind)
        if kind not in PeriodKind.values:
            errors["period_kind"] = _("The period must be day, week or month (got “%(v)s”).") % {"v": kind}
        period_start = None
        try:
            period_start = parse_date(row.get("period_start"))
        except ValueError as exc:
            errors["period_start"] = str(exc)
        site = None
        raw_site = row.get("site")
        if raw_site not in (None, ""):
            site = sites.get(str(raw_site).strip().lower())
            if site is None:
                errors["site"] = _("Unknown site code “%(s)s”.") % {"s": raw_site}
        numbers = {}
        for name, label in (
            ("value", _("value")),
            ("numerator", _("numerator")),
            ("denominator", _("denominator")),
            ("sample_size", _("sample size")),
        ):
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
        item.raw = {c: row.get(c) if row.get(c) is not None else "" for c in COLUMNS}
        items.append(item)
    return items
