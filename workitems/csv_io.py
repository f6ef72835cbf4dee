"""CSV import of work items (all or nothing per file), its template, and the queue export's
lines (written by ``ccops.exports``, the one writer of every export).

Reading and validating are plain functions over text and a dict of work types, so every rule
is testable without a request; ``import_csv`` is the service that writes, through
``services.workitem_create`` (due time, duplicate flag, created event), in one transaction.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import OperationalError, transaction
from django.utils import timezone

from ccops import exports, uploads

from . import services
from .choices import Source
from .errors import WorkflowError
from .models import Customer, WorkItem, WorkType

COLUMNS = (
    "external_ref",
    "work_type",
    "title",
    "details",
    "customer_ref",
    "customer_name",
    "priority",
    "created_at",
)
REQUIRED_COLUMNS = ("external_ref", "work_type", "title")


def max_upload_bytes() -> int:
    return uploads.csv_max_bytes()


def max_rows() -> int:
    # Rows are created one by one through workitem_create (about 3 ms each, with duplicate
    # detection and events), so a file must finish well inside a web request's time limit
    # (settings.CSV_IMPORT_MAX_ROWS). Larger loads go through the API.
    return uploads.csv_max_rows()


class FileRejected(Exception):
    """The file as a whole cannot be read (size, encoding, header, row count)."""


@dataclass
class RowError:
    line: int
    external_ref: str
    reasons: list[str]


@dataclass
class ParsedRow:
    line: int
    external_ref: str
    work_type: WorkType
    title: str
    details: str = ""
    customer_ref: str = ""
    customer_name: str = ""
    priority: int | None = None
    created_at: datetime | None = None


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    already_imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


# --- Reading ------------------------------------------------------------------------------


def _normalise(name: str) -> str:
    return (name or "").strip().lower().replace(" ", "_").replace("-", "_")


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected(
            "The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8' and "
            "upload it again."
        )


def read_rows(text: str) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """The header (normalised names) and ``(line, row)`` pairs; blank lines are skipped.

    ``line`` is the file's line number where the record ends (the header is line 1), which
    is what a spreadsheet shows next to the row.
    """
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many locales save with semicolons; decide from the header alone.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_normalise(h) for h in next(reader)]
    except StopIteration:
        raise FileRejected("The file is empty: it needs a header row and at least one row.")
    except csv.Error as exc:
        raise FileRejected(f"The header row cannot be read as CSV: {exc}.")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileRejected(
            f"Missing column(s): {', '.join(missing)}. The header row must name at least "
            f"{', '.join(REQUIRED_COLUMNS)} (download the template)."
        )

    def rows():
        try:
            for values in reader:
                if not any(v.strip() for v in values):
                    continue
                row = {
                    name: (values[i].strip() if i < len(values) else "")
                    for i, name in enumerate(header)
                }
                if len(values) > len(header):
                    row["__extra__"] = values[len(header) :]
                yield reader.line_num, row
        except csv.Error as exc:
            raise FileRejected(f"Line {reader.line_num} cannot be read as CSV: {exc}.")

    return header, rows()


# --- Validation ---------------------------------------------------------------------------


def parse_created_at(value: str, now: datetime) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"created_at {value!r} is not an ISO date/time (e.g. 2026-03-02T09:30:00)")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if parsed > now + timedelta(minutes=5):
        raise ValueError(f"created_at {value!r} is in the future")
    return parsed


def validate_row(
    line: int,
    row: dict,
    *,
    work_types: dict[str, WorkType],
    known_customer_refs: set[str],
    now: datetime,
) -> tuple[ParsedRow | None, list[str]]:
    """Check one row; returns the parsed row or the reasons it is rejected."""
    reasons = []
    ref = row.get("external_ref", "")
    if not ref:
        reasons.append("external_ref is missing")
    elif len(ref) > 100:
        reasons.append("external_ref is longer than 100 characters")
    type_name = row.get("work_type", "")
    work_type = work_types.get(type_name.lower()) if type_name else None
    if not type_name:
        reasons.append("work_type is missing")
    elif work_type is None:
        reasons.append(f"unknown work type {type_name!r}")
    elif not work_type.active:
        reasons.append(f"work type {type_name!r} is not active")
    title = row.get("title", "")
    if not title:
        reasons.append("title is missing")
    elif len(title) > 200:
        reasons.append("title is longer than 200 characters")
    priority = None
    raw_priority = row.get("priority", "")
    if raw_priority:
        try:
            priority = int(raw_priority)
        except ValueError:
            priority = None
        if priority is None or not 1 <= priority <= 5:
            reasons.append(f"priority {raw_priority!r} is not a whole number from 1 to 5")
    created_at = None
    if row.get("created_at"):
        try:
            created_at = parse_created_at(row["created_at"], now)
        except ValueError as exc:
            reasons.append(str(exc))
    customer_ref = row.get("customer_ref", "")
    customer_name = row.get("customer_name", "")
    if len(customer_ref) > 64:
        reasons.append("customer_ref is longer than 64 characters")
    if len(customer_name) > 200:
        reasons.append("customer_name is longer than 200 characters")
    if customer_name and not customer_ref:
        reasons.append("customer_name is given without a customer_ref")
    if customer_ref and not customer_name and customer_ref not in known_customer_refs:
        reasons.append(f"customer {customer_ref!r} is new: give its customer_name")
    if row.get("__extra__"):
        reasons.append("the row has more values than the header has columns")
    if reasons:
        return None, reasons
    return (
        ParsedRow(
            line=line,
            external_ref=ref,
            work_type=work_type,
            title=title,
            details=row.get("details", ""),
            customer_ref=customer_ref,
            customer_name=customer_name,
            priority=priority,
            created_at=created_at,
        ),
        [],
    )


def _chunks(values: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing_customer_refs(refs: Iterable[str]) -> set[str]:
    found = set()
    for chunk in _chunks(sorted(set(refs))):
        found.update(
            Customer.objects.filter(external_ref__in=chunk).values_list("external_ref", flat=True)
        )
    return found


def validate(text: str, *, now=None) -> tuple[list[ParsedRow], ImportReport]:
    """Read and check every row; the report lists each bad row with all its reasons."""
    now = now or timezone.now()
    report = ImportReport()
    header, rows = read_rows(text)
    report.ignored_columns = [c for c in header if c and c not in COLUMNS]
    raw = []
    for line, row in rows:
        raw.append((line, row))
        if len(raw) > max_rows():
            raise FileRejected(
                f"The file has more than {max_rows():,} rows; the limit is {max_rows():,} rows "
                "per file. Split it into smaller files, or send larger loads through the API."
            )
    report.rows = len(raw)
    if not raw:
        raise FileRejected("The file has a header but no rows.")
    work_types = {wt.name.lower(): wt for wt in WorkType.objects.all()}
    known = _existing_customer_refs(row.get("customer_ref", "") for _, row in raw)
    # A new customer named on one row may be referred to by ref alone on the others.
    known.update(row["customer_ref"] for _, row in raw if row.get("customer_name"))
    known.discard("")
    first_line: dict[str, int] = {}
    parsed = []
    for line, row in raw:
        item, reasons = validate_row(
            line, row, work_types=work_types, known_customer_refs=known, now=now
        )
        ref = row.get("external_ref", "")
        if ref:
            if ref in first_line:
                reasons.append(
                    f"external_ref {ref!r} is repeated (first on line {first_line[ref]})"
                )
                item = None
            else:
                first_line[ref] = line
        if reasons:
            report.errors.append(RowError(line=line, external_ref=ref, reasons=reasons))
        elif item is not None:
            parsed.append(item)
    return parsed, report


# --- Writing ------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _customers_for(rows: list[ParsedRow]) -> dict[str, Customer]:
    names: dict[str, str] = {}
    for r in rows:
        if r.customer_ref and not names.get(r.customer_ref):
            names[r.customer_ref] = r.customer_name
    if not names:
        return {}
    # Existing customers keep their name; new ones are created (concurrent imports may
    # create the same customer: ignore the conflict and read back). Sorted, so concurrent
    # imports take row locks in the same order.
    Customer.objects.bulk_create(
        [Customer(external_ref=ref, name=names[ref] or ref) for ref in sorted(names)],
        ignore_conflicts=True,
        batch_size=500,
    )
    out = {}
    for chunk in _chunks(sorted(names)):
        out.update({c.external_ref: c for c in Customer.objects.filter(external_ref__in=chunk)})
    return out


def import_csv(*, data: bytes, by, now=None) -> ImportReport:
    """Import a whole file or nothing. Rows already imported (same ``external_ref`` from an
    earlier import) are counted and skipped, so importing a file twice changes nothing."""
    try:
        uploads.check_csv(data)
    except uploads.UploadRejected as exc:
        return ImportReport(file_error=str(exc))
    try:
        rows, report = validate(decode(data), now=now)
    except FileRejected as exc:
        return ImportReport(file_error=str(exc))
    if report.errors:
        return report
    try:
        with transaction.atomic():
            existing = set()
            refs = [r.external_ref for r in rows]
            for chunk in _chunks(refs):
                existing.update(
                    WorkItem.objects.filter(source=Source.IMPORT, external_ref__in=chunk)
                    .exclude(external_ref="")  # lets SQLite use the partial unique index
                    .values_list("external_ref", flat=True)
                )
            customers = _customers_for([r for r in rows if r.external_ref not in existing])
            for row in rows:
                if row.external_ref in existing:
                    report.already_imported += 1
                    continue
                try:
                    item = services.workitem_create(
                        work_type=row.work_type,
                        title=row.title,
                        by=by,
                        customer=customers.get(row.customer_ref),
                        details=row.details,
                        priority=row.priority,
                        source=Source.IMPORT,
                        external_ref=row.external_ref,
                        created_at=row.created_at,
                    )
                except WorkflowError as exc:
                    report.errors.append(RowError(row.line, row.external_ref, [exc.message]))
                    raise _Rollback from exc
                if item.was_existing:
                    report.already_imported += 1
                else:
                    report.created += 1
    except _Rollback:
        report.created = 0
        report.already_imported = 0
    except OperationalError:
        # A deadlock with another import writing the same rows: PostgreSQL chose this one.
        return ImportReport(
            rows=report.rows,
            file_error="Another import was writing the same rows at the same moment, so "
            "nothing was imported. Upload the file again.",
        )
    return report


def template_csv(work_type_names: list[str]) -> str:
    """A template with the header and two example rows using real work type names."""
    names = (work_type_names + ["Claims casework", "Billing casework"])[:2]
    out = io.StringIO()
    writer = exports.CsvWriter(out)
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "ORD-1001",
            names[0],
            "Damaged parcel claim",
            "Box arrived crushed",
            "C-100",
            "Alex Example",
            "3",
            "2026-01-05T09:30:00",
        ]
    )
    writer.writerow(["ORD-1002", names[1], "Refund request", "", "C-100", "", "", ""])
    return out.getvalue()
