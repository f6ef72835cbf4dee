"""The KPI registry: every app declares its KPIs in ``<app>/kpis.py`` with :func:`register`.

A KPI is a pair of numbers per scope and day, ``numerator`` and ``denominator``; its value is
``numerator / denominator`` (``None`` when the denominator is 0). Storing both makes every
roll-up exact: a team's value for a month is the sum of its members' numerators over the sum
of their denominators, never an average of averages.

Two levels of computation:

``level="agent"`` (the default)
    ``compute(day)`` returns ``(agent_id, numerator, denominator)`` rows for one day, from ONE
    set-based query (``values("agent").annotate(...)``) or a few merged ones. The framework
    rolls agent rows up to team, office and overall by summing in SQL. An agent belongs to
    their *current* team when the day is computed (membership is not snapshotted per day).

``level="scope"``
    For measures that belong to a place rather than a person (backlog counts and age
    percentiles) or that do not add up (percentiles): ``compute(day)`` returns
    ``(scope_kind, scope_id, office, numerator, denominator)`` rows for every team, office
    and overall scope itself; the framework stores them as they are. Measures of a queue
    (a work type) also give ``queue`` rows, ``scope_id`` the work type's id, with a sixth
    element: the queue's owning team id (or None), stored as the row's ``team``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ccops.choices import Office

AGENT = "agent"
SCOPE = "scope"
HIGHER = "higher"
LOWER = "lower"
BOTH_OFFICES = frozenset({Office.FRONT.value, Office.BACK.value})


@dataclass(frozen=True)
class Kpi:
    """One KPI definition. ``scale`` turns a stored value into its display unit
    (100 for a rate shown in %); goals' targets are in display units."""

    key: str
    name: str
    unit: str
    direction: str
    offices: frozenset[str]
    compute: Callable[[date], Iterable[tuple]]
    description: str = ""
    level: str = AGENT
    scale: float = 1.0
    decimals: int = 1
    order: int = 100
    settle_days: int = 0
    app_label: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.direction == HIGHER

    def display(self, value: float | None) -> float | None:
        """The stored value in display units, rounded to ``decimals``."""
        if value is None:
            return None
        return round(value * self.scale, self.decimals)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction,
            "offices": sorted(self.offices),
            "level": self.level,
            "scale": self.scale,
            "decimals": self.decimals,
            "settle_days": self.settle_days,
            "description": self.description,
            "app": self.app_label,
        }


@dataclass(frozen=True)
class ProcessLog:
    """Where the process map reads how work flowed: the work app's event log, registered
    with :func:`register_process_log` (the KPI framework never imports an app by name)."""

    status_changes: Callable[[datetime, datetime], object]
    handoffs: Callable[[datetime, datetime], Iterable[dict]]


@dataclass
class _Registry:
    kpis: dict[str, Kpi] = field(default_factory=dict)
    productive_minutes: Callable | None = None
    backlog: Callable | None = None
    process_log: ProcessLog | None = None


_REGISTRY = _Registry()


def register(
    key: str,
    *,
    name: str,
    unit: str,
    direction: str,
    offices=BOTH_OFFICES,
    compute: Callable[[date], Iterable[tuple]],
    description: str = "",
    level: str = AGENT,
    scale: float = 1.0,
    decimals: int = 1,
    order: int = 100,
    settle_days: int = 0,
) -> Kpi:
    """Declare a KPI. Call it at import time of ``<app>/kpis.py``; re-registering a key
    replaces it (module reloads in tests), so registration is idempotent."""
    if direction not in (HIGHER, LOWER):
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}")
    if level not in (AGENT, SCOPE):
        raise ValueError(f"level must be 'agent' or 'scope', not {level!r}")
    offices = frozenset(str(o) for o in offices)
    unknown = offices - BOTH_OFFICES
    if unknown or not offices:
        raise ValueError(f"offices must be a non-empty subset of {sorted(BOTH_OFFICES)}")
    if not key or len(key) > 40 or not key.replace("_", "").isalnum():
        raise ValueError(f"bad KPI key {key!r}: letters, digits and _ only, 40 at most")
    app_label = getattr(compute, "__module__", "").split(".")[0]
    kpi = Kpi(
        key=key,
        name=name,
        unit=unit,
        direction=direction,
        offices=offices,
        compute=compute,
        description=" ".join(description.split()),
        level=level,
        scale=scale,
        decimals=decimals,
        order=order,
        settle_days=settle_days,
        app_label=app_label,
    )
    _REGISTRY.kpis[key] = kpi
    return kpi


def kpi(key: str, **options):
    """Decorator form of :func:`register`: ``@kpi("aht", name=..., unit=..., ...)``."""

    def wrap(func):
        register(key, compute=func, **options)
        return func

    return wrap


def unregister(key: str) -> None:
    _REGISTRY.kpis.pop(key, None)


def get(key: str) -> Kpi:
    return _REGISTRY.kpis[key]


def all_kpis() -> list[Kpi]:
    """Every registered KPI, in display order."""
    return sorted(_REGISTRY.kpis.values(), key=lambda k: (k.order, k.key))


def kpi_keys() -> list[str]:
    return [k.key for k in all_kpis()]


keys = kpi_keys  # short alias


def register_productive_minutes(provider: Callable[[date], Iterable[tuple[int, float]]]) -> None:
    """Staffing registers where productive minutes come from: ``provider(day)`` returns
    ``(agent_id, productive_minutes)`` rows (e.g. from scheduled shifts minus breaks)."""
    _REGISTRY.productive_minutes = provider


def productive_minutes_provider() -> Callable | None:
    return _REGISTRY.productive_minutes


def register_backlog(source: Callable[[date], Iterable[dict]]) -> None:
    """The work app registers its backlog snapshot: ``source(day)`` returns one dict per work
    type and team with ``work_type_id, team_id, office, open, past_due, arrivals,
    completions, age_p50_hours, age_p90_hours, age_max_hours``."""
    _REGISTRY.backlog = source


def backlog_source() -> Callable | None:
    return _REGISTRY.backlog


def register_process_log(
    *,
    status_changes: Callable[[datetime, datetime], object],
    handoffs: Callable[[datetime, datetime], Iterable[dict]],
) -> None:
    """The work app registers its event log for the process map.

    ``status_changes(start, end)`` returns a values queryset with one row per status change
    (creation included) of every item that changed in ``[start, end)``, its earlier changes
    too: ``work_type_id, team_id, from_status, to_node, epoch, prev_epoch`` (seconds; the
    previous change of the same item, NULL for its first). The process map aggregates it in
    SQL into the day's snapshot, so it must be a queryset, not a list.
    ``handoffs(start, end)`` returns ``work_type_id, team_id, to_work_type_id, to_team_id,
    count`` rows: hand-offs in the window from an item's group to its case's group."""
    _REGISTRY.process_log = ProcessLog(status_changes=status_changes, handoffs=handoffs)


def process_log() -> ProcessLog | None:
    return _REGISTRY.process_log


# --- Helpers for KPI functions ----------------------------------------------------------

_day_cache: ContextVar[dict | None] = ContextVar("ccops_kpis_day_cache", default=None)


def day_bounds(day: date, tz=None) -> tuple[datetime, datetime]:
    """The day as ``[start, end)`` aware datetimes in ``tz`` (default: the project's time
    zone): 24 hours, or 23 / 25 on the days the clocks change. A queue's day is in its
    calendar's zone (``workitems.calendars.queue_time_zones``)."""
    tz = tz or timezone.get_current_timezone()
    start = datetime.combine(day, time.min).replace(tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min).replace(tzinfo=tz)
    return start, end


def day_cache() -> dict:
    """A dict shared by the KPI functions during one recompute of one day (e.g. one backlog
    query feeding four backlog KPIs); a fresh dict outside a recompute, so never stale."""
    cache = _day_cache.get()
    return {} if cache is None else cache


@contextmanager
def day_cache_scope():
    token = _day_cache.set({})
    try:
        yield
    finally:
        _day_cache.reset(token)
