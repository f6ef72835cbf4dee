"""Work-item KPIs of both offices, registered with ``ccops.kpis`` (definitions: DOMAIN.md).

Common rules
    A day is ``[00:00, 24:00)`` in the project's time zone. A *completion* is a ``completed``
    or ``handed_off`` event (the item closed as done), credited to the event's actor: events
    are immutable, so an item reopened and completed again counts once on each day, for
    whoever closed it. Handle time is recorded per work segment on the event that ends it
    (``WorkItemEvent.handle_seconds``, credited to ``handled_by``), so AHT sums the
    segments that ended on the day, by who did them: a reopened item's earlier work is not
    counted again, and a day computed again later gives the same figure.
    The completion-based KPIs share ONE set-based query per day (per agent: counts, sums
    and flags, all in SQL); reopens and presence add one query each. The framework rolls
    agents up to team, office and overall.

Backlog (scope level: per team, office and overall, never per agent)
    An item is open at the end of day D if it was created before the end of D and had not
    closed by then; closing is ``completed_at``, or ``updated_at`` for cancelled and merged
    items. Computed nightly for yesterday this is exact; in a backfill an item reopened
    later counts as open between its first completion and the reopen (its first completion
    time is no longer on the row). Office = the work type's office (items without a team
    count in their office and overall).
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Lag

from ccops import kpis
from ccops.choices import Office
from ccops.kpi_models import OFFICE_SCOPE_IDS, OVERALL_SCOPE_ID, ScopeKind
from ccops.kpis.sql import Epoch, Percentile

from .choices import EventKind, PresenceState, Status
from .models import PresenceChange, WorkItem, WorkItemEvent
from .querysets import past_due_at_end_q

CLOSING_EVENTS = (EventKind.COMPLETED, EventKind.HANDED_OFF)
# N in "repeat contact within N days" and "resolved without a follow-up within N days".
REPEAT_WINDOW_DAYS = getattr(settings, "KPI_REPEAT_CONTACT_DAYS", 7)
FCR_WINDOW_DAYS = getattr(settings, "KPI_FCR_DAYS", 7)
# Productive minutes per agent-day when no staffing provider is registered:
# 7.5 paid hours x 60 x 0.8 (20 % shrinkage: breaks, meetings, training) = 360.
DEFAULT_PRODUCTIVE_MINUTES = 360.0


def _completions(day):
    start, end = kpis.day_bounds(day)
    return WorkItemEvent.objects.filter(
        at__gte=start, at__lt=end, kind__in=CLOSING_EVENTS, actor__isnull=False
    )


def _closing_stats(day) -> dict[int, dict]:
    """Per agent, everything the completion-based KPIs need, in ONE query over the day's
    completions (shared by AHT, SLA, productivity, reopen, repeat, FCR and hand-off rates
    within a recompute through the day cache)."""
    cache = kpis.day_cache()
    key = ("workitems.closing_stats", day)
    if key in cache:
        return cache[key]
    window = timedelta(days=FCR_WINDOW_DAYS)
    earlier = WorkItem.objects.filter(
        customer_id=OuterRef("item__customer_id"),
        work_type_id=OuterRef("item__work_type_id"),
        created_at__lt=OuterRef("item__created_at"),
        created_at__gte=OuterRef("item__created_at") - timedelta(days=REPEAT_WINDOW_DAYS),
    )
    follow_up = WorkItem.objects.filter(
        customer_id=OuterRef("item__customer_id"),
        created_at__gt=OuterRef("at"),
        created_at__lte=OuterRef("at") + window,
    )
    reopened = WorkItemEvent.objects.filter(
        item=OuterRef("item"), at__gt=OuterRef("at"), at__lte=OuterRef("at") + window
    ).filter(_REOPEN_EVENTS)
    has_due, has_customer = Q(item__due_at__isnull=False), Q(item__customer__isnull=False)
    front = Q(item__work_type__office=Office.FRONT)

    def count_if(condition):
        return Sum(Case(When(condition, then=1), default=0, output_field=IntegerField()))

    rows = (
        _completions(day)
        .annotate(repeat=Exists(earlier), follow_up=Exists(follow_up), reopened=Exists(reopened))
        .values("actor")
        .annotate(
            closed=Count("id"),
            with_due=Count("id", filter=has_due),
            on_time=Count("id", filter=has_due & Q(at__lte=F("item__due_at"))),
            earned=Cast(Sum("item__work_type__standard_minutes"), FloatField()),
            with_customer=Count("id", filter=has_customer),
            repeats=count_if(has_customer & Q(repeat=True)),
            first_time=count_if(Q(kind=EventKind.COMPLETED, follow_up=False, reopened=False)),
            front_closed=Count("id", filter=front),
            front_handoffs=Count("id", filter=front & Q(kind=EventKind.HANDED_OFF)),
        )
        .order_by()
    )
    cache[key] = {r["actor"]: r for r in rows}
    return cache[key]


def _rows(day, numerator: str, denominator: str) -> list[tuple[int, float, float]]:
    return [
        (agent, r[numerator] or 0, r[denominator])
        for agent, r in _closing_stats(day).items()
        if r[denominator]
    ]


_REOPEN_EVENTS = Q(kind=EventKind.REOPENED) | Q(
    kind=EventKind.COMMENTED, data__has_key="follow_up_id"
)


# --- Agent-level KPIs -------------------------------------------------------------------


@kpis.kpi(
    "aht",
    name="Average handle time",
    unit="min",
    direction=kpis.LOWER,
    scale=1 / 60,
    order=10,
    description="""Handle time an agent worked that day / items the agent closed that day.
    Numerator: the work segments (time in progress: talk, hold and wrap for contacts, work
    time for cases) that ended that day, each recorded on the event that ended it (pause,
    completion, hand-off, escalation, reassignment) and credited to who did it; each
    segment counts once, on its own day. Denominator: completions and hand-offs. Shown in
    minutes.""",
)
def aht(day):
    start, end = kpis.day_bounds(day)
    worked = (
        WorkItemEvent.objects.filter(
            at__gte=start, at__lt=end, handle_seconds__gt=0, handled_by__isnull=False
        )
        .values("handled_by")
        .annotate(seconds=Sum("handle_seconds"))
        .order_by()
    )
    closed = [(agent, 0, r["closed"]) for agent, r in _closing_stats(day).items()]
    return closed + [(r["handled_by"], r["seconds"], 0) for r in worked]


@kpis.kpi(
    "sla_attainment",
    name="SLA attainment",
    unit="%",
    direction=kpis.HIGHER,
    scale=100,
    order=20,
    description="""Items closed by their due time / items closed (items with a due time).
    Due time = arrival + the work type's SLA in open hours of its business calendar,
    moved on by time waiting on the customer. The past-due open count is the
    backlog_past_due KPI.""",
)
def sla_attainment(day):
    return _rows(day, "on_time", "with_due")


def _worked_agents(day) -> set[int]:
    """Agents with any completion (from the shared query) or any non-offline presence."""
    start, end = kpis.day_bounds(day)
    present = (
        PresenceChange.objects.filter(started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .exclude(state=PresenceState.OFFLINE)
        .values_list("agent", flat=True)
        .distinct()
        .order_by()
    )
    return set(_closing_stats(day)) | set(present)


@kpis.kpi(
    "productivity",
    name="Productivity (normalised)",
    unit="%",
    direction=kpis.HIGHER,
    scale=100,
    order=30,
    description=f"""Earned standard minutes / productive minutes. Earned = for each item
    closed, its work type's standard minutes. Productive minutes: the agent's scheduled
    minutes from staffing's registered provider (shifts) when the agent had a shift that
    day; otherwise a stated default of {DEFAULT_PRODUCTIVE_MINUTES:g} minutes
    (7.5 h x 60 x 0.8 after 20 % shrinkage) for an agent-day with any completion or any
    non-offline presence.""",
)
def productivity(day):
    earned = [(agent, r["earned"] or 0.0, 0.0) for agent, r in _closing_stats(day).items()]
    provider = kpis.productive_minutes_provider()
    scheduled = [] if provider is None else [(a, 0.0, m) for a, m in provider(day) if m]
    with_shift = {row[0] for row in scheduled}
    default = [
        (agent, 0.0, DEFAULT_PRODUCTIVE_MINUTES)
        for agent in _worked_agents(day)
        if agent not in with_shift
    ]
    return earned + scheduled + default


def _reopens(day):
    """Reopens recorded on the day (same-item reopens, and late reopens that opened a new
    item, logged on the original), each credited to whoever last closed that item."""
    start, end = kpis.day_bounds(day)
    closer = WorkItemEvent.objects.filter(
        item=OuterRef("item"), kind__in=CLOSING_EVENTS, at__lte=OuterRef("at")
    ).order_by("-at", "-id")
    return (
        WorkItemEvent.objects.filter(at__gte=start, at__lt=end)
        .filter(_REOPEN_EVENTS)
        .annotate(closer=Subquery(closer.values("actor")[:1]))
        .filter(closer__isnull=False)
    )


@kpis.kpi(
    "reopen_rate",
    name="Reopen rate",
    unit="%",
    direction=kpis.LOWER,
    scale=100,
    order=40,
    description="""Reopened / completed. Numerator: reopens recorded that day (the same item
    back in the queue, or a new item linked to it after the reopen window), credited to
    the agent who closed the item; denominator: the agent's completions that day.""",
)
def reopen_rate(day):
    closed = [(agent, 0, r["closed"]) for agent, r in _closing_stats(day).items()]
    reopened = _reopens(day).values("closer").annotate(n=Count("id")).order_by()
    return closed + [(r["closer"], r["n"], 0) for r in reopened]


@kpis.kpi(
    "repeat_contact_rate",
    name="Repeat contact rate",
    unit="%",
    direction=kpis.LOWER,
    scale=100,
    order=50,
    description=f"""Repeat contacts / contacts, over the items with a customer that an agent
    closed that day. A repeat: the same customer had another item of the same work type
    created within {REPEAT_WINDOW_DAYS} days before this one.""",
)
def repeat_contact_rate(day):
    return _rows(day, "repeats", "with_customer")


@kpis.kpi(
    "fcr",
    name="First contact resolution",
    unit="%",
    direction=kpis.HIGHER,
    scale=100,
    order=60,
    settle_days=FCR_WINDOW_DAYS,
    description=f"""Resolved without a follow-up contact or hand-off within
    {FCR_WINDOW_DAYS} days / resolved. Denominator: the agent's completions and hand-offs
    that day; numerator: completions (not hand-offs) after which, within
    {FCR_WINDOW_DAYS} days, the customer opened no other item and the item was not
    reopened. It needs {FCR_WINDOW_DAYS} days to settle: the nightly run recomputes the
    day that has just settled.""",
)
def fcr(day):
    return _rows(day, "first_time", "closed")


@kpis.kpi(
    "handoff_rate",
    name="Hand-off rate",
    unit="%",
    direction=kpis.LOWER,
    offices={Office.FRONT},
    scale=100,
    order=70,
    description="""Front-office contacts handed off to the back office / front-office
    contacts closed (completed or handed off), per agent and day.""",
)
def handoff_rate(day):
    return _rows(day, "front_handoffs", "front_closed")


# --- Backlog: per work type and team, and per team / office / overall -------------------


def _open_at_end(day):
    _start, end = kpis.day_bounds(day)
    closed_at = Coalesce(
        "completed_at",
        Case(When(status__in=(Status.CANCELLED, Status.MERGED), then=F("updated_at"))),
    )
    return (
        WorkItem.objects.filter(created_at__lt=end)
        .annotate(closed_at=closed_at)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    )


def _age_hours(day):
    _start, end = kpis.day_bounds(day)
    return (Value(end.timestamp()) - Epoch("created_at")) / 3600.0


def _backlog_aggregates(day):
    _start, end = kpis.day_bounds(day)
    age_hours = _age_hours(day)
    return {
        "open": Count("id"),
        "past_due": Count("id", filter=past_due_at_end_q(end)),
        "age_p50_hours": Percentile(age_hours, 0.5),
        "age_p90_hours": Percentile(age_hours, 0.9),
        "age_max_hours": Max(age_hours),
    }


# One scan of the open items for the four groupings on PostgreSQL (the backlog query is the
# costliest of a day: it reads every item created before the end of the day).
_GROUPING_SETS_SQL = """
SELECT work_type_id, team_id, wt_office, team_office,
       GROUPING(work_type_id, team_id, wt_office, team_office) AS grouping_id,
       COUNT(*) AS open,
       COUNT(*) FILTER (WHERE late) AS past_due,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY age) AS age_p50_hours,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY age) AS age_p90_hours,
       MAX(age) AS age_max_hours
FROM ({inner}) AS open_items
GROUP BY GROUPING SETS ((work_type_id, team_id, wt_office), (team_id, team_office),
                        (wt_office), ())
"""
_GROUPS = {1: "type_team", 10: "team", 13: "office", 15: "overall"}
_FIELDS = ("open", "past_due", "age_p50_hours", "age_p90_hours", "age_max_hours")


def _backlog_groups(day) -> dict[str, list[dict]]:
    """End-of-day backlog by (work type, team), by team, by office and overall. Shared by
    the backlog snapshot and the four backlog KPIs within one recompute (day cache):
    one query on PostgreSQL (GROUPING SETS), four elsewhere."""
    cache = kpis.day_cache()
    key = ("workitems.backlog_groups", day)
    if key in cache:
        return cache[key]
    items = _open_at_end(day)
    groups: dict[str, list[dict]] = {name: [] for name in _GROUPS.values()}
    if connection.vendor == "postgresql":
        _start, end = kpis.day_bounds(day)
        inner = items.values(
            "work_type_id",
            "team_id",
            wt_office=F("work_type__office"),
            team_office=F("team__office"),
            age=_age_hours(day),
            late=ExpressionWrapper(past_due_at_end_q(end), output_field=BooleanField()),
        ).order_by()
        inner_sql, params = inner.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(_GROUPING_SETS_SQL.format(inner=inner_sql), params)
            columns = [c[0] for c in cursor.description]
            for values in cursor.fetchall():
                r = dict(zip(columns, values, strict=True))
                r["work_type__office"] = r["wt_office"]
                r["team__office"] = r["team_office"]
                groups[_GROUPS[r["grouping_id"]]].append(r)
    else:
        aggregates = _backlog_aggregates(day)
        by = {
            "type_team": ("work_type_id", "team_id", "work_type__office"),
            "team": ("team_id", "team__office"),
            "office": ("work_type__office",),
        }
        for name, fields in by.items():
            groups[name] = list(items.values(*fields).annotate(**aggregates).order_by(*fields))
        overall = items.aggregate(**aggregates)
        groups["overall"] = [overall] if overall["open"] else []
    cache[key] = groups
    return groups


def backlog_snapshot(day) -> list[dict]:
    """One row per work type and team: end-of-day backlog and the day's arrivals and
    completions (3 queries, the first shared with the backlog KPIs)."""
    start, end = kpis.day_bounds(day)
    rows: dict[tuple, dict] = {}

    def row(work_type_id, team_id, office):
        key = (work_type_id, team_id)
        if key not in rows:
            rows[key] = {
                "work_type_id": work_type_id,
                "team_id": team_id,
                "office": office,
                "open": 0,
                "past_due": 0,
                "arrivals": 0,
                "completions": 0,
                "age_p50_hours": None,
                "age_p90_hours": None,
                "age_max_hours": None,
            }
        return rows[key]

    for r in _backlog_groups(day)["type_team"]:
        target = row(r["work_type_id"], r["team_id"], r["work_type__office"])
        for name in _FIELDS:
            target[name] = r[name]
    arrivals = (
        WorkItem.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("work_type_id", "team_id", "work_type__office")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in arrivals:
        row(r["work_type_id"], r["team_id"], r["work_type__office"])["arrivals"] = r["n"]
    completions = (
        WorkItemEvent.objects.filter(at__gte=start, at__lt=end, kind__in=CLOSING_EVENTS)
        .values("item__work_type_id", "item__team_id", "item__work_type__office")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in completions:
        key = (r["item__work_type_id"], r["item__team_id"], r["item__work_type__office"])
        row(*key)["completions"] = r["n"]
    return list(rows.values())


kpis.register_backlog(backlog_snapshot)


# --- The process map's input (``ccops.kpis.process_map`` aggregates it nightly) -----------


def process_status_changes(start, end):
    """Every status change (and creation: "" -> new) of the items that moved in
    ``[start, end)``, with the time of the item's previous change from ``LAG`` over its
    events (so the time in a status is known even when it began before the window). A
    hand-off ends at the ``handed_off`` node. A queryset: the process map aggregates it in
    SQL straight into its snapshot."""
    touched = WorkItemEvent.objects.filter(at__gte=start, at__lt=end).values("item_id")
    to_node = Case(
        When(kind=EventKind.HANDED_OFF, then=Value(EventKind.HANDED_OFF.value)),
        default=F("to_status"),
    )
    return (
        WorkItemEvent.objects.filter(item_id__in=touched, at__lt=end)
        .exclude(from_status=F("to_status"))
        .annotate(
            work_type_id=F("item__work_type_id"),
            team_id=F("item__team_id"),
            to_node=to_node,
            epoch=Epoch("at"),
            prev_epoch=Window(
                Lag(Epoch("at")), partition_by=[F("item_id")], order_by=[F("at"), F("id")]
            ),
        )
        .values("work_type_id", "team_id", "from_status", "to_node", "epoch", "prev_epoch")
        .order_by()
    )


def process_handoffs(start, end) -> list[dict]:
    """Hand-offs in ``[start, end)`` per (work type, team) of the item and of the case it
    created (the case's id is in the event's data). One query."""
    case = WorkItem.objects.filter(pk=OuterRef("case_id"))
    return list(
        WorkItemEvent.objects.filter(at__gte=start, at__lt=end, kind=EventKind.HANDED_OFF)
        .annotate(case_id=Cast(KeyTextTransform("case_id", "data"), BigIntegerField()))
        .annotate(
            to_work_type_id=Subquery(case.values("work_type_id")[:1]),
            to_team_id=Subquery(case.values("team_id")[:1]),
        )
        .filter(to_work_type_id__isnull=False)
        .values(
            "to_work_type_id",
            "to_team_id",
            work_type_id=F("item__work_type_id"),
            team_id=F("item__team_id"),
        )
        .annotate(count=Count("id"))
        .order_by()
    )


kpis.register_process_log(status_changes=process_status_changes, handoffs=process_handoffs)


def _backlog_scopes(day) -> list[tuple[str, int, str, dict]]:
    """(kind, scope_id, office, aggregates) for every team, office and overall."""
    groups = _backlog_groups(day)
    out = [
        (ScopeKind.TEAM, r["team_id"], r["team__office"] or "", r)
        for r in groups["team"]
        if r["team_id"] is not None
    ]
    for r in groups["office"]:
        office = r["work_type__office"]
        out.append((ScopeKind.OFFICE, OFFICE_SCOPE_IDS[office], office, r))
    out.extend((ScopeKind.OVERALL, OVERALL_SCOPE_ID, "", r) for r in groups["overall"])
    return out


def _backlog_kpi(field: str):
    def compute(day):
        return [
            (kind, scope_id, office, float(agg[field] or 0), 1.0)
            for kind, scope_id, office, agg in _backlog_scopes(day)
        ]

    compute.__module__ = __name__
    compute.__name__ = f"backlog_{field}"
    return compute


_BACKLOG_NOTE = """Per team, office and overall (not per agent): the backlog at the end of
the day. Numerator the day's figure, denominator 1, so a week or a month is the average
end-of-day figure."""

kpis.register(
    "backlog_open",
    name="Backlog (open items)",
    unit="items",
    direction=kpis.LOWER,
    level=kpis.SCOPE,
    order=80,
    compute=_backlog_kpi("open"),
    description=f"Open items at the end of the day. {_BACKLOG_NOTE}",
)
kpis.register(
    "backlog_past_due",
    name="Backlog past due",
    unit="items",
    direction=kpis.LOWER,
    level=kpis.SCOPE,
    order=81,
    compute=_backlog_kpi("past_due"),
    description="Open items past their due time at the end of the day (one waiting on the "
    f"customer then is not: its clock was stopped). {_BACKLOG_NOTE}",
)
kpis.register(
    "backlog_age_p50",
    name="Backlog age p50",
    unit="h",
    direction=kpis.LOWER,
    level=kpis.SCOPE,
    order=82,
    compute=_backlog_kpi("age_p50_hours"),
    description=f"""Median age (hours since arrival) of the open items at the end of the
    day, computed directly for each scope (percentiles do not add up). {_BACKLOG_NOTE}""",
)
kpis.register(
    "backlog_age_p90",
    name="Backlog age p90",
    unit="h",
    direction=kpis.LOWER,
    level=kpis.SCOPE,
    order=83,
    compute=_backlog_kpi("age_p90_hours"),
    description=f"""90th percentile age (hours) of the open items at the end of the day,
    computed directly for each scope. {_BACKLOG_NOTE}""",
)
