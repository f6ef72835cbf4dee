"""The one writer of every export, CSV and spreadsheet: cells that a spreadsheet would run
as formulas are written as text.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``-2+3+cmd|' /C calc'!A0``), and
an agent's note, a customer's name or a shift note is text anyone can type. As OWASP's "CSV
Injection" page recommends, such a cell gets a leading single quote (the spreadsheet shows
the text, quote hidden) and every cell is quoted, so a separator inside a value (``;`` in
locales that split on it) cannot start a new cell that begins with ``=``.

Numbers stay numbers so that a sheet can still sum a column: a Python ``int``/``float``/
``Decimal`` (made by our code, never text typed by a user), and a string that is nothing but
a plain decimal number (``-3.5``, ``-1,234``, ``-12.5%``, as the dashboards format them).
Such a cell cannot hold a formula, so the quote would only turn it into text. Anything else
that starts with a trigger, however number-like (``-1+2``, ``-3e5``), is prefixed.

Re-importing an export gives the prefixed text back (``'=x``): the importers read what the
file says, on purpose, rather than guess which quote was ours.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[-+]?\d[\d,]*(\.\d+)?%?")


def neutralise(value) -> str:
    """The text of one cell, safe to open in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class CsvWriter:
    """``csv.writer`` over ``out`` (any object with ``write``), every cell neutralised.

    ``writerow`` returns what ``out.write`` returned, as ``csv.writer``'s does, so a
    write-only ``out`` that returns the line serves a streamed response (``csv_lines``).
    """

    def __init__(self, out):
        self._writer = csv.writer(out, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable):
        return self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class _Echo:
    """A write-only file whose ``write`` returns the line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The lines of a CSV file, one at a time, for a ``StreamingHttpResponse``."""
    writer = CsvWriter(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


# --- Spreadsheets -------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The name a page's link or form gives the format: ``?format=xlsx`` (CSV otherwise).
FORMAT_PARAM = "format"
XLSX = "xlsx"


def wants_xlsx(request) -> bool:
    return request.GET.get(FORMAT_PARAM) == XLSX


def _xlsx_cell(sheet, value):
    """One cell of a write-only sheet. Numbers and dates stay numbers and dates (a date-time
    in the site's time zone, as the CSV writes it; Excel has no time zones); every other
    value is written as a string cell, so a typed "=HYPERLINK(...)" is text, never a
    formula (openpyxl would store a string that starts with "=" as one)."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, date) or (
        isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    ):
        return WriteOnlyCell(sheet, value=value)
    cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
    cell.data_type = "s"
    return cell


# A workbook is built whole before it is sent (a zip cannot stream as CSV does), so a
# spreadsheet holds at most this many rows and then says where the rest is.
XLSX_MAX_ROWS = 100_000


def xlsx_bytes(header: Iterable, rows: Iterable[Iterable], *, title: str = "Export") -> bytes:
    """An .xlsx workbook of one sheet: a bold header row, then ``rows`` (at most
    ``XLSX_MAX_ROWS``; a last line says so when there were more). openpyxl's write-only mode
    writes rows as they come."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Export")
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=str(name))
        cell.data_type = "s"
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for count, row in enumerate(rows):
        if count == XLSX_MAX_ROWS:
            sheet.append([f"Only the first {XLSX_MAX_ROWS:,} rows fit here: download CSV for all."])
            break
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(header: Iterable, rows: Iterable[Iterable], filename: str, *, title: str):
    """The download of ``xlsx_bytes``; ``filename`` without its extension."""
    response = HttpResponse(xlsx_bytes(header, rows, title=title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def csv_streaming_response(header: Iterable, rows: Iterable[Iterable], filename: str):
    """The streamed CSV download of ``csv_lines``; ``filename`` without its extension."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def table_response(request, header, rows, filename: str, *, title: str):
    """The table as the format the request asks for: ``?format=xlsx`` a spreadsheet, else
    CSV. Every export of the product answers through here, so both formats stay in step."""
    if wants_xlsx(request):
        return xlsx_response(header, rows, filename, title=title)
    return csv_streaming_response(header, rows, filename)
