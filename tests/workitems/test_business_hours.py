"""Known answers of the one due-time rule (``business_hours``): weekends, public holidays
from the ``holidays`` package, custom closures, both daylight-saving changes, several
intervals a day, and its inverse."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from workitems.business_hours import (
    BusinessCalendar,
    CalendarError,
    add_open_time,
    open_time_between,
    shift_for_pause,
    sla_clock,
)

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
H = timedelta(hours=1)
NINE_TO_FIVE = {w: ((time(9), time(17)),) for w in range(5)}


def cal(tz="Europe/London", weekly=None, closed=None, closures=()):
    return BusinessCalendar(
        tz=tz,
        weekly=weekly or NINE_TO_FIVE,
        closed_on=closed or (lambda d: False),
        closures=tuple(closures),
    )


def gb():
    days = holidays.country_holidays("GB", subdiv="ENG")
    return cal(closed=lambda d: d in days)


def us():
    days = holidays.country_holidays("US")
    return cal(tz="America/New_York", closed=lambda d: d in days)


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


def test_no_calendar_is_around_the_clock():
    start = at(UTC, 2026, 12, 4, 16)
    assert add_open_time(start, 8 * H, None) == at(UTC, 2026, 12, 5, 0)
    assert open_time_between(start, at(UTC, 2026, 12, 5, 0), None) == 8 * H


def test_weekend_is_skipped():
    # Friday 4 December 2026 16:00 in London + 8 open hours (1 on Friday) = Monday 16:00.
    friday = at(LONDON, 2026, 12, 4, 16)
    assert add_open_time(friday, 8 * H, cal()) == at(LONDON, 2026, 12, 7, 16)
    assert open_time_between(friday, at(LONDON, 2026, 12, 7, 16), cal()) == 8 * H


def test_due_at_closing_time_stays_on_that_day():
    assert add_open_time(at(LONDON, 2026, 12, 4, 16), H, cal()) == at(LONDON, 2026, 12, 4, 17)


def test_start_before_opening_and_on_a_sunday():
    assert add_open_time(at(LONDON, 2026, 12, 7, 7), H, cal()) == at(LONDON, 2026, 12, 7, 10)
    assert add_open_time(at(LONDON, 2026, 12, 6, 12), H, cal()) == at(LONDON, 2026, 12, 7, 10)
    assert add_open_time(at(LONDON, 2026, 12, 6, 12), timedelta(0), cal()) == at(
        LONDON, 2026, 12, 6, 12
    )


def test_gb_christmas_and_substitute_boxing_day():
    # 25 Dec 2026 is a Friday, Boxing Day a Saturday, so Monday 28 is the substitute day.
    start = at(LONDON, 2026, 12, 24, 16)
    assert add_open_time(start, 2 * H, gb()) == at(LONDON, 2026, 12, 29, 10)
    assert add_open_time(start, 2 * H, cal()) == at(LONDON, 2026, 12, 25, 10)
    assert open_time_between(start, at(LONDON, 2026, 12, 29, 10), gb()) == 2 * H


def test_us_thanksgiving():
    # Wednesday 25 Nov 2026 16:00 in New York; Thanksgiving is Thursday 26.
    due = add_open_time(at(NEW_YORK, 2026, 11, 25, 16), 2 * H, us())
    assert due == at(NEW_YORK, 2026, 11, 27, 10)
    assert due.astimezone(UTC) == at(UTC, 2026, 11, 27, 15)


def test_custom_closure_dates_and_range():
    closed_wednesday = cal(closed=lambda d: d == date(2026, 12, 9))
    assert add_open_time(at(LONDON, 2026, 12, 8, 16), 2 * H, closed_wednesday) == at(
        LONDON, 2026, 12, 10, 10
    )
    # Closed Monday 12:00-14:00 (an office event): 11:00 + 2 h is 15:00.
    meeting = cal(closures=[(at(LONDON, 2026, 12, 7, 12), at(LONDON, 2026, 12, 7, 14))])
    assert add_open_time(at(LONDON, 2026, 12, 7, 11), 2 * H, meeting) == at(LONDON, 2026, 12, 7, 15)
    assert open_time_between(at(LONDON, 2026, 12, 7, 9), at(LONDON, 2026, 12, 7, 17), meeting) == (
        6 * H
    )


def test_several_intervals_a_day():
    split = cal(weekly={0: ((time(9), time(12)), (time(13), time(17)))})
    assert add_open_time(at(LONDON, 2026, 12, 7, 11), 2 * H, split) == at(LONDON, 2026, 12, 7, 14)
    # Only Mondays open: 7 h a week.
    assert add_open_time(at(LONDON, 2026, 12, 7, 9), 8 * H, split) == at(LONDON, 2026, 12, 14, 10)


def test_london_spring_forward_weekend():
    # Clocks go forward on Sunday 29 March 2026: Friday 16:00 GMT is 16:00 UTC, Monday
    # 10:00 BST is 09:00 UTC; 2 open hours between them.
    due = add_open_time(at(LONDON, 2026, 3, 27, 16), 2 * H, cal())
    assert due.astimezone(UTC) == at(UTC, 2026, 3, 30, 9)
    around_the_clock = cal(weekly={w: ((time(0), None),) for w in range(7)})
    sunday, monday = at(LONDON, 2026, 3, 29, 0), at(LONDON, 2026, 3, 30, 0)
    assert open_time_between(sunday, monday, around_the_clock) == 23 * H
    # Fall back on Sunday 25 October 2026: a 25-hour day.
    assert open_time_between(
        at(LONDON, 2026, 10, 25, 0), at(LONDON, 2026, 10, 26, 0), around_the_clock
    ) == (25 * H)


def test_new_york_fall_back_and_spring_forward():
    # Clocks go back on Sunday 1 November 2026: Friday 16:00 EDT (20:00 UTC) + 2 h =
    # Monday 10:00 EST (15:00 UTC).
    due = add_open_time(at(NEW_YORK, 2026, 10, 30, 16), 2 * H, us())
    assert due.astimezone(UTC) == at(UTC, 2026, 11, 2, 15)
    # Open 00:00-06:00 on Sundays: on 8 March 2026 (2:00 -> 3:00) that is 5 hours.
    night = cal(tz="America/New_York", weekly={6: ((time(0), time(6)),)})
    start = at(NEW_YORK, 2026, 3, 8, 0)
    assert add_open_time(start, 5 * H, night).astimezone(UTC) == at(UTC, 2026, 3, 8, 10)
    assert open_time_between(start, at(NEW_YORK, 2026, 3, 9, 0), night) == 5 * H
    assert add_open_time(start, 6 * H, night) == at(NEW_YORK, 2026, 3, 15, 1)


def test_round_trip_over_a_month():
    calendar = gb()
    start = at(LONDON, 2026, 12, 1, 10, 30)
    for hours in (0.5, 3, 8, 17, 40, 90):
        due = add_open_time(start, hours * H, calendar)
        assert open_time_between(start, due, calendar) == hours * H


def test_at_risk_and_first_response():
    clock = sla_clock(
        start=at(LONDON, 2026, 12, 4, 16),
        resolution=8 * H,
        at_risk_share=0.25,
        first_response=2 * H,
        calendar=cal(),
    )
    assert clock.due_at == at(LONDON, 2026, 12, 7, 16)
    assert clock.at_risk_at == at(LONDON, 2026, 12, 7, 14)  # 6 of 8 open hours gone
    assert clock.first_response_due_at == at(LONDON, 2026, 12, 7, 10)
    with pytest.raises(ValueError):
        sla_clock(
            start=clock.due_at, resolution=H, at_risk_share=1.5, first_response=None, calendar=None
        )


def test_a_pause_moves_the_due_time_by_its_open_time():
    # Paused Friday 15:00 to Monday 11:00: 4 open hours (2 on Friday, 2 on Monday).
    due = at(LONDON, 2026, 12, 7, 15)
    moved = shift_for_pause(due, at(LONDON, 2026, 12, 4, 15), at(LONDON, 2026, 12, 7, 11), cal())
    assert moved == at(LONDON, 2026, 12, 8, 11)
    assert shift_for_pause(None, due, due, cal()) is None


def test_impossible_calendars_are_refused():
    with pytest.raises(CalendarError):
        cal(weekly={0: ()})
    with pytest.raises(CalendarError):
        add_open_time(at(LONDON, 2026, 12, 7, 9), H, cal(closed=lambda d: True))
    with pytest.raises(ValueError):
        add_open_time(datetime(2026, 12, 7, 9), H, cal())  # naive
    with pytest.raises(ValueError):
        add_open_time(at(LONDON, 2026, 12, 7, 9), -H, cal())
