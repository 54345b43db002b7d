"""The one writer for CSV and XLSX downloads: no exported cell can become a live formula.

A text that starts with =, +, -, @, tab or carriage return is read by spreadsheet programs as a
formula (or the start of one). Every text cell that starts so is prefixed with a single quote,
the OWASP way ("CSV injection"), in CSV and XLSX alike; XLSX text cells are written as text
(data type "s"), never as formulas. Numbers stay numbers, negative ones included. Every export
of the portal goes through `csv_response()` / `xlsx_response()`.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as it may be exported: numbers and dates as they are, text neutralised."""
    if value is None or isinstance(value, bool | int | float | Decimal | date | datetime):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_row(row) -> list:
    return [safe_cell(value) for value in row]


class _Echo:
    def write(self, value):
        return value


def csv_response(header, rows, filename: str) -> StreamingHttpResponse:
    """A streamed UTF-8 CSV (with a BOM, so Excel reads the æøå right)."""
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"
        yield writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = safe_cell(None if value == "" else value)
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # text, whatever it looks like
        return cell
    return WriteOnlyCell(sheet, value=value)


def xlsx_response(header, rows, filename: str, title: str) -> HttpResponse:
    """One sheet named `title`; empty strings become empty cells."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title)[:31])
    sheet.append([_xlsx_cell(sheet, value) for value in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
