"""Local days and 30-minute intervals as aware datetimes (the site's TIME_ZONE)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

INTERVAL_MINUTES = 30
INTERVAL_SECONDS = INTERVAL_MINUTES * 60
INTERVALS_PER_DAY = 24 * 60 // INTERVAL_MINUTES


def day_start(day: date) -> datetime:
    """Local midnight of ``day``, aware."""
    return timezone.make_aware(datetime.combine(day, time.min))


def days_between(start: date, end: date) -> list[date]:
    """``start`` .. ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def intervals_of(day: date) -> list[datetime]:
    """The 30-minute interval starts of a local day (46 or 50 on daylight-saving days)."""
    begin, finish = day_start(day), day_start(day + timedelta(days=1))
    out, current = [], begin
    while current < finish:
        out.append(current)
        current += timedelta(minutes=INTERVAL_MINUTES)
    return out


def interval_floor(moment: datetime) -> datetime:
    """Start of the 30-minute interval holding ``moment`` (local)."""
    local = timezone.localtime(moment)
    return local.replace(
        minute=local.minute - local.minute % INTERVAL_MINUTES, second=0, microsecond=0
    )


def is_interval_start(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    return local.second == 0 and local.microsecond == 0 and local.minute % INTERVAL_MINUTES == 0


def is_day_start(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    return local.time() == time.min
