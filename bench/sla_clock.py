"""Cost of the business-hours due-time rule (``workitems.business_hours``); prints JSON.

Usage::

    .venv/bin/python bench/sla_clock.py

Pure Python, no database: microseconds per ``add_open_time`` call without a calendar
(24x7) and with a Europe/London calendar of two intervals a weekday and the GB (England)
holidays from the ``holidays`` package, for an 8-hour and a 40-hour SLA and one across
Christmas, and per ``open_time_between`` over 14 days (a pending item's wait).
"""

import json
import sys
import timeit
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import holidays  # noqa: E402

from workitems.business_hours import (  # noqa: E402
    BusinessCalendar,
    add_open_time,
    open_time_between,
)

CALLS = 2000


def main() -> None:
    days = holidays.country_holidays("GB", subdiv="ENG")
    calendar = BusinessCalendar(
        tz="Europe/London",
        weekly={w: ((time(9), time(12, 30)), (time(13, 30), time(17))) for w in range(5)},
        closed_on=lambda d: d in days,
    )
    friday = datetime(2026, 12, 4, 15, tzinfo=UTC)
    christmas = datetime(2026, 12, 23, 15, tzinfo=UTC)
    cases = {
        "24x7_8h": (friday, None, 8),
        "calendar_8h": (friday, calendar, 8),
        "calendar_40h": (friday, calendar, 40),
        "calendar_40h_over_christmas": (christmas, calendar, 40),
    }
    out = {}
    for label, (start, cal, hours) in cases.items():
        seconds = timeit.timeit(
            lambda s=start, c=cal, h=hours: add_open_time(s, timedelta(hours=h), c), number=CALLS
        )
        out[label] = round(seconds / CALLS * 1e6, 1)
    seconds = timeit.timeit(
        lambda: open_time_between(friday, friday + timedelta(days=14), calendar), number=CALLS
    )
    out["open_time_between_14_days"] = round(seconds / CALLS * 1e6, 1)
    print(json.dumps({"microseconds_per_call": out}, indent=2))


if __name__ == "__main__":
    main()
