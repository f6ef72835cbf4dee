"""The one neutralising export writer (``ccops.exports``, CSV and spreadsheet) and the
dashboards' exports through it.

Each export is also tested with a formula cell where it lives: the queue export and the
import template in tests/workitems/test_csv.py, the schedule in tests/staffing/test_shifts.py.
"""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone
from openpyxl import load_workbook

from ccops import exports
from ccops.dashboards.tables import Table, export_response


def workbook_rows(content: bytes) -> list[list]:
    """The first sheet's rows as values (openpyxl reads what a spreadsheet would)."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    "value,written",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-3e5", "'-3e5"),  # number-like but not a plain decimal: text
        ("-1+2", "'-1+2"),
        # Plain numbers stay numbers (a sheet sums them); they cannot hold a formula.
        ("-3.5", "-3.5"),
        ("-1,234", "-1,234"),
        ("-12.5%", "-12.5%"),
        ("+4", "+4"),
        (-3.5, "-3.5"),
        (-7, "-7"),
        (Decimal("-0.25"), "-0.25"),
        # Ordinary text is untouched; a trigger inside a cell is harmless (quoted cell).
        ("Alex Example", "Alex Example"),
        ("a;=1+1", "a;=1+1"),
        ("", ""),
        (None, ""),
    ],
)
def test_neutralise(value, written):
    assert exports.neutralise(value) == written


def test_writer_quotes_every_cell_and_neutralises():
    out = io.StringIO()
    exports.CsvWriter(out).writerow(["=1+1", "x;=2+2", -3.5, 'say "hi"'])
    # Every cell quoted: a locale that splits on ";" cannot start a cell at "=2+2".
    assert out.getvalue() == '"\'=1+1","x;=2+2","-3.5","say ""hi"""\r\n'
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "x;=2+2", "-3.5", 'say "hi"']


def test_csv_lines_stream_the_header_and_rows():
    lines = list(exports.csv_lines(["name", "n"], [["@evil", 2], ["ok", -1]]))
    assert lines == ['"name","n"\r\n', '"\'@evil","2"\r\n', '"ok","-1"\r\n']


def dashboard_table() -> Table:
    table = Table(name="teams", title="Teams", columns=["Team", "Goal index (%)", "Items"])
    table.add('=HYPERLINK("http://evil","click")', "-12.5%", "1,234")
    table.add("-2+3+cmd|' /C calc'!A0", "71.0", "-3")
    return table


def test_dashboard_table_export_neutralises_names_and_keeps_numbers():
    response = export_response(RequestFactory().get("/"), dashboard_table(), "Overview")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [
        ["Team", "Goal index (%)", "Items"],
        ['\'=HYPERLINK("http://evil","click")', "-12.5%", "1234"],
        ["'-2+3+cmd|' /C calc'!A0", "71.0", "-3"],
    ]
    assert response["Content-Disposition"] == 'attachment; filename="overview-teams.csv"'


def test_dashboard_table_as_a_spreadsheet_keeps_formulas_text_and_numbers_numbers():
    request = RequestFactory().get("/", {"format": "xlsx"})
    response = export_response(request, dashboard_table(), "Overview")
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="overview-teams.xlsx"'
    assert workbook_rows(response.content) == [
        ["Team", "Goal index (%)", "Items"],
        ['=HYPERLINK("http://evil","click")', "-12.5%", 1234],
        ["-2+3+cmd|' /C calc'!A0", 71.0, -3],
    ]


def test_spreadsheet_cells_typed_as_formulas_are_strings_not_formulas():
    content = exports.xlsx_bytes(["a", "b"], [['=HYPERLINK("http://x","y")', "@SUM(1+1)"]])
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    # Read with formulas (not cached values): a formula cell would have data_type "f".
    assert [cell.data_type for cell in sheet[2]] == ["s", "s"]
    assert sheet["A2"].value == '=HYPERLINK("http://x","y")'


def test_spreadsheet_keeps_numbers_dates_and_local_times():
    at = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    content = exports.xlsx_bytes(
        ["n", "d", "at", "none", "flag"], [[Decimal("2.5"), date(2026, 3, 2), at, None, True]]
    )
    (_, row) = workbook_rows(content)
    assert row[0] == 2.5 and row[1] == datetime(2026, 3, 2)
    assert row[2] == timezone.make_naive(at)  # the site's wall clock, as the CSV shows
    assert row[3] is None and row[4] == "True"


def test_spreadsheet_stops_at_its_row_limit_and_says_so(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    rows = workbook_rows(exports.xlsx_bytes(["n"], ([i] for i in range(10))))
    assert rows[1:4] == [[0], [1], [2]]
    assert rows[4][0].startswith("Only the first 3 rows fit here")
    assert len(rows) == 5
