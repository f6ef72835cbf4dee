"""The process map: how work actually flowed, read from the work-item event log.

Every status change of an item is a step from one node to the next; a node is (group,
status), the group being the item's work type, team or office. Hand-offs link a front-office
contact to the back-office case it created, across groups.

The work app registers its event log with :func:`ccops.kpis.register_process_log` (its
status changes as a queryset, its hand-offs as rows); this module never reads the app's
tables itself. Nightly (``snapshot_day``, called by the KPI recompute) the day's status
changes are aggregated in SQL into :class:`~ccops.kpi_models.ProcessStepSnapshot` rows
per work type, team and step: the count, and a histogram of the time spent in the "from"
status (from the item's previous status change, found with ``LAG`` over its events, even
when that was before the day). The page (``flows``) sums the snapshots of a period in ONE
query, whatever the volume of events: counts on each path, the median and p90 time on each
step (interpolated within the histogram bucket, see ``PROCESS_BUCKET_EDGES_HOURS``), where
items wait longest, and how often work bounces back: reopened (done -> new) and returned
to the queue (assigned -> new), per item closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.db.models import F, Sum

from ..kpi_models import PROCESS_BUCKET_EDGES_HOURS, PROCESS_BUCKETS, ProcessStepSnapshot
from . import registry
from .registry import day_bounds

LEVELS = {"work_type": "Work type", "team": "Team", "office": "Office"}
# Event kinds and statuses of the work app, by value (ccops does not import the app).
HANDED_OFF = "handed_off"
STATUS_ORDER = [
    "new",
    "assigned",
    "in_progress",
    "pending",
    "escalated",
    "handed_off",
    "done",
    "cancelled",
    "merged",
]
STATUS_LABELS = {s: s.replace("_", " ").capitalize() for s in STATUS_ORDER}
KIND_LABELS = {"flow": "Within the lane", "handoff": "Hand-off", "bounce": "Bounce-back"}
BOUNCES = {("done", "new"), ("assigned", "new")}
NODE_W, NODE_H, COL_GAP, LANE_GAP, MARGIN, LABEL_W = 104, 34, 46, 54, 16, 120


@dataclass
class Edge:
    source: tuple[str, str]
    target: tuple[str, str]
    count: int
    median_hours: float | None = None
    p90_hours: float | None = None
    kind: str = "flow"  # flow | handoff | bounce
    path: str = ""
    width: float = 1.0
    label_x: float = 0.0
    label_y: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.count}" + (f" · {duration(self.median_hours)}" if self.median_hours else "")

    @property
    def source_label(self) -> str:
        return STATUS_LABELS.get(self.source[1], self.source[1])

    @property
    def target_label(self) -> str:
        return STATUS_LABELS.get(self.target[1], self.target[1])

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class Node:
    key: tuple[str, str]
    office: str = ""
    x: float = 0.0
    y: float = 0.0
    count_in: int = 0
    count_out: int = 0

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.key[1], self.key[1])

    @property
    def cx(self) -> float:
        return self.x + NODE_W / 2

    @property
    def ty(self) -> float:
        return self.y + NODE_H / 2 + 4


@dataclass
class ProcessMap:
    level: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    lanes: list[dict] = field(default_factory=list)
    closed: int = 0
    reopened: int = 0
    returned: int = 0
    width: float = 0
    height: float = 0

    @property
    def bounced(self) -> int:
        return self.reopened + self.returned

    @property
    def bounce_rate(self) -> float | None:
        """Bounce-backs (reopened or returned to the queue) per item closed."""
        return self.bounced / self.closed if self.closed else None

    @property
    def longest_waits(self) -> list[Edge]:
        """Steps with the longest median time, among open statuses (time spent done before
        a reopen is not waiting in the process)."""
        timed = [
            e
            for e in self.edges
            if e.median_hours is not None and e.source[1] not in ("done", "cancelled", "merged")
        ]
        return sorted(timed, key=lambda e: -e.median_hours)[:5]


def duration(hours: float | None) -> str:
    if hours is None:
        return "-"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def hist_percentile(counts: list[int], p: float) -> float | None:
    """The p-quantile of a histogram over ``PROCESS_BUCKET_EDGES_HOURS``, interpolated
    linearly inside its bucket (the open last bucket is read as up to twice its edge)."""
    total = sum(counts)
    if not total:
        return None
    target = p * total
    edges = (0.0, *PROCESS_BUCKET_EDGES_HOURS, 2 * PROCESS_BUCKET_EDGES_HOURS[-1])
    seen = 0
    for i, n in enumerate(counts):
        if n and seen + n >= target:
            return edges[i] + (edges[i + 1] - edges[i]) * (target - seen) / n
        seen += n
    return edges[-1]


# --- Nightly: aggregate one day's events -------------------------------------------------

_HOURS = "(epoch - prev_epoch) / 3600.0"
_STEPS_SQL = """
SELECT work_type_id, team_id, from_status, to_node, COUNT(*) AS count,
       COUNT(prev_epoch) AS timed, COALESCE(SUM({hours}), 0) AS total_hours, {buckets}
FROM ({inner}) AS changes
WHERE epoch >= %s AND from_status <> ''
GROUP BY work_type_id, team_id, from_status, to_node
"""


def _bucket_sql() -> str:
    # + 3.6 ms: SQLite's julianday() arithmetic puts exactly 1 minute a hair below 1/60 h.
    hours = f"({_HOURS} + 0.000001)"
    edges = PROCESS_BUCKET_EDGES_HOURS
    parts = [f"SUM(CASE WHEN {hours} < {edges[0]!r} THEN 1 ELSE 0 END) AS h0"]
    for i in range(1, len(edges)):
        parts.append(
            f"SUM(CASE WHEN {hours} >= {edges[i - 1]!r} AND {hours} < {edges[i]!r} "
            f"THEN 1 ELSE 0 END) AS h{i}"
        )
    parts.append(f"SUM(CASE WHEN {hours} >= {edges[-1]!r} THEN 1 ELSE 0 END) AS h{len(edges)}")
    return ", ".join(parts)


def _steps_sql(start: datetime, end: datetime) -> tuple[str, list] | None:
    """SQL of the day's steps: the registered event log's status changes (with the time
    since the item's previous change) grouped per step. ``None`` without an event log."""
    log = registry.process_log()
    if log is None:
        return None
    inner_sql, params = log.status_changes(start, end).query.sql_with_params()
    sql = _STEPS_SQL.format(hours=_HOURS, buckets=_bucket_sql(), inner=inner_sql)
    return sql, [*params, start.timestamp()]


STEP_COLUMNS = [
    "work_type_id",
    "team_id",
    "from_status",
    "to_node",
    "count",
    "timed",
    "total_hours",
    *PROCESS_BUCKETS,
]


def step_rows(start: datetime, end: datetime) -> list[dict]:
    """Status changes in ``[start, end)`` per work type, team and step, with the histogram
    of time in the previous status (1 query)."""
    steps = _steps_sql(start, end)
    if steps is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*steps)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def handoff_rows(start: datetime, end: datetime) -> list[dict]:
    """Hand-offs in ``[start, end)`` from (work type, team) to the case's (1 query)."""
    log = registry.process_log()
    return [] if log is None else list(log.handoffs(start, end))


def snapshot_day(day: date) -> int:
    """Replace the day's process snapshot (call inside the recompute's transaction). The
    steps go straight from the aggregate into the table (``INSERT ... SELECT``)."""
    start, end = day_bounds(day)
    ProcessStepSnapshot.objects.filter(day=day).delete()
    steps_sql = _steps_sql(start, end)
    if steps_sql is None:
        return 0
    sql, params = steps_sql
    table = ProcessStepSnapshot._meta.db_table
    columns = ", ".join(STEP_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, {columns}) SELECT %s, {columns} FROM ({sql}) AS steps",
            [day, *params],
        )
        steps = cursor.rowcount
    handoffs = [
        ProcessStepSnapshot(
            day=day,
            work_type_id=r["work_type_id"],
            team_id=r["team_id"],
            from_status=HANDED_OFF,
            to_node="new",
            to_work_type_id=r["to_work_type_id"],
            to_team_id=r["to_team_id"],
            count=r["count"],
        )
        for r in handoff_rows(start, end)
    ]
    ProcessStepSnapshot.objects.bulk_create(handoffs, batch_size=2000)
    return steps + len(handoffs)


# --- The page: a period from the snapshots ---------------------------------------------

_LEVEL_FIELDS = {
    # level: group, office, group of the hand-off's case, office of the case
    "work_type": ("work_type__name", "work_type__office", "to_work_type__name"),
    "team": ("team__name", "work_type__office", "to_team__name"),
    "office": ("work_type__office", "work_type__office", "to_work_type__office"),
}


def flows(first_day: date, last_day: date, level: str = "work_type") -> ProcessMap:
    """The process map of the days ``first_day`` .. ``last_day`` (one query)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    group, office, case_group = _LEVEL_FIELDS[level]
    rows = (
        ProcessStepSnapshot.objects.filter(day__gte=first_day, day__lte=last_day)
        .values(
            "from_status",
            "to_node",
            group=F(group),
            office_=F(office),
            case_group=F(case_group),
            case_office=F("to_work_type__office"),
        )
        .annotate(n=Sum("count"), **{b: Sum(b) for b in PROCESS_BUCKETS})
        .order_by()
    )
    steps, handoffs = [], []
    for r in rows:
        if r["case_office"]:
            handoffs.append(r)
            continue
        counts = [r[b] or 0 for b in PROCESS_BUCKETS]
        r["median"], r["p90"] = hist_percentile(counts, 0.5), hist_percentile(counts, 0.9)
        steps.append(r)
    return layout(steps, handoffs, level)


def layout(steps: list[dict], handoffs: list[dict], level: str) -> ProcessMap:
    """Pure: nodes in lanes (one per group) and columns (statuses in lifecycle order).

    ``steps``: group, office_, from_status, to_node, n, median, p90 (hours);
    ``handoffs``: group, office_, case_group, case_office, n."""
    pm = ProcessMap(level=level)
    nodes: dict[tuple[str, str], Node] = {}

    def node(group, status, office):
        key = (group or "(none)", status)
        if key not in nodes:
            nodes[key] = Node(key=key, office=office or "")
        return nodes[key]

    for r in steps:
        src = node(r["group"], r["from_status"], r["office_"])
        dst = node(r["group"], r["to_node"], r["office_"])
        step = (r["from_status"], r["to_node"])
        kind = "bounce" if step in BOUNCES else "flow"
        pm.edges.append(Edge(src.key, dst.key, r["n"], r["median"], r["p90"], kind))
        if step == ("done", "new"):
            pm.reopened += r["n"]
        elif step == ("assigned", "new"):
            pm.returned += r["n"]
        if r["to_node"] in ("done", HANDED_OFF):
            pm.closed += r["n"]
    for r in handoffs:
        src = node(r["group"], HANDED_OFF, r["office_"])
        dst = node(r["case_group"], "new", r["case_office"])
        pm.edges.append(Edge(src.key, dst.key, r["n"], None, None, "handoff"))
    for e in pm.edges:
        nodes[e.source].count_out += e.count
        nodes[e.target].count_in += e.count
    lanes = sorted({k[0] for k in nodes}, key=lambda g: (_office_of(nodes, g) != "front", g))
    columns = [s for s in STATUS_ORDER if any(k[1] == s for k in nodes)]
    for key, n in nodes.items():
        n.x = MARGIN + LABEL_W + columns.index(key[1]) * (NODE_W + COL_GAP)
        n.y = MARGIN + lanes.index(key[0]) * (NODE_H + LANE_GAP) + 14
    pm.nodes = sorted(nodes.values(), key=lambda n: (lanes.index(n.key[0]), n.x))
    pm.lanes = [
        {"label": g, "y": MARGIN + i * (NODE_H + LANE_GAP) + 14 + NODE_H / 2 + 4}
        for i, g in enumerate(lanes)
    ]
    pm.width = MARGIN * 2 + LABEL_W + max(len(columns), 1) * (NODE_W + COL_GAP)
    pm.height = MARGIN * 2 + max(len(lanes), 1) * (NODE_H + LANE_GAP) + 20
    biggest = max((e.count for e in pm.edges), default=1)
    for e in pm.edges:
        _route(e, nodes[e.source], nodes[e.target], biggest)
    pm.edges.sort(key=lambda e: (-e.count, e.source, e.target))
    return pm


def _office_of(nodes, group) -> str:
    return next((n.office for k, n in nodes.items() if k[0] == group), "")


def _route(edge: Edge, a: Node, b: Node, biggest: int) -> None:
    edge.width = round(1.5 + 7.5 * edge.count / biggest, 1)
    if b.x > a.x:  # forward: right side of a to left side of b
        x1, y1, x2, y2 = a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2
        mid = (x1 + x2) / 2
        edge.path = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        edge.label_x, edge.label_y = mid, (y1 + y2) / 2 - 4
    else:  # backwards (a bounce) or the same column: arc above the lane
        x1, y1, x2, y2 = a.x + NODE_W / 2, a.y, b.x + NODE_W / 2, b.y
        lift = 18 + abs(x1 - x2) / 8
        top = min(y1, y2) - lift
        edge.path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{top:.0f} {x2:.0f},{top:.0f} {x2:.0f},{y2:.0f}"
        edge.label_x, edge.label_y = (x1 + x2) / 2, top + 6
