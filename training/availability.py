"""When a shadowing session fits: each person's busy time on a day and the free start times.

The rule is the booking rule of ``services.shadowing_schedule``: a session may not overlap
a scheduled session of either person, nor a shift of the participant whose activity is not
training or shadowing. The host's shifts are shown (that is when they can be shadowed) but
do not block. Shifts come through the same registered finder the booking service asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from .choices import ShadowingStatus
from .models import ShadowingSession
from .services import shadowing as booking

DAY_FROM = time(8, 0)
DAY_TO = time(18, 0)
SLOT_STEP = timedelta(minutes=30)
MAX_BLOCKS = 24  # shift blocks looked up per person and day (a day has a handful)


@dataclass(frozen=True)
class Block:
    who: str
    what: str
    start: datetime
    end: datetime
    blocks: bool  # does it rule a session out?


def free_slots(
    busy: list[tuple[datetime, datetime]],
    *,
    window_start: datetime,
    window_end: datetime,
    duration: timedelta,
    step: timedelta = SLOT_STEP,
    not_before: datetime | None = None,
) -> list[datetime]:
    """Start times every ``step`` in the window where ``[start, start + duration)`` overlaps
    none of the ``busy`` intervals and ends by ``window_end`` (pure)."""
    out = []
    start = window_start
    while start + duration <= window_end:
        end = start + duration
        if (not_before is None or start >= not_before) and not any(
            b_start < end and b_end > start for b_start, b_end in busy
        ):
            out.append(start)
        start += step
    return out


def _shifts(person, start: datetime, end: datetime, compatible) -> list:
    """The person's shift blocks in ``[start, end)`` whose activity is not in
    ``compatible``, through the registered finder (one query per block found, plus one)."""
    finder = booking._shift_finder
    if finder is None:
        return []
    found, cursor = [], start
    while cursor < end and len(found) < MAX_BLOCKS:
        busy = finder(person, cursor, end, compatible)
        if busy is None:
            break
        found.append(busy)
        cursor = max(busy.end, cursor + timedelta(minutes=1))
    return found


def shadowing_availability(*, participant, host, day: date, duration_minutes: int) -> dict:
    """Both people's busy blocks on ``day`` (local time, ``DAY_FROM``-``DAY_TO``) and the
    free start times for a session of ``duration_minutes``."""
    tz = timezone.get_current_timezone()
    window_start = datetime.combine(day, DAY_FROM, tzinfo=tz)
    window_end = datetime.combine(day, DAY_TO, tzinfo=tz)
    blocks: list[Block] = []
    for shift in _shifts(participant, window_start, window_end, booking.COMPATIBLE_ACTIVITIES):
        blocks.append(
            Block(str(participant), f"{shift.activity} shift", shift.start, shift.end, True)
        )
    for shift in _shifts(host, window_start, window_end, ()):
        blocks.append(
            Block(str(host), f"{shift.activity} shift (can host)", shift.start, shift.end, False)
        )
    people = [participant.pk, host.pk]
    sessions = ShadowingSession.objects.filter(
        Q(participant_id__in=people) | Q(host_id__in=people),
        status=ShadowingStatus.SCHEDULED,
        starts_at__lt=window_end,
        ends_at__gt=window_start,
    )
    names = {participant.pk: str(participant), host.pk: str(host)}
    for s in sessions:
        for pk in {s.participant_id, s.host_id} & set(names):
            role = "shadowing" if pk == s.participant_id else "hosting"
            blocks.append(Block(names[pk], f"Session ({role})", s.starts_at, s.ends_at, True))
    blocks.sort(key=lambda b: (b.start, b.who))
    slots = free_slots(
        [(b.start, b.end) for b in blocks if b.blocks],
        window_start=window_start,
        window_end=window_end,
        duration=timedelta(minutes=duration_minutes),
        not_before=timezone.now(),
    )
    return {"day": day, "blocks": blocks, "slots": slots, "window": (window_start, window_end)}
