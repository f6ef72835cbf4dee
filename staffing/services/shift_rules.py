"""The rules one shift of one agent must keep, in one place.

Used by the planner's grid edits (:func:`~staffing.services.schedules.scheduled_shift_update`,
``scheduled_shift_create``), and by the shift trades (``taker_problems``: take, approve and
auto-approve). Each caller gathers the agent's *other* shifts its own way (a run's shifts and
the published weeks around it; or the published blocks for a trade) and passes them as
spans; the rules themselves are here:

- shape (:func:`span_errors`): an office activity, aware datetimes, end after start, at most
  16 hours, on the half hour;
- within the run's week (when a window is given);
- skilled for the office's work (the agent's current skills, else their team's office);
- no overlap with another of the agent's shifts or blocks;
- no approved time off in the span;
- at least the agent's rest (11 h by default) between this shift and their other work;
- within the agent's contract maximum of hours in the shift's week (when the caller gives
  the week's other worked minutes and this shift's).

:func:`shift_problems` answers ``{rule: [message]}`` (empty when the shift may stand); the
keys are ``start``, ``skills``, ``overlap``, ``time_off``, ``rest``, ``hours``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from ccops.choices import Office
from workitems.models import WorkType

from .. import schedule_selectors as ssel
from .. import time_off_selectors as tsel
from ..choices import Activity

OFFICE_OF = {Activity.FRONT_OFFICE: Office.FRONT, Activity.BACK_OFFICE: Office.BACK}
MAX_SHIFT = timedelta(hours=16)

Span = tuple[datetime, datetime]


def _at(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%a %d %b %H:%M}"


def span_errors(start, end, activity) -> dict[str, list[str]]:
    """The shape of a shift: ``{field: [message]}``, empty when it is well formed."""
    errors: dict[str, list[str]] = {}
    if activity not in OFFICE_OF:
        errors["activity"] = ["Must be front_office or back_office."]
    if not isinstance(start, datetime) or timezone.is_naive(start):
        errors["start"] = ["Must be a date and time with a time zone."]
    if not isinstance(end, datetime) or timezone.is_naive(end):
        errors["end"] = ["Must be a date and time with a time zone."]
    if "start" in errors or "end" in errors:
        return errors
    if end <= start:
        errors["end"] = ["Must be after the start."]
    elif end - start > MAX_SHIFT:
        errors["end"] = ["A shift lasts at most 16 hours."]
    elif start.minute % 30 or end.minute % 30 or start.second or end.second:
        errors["start"] = ["Shifts start and end on the half hour."]
    return errors


def shift_problems(
    *,
    agent,
    start: datetime,
    end: datetime,
    activity: str,
    busy: Iterable[Span],
    worked: Iterable[Span],
    window: Span | None = None,
    week_minutes: float | None = None,
    minutes: float | None = None,
) -> dict[str, list[str]]:
    """Why ``agent`` may not work ``start``-``end`` in ``activity``'s office (empty when
    they may). ``busy``: every other span the agent is booked (overlap); ``worked``: their
    other work spans (rest); ``week_minutes`` and ``minutes``: the minutes they otherwise
    work in the shift's week and this shift's (the contract maximum)."""
    problems: dict[str, list[str]] = {}
    if window is not None and not window[0] <= start < window[1]:
        problems["start"] = ["Must be within the run's week."]
    office = OFFICE_OF[activity]
    types = list(WorkType.objects.filter(active=True))
    if office not in ssel.agent_offices([agent], types, timezone.localtime(start).date())[agent.pk]:
        problems["skills"] = [f"Not skilled for the {office} office's work."]
    clash = min(((s, e) for s, e in busy if s < end and e > start), default=None)
    if clash is not None:
        problems["overlap"] = [
            f"Overlaps the shift of {_at(clash[0])}-{timezone.localtime(clash[1]):%H:%M}."
        ]
    off = tsel.approved_time_off([agent.pk], start, end).first()
    if off is not None:
        problems["time_off"] = [f"Approved time off from {_at(off[1])}."]
    rules = ssel.rules_for([agent])[agent.pk]
    rest = timedelta(minutes=rules.min_rest)
    if clash is None:
        near = sorted((s, e) for s, e in worked if s < end + rest and e > start - rest)
        if near:
            s, e = near[0]
            if e <= start:
                gap = f"after the shift ending {_at(e)}"
            else:
                gap = f"before the shift starting {_at(s)}"
            problems["rest"] = [
                f"Leaves less than {rules.min_rest / 60:g} h rest between shifts ({gap})."
            ]
    if week_minutes is not None and minutes is not None:
        total = week_minutes + minutes
        if total > rules.max_week_minutes:
            problems["hours"] = [
                f"Takes the week over the contract's {rules.max_week_minutes / 60:g} h "
                f"({total / 60:g} h)."
            ]
    return problems
