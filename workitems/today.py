"""Today's operation at a glance, per office, for the dashboard's tiles: contacts waiting and
the longest wait, the service level today, cases due today / at risk / past due, agents by
presence state. Aggregates in SQL: four queries whatever the number of items and agents.

``today_service_level`` is the one place the dashboard reads today's service level from.
The contact-event statistics register themselves as its source (``register_service_level``,
from the ``contacts`` app, which sits above this one); where no contact was measured today
it falls back to today's front-office items (see its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, DurationField, F, Func, Min, Q
from django.utils import timezone

from ccops.choices import Office

from .calendars import queue_day_q, queue_time_zones
from .choices import OPEN_STATUSES, PresenceState, Status
from .models import AgentPresence, WorkItem, WorkType
from .querysets import at_risk_q, past_due_q

_SERVICE_LEVEL_SOURCES: list = []


def register_service_level(source) -> None:
    """``source(teams=, now=)`` returns today's front-office :class:`ServiceLevel` from
    measured contacts, or ``None`` when it measured none (then the items are read)."""
    if source not in _SERVICE_LEVEL_SOURCES:
        _SERVICE_LEVEL_SOURCES.append(source)


class Seconds(Func):
    """A whole number of seconds as an interval (SQLite keeps intervals as microseconds)."""

    output_field = DurationField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="make_interval(secs => %(expressions)s)", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s * 1000000)", **extra)


@dataclass(frozen=True)
class ServiceLevel:
    """Answered within the answer target / offered, today so far. ``percent`` is ``None``
    when nothing was offered (no data, not 0 %)."""

    answered_in_target: int
    offered: int
    source: str

    @property
    def percent(self) -> float | None:
        return 100.0 * self.answered_in_target / self.offered if self.offered else None


@dataclass
class OfficeToday:
    office: str
    label: str
    waiting: int = 0
    longest_wait_seconds: int | None = None
    due_today: int = 0
    at_risk: int = 0
    past_due: int = 0
    service_level: ServiceLevel | None = None
    states: list[dict] = field(default_factory=list)

    @property
    def agents(self) -> int:
        return sum(s["count"] for s in self.states)


def _items(teams):
    items = WorkItem.objects.all()
    return items.filter(team__in=teams) if teams is not None else items


def today_service_level(*, teams=None, now=None, zones=None) -> dict[str, ServiceLevel]:
    """Today's service level per office (``{office: ServiceLevel}``; front office only).

    From the registered contact-event source when it measured contacts today; else from
    today's front-office items of queue work types. Offered = items that
    arrived today and were not cancelled or merged; answered in target = those started
    within their work type's ``sla_answer_seconds`` of arriving, "today" being each queue's
    own day (``zones``: :func:`~workitems.calendars.queue_time_zones`, read when not given).
    One query (two without ``zones``).
    """
    now = now or timezone.now()
    for source in _SERVICE_LEVEL_SOURCES:
        measured = source(teams=teams, now=now)
        if measured is not None:
            return {Office.FRONT: measured}
    target = Seconds(F("work_type__sla_answer_seconds"))
    row = (
        _items(teams)
        .filter(
            queue_day_q(now, "created_at", zones=zones),
            work_type__office=Office.FRONT,
            work_type__channel__in=("call", "chat"),
            created_at__lte=now,
        )
        .exclude(status__in=(Status.CANCELLED, Status.MERGED))
        .aggregate(
            offered=Count("id"),
            answered=Count(
                "id", filter=Q(started_at__isnull=False, started_at__lte=F("created_at") + target)
            ),
        )
    )
    return {Office.FRONT: ServiceLevel(row["answered"] or 0, row["offered"] or 0, "today's items")}


def office_today(*, teams=None, now=None) -> list[OfficeToday]:
    """One :class:`OfficeToday` per office (front, back), restricted to ``teams`` when given
    (items of those teams, agents of those teams). Four queries: the queues' time zones
    ("today" is each queue's own day), open items, today's service level, presence."""
    now = now or timezone.now()
    zones = queue_time_zones()
    labels = dict(Office.choices)
    out = {office: OfficeToday(office, labels[office]) for office in (Office.FRONT, Office.BACK)}
    rows = (
        _items(teams)
        .filter(status__in=OPEN_STATUSES)
        .values("work_type__office")
        .annotate(
            waiting=Count("id", filter=Q(status=Status.NEW)),
            oldest_waiting=Min("created_at", filter=Q(status=Status.NEW)),
            # Today in each queue's own time zone (its calendar's), as its statistics.
            due_today=Count("id", filter=queue_day_q(now, "due_at", zones=zones)),
            # The SLA clock's own at-risk time (``business_hours``); a paused clock (waiting
            # on the customer) is neither at risk nor past due.
            at_risk=Count(
                "id",
                filter=at_risk_q(now),
            ),
            past_due=Count("id", filter=past_due_q(now)),
        )
        .order_by()
    )
    for row in rows:
        tile = out.get(row["work_type__office"])
        if tile is None:
            continue
        tile.waiting = row["waiting"]
        oldest = row["oldest_waiting"]
        tile.longest_wait_seconds = max(0, int((now - oldest).total_seconds())) if oldest else None
        tile.due_today, tile.at_risk, tile.past_due = (
            row["due_today"],
            row["at_risk"],
            row["past_due"],
        )
    for office, level in today_service_level(teams=teams, now=now, zones=zones).items():
        out[office].service_level = level
    presence = AgentPresence.objects.filter(agent__is_active=True, agent__team__isnull=False)
    if teams is not None:
        presence = presence.filter(agent__team__in=teams)
    state_labels = dict(PresenceState.choices)
    order = list(state_labels)
    for row in sorted(
        presence.values("agent__team__office", "state").annotate(n=Count("id")).order_by(),
        key=lambda r: order.index(r["state"]) if r["state"] in order else len(order),
    ):
        tile = out.get(row["agent__team__office"])
        if tile is not None:
            tile.states.append(
                {
                    "state": row["state"],
                    "label": state_labels.get(row["state"], row["state"]),
                    "count": row["n"],
                }
            )
    return list(out.values())


# Like the live backlog (selectors.BACKLOG_MAX_AGE_SECONDS): supervisors' dashboards poll
# every 5 s (ccops.dashboards.live); they share one reading per team selection this long.
TODAY_MAX_AGE_SECONDS = 2


def office_today_snapshot(*, teams=None) -> tuple[list[OfficeToday], datetime]:
    """``office_today(teams=teams)`` and when it was read, shared through the cache for up
    to ``TODAY_MAX_AGE_SECONDS``. For dashboard roles, who may see every team."""
    ids = "all" if teams is None else ",".join(str(t.pk) for t in sorted(teams, key=lambda t: t.pk))
    key = f"workitems:today:v1:{ids}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    now = timezone.now()
    snapshot = (office_today(teams=teams, now=now), now)
    cache.set(key, snapshot, TODAY_MAX_AGE_SECONDS)
    return snapshot


def work_types_today(*, office: str, now=None) -> list[dict]:
    """Per active work type of ``office`` (for the wallboard): open backlog, waiting (new)
    and the oldest waiting arrival, due today, at risk and past due (the SLA clock's own
    times, as :func:`office_today`; today in each queue's own time zone). Types without open
    work show zeros. Two queries (the types' time zones, then the counts)."""
    now = now or timezone.now()
    is_open = Q(items__status__in=OPEN_STATUSES)
    due_today = queue_day_q(
        now,
        "items__due_at",
        type_field="pk",
        zones=queue_time_zones(WorkType.objects.filter(office=office, active=True)),
    )
    rows = (
        WorkType.objects.filter(office=office, active=True)
        .annotate(
            open_count=Count("items", filter=is_open),
            waiting=Count("items", filter=Q(items__status=Status.NEW)),
            oldest_waiting=Min("items__created_at", filter=Q(items__status=Status.NEW)),
            due_today=Count("items", filter=is_open & due_today),
            at_risk=Count(
                "items",
                filter=at_risk_q(now, prefix="items__"),
            ),
            past_due=Count("items", filter=past_due_q(now, prefix="items__")),
        )
        .order_by("name")
        .values(
            "id",
            "name",
            "channel",
            "open_count",
            "waiting",
            "oldest_waiting",
            "due_today",
            "at_risk",
            "past_due",
        )
    )
    out = []
    for row in rows:
        oldest = row.pop("oldest_waiting")
        row["longest_wait_seconds"] = (
            max(0, int((now - oldest).total_seconds())) if oldest else None
        )
        out.append(row)
    return out


def agents_by_state(*, office: str) -> list[dict]:
    """Active agents of ``office``'s teams per presence state, in the states' order, with
    readable labels. ONE query."""
    labels = dict(PresenceState.choices)
    counts = dict(
        AgentPresence.objects.filter(
            agent__is_active=True, agent__team__isnull=False, agent__team__office=office
        )
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        {"state": state, "label": label, "count": counts[state]}
        for state, label in labels.items()
        if counts.get(state)
    ]
