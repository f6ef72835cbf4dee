"""The one neutralising CSV writer (``ccops.exports``) and the dashboards' CSV through it.

Each export is also tested with a formula cell where it lives: the queue export and the
import template in tests/workitems/test_csv.py, the schedule in tests/staffing/test_shifts.py.
"""

import csv
import io
from decimal import Decimal

import pytest

from ccops import exports
from ccops.dashboards.tables import Table, csv_response


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


def test_dashboard_table_export_neutralises_names_and_keeps_numbers():
    table = Table(name="teams", title="Teams", columns=["Team", "Goal index (%)", "Items"])
    table.add('=HYPERLINK("http://evil","click")', "-12.5%", "1,234")
    table.add("-2+3+cmd|' /C calc'!A0", "71.0", "-3")
    response = csv_response(table, "Overview")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Team", "Goal index (%)", "Items"],
        ['\'=HYPERLINK("http://evil","click")', "-12.5%", "1234"],
        ["'-2+3+cmd|' /C calc'!A0", "71.0", "-3"],
    ]
    assert response["Content-Disposition"] == 'attachment; filename="overview-teams.csv"'
