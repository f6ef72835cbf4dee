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


def csv_response(table: Table, stem: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{slugify(stem)}-{table.name}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Team, agent and goal names are typed by people: the neutralising writer keeps a name
    # like "=HYPERLINK(...)" text, and numbers (thousands separators dropped) numbers.
    writer = exports.CsvWriter(response)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(
            [cell.text.replace(",", "") if _numeric(cell.text) else cell.text for cell in row]
        )
    return response


def _numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").strip()
    try:
        float(stripped)
    except ValueError:
        return False
    return True
