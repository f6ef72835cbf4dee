"""The one CSV writer of every export: cells that a spreadsheet would run as formulas are
written as text.

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
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

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
