"""Shift CSV: one row per block, ``agent,date,start,end,activity,note`` (local times).

``agent`` is the username; ``end`` at or before ``start`` means the next day (a late shift).
Parsing reports every bad line at once; the service then checks rights and overlaps.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from ccops import exports, uploads

from .choices import Activity
from .errors import InvalidInput
from .services.shifts import ShiftRow

User = get_user_model()

HEADER = ["agent", "date", "start", "end", "activity", "note"]
# Shifts are bulk-inserted, so a file may hold a week for a large centre.
ROWS_SETTING = "SHIFT_IMPORT_MAX_ROWS"


def shift_rows(shifts):
    """The export's rows of shifts (with ``agent`` loaded), in the file's columns."""
    for shift in shifts:
        start, end = timezone.localtime(shift.start), timezone.localtime(shift.end)
        yield [
            shift.agent.username,
            start.date().isoformat(),
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
            shift.activity,
            shift.note,
        ]


def write_shifts(shifts, out) -> None:
    """Write shifts (with ``agent`` loaded) as CSV to the text stream ``out``, through the
    neutralising writer: a note "=HYPERLINK(...)" stays text in a spreadsheet."""
    writer = exports.CsvWriter(out)
    writer.writerow(HEADER)
    writer.writerows(shift_rows(shifts))


def _time(value: str) -> time:
    return datetime.strptime(value.strip(), "%H:%M").time()


def read_shifts(data: bytes) -> list[ShiftRow]:
    """Parse an uploaded file; raises :class:`InvalidInput` with ``{"line N": [...]}``."""
    try:
        uploads.check_csv(data, rows_setting=ROWS_SETTING)
    except uploads.UploadRejected as exc:
        raise InvalidInput(str(exc), field="file") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text.", field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [h for h in HEADER[:5] if h not in header]
    if missing:
        raise InvalidInput(f"Missing column(s): {', '.join(missing)}.", field="file")
    reader.fieldnames = header
    raw = []
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        raw.append((line, row))
    names = {(row.get("agent") or "").strip() for _, row in raw}
    users = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    rows: list[ShiftRow] = []
    errors: dict[str, list[str]] = {}
    for line, row in raw:
        problems = []
        agent = users.get((row.get("agent") or "").strip())
        if agent is None:
            problems.append(f"Unknown agent {row.get('agent')!r}.")
        activity = (row.get("activity") or "").strip()
        if activity not in Activity.values:
            problems.append(f"Unknown activity {activity!r} (use {', '.join(Activity.values)}).")
        try:
            day = datetime.strptime((row.get("date") or "").strip(), "%Y-%m-%d").date()
            start_t, end_t = _time(row.get("start") or ""), _time(row.get("end") or "")
        except ValueError:
            problems.append("Use date YYYY-MM-DD and times HH:MM.")
            day = start_t = end_t = None
        if problems:
            errors[f"line {line}"] = problems
            continue
        start = timezone.make_aware(datetime.combine(day, start_t))
        end_day = day if end_t > start_t else day + timedelta(days=1)
        end = timezone.make_aware(datetime.combine(end_day, end_t))
        note = (row.get("note") or "").strip()[:200]
        rows.append(ShiftRow(line, agent, start, end, activity, note))
    if errors:
        raise InvalidInput("The file has errors; nothing was imported.", errors=errors)
    return rows
