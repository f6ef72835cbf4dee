"""Times people read: durations, and "for ..." relative to the moment the page looks at."""

from datetime import UTC, datetime, timedelta

from ccops.templatetags.ccops_tags import duration, for_since

T = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)


def test_duration_reads_like_people_write_it():
    assert duration(45) == "45 s"
    assert duration(200) == "3 min 20 s"
    assert duration(25 * 60 + 5) == "25 min"
    assert duration(2 * 3600 + 10 * 60) == "2 h 10 min"
    assert duration(3600) == "1 h"
    assert duration(28 * 3600) == "1 d 4 h"
    assert duration(None) == "-" and duration("x") == "-"


def test_for_since_is_relative_to_the_viewed_moment_not_now():
    # Intraday looking at 11:00: a state entered at 08:50 has lasted 2 h 10 min then.
    assert for_since(T - timedelta(hours=2, minutes=10), T) == "for 2 h 10 min"
    # A state entered at 20:41 (after the moment viewed) had not started yet.
    later = for_since(T + timedelta(hours=9, minutes=41), T)
    assert later.startswith("from ") and later.endswith(", after the time shown")
    assert for_since(None, T) == "-"
