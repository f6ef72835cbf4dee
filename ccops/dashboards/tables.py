"""Tables that render as HTML and export as CSV from the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.text import slugify

from ccops import exports


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    css: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    numeric_from: int = 1  # columns from this index are right-aligned
    empty: str = "No data for this period yet."
    note: str = ""

    def add(self, *cells) -> None:
        self.rows.append([c if isinstance(c, Cell) else Cell(_text(c)) for c in cells])


def _text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def fmt(value: float | None, decimals: int = 1, suffix: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:,.{decimals}f}{suffix}"


def export_response(request, table: Table, stem: str) -> HttpResponse:
    """The table as CSV, or as a spreadsheet with ``?format=xlsx``. Team, agent and goal
    names are typed by people: the export writers keep a name like "=HYPERLINK(...)" text;
    numbers (thousands separators dropped) stay numbers."""
    filename = f"{slugify(stem)}-{table.name}"
    rows = ([_export_value(cell.text) for cell in row] for row in table.rows)
    return exports.table_response(request, table.columns, rows, filename, title=table.title)


def _export_value(text: str):
    """A cell's value in an export: a plain number as a number (``1,234.5`` -> 1234.5), a
    percentage or any other text as it reads without thousands separators."""
    if not _numeric(text):
        return text
    plain = text.replace(",", "")
    if plain.endswith("%"):
        return plain
    number = float(plain)
    return int(number) if number.is_integer() and "." not in plain else number


def _numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").strip()
    try:
        float(stripped)
    except ValueError:
        return False
    return True
