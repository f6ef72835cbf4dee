"""SLA clocks in business time: the one rule that turns "N open hours from now" into a due
time, and its inverse, on plain values (no ORM, no request).

A :class:`BusinessCalendar` is the opening hours per weekday in a time zone (several
intervals a day allowed, wall-clock times), the closed dates (public holidays and whole-day
closures) and closed instants (datetime ranges). ``None`` instead of a calendar means the
clock runs around the clock (24x7): due = start + duration.

Wall-clock intervals are turned into instants through ``zoneinfo``, so a day on which the
clocks change has its real length: "00:00-06:00" on the spring-forward night of
America/New_York is 5 open hours, on the fall-back night 7.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A calendar with opening hours finds its next open minute within days; one whose every day
# is closed (all holidays, a closure of years) would loop for ever. Past this horizon the
# computation stops with an error naming the calendar.
HORIZON_DAYS = 3 * 366

Interval = tuple[time, time | None]  # end None = midnight at the end of the day


class CalendarError(ValueError):
    """The calendar cannot place the time asked for (no open hours within the horizon)."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours on plain values.

    ``weekly[w]`` are the intervals of weekday ``w`` (Monday 0) as ``(open, close)`` local
    wall-clock times, ``close`` ``None`` for midnight at the end of the day;
    ``closed_on(d)`` says a local date is closed whole (a holiday or closure date);
    ``closures`` are ``(start, end)`` aware instants when it is closed whatever the hours.
    """

    tz: str
    weekly: dict[int, tuple[Interval, ...]]
    closed_on: Callable[[date], bool] = field(default=lambda d: False, compare=False)
    closures: tuple[tuple[datetime, datetime], ...] = ()
    name: str = "calendar"
    # Each local date's open spans once computed (an instance serves one computation, or a
    # bulk run such as ``calendar_services`` over thousands of items).
    _spans: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if not any(self.weekly.get(w) for w in range(7)):
            raise CalendarError(f"{self.name} has no opening hours on any weekday.")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open instants (UTC) of a local date, closures cut out, in order."""
        spans = self._spans.get(day)
        if spans is None:
            spans = self._spans[day] = self._open_spans(day)
        return spans

    def _open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        if self.closed_on(day):
            return []
        zone = self.zone
        spans = []
        for opens, closes in self.weekly.get(day.weekday(), ()):
            start = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
            if closes is None:
                end_local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
            else:
                end_local = datetime.combine(day, closes, tzinfo=zone)
            end = end_local.astimezone(UTC)
            if end > start:
                spans.extend(_cut(start, end, self.closures))
        spans.sort()
        return spans


def _cut(start, end, closures) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` minus every closure range."""
    pieces = [(start, end)]
    for c_start, c_end in closures:
        if c_end <= start or c_start >= end:
            continue
        next_pieces = []
        for a, b in pieces:
            if c_end <= a or c_start >= b:
                next_pieces.append((a, b))
                continue
            if a < c_start:
                next_pieces.append((a, c_start))
            if c_end < b:
                next_pieces.append((c_end, b))
        pieces = next_pieces
    return pieces


def _spans_from(calendar: BusinessCalendar, start: datetime) -> Iterable[tuple[datetime, datetime]]:
    """Open spans from ``start`` on (the first one clipped to it), day by day."""
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)  # a span may cross midnight
    for _ in range(HORIZON_DAYS):
        for a, b in calendar.open_spans(day):
            if b <= start:
                continue
            yield max(a, start), b
        day += timedelta(days=1)
    raise CalendarError(f"{calendar.name} has no open hours within {HORIZON_DAYS} days.")


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware: {value!r}")
    return value.astimezone(UTC)


def add_open_time(
    start: datetime, duration: timedelta, calendar: BusinessCalendar | None
) -> datetime:
    """THE due-time rule: the instant when ``duration`` of open time has passed since
    ``start``. Without a calendar, open time is all time (24x7).

    A due time always falls inside open time or at its end: 8 open hours from Friday 16:00
    with 9-17 on weekdays is Monday 15:00, and exactly one hour from Friday 16:00 is Friday
    17:00 (not Monday 09:00). A zero duration is the start itself.
    """
    start = _aware(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative: {duration!r}")
    if calendar is None or not duration:
        return start + duration  # no time to count: the start itself, open or not
    left = duration
    for a, b in _spans_from(calendar, start):
        if b - a >= left:
            return a + left
        left -= b - a
    raise CalendarError(f"{calendar.name} has no open hours.")  # pragma: no cover


def open_time_between(
    start: datetime, end: datetime, calendar: BusinessCalendar | None
) -> timedelta:
    """The inverse: how much open time lies between two instants (zero if ``end`` is not
    after ``start``)."""
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        return timedelta(0)
    if calendar is None:
        return end - start
    total = timedelta(0)
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        for a, b in calendar.open_spans(day):
            a, b = max(a, start), min(b, end)
            if b > a:
                total += b - a
        day += timedelta(days=1)
    return total


@dataclass(frozen=True)
class SlaClock:
    """An item's SLA times: due (resolution), at risk from, first response due (or None)."""

    due_at: datetime
    at_risk_at: datetime
    first_response_due_at: datetime | None


def sla_clock(
    *,
    start: datetime,
    resolution: timedelta,
    at_risk_share: float,
    first_response: timedelta | None,
    calendar: BusinessCalendar | None,
) -> SlaClock:
    """Due times of an item arriving at ``start``; "at risk" starts when ``at_risk_share``
    of the resolution target is left (0.25: in the last quarter of the SLA)."""
    if not 0 <= at_risk_share <= 1:
        raise ValueError(f"at_risk_share must be between 0 and 1: {at_risk_share!r}")
    return SlaClock(
        due_at=add_open_time(start, resolution, calendar),
        at_risk_at=add_open_time(start, resolution * (1 - at_risk_share), calendar),
        first_response_due_at=(
            add_open_time(start, first_response, calendar) if first_response else None
        ),
    )


def shift_for_pause(
    value: datetime | None, paused_from: datetime, resumed_at: datetime, calendar
) -> datetime | None:
    """A due time after a pause: moved on by the open time the pause lasted."""
    if value is None:
        return None
    return add_open_time(value, open_time_between(paused_from, resumed_at, calendar), calendar)


def working_days(duration: timedelta, calendar: BusinessCalendar | None) -> int:
    """An SLA in whole working days, for day-level plans: open time over the calendar's
    average open day (24x7: over 24 hours), rounded up."""
    if duration <= timedelta(0):
        return 0
    if calendar is None:
        return math.ceil(duration / timedelta(days=1))
    lengths = []
    for weekday in range(7):
        day = timedelta(0)
        for opens, closes in calendar.weekly.get(weekday, ()):
            end = timedelta(hours=24) if closes is None else _since_midnight(closes)
            day += max(end - _since_midnight(opens), timedelta(0))
        if day:
            lengths.append(day)
    average = sum(lengths, timedelta(0)) / len(lengths)
    return math.ceil(duration / average)


def _since_midnight(value: time) -> timedelta:
    return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
