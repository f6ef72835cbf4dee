"""A calendar changed: the stored SLA times of the open items that count in it follow.

Opening hours, holidays, closures or the time zone of a calendar edited, a calendar assigned
to (or taken from) a work type, a team or a site, or a work type's SLA targets changed
(:data:`CLOCK_FIELDS`): every open item whose clock may count in it gets its due, at-risk
and first-response times computed again by THE rule (``calendars.work_type_clock`` from the
item's arrival, in the calendar ``calendars.calendar_for`` now resolves), then moved on by
each past wait on the customer as the services do when an item leaves pending
(``business_hours.shift_for_pause``), the waits read from the item's event log. An item
pending now keeps ``sla_paused_at``: its current wait is added when it comes back, as
before. Closed items keep the times they closed with.

Run as a Celery task queued on commit of the change (:func:`due_times_recompute_on_commit`,
called by the admin and the work-type API), in chunks of ``CHUNK`` items, each chunk one
transaction holding its rows' locks (a transition of one of them waits for it, and so
never interleaves with the recompute), written by one statement (``_write``): sized for
100k open items. Each chunk logs its counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q

from ccops import dispatch
from ccops.models import Team

from .business_hours import CalendarError, shift_for_pause
from .calendar_models import Calendar
from .calendars import business_calendar, calendar_for, work_type_clock
from .choices import OPEN_STATUSES, Status
from .models import WorkItem, WorkItemEvent, WorkType

log = logging.getLogger(__name__)

CHUNK = 1000
SLA_TIMES = ("due_at", "at_risk_at", "first_response_due_at")
# A work type's fields its items' SLA times are computed from (``calendars.work_type_clock``
# and the type's own calendar): a change to any of them moves its open items' times.
CLOCK_FIELDS = ("calendar", "sla", "first_response_sla", "at_risk_percent")


def clock_of(work_type: WorkType) -> tuple:
    """The values of ``work_type``'s :data:`CLOCK_FIELDS`, to compare before and after a
    change (:func:`work_type_changed`)."""
    return tuple(getattr(work_type, WorkType._meta.get_field(f).attname) for f in CLOCK_FIELDS)


def work_type_changed(work_type: WorkType, clock_before: tuple) -> bool:
    """After ``work_type`` was saved: when a field its items' SLA times come from changed
    (``clock_before``: :func:`clock_of` before the change), its open items' times are
    computed again once the change commits. The admin and the work-type API call this."""
    if clock_of(work_type) == clock_before:
        return False
    due_times_recompute_on_commit(work_type_ids=[work_type.pk])
    return True


@dataclass
class RecomputeResult:
    examined: int = 0
    changed: int = 0
    skipped: int = 0  # their calendar cannot place a time (no opening hours): left as they were
    chunks: int = 0
    errors: list[str] = field(default_factory=list)


def _scope(*, calendar_ids, work_type_ids, team_ids, sites) -> Q:
    """Open items whose calendar may be one of these (or have changed with them): of the
    types named or using these calendars, and of types without their own calendar, items
    of the teams or sites named or assigned to these calendars."""
    calendar_ids, team_ids, sites = set(calendar_ids), set(team_ids), set(sites)
    if calendar_ids:
        team_ids |= set(
            Calendar.teams.through.objects.filter(calendar_id__in=calendar_ids).values_list(
                "team_id", flat=True
            )
        )
        sites |= set(
            Calendar.objects.filter(pk__in=calendar_ids)
            .exclude(site="")
            .values_list("site", flat=True)
        )
    sites.discard("")
    match = Q(pk__in=[])
    if calendar_ids:
        match |= Q(work_type__calendar_id__in=calendar_ids)
    if work_type_ids:
        match |= Q(work_type_id__in=set(work_type_ids))
    by_team = Q(pk__in=[])
    if team_ids:
        by_team |= Q(team_id__in=team_ids)
    if sites:
        by_team |= Q(team__site__in=sites)
    return match | (Q(work_type__calendar__isnull=True) & by_team)


def _waits(item_ids) -> dict[int, list[tuple]]:
    """Each item's finished waits on the customer ``(paused_from, resumed_at)``, from its
    events: entering pending starts one, leaving pending (to any status) ends it."""
    waits: dict[int, list[tuple]] = {}
    started: dict[int, object] = {}
    events = (
        WorkItemEvent.objects.filter(item_id__in=item_ids)
        .filter(Q(to_status=Status.PENDING) | Q(from_status=Status.PENDING))
        .order_by("item_id", "at", "id")
        .values_list("item_id", "at", "from_status", "to_status")
    )
    for item_id, at, from_status, to_status in events:
        if to_status == Status.PENDING and from_status != Status.PENDING:
            started[item_id] = at
        elif from_status == Status.PENDING and to_status != Status.PENDING:
            begun = started.pop(item_id, None)
            if begun is not None:
                waits.setdefault(item_id, []).append((begun, at))
    return waits


class _Calendars:
    """Each (work type, team)'s built calendar, resolved once per run."""

    def __init__(self):
        self.types: dict[int, WorkType] = {}
        self.teams: dict[int, Team] = {}
        self.built: dict[int, object] = {}
        self.pairs: dict[tuple, object] = {}

    def load(self, rows) -> None:
        type_ids = {r.work_type_id for r in rows} - set(self.types)
        team_ids = {r.team_id for r in rows if r.team_id} - set(self.teams)
        if type_ids:
            types = WorkType.objects.select_related("calendar").filter(pk__in=type_ids)
            self.types.update((t.pk, t) for t in types)
        if team_ids:
            self.teams.update((t.pk, t) for t in Team.objects.filter(pk__in=team_ids))

    def of(self, item):
        """The item's ``BusinessCalendar`` (None: 24x7); raises ``CalendarError``."""
        key = (item.work_type_id, item.team_id)
        if key not in self.pairs:
            row = calendar_for(
                work_type=self.types[item.work_type_id],
                team=self.teams.get(item.team_id) if item.team_id else None,
            )
            if row is None:
                self.pairs[key] = None
            else:
                if row.pk not in self.built:
                    try:
                        self.built[row.pk] = business_calendar(row)
                    except CalendarError as exc:
                        self.built[row.pk] = exc
                self.pairs[key] = self.built[row.pk]
        found = self.pairs[key]
        if isinstance(found, CalendarError):
            raise found
        return found


def _write(items) -> None:
    """Write the SLA times of ``items``. On PostgreSQL one ``UPDATE ... FROM unnest(...)``:
    ``bulk_update``'s ``CASE`` of a thousand branches per column cost 3 s a chunk (the
    building in Python and the evaluation, per row, in the database); elsewhere that."""
    if connection.vendor != "postgresql":
        WorkItem.objects.bulk_update(items, SLA_TIMES, batch_size=CHUNK)
        return
    meta = WorkItem._meta
    columns = [meta.get_field(name).column for name in SLA_TIMES]
    sets = ", ".join(f'"{c}" = v."{c}"' for c in columns)
    arrays = ", ".join(["%s::bigint[]"] + ["%s::timestamptz[]"] * len(columns))
    names = ", ".join(["id"] + [f'"{c}"' for c in columns])
    sql = (
        f'UPDATE "{meta.db_table}" AS w SET {sets} '
        f"FROM unnest({arrays}) AS v({names}) WHERE w.id = v.id"
    )
    params = [[item.pk for item in items]]
    params += [[getattr(item, name) for item in items] for name in SLA_TIMES]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _recompute_chunk(ids, calendars: _Calendars, result: RecomputeResult) -> None:
    with transaction.atomic():
        rows = list(
            WorkItem.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, status__in=OPEN_STATUSES)
            .only("pk", "work_type_id", "team_id", "created_at", "status", *SLA_TIMES)
            .order_by("pk")
        )
        calendars.load(rows)
        waits = _waits([r.pk for r in rows])
        changed = []
        for item in rows:
            result.examined += 1
            try:
                calendar = calendars.of(item)
                clock = work_type_clock(
                    work_type=calendars.types[item.work_type_id],
                    start=item.created_at,
                    calendar=calendar,
                )
                times = {name: getattr(clock, name) for name in SLA_TIMES}
                for paused_from, resumed_at in waits.get(item.pk, ()):
                    times = {
                        name: shift_for_pause(value, paused_from, resumed_at, calendar)
                        for name, value in times.items()
                    }
            except CalendarError as exc:
                result.skipped += 1
                if str(exc) not in result.errors:
                    result.errors.append(str(exc))
                continue
            if any(getattr(item, name) != value for name, value in times.items()):
                for name, value in times.items():
                    setattr(item, name, value)
                changed.append(item)
        if changed:
            _write(changed)
    result.changed += len(changed)
    result.chunks += 1
    log.info(
        "SLA recompute: chunk %d, %d open items read, %d due times changed",
        result.chunks,
        len(rows),
        len(changed),
    )


def due_times_recompute(
    *, calendar_ids=(), work_type_ids=(), team_ids=(), sites=()
) -> RecomputeResult:
    """Compute again the SLA times of the open items these calendars, work types, teams or
    sites may decide (see the module's docstring). Safe to re-run: the same calendars give
    the same times, and rows already right are not written."""
    result = RecomputeResult()
    scope = _scope(
        calendar_ids=calendar_ids, work_type_ids=work_type_ids, team_ids=team_ids, sites=sites
    )
    ids = list(WorkItem.objects.open().filter(scope).order_by("pk").values_list("pk", flat=True))
    calendars = _Calendars()
    for start in range(0, len(ids), CHUNK):
        _recompute_chunk(ids[start : start + CHUNK], calendars, result)
    log.info(
        "SLA recompute done: %d open items, %d changed, %d skipped in %d chunks",
        result.examined,
        result.changed,
        result.skipped,
        result.chunks,
    )
    for error in result.errors:
        log.warning("SLA recompute: %s", error)
    return result


def due_times_recompute_on_commit(
    *, calendar_ids=(), work_type_ids=(), team_ids=(), sites=()
) -> None:
    """Queue :func:`due_times_recompute` (the ``recompute_due_times`` task) once the change
    that calls this commits."""
    from .tasks import recompute_due_times

    dispatch.enqueue_on_commit(
        recompute_due_times,
        calendar_ids=sorted(set(calendar_ids)),
        work_type_ids=sorted(set(work_type_ids)),
        team_ids=sorted(set(team_ids)),
        sites=sorted(set(sites) - {""}),
    )
