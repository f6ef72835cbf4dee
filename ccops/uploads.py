"""Limits on uploaded CSV files, shared by every import (work items, shifts).

A file over ``CSV_IMPORT_MAX_BYTES`` or with more data rows than the import's row setting
(``CSV_IMPORT_MAX_ROWS`` unless the import names another) is refused as a whole, with a
message naming the limit, before anything is written. Forms use :class:`CsvUploadValidator`
on their ``FileField``; the import services call :func:`check_csv` again on the bytes, so a
caller that skips the form is held to the same limits.
"""

import csv
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible


class UploadRejected(ValueError):
    """The file as a whole is refused; ``str(exc)`` is the message for the user."""


def human_size(size: int) -> str:
    if size >= 1_048_576:
        return f"{size / 1_048_576:.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def csv_max_bytes() -> int:
    return settings.CSV_IMPORT_MAX_BYTES


def csv_max_rows(rows_setting: str = "CSV_IMPORT_MAX_ROWS") -> int:
    return getattr(settings, rows_setting)


def check_size(size: int) -> None:
    limit = csv_max_bytes()
    if size > limit:
        shown, shown_limit = human_size(size), human_size(limit)
        if shown == shown_limit:  # just over: rounding would hide the difference
            shown, shown_limit = f"{size:,} bytes", f"{shown_limit} ({limit:,} bytes)"
        raise UploadRejected(
            f"The file is {shown}; the limit is {shown_limit} per file. "
            "Split it into smaller files and import them one by one. Nothing was imported."
        )


def count_rows(text: str, stop_after: int) -> int:
    """Data rows (records after the header, blank ones skipped), counting at most
    ``stop_after + 1`` so an oversized file is not read to the end."""
    first_line = text.split("\n", 1)[0]
    # As the imports do: spreadsheets in many locales save with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = 0
    try:
        next(reader, None)  # the header
        for values in reader:
            if any(v.strip() for v in values):
                rows += 1
                if rows > stop_after:
                    break
    except csv.Error:
        pass  # malformed CSV: the import reports it with its line number
    return rows


def check_rows(text: str, *, rows_setting: str = "CSV_IMPORT_MAX_ROWS") -> None:
    limit = csv_max_rows(rows_setting)
    if count_rows(text, stop_after=limit) > limit:
        raise UploadRejected(
            f"The file has more than {limit:,} rows; the limit is {limit:,} rows per file. "
            "Split it into smaller files and import them one by one. Nothing was imported."
        )


def check_csv(data: bytes, *, rows_setting: str = "CSV_IMPORT_MAX_ROWS") -> None:
    """Raise :class:`UploadRejected` if ``data`` is over the size or row limit."""
    check_size(len(data))
    # Undecodable bytes do not hide rows; the import itself reports a wrong encoding.
    check_rows(data.decode("utf-8-sig", errors="replace"), rows_setting=rows_setting)


@deconstructible
class CsvUploadValidator:
    """Validator for a form ``FileField`` holding a CSV import: size, then row count.

    The size is checked from the upload's metadata before any of it is read.
    """

    def __init__(self, rows_setting: str = "CSV_IMPORT_MAX_ROWS"):
        self.rows_setting = rows_setting

    def __call__(self, upload) -> None:
        try:
            check_size(upload.size)
            upload.seek(0)
            data = upload.read()
            upload.seek(0)
            check_csv(data, rows_setting=self.rows_setting)
        except UploadRejected as exc:
            raise ValidationError(str(exc), code="upload_limit") from None

    def __eq__(self, other):
        return isinstance(other, CsvUploadValidator) and other.rows_setting == self.rows_setting
