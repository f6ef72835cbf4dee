"""Shift writes: create, change, delete and CSV import, without overlaps.

Concurrency rule: every write locks the agents' user rows (``select_for_update``, in id
order) before it checks for overlaps, so two planners writing the same agent's shifts are
serialised and the second one sees the first one's shift. On SQLite the database lock does
the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..choices import Activity
from ..errors import InvalidInput, NotAllowed, Overlap
from ..models import Shift
from ..permissions import can_edit_shifts_of

User = get_user_model()


@dataclass(frozen=True)
class ShiftRow:
    """One parsed shift (CSV import): ``line`` is the file's line number for messages."""

    line: int
    agent: object
    start: datetime
    end: datetime
    activity: str
    note: str = ""


def _validate_span(start, end, activity: str) -> None:
    errors: dict[str, list[str]] = {}
    if activity not in Activity.values:
        errors["activity"] = [f"Unknown activity {activity!r}."]
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, datetime):
            errors[name] = ["Must be a date and time."]
        elif timezone.is_naive(value):
            errors[name] = ["Must include a time zone."]
    if not errors:
        if end <= start:
            errors["end"] = ["Must be after the start."]
        elif end - start > timedelta(hours=Shift.MAX_HOURS):
            errors["end"] = [f"A shift block may last at most {Shift.MAX_HOURS} hours."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, errors=errors)


def _check_allowed(by, agent) -> None:
    if not can_edit_shifts_of(by, agent):
        raise NotAllowed("You may only edit the shifts of your own team's agents.")


def _lock_agents(agent_ids: Iterable[int]) -> None:
    ids = sorted(set(agent_ids))
    # Evaluated for the lock only; ordering by id avoids deadlocks between two imports.
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def _overlap(agent, start, end, exclude_pk=None) -> Shift | None:
    qs = Shift.objects.filter(agent=agent, start__lt=end, end__gt=start)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("start").first()


def _overlap_error(existing: Shift) -> Overlap:
    return Overlap(f"Overlaps the shift {existing}.", field="start")


def _full_clean(shift: Shift) -> None:
    try:
        shift.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors) from None


def shift_create(
    *, agent, start: datetime, end: datetime, activity: str, by, note: str = ""
) -> Shift:
    """Add a block to ``agent``'s schedule; refuses overlaps and blocks over 16 hours."""
    _validate_span(start, end, activity)
    _check_allowed(by, agent)
    with transaction.atomic():
        _lock_agents([agent.pk])
        existing = _overlap(agent, start, end)
        if existing is not None:
            raise _overlap_error(existing)
        shift = Shift(
            agent=agent, start=start, end=end, activity=activity, note=note, created_by=by
        )
        _full_clean(shift)
        shift.save()
    return shift


def shift_update(
    *,
    shift: Shift,
    by,
    start: datetime | None = None,
    end: datetime | None = None,
    activity: str | None = None,
    note: str | None = None,
) -> Shift:
    """Change a block's times, activity or note (same checks as :func:`shift_create`)."""
    start = shift.start if start is None else start
    end = shift.end if end is None else end
    activity = shift.activity if activity is None else activity
    _validate_span(start, end, activity)
    _check_allowed(by, shift.agent)
    with transaction.atomic():
        _lock_agents([shift.agent_id])
        existing = _overlap(shift.agent, start, end, exclude_pk=shift.pk)
        if existing is not None:
            raise _overlap_error(existing)
        shift.start, shift.end, shift.activity = start, end, activity
        if note is not None:
            shift.note = note
        _full_clean(shift)
        shift.save()
    return shift


def shift_delete(*, shift: Shift, by) -> None:
    _check_allowed(by, shift.agent)
    with transaction.atomic():
        _lock_agents([shift.agent_id])
        shift.delete()


def shifts_import(*, rows: list[ShiftRow], by, replace: bool = False) -> dict:
    """Create many shifts at once, all or nothing.

    With ``replace`` the agents' existing shifts on the local days the file covers are
    deleted first (a re-imported week replaces that week). Every row is checked - rights,
    times, overlaps with the file's other rows and with the database - and all errors are
    reported together as ``{"line N": [...]}``. Returns counts of created and deleted rows.
    """
    errors: dict[str, list[str]] = defaultdict(list)
    if not rows:
        raise InvalidInput("The file has no shifts.", field="file")
    for row in rows:
        try:
            _validate_span(row.start, row.end, row.activity)
        except InvalidInput as exc:
            errors[f"line {row.line}"].append(exc.message)
            continue
        if not can_edit_shifts_of(by, row.agent):
            errors[f"line {row.line}"].append(
                f"You may not edit the shifts of {row.agent.username}."
            )
    if errors:
        raise InvalidInput("The file has errors; nothing was imported.", errors=dict(errors))

    by_agent: dict[int, list[ShiftRow]] = defaultdict(list)
    for row in rows:
        by_agent[row.agent.pk].append(row)
    for agent_rows in by_agent.values():
        agent_rows.sort(key=lambda r: r.start)
        for prev, cur in zip(agent_rows, agent_rows[1:], strict=False):
            if cur.start < prev.end:
                errors[f"line {cur.line}"].append(f"Overlaps line {prev.line} of the file.")
    if errors:
        raise InvalidInput("The file has errors; nothing was imported.", errors=dict(errors))

    window_start = min(r.start for r in rows)
    window_end = max(r.end for r in rows)
    deleted = 0
    with transaction.atomic():
        _lock_agents(by_agent)
        if replace:
            days = {(r.agent.pk, timezone.localtime(r.start).date()) for r in rows}
            day_start = timezone.localtime(window_start).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            candidates = Shift.objects.filter(
                agent_id__in=list(by_agent),
                start__gte=day_start,
                start__lt=window_end + timedelta(days=1),
            ).values_list("pk", "agent_id", "start")
            doomed = [
                pk
                for pk, agent_id, start in candidates
                if (agent_id, timezone.localtime(start).date()) in days
            ]
            deleted, _ = Shift.objects.filter(pk__in=doomed).delete()
        existing = defaultdict(list)
        for shift in Shift.objects.filter(
            agent_id__in=list(by_agent), start__lt=window_end, end__gt=window_start
        ).order_by("start"):
            existing[shift.agent_id].append(shift)
        for agent_id, agent_rows in by_agent.items():
            for row in agent_rows:
                clash = next(
                    (s for s in existing[agent_id] if s.start < row.end and s.end > row.start),
                    None,
                )
                if clash is not None:
                    errors[f"line {row.line}"].append(f"Overlaps the shift {clash}.")
        if errors:
            raise InvalidInput("The file has errors; nothing was imported.", errors=dict(errors))
        created = Shift.objects.bulk_create(
            [
                Shift(
                    agent=row.agent,
                    start=row.start,
                    end=row.end,
                    activity=row.activity,
                    note=row.note,
                    created_by=by,
                )
                for row in rows
            ],
            batch_size=1000,
        )
    return {"created": len(created), "deleted": deleted}
