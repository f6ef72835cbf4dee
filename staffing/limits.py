"""Domain limits of staffing's numeric inputs, kept once.

The API serializers and the page forms put them on their fields (so the OpenAPI schema and
the HTML inputs state them, and the fuzz draws its boundary values from them); the
calculators and the plan services check them again with :meth:`Limits.check`, so a Celery
task, an import or a shell call meets the same rule as a request. Inside them the math
neither overflows nor divides by zero, and one request stays within seconds. Bounds are
inclusive: "> 0" becomes a smallest sensible value, which a schema and a form can state.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class Limits(NamedTuple):
    """An inclusive range ``lo`` .. ``hi`` of one kind of input."""

    lo: float
    hi: float

    def admits(self, value: object) -> bool:
        """``value`` is a real number (not a bool) within the range (NaN never is)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return self.lo <= value <= self.hi

    @property
    def rule(self) -> str:
        """The range in words, for error messages: ``from 0.01 to 1``."""
        return f"from {self.lo:,.10g} to {self.hi:,.10g}"

    @property
    def message(self) -> str:
        """The error of a form or API field outside the range."""
        return f"Must be {self.rule}."

    def check(self, field: str, value: object, error: type[Exception]) -> None:
        """Raise ``error(field, message)`` (the pure modules' input errors) when ``value`` is
        outside the range."""
        if not self.admits(value):
            raise error(field, f"must be a number {self.rule}, got {value!r}")


AHT_SECONDS = Limits(1.0, 8 * 3600.0)  # one second to a whole shift per contact or item
AHT_MINUTES = Limits(AHT_SECONDS.lo / 60, AHT_SECONDS.hi / 60)  # the same, for casework
SERVICE_LEVEL = Limits(0.01, 1.0)  # share answered within the target
ANSWER_SECONDS = Limits(0.0, 3600.0)  # a queue's answer target; beyond an hour it is casework
PATIENCE_SECONDS = Limits(1.0, 3600.0)  # Erlang A's mean patience of a waiting caller
MAX_ABANDON_RATE = Limits(0.001, 1.0)  # Erlang A: most callers abandoning of those offered
ASA_SECONDS = Limits(1.0, 3600.0)  # most average speed of answer
MAX_OCCUPANCY = Limits(0.1, 1.0)  # at 0.1 the agent search goes no further than without a cap
SHRINKAGE = Limits(0.0, 0.9)  # 90% away from the queue already means ten heads per productive one
PRODUCTIVE_HOURS = Limits(1.0, 24.0)  # productive hours per agent-day (back office)
INTERVAL_MINUTES = Limits(1, 1440)  # one queue interval: a minute to a day
SLA_WORKING_DAYS = Limits(0, 60)  # a casework SLA in whole working days
# What-if and override volumes feed the plan's Erlang solver, which walks every agent count
# up to the traffic: 5.6e16 contacts asked numpy for 79 PiB. A cap far above any real
# interval (or day of casework) keeps a typo from taking a worker down.
VOLUME = Limits(0, 100_000)
EVENT_MULTIPLIER = Limits(0.0, 20.0)  # a holiday closes (0) or an event multiplies volume
ITEMS = Limits(0, 10_000_000)  # items in one day's arrivals or in one backlog bucket
AGENTS = Limits(0, 1_000_000)  # agents on one day of a backlog projection
HORIZON_DAYS = 366  # most working days in one backlog projection (and holidays given)
LATEST_START = date(2999, 12, 31)  # a horizon (with its holidays) must end before date.max
