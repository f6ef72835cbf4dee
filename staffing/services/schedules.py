"""Generated schedules: create a run, execute it (the Celery task's body), edit and lock its
shifts, publish it.

Demand comes from the staffing plan covering the week (published first, else the newest;
one is created with :func:`plan_create` when none exists): front office = the lines'
required agents per 30 minutes, back office = required agent-days x the plan's productive
hours. The solver is :mod:`staffing.scheduling`; the greedy baseline runs on the same input.

Publishing copies the run's shifts into :class:`~staffing.models.Shift` blocks (work, meal
break, work), replacing the agents' work and break blocks of that week, under a lock on the
run's teams: two runs of the same week and team published at once end with one published.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ccops import notifications
from ccops.choices import Office, Role
from ccops.models import Team
from workitems.models import WorkType

from .. import schedule_selectors as sel
from .. import scheduling as sch
from ..choices import Activity
from ..errors import InvalidInput, NotAllowed, Overlap, StaffingError
from ..models import ScheduleCoverage, ScheduledShift, ScheduleRun, Shift
from .plans import plan_create
from .shift_rules import shift_problems, span_errors

log = logging.getLogger(__name__)

OFFICE_ACTIVITY = {Office.FRONT: Activity.FRONT_OFFICE, Office.BACK: Activity.BACK_OFFICE}
REPLACED_ON_PUBLISH = (Activity.FRONT_OFFICE, Activity.BACK_OFFICE, Activity.BREAK)


class RunConflict(StaffingError):
    status_code = 409
    code = "conflict"


def _check_planner(by) -> None:
    if not (by and by.is_authenticated and by.has_role(Role.PLANNER)):
        raise NotAllowed("Only planners and admins generate and publish schedules.")


def _time_limit() -> float:
    return float(getattr(settings, "STAFFING_SCHEDULE_TIME_LIMIT", 50))


def _workers() -> int:
    return int(getattr(settings, "STAFFING_SCHEDULE_WORKERS", 2))


# --- Create and execute ---------------------------------------------------------------------


def schedule_run_create(*, week_start, teams=None, by) -> ScheduleRun:
    """A queued run for the week starting ``week_start`` (a Monday) and ``teams`` (ids; none
    = every team); its solve is queued after the commit."""
    _check_planner(by)
    if not isinstance(week_start, date) or isinstance(week_start, datetime):
        raise InvalidInput("Must be a date (YYYY-MM-DD).", field="week_start")
    if week_start.weekday() != 0:
        raise InvalidInput("Must be a Monday.", field="week_start")
    ids = sorted({int(t) for t in teams}) if teams else []
    chosen = list(Team.objects.filter(pk__in=ids)) if ids else list(Team.objects.all())
    if ids and len(chosen) != len(ids):
        missing = sorted(set(ids) - {t.pk for t in chosen})
        raise InvalidInput(f"Unknown team(s): {missing}.", field="teams")
    if not chosen:
        raise InvalidInput("There are no teams to schedule.", field="teams")
    with transaction.atomic():
        run = ScheduleRun.objects.create(week_start=week_start, created_by=by)
        run.teams.set(chosen)
        from ..tasks import schedule_run as task

        transaction.on_commit(lambda: task.delay(run.pk))
    return run


def _progress(run_id: int, percent: int) -> None:
    ScheduleRun.objects.filter(pk=run_id, status=ScheduleRun.Status.RUNNING).update(
        progress=percent
    )


def _plan_for(run: ScheduleRun, by=None):
    plan = run.plan or sel.covering_plan(run.week_start)
    if plan is None:
        plan = plan_create(
            name=f"Schedule demand {run.week_start:%Y-%m-%d}",
            start=run.week_start,
            end=run.week_start + timedelta(days=6),
            by=by or run.created_by,
        )
    return plan


def build_problem(run: ScheduleRun, *, team: Team | None = None, by=None) -> tuple:
    """The solver's input for ``run`` (or for one ``team`` of it: that team's agents against
    the demand of the types it owns plus its head-count share of the types no team owns)
    and the context needed to store its answer. Demand is per work type (front office per
    slot, back office per day), each shortfall weighted by what it costs
    (:func:`schedule_selectors.shortfall_costs`); each agent brings the types routing lets
    them take."""
    plan = _plan_for(run, by)
    agents = sel.run_agents(run)
    types = sel.run_work_types(run)
    share = 1.0
    if team is not None:
        share = sum(a.team_id == team.pk for a in agents) / max(1, len(agents))
        agents = [a for a in agents if a.team_id == team.pk]
        types = [t for t in types if t.owning_team_id in (team.pk, None)]
    required = sel.demand_by_type(plan=plan, week_start=run.week_start, types=types)
    costs = sel.shortfall_costs(plan=plan, week_start=run.week_start, types=types)
    demands = tuple(
        sch.TypeDemand(
            t.pk,
            t.office,
            required[t.pk]
            if t.owning_team_id is not None or team is None
            else tuple(round(v * share) for v in required[t.pk]),
            cost=costs[t.pk],
            name=t.name,
        )
        for t in types
    )
    ids = [a.pk for a in agents]
    rules = sel.rules_for(agents)
    allowed = sel.agent_offices_and_types(agents, types, run.week_start)
    blocked = sel.blocking_periods(ids, run.week_start)
    previous = sel.published_week(ids, run.week_start)
    rested = sel.rest_from(ids, run.week_start)
    locked = sel.locked_shifts(run, ids)
    people = tuple(
        sch.AgentIn(
            id=a.pk,
            offices=allowed[a.pk][0],
            rules=rules[a.pk],
            unavailable=tuple(blocked.get(a.pk, ())),
            locked=tuple(locked.get(a.pk, ())),
            previous=None if previous is None else tuple(previous.get(a.pk, ())),
            rest_from=rested.get(a.pk),
            types=allowed[a.pk][1],
        )
        for a in agents
    )
    if demands:
        problem = sch.Problem((), (), people, types=demands)
    else:  # no work type at all: nothing is required of either office
        problem = sch.Problem((0,) * sch.SLOTS, (0,) * sch.DAYS, people)
    return problem, {"plan": plan}


def _coverage_rows(run: ScheduleRun, problem: sch.Problem, coverage: sch.Coverage) -> list:
    """One row per office and slot (front: 30 minutes, agents; back: a day, agent-hours)
    with the office as a whole (``work_type`` empty: every type's demand, everyone on
    shift there), and one per work type and slot with the share of those agents the
    allocation gave the type (:func:`staffing.scheduling.evaluate`)."""
    rows = []
    week = run.week_start

    def row(office, at, length, work_type_id, required, scheduled):
        start = sel.at_minute(week, at)
        return ScheduleCoverage(
            run=run,
            start=start,
            end=sel.at_minute(week, at + length),
            office=office,
            work_type_id=work_type_id,
            required=required,
            scheduled=scheduled,
        )

    for slot in range(sch.SLOTS):
        rows.append(
            row(
                Office.FRONT,
                slot * sch.SLOT,
                sch.SLOT,
                None,
                problem.front_required[slot],
                coverage.front_scheduled[slot],
            )
        )
    for day in range(sch.DAYS):
        rows.append(
            row(
                Office.BACK,
                day * sch.DAY,
                sch.DAY,
                None,
                round(problem.back_required[day] / 60, 2),
                round(coverage.back_scheduled[day] / 60, 2),
            )
        )
    for t in problem.types:
        if not t.id:  # the office as a whole (a problem without work types)
            continue
        got = coverage.by_type[t.key].scheduled
        if t.office == Office.FRONT:
            for slot in range(sch.SLOTS):
                rows.append(
                    row(t.office, slot * sch.SLOT, sch.SLOT, t.id, t.required[slot], got[slot])
                )
        else:
            for day in range(sch.DAYS):
                rows.append(
                    row(
                        t.office,
                        day * sch.DAY,
                        sch.DAY,
                        t.id,
                        round(t.required[day] / 60, 2),
                        round(got[day] / 60, 2),
                    )
                )
    return rows


def _shift_row(run: ScheduleRun, shift: sch.ShiftOut) -> ScheduledShift:
    week = run.week_start
    return ScheduledShift(
        run=run,
        agent_id=shift.agent_id,
        start=sel.at_minute(week, shift.start),
        end=sel.at_minute(week, shift.end),
        activity=OFFICE_ACTIVITY[shift.office],
        meal_start=None if shift.meal_start is None else sel.at_minute(week, shift.meal_start),
        meal_end=None if shift.meal_end is None else sel.at_minute(week, shift.meal_end),
        locked=shift.locked,
    )


def schedule_run_execute(*, run_id: int) -> ScheduleRun:
    """Solve a queued run and store its shifts and coverage. Idempotent: only a queued run
    is claimed (conditional UPDATE), so a retried or duplicated task does nothing."""
    now = timezone.now()
    claimed = ScheduleRun.objects.filter(pk=run_id, status=ScheduleRun.Status.QUEUED).update(
        status=ScheduleRun.Status.RUNNING, started_at=now, progress=5
    )
    run = ScheduleRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        teams = list(run.teams.order_by("pk"))
        if len(teams) > 1 and len(sel.run_agents(run)) > _split_agents():
            _start_parts(run, teams)
            return ScheduleRun.objects.get(pk=run.pk)
        problem, ctx = build_problem(run)
        _progress(run.pk, 30)
        baseline = sch.greedy(problem)
        _progress(run.pk, 40)
        solution = sch.solve(
            problem, time_limit=_time_limit(), workers=_workers(), fallback=baseline
        )
        _progress(run.pk, 90)
        with transaction.atomic():
            ScheduledShift.objects.filter(run=run).delete()
            ScheduleCoverage.objects.filter(run=run).delete()
            ScheduledShift.objects.bulk_create(
                [_shift_row(run, s) for s in solution.shifts], batch_size=1000
            )
            ScheduleCoverage.objects.bulk_create(
                _coverage_rows(run, problem, solution.coverage), batch_size=1000
            )
            ScheduleRun.objects.filter(pk=run.pk).update(
                status=ScheduleRun.Status.DONE,
                progress=100,
                plan=ctx["plan"],
                solver_status=solution.status,
                solve_seconds=round(solution.seconds, 2),
                under_coverage_hours=solution.coverage.under_hours,
                baseline_under_coverage_hours=baseline.coverage.under_hours,
                over_coverage_hours=solution.coverage.over_hours,
                finished_at=timezone.now(),
            )
    except (sch.ScheduleInputError, StaffingError) as exc:
        _fail(run.pk, f"{getattr(exc, 'field', '') or 'input'}: {exc.message}")
    except Exception as exc:
        _fail(run.pk, f"Unexpected error: {exc}")
        raise
    return ScheduleRun.objects.get(pk=run.pk)


# --- Larger centers: one solve per team, in parallel tasks --------------------------------


def _split_agents() -> int:
    return int(getattr(settings, "STAFFING_SCHEDULE_SPLIT_AGENTS", 250))


def _start_parts(run: ScheduleRun, teams: list[Team]) -> None:
    """Store the whole week's demand, then queue one solve per team (a Celery group); the
    part that finishes last completes the run (:func:`schedule_run_part_execute`)."""
    problem, ctx = build_problem(run)
    empty = sch.evaluate(problem, [])
    with transaction.atomic():
        ScheduledShift.objects.filter(run=run).delete()
        ScheduleCoverage.objects.filter(run=run).delete()
        ScheduleCoverage.objects.bulk_create(_coverage_rows(run, problem, empty), batch_size=1000)
        ScheduleRun.objects.filter(pk=run.pk).update(
            plan=ctx["plan"], parts_total=len(teams), parts_done=0, progress=30
        )
        from celery import group

        from ..tasks import schedule_run_part

        parts = group(schedule_run_part.s(run.pk, team.pk) for team in teams)
        transaction.on_commit(parts.apply_async)


def schedule_run_part_execute(*, run_id: int, team_id: int) -> ScheduleRun:
    """Solve one team's part of a split run and store its shifts; the last part to finish
    recounts the coverage, measures the greedy baseline on the whole week and closes the
    run. Idempotent per part: a part's shifts are replaced, and a finished run is left."""
    run = ScheduleRun.objects.get(pk=run_id)
    if run.status != ScheduleRun.Status.RUNNING:
        return run
    team = Team.objects.get(pk=team_id)
    try:
        problem, _ = build_problem(run, team=team)
        baseline = sch.greedy(problem)
        solution = sch.solve(
            problem, time_limit=_time_limit(), workers=_workers(), fallback=baseline
        )
        with transaction.atomic():
            run = ScheduleRun.objects.select_for_update().get(pk=run_id)
            if run.status != ScheduleRun.Status.RUNNING:
                return run
            ids = [a.id for a in problem.agents]
            ScheduledShift.objects.filter(run=run, agent_id__in=ids).delete()
            ScheduledShift.objects.bulk_create(
                [_shift_row(run, s) for s in solution.shifts], batch_size=1000
            )
            run.parts_done += 1
            run.progress = 30 + int(60 * run.parts_done / max(1, run.parts_total))
            run.solver_status = solution.status if not run.solver_status else run.solver_status
            run.save(update_fields=["parts_done", "progress", "solver_status"])
            if run.parts_done >= run.parts_total:
                _finish_parts(run)
    except (sch.ScheduleInputError, StaffingError) as exc:
        _fail(run_id, f"team {team}: {getattr(exc, 'field', '') or 'input'}: {exc.message}")
    except Exception as exc:
        _fail(run_id, f"team {team}: unexpected error: {exc}")
        raise
    return ScheduleRun.objects.get(pk=run_id)


def _finish_parts(run: ScheduleRun) -> None:
    coverage = refresh_coverage(run)
    whole, _ = build_problem(run)
    baseline = sch.greedy(whole)
    ScheduleRun.objects.filter(pk=run.pk).update(
        status=ScheduleRun.Status.DONE,
        progress=100,
        solve_seconds=round((timezone.now() - run.started_at).total_seconds(), 2),
        under_coverage_hours=coverage.under_hours,
        baseline_under_coverage_hours=baseline.coverage.under_hours,
        over_coverage_hours=coverage.over_hours,
        finished_at=timezone.now(),
    )


def _fail(run_id: int, message: str) -> None:
    ScheduleRun.objects.filter(pk=run_id).update(
        status=ScheduleRun.Status.FAILED, error=message[:2000], finished_at=timezone.now()
    )


# --- Edit and lock --------------------------------------------------------------------------


def _editable_run(run_id: int) -> ScheduleRun:
    """The run, row-locked for an edit: finished runs only. A published run is edited in
    place too (someone calls in sick): each change rewrites that shift's published blocks
    and tells the agents concerned (see ``scheduled_shift_create``)."""
    run = ScheduleRun.objects.select_for_update().get(pk=run_id)
    if run.status != ScheduleRun.Status.DONE:
        raise RunConflict("Only a finished run's shifts can be edited.", field="run")
    return run


def refresh_coverage(run: ScheduleRun) -> sch.Coverage:
    """Recount a run's scheduled coverage from its shifts (after an edit): the office
    totals and, per work type, the allocation of the agents on shift to the types routing
    lets them take (the same :func:`staffing.scheduling.evaluate` the solver is scored
    by). Five queries whatever the run's size."""
    rows = list(ScheduleCoverage.objects.filter(run=run))
    week = run.week_start
    front = [0] * sch.SLOTS
    back = [0] * sch.DAYS
    by_type: dict[tuple[str, int], list] = {}

    def index(row) -> int:
        minute = sel.minute_of(week, row.start)
        return minute // (sch.SLOT if row.office == Office.FRONT else sch.DAY)

    for row in rows:
        at = index(row)
        size = sch.SLOTS if row.office == Office.FRONT else sch.DAYS
        if not 0 <= at < size:
            continue
        value = int(row.required) if row.office == Office.FRONT else int(round(row.required * 60))
        if row.work_type_id is None:
            (front if row.office == Office.FRONT else back)[at] = value
        else:
            by_type.setdefault((row.office, row.work_type_id), [0] * size)[at] = value
    shifts = list(ScheduledShift.objects.filter(run=run).select_related("agent__team"))
    if by_type:
        work_types = list(WorkType.objects.filter(pk__in={pk for _, pk in by_type}))
        demands = tuple(
            sch.TypeDemand(t.pk, t.office, tuple(by_type[(t.office, t.pk)]))
            for t in work_types
            if (t.office, t.pk) in by_type
        )
        agents = list({s.agent_id: s.agent for s in shifts}.values())
        allowed = sel.agent_offices_and_types(agents, work_types, week)
        people = tuple(sch.AgentIn(a.pk, allowed[a.pk][0], types=allowed[a.pk][1]) for a in agents)
        problem = sch.Problem((), (), people, types=demands)
    else:  # a run stored before coverage per work type: the offices as a whole
        problem = sch.Problem(tuple(front), tuple(back), agents=())
    coverage = sch.evaluate(problem, [sel.to_shift_out(s, week) for s in shifts])
    for row in rows:
        at = index(row)
        if row.work_type_id is None:
            front_row = row.office == Office.FRONT
            got = coverage.front_scheduled if front_row else coverage.back_scheduled
        else:
            found = coverage.by_type.get((row.office, row.work_type_id))
            got = found.scheduled if found is not None else None
        if got is None or not 0 <= at < len(got):
            continue
        row.scheduled = got[at] if row.office == Office.FRONT else round(got[at] / 60, 2)
    ScheduleCoverage.objects.bulk_update(rows, ["scheduled"], batch_size=1000)
    ScheduleRun.objects.filter(pk=run.pk).update(
        under_coverage_hours=coverage.under_hours, over_coverage_hours=coverage.over_hours
    )
    return coverage


def scheduled_shift_update(
    *,
    shift: ScheduledShift,
    by,
    start: datetime,
    end: datetime,
    activity: str,
    locked: bool | None = None,
) -> ScheduledShift:
    """Move a shift of a run or switch its office; its meal break is placed again by the
    agent's rules and the run's coverage recounted. The shift must keep the rules
    (:func:`_check_rules`). On a published run its blocks are rewritten and the agent told."""
    _check_planner(by)
    errors = span_errors(start, end, activity)
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    with transaction.atomic():
        run = _editable_run(shift.run_id)
        shift = ScheduledShift.objects.select_for_update().select_related("agent").get(pk=shift.pk)
        before = (shift.agent_id, shift.start, shift.end, shift.activity)
        if run.published:
            _check_not_past(shift.end, end)
        _check_rules(run, shift.agent, start, end, activity, exclude=shift)
        shift.start, shift.end, shift.activity = start, end, activity
        _place_meal(run, shift)
        if locked is not None:
            shift.locked = locked
        shift.edited = True
        shift.save()
        if run.published:
            _unpublish_span(*before[:3])
            _publish_shift(shift, by)
            _tell_changed(run, shift, "changed", {before[0], shift.agent_id})
        refresh_coverage(run)
    return shift


def scheduled_shift_lock(*, shift: ScheduledShift, by, locked: bool = True) -> ScheduledShift:
    """Lock (or unlock) a draft shift: locked shifts stay when the week is generated again."""
    _check_planner(by)
    with transaction.atomic():
        _editable_run(shift.run_id)
        ScheduledShift.objects.filter(pk=shift.pk).update(locked=locked)
    shift.locked = locked
    return shift


# --- Publish --------------------------------------------------------------------------------


def _blocks(shift: ScheduledShift) -> list[tuple[datetime, datetime, str]]:
    if shift.meal_start is None:
        return [(shift.start, shift.end, shift.activity)]
    out = [
        (shift.start, shift.meal_start, shift.activity),
        (shift.meal_start, shift.meal_end, Activity.BREAK),
        (shift.meal_end, shift.end, shift.activity),
    ]
    return [(a, b, act) for a, b, act in out if b > a]


def schedule_run_publish(*, run: ScheduleRun, by) -> ScheduleRun:
    """Publish a finished run: its shifts replace the agents' work and break blocks of the
    week; any other published run of the same week sharing a team is withdrawn. Idempotent
    (publishing a published run changes nothing). The run's teams are locked in id order,
    so concurrent publications of one week and team are serialised."""
    _check_planner(by)
    with transaction.atomic():
        team_ids = sorted(run.teams.values_list("pk", flat=True))
        list(Team.objects.select_for_update().filter(pk__in=team_ids).order_by("pk").values("pk"))
        run = ScheduleRun.objects.select_for_update().get(pk=run.pk)
        if run.published:
            return run
        if run.status != ScheduleRun.Status.DONE:
            raise RunConflict("Only a finished run can be published.", field="status")
        shifts = list(ScheduledShift.objects.filter(run=run).order_by("agent_id", "start"))
        agent_ids = sorted({a.pk for a in sel.run_agents(run)} | {s.agent_id for s in shifts})
        start, end = sel.week_window(run.week_start)
        Shift.objects.filter(
            agent_id__in=agent_ids,
            start__gte=start,
            start__lt=end,
            activity__in=REPLACED_ON_PUBLISH,
        ).delete()
        blocks = [
            Shift(agent_id=s.agent_id, start=a, end=b, activity=act, created_by=by, note="")
            for s in shifts
            for a, b, act in _blocks(s)
        ]
        kept = list(
            Shift.objects.filter(agent_id__in=agent_ids, start__lt=end, end__gt=start).values_list(
                "agent_id", "start", "end"
            )
        )
        for block in blocks:
            for agent_id, s, e in kept:
                if agent_id == block.agent_id and s < block.end and block.start < e:
                    raise RunConflict(
                        f"A shift of agent {agent_id} overlaps a block added since the run "
                        f"({timezone.localtime(s):%a %d %H:%M}); generate the week again.",
                        field="shifts",
                    )
        Shift.objects.bulk_create(blocks, batch_size=1000)
        others = (
            ScheduleRun.objects.filter(
                week_start=run.week_start, published=True, teams__in=team_ids
            )
            .exclude(pk=run.pk)
            .values_list("pk", flat=True)
        )
        ScheduleRun.objects.filter(pk__in=list(others)).update(published=False)
        run.published = True
        run.published_at = timezone.now()
        run.published_by = by
        run.save(update_fields=["published", "published_at", "published_by"])
        # Everyone whose week this is, told once per run (in this transaction).
        notifications.notify(
            notifications.Kind.SCHEDULE_PUBLISHED,
            get_user_model().objects.filter(pk__in=agent_ids, is_active=True),
            title=f"Your schedule for the week of {run.week_start:%d %b} is published",
            body="Your shifts are on My schedule.",
            url=reverse("staffing:my_schedule") + f"?week={run.week_start.isoformat()}",
            key=f"schedule-run:{run.pk}",
        )
    return run


# --- Add and delete shifts; published weeks edited in place ---------------------------------
#
# A published run stays the week's source: an edit, an added or a deleted shift rewrites only
# that shift's published blocks (work, meal break, work) in the same transaction, and the
# agents concerned are told (kind "schedule published", titled "changed"). Rewriting the
# whole week (a re-publish) would discard trades and hand-made blocks of everyone else.

RULE_FIELDS = {
    "start": "start",
    "overlap": "start",
    "rest": "start",
    "time_off": "start",
    "hours": "end",
}


def _check_not_past(*ends: datetime) -> None:
    if any(e <= timezone.now() for e in ends):
        raise RunConflict("A shift that has already ended cannot be changed.", field="start")


def _check_rules(run: ScheduleRun, agent, start, end, activity, *, exclude=None) -> None:
    """Raise unless ``agent`` may work ``start``-``end`` in this run (the rules of
    :func:`~staffing.services.shift_rules.shift_problems`), against their other shifts of
    the run and their published blocks: outside the week all of them; inside it only the
    blocks the run does not replace (training, ...), except on a published run, where every
    block but those of the shift being changed (``exclude``) counts."""
    window = sel.week_window(run.week_start)
    rows = list(
        ScheduledShift.objects.filter(run=run, agent_id=agent.pk)
        .exclude(pk=getattr(exclude, "pk", None))
        .values_list("start", "end", "meal_start", "meal_end")
    )
    others = [(s, e) for s, e, _, _ in rows]
    # Worked minutes of the agent's other shifts in the week (meal breaks off), and what
    # this one would work by their rules: the contract maximum.
    week_minutes = sum(
        ((e - s) - ((me - ms) if ms and me else timedelta(0))).total_seconds() / 60
        for s, e, ms, me in rows
    )
    rules = sel.rules_for([agent])[agent.pk]
    minutes = rules.worked(int((end - start).total_seconds() // 60))
    near = Shift.objects.filter(
        agent_id=agent.pk, start__lt=end + timedelta(days=1), end__gt=start - timedelta(days=1)
    )
    if exclude is not None and run.published:
        near = near.exclude(
            agent_id=exclude.agent_id,
            activity__in=REPLACED_ON_PUBLISH,
            start__gte=exclude.start,
            end__lte=exclude.end,
        )
    busy, worked = list(others), list(others)
    for s, e, act in near.values_list("start", "end", "activity"):
        inside = window[0] <= s < window[1]
        if not inside or run.published or act not in REPLACED_ON_PUBLISH:
            busy.append((s, e))
        if act in OFFICE_ACTIVITY.values() and (not inside or run.published):
            worked.append((s, e))
    problems = shift_problems(
        agent=agent,
        start=start,
        end=end,
        activity=activity,
        busy=busy,
        worked=worked,
        window=window,
        week_minutes=week_minutes,
        minutes=minutes,
    )
    if problems:
        errors: dict[str, list[str]] = {}
        for rule, messages in problems.items():
            errors.setdefault(RULE_FIELDS.get(rule, "activity"), []).extend(messages)
        message = " ".join(m for ms in problems.values() for m in ms)
        raise (Overlap if "overlap" in problems else InvalidInput)(message, errors=errors)


def _place_meal(run: ScheduleRun, shift: ScheduledShift) -> None:
    """Place the shift's meal break by its agent's rules (:func:`scheduling.meal_break`)."""
    rules = sel.rules_for([shift.agent])[shift.agent_id]
    a = sel.minute_of(run.week_start, shift.start)
    length = int((shift.end - shift.start).total_seconds() // 60)
    meal_start, meal_end = sch.meal_break(rules, a, length)
    shift.meal_start = None if meal_start is None else sel.at_minute(run.week_start, meal_start)
    shift.meal_end = None if meal_end is None else sel.at_minute(run.week_start, meal_end)


def _unpublish_span(agent_id: int, start: datetime, end: datetime) -> None:
    """Delete the published blocks of one shift (refused while it is on offer in a trade)."""
    from ..models import ShiftTrade

    blocks = Shift.objects.select_for_update().filter(
        agent_id=agent_id, activity__in=REPLACED_ON_PUBLISH, start__gte=start, end__lte=end
    )
    ids = list(blocks.values_list("pk", flat=True))
    open_trade = ShiftTrade.Status.OFFERED, ShiftTrade.Status.TAKEN
    if ShiftTrade.objects.filter(shift_id__in=ids, status__in=open_trade).exists():
        raise RunConflict(
            "This shift is offered in a shift trade: decide or withdraw the trade first.",
            field="shift",
        )
    Shift.objects.filter(pk__in=ids).delete()


def _publish_shift(shift: ScheduledShift, by) -> None:
    Shift.objects.bulk_create(
        Shift(agent_id=shift.agent_id, start=a, end=b, activity=act, created_by=by, note="")
        for a, b, act in _blocks(shift)
    )


def _tell_changed(run: ScheduleRun, shift: ScheduledShift, verb: str, agent_ids) -> None:
    local = timezone.localtime
    notifications.notify(
        notifications.Kind.SCHEDULE_PUBLISHED,
        get_user_model().objects.filter(pk__in=[a for a in agent_ids if a], is_active=True),
        title=f"Your schedule for the week of {run.week_start:%d %b} changed",
        body=(
            f"Shift {local(shift.start):%a %d %b %H:%M}-{local(shift.end):%H:%M} "
            f"({shift.get_activity_display().lower()}) {verb}. See My schedule."
        ),
        url=reverse("staffing:my_schedule") + f"?week={run.week_start.isoformat()}",
        key=f"schedule-change:{run.pk}:{shift.pk}:{verb}:{timezone.now().timestamp()}",
    )


def scheduled_shift_create(
    *, run: ScheduleRun, by, agent, start: datetime, end: datetime, activity: str
) -> ScheduledShift:
    """Add a shift to a finished run (draft or published) for one of its teams' agents.
    Same rules as an edit (:func:`_check_rules`); the meal break placed by the agent's rules;
    the run's coverage recounted. Under the run's row lock, so two planners adding
    overlapping shifts for one agent at once end with one shift (the second sees the first).
    On a published run the shift's blocks are published and the agent told."""
    _check_planner(by)
    errors = span_errors(start, end, activity)
    if agent is None or not getattr(agent, "pk", None):
        errors["agent"] = ["Choose an agent."]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    with transaction.atomic():
        run = _editable_run(run.pk)
        if agent.pk not in {a.pk for a in sel.run_agents(run)}:
            raise InvalidInput("Not an agent of this run's teams.", field="agent")
        if run.published:
            _check_not_past(end)
        _check_rules(run, agent, start, end, activity)
        shift = ScheduledShift(
            run=run, agent=agent, start=start, end=end, activity=activity, edited=True
        )
        _place_meal(run, shift)
        shift.save()
        if run.published:
            _publish_shift(shift, by)
            _tell_changed(run, shift, "added", {agent.pk})
        refresh_coverage(run)
        log.info("schedule run %s: %s added shift %s", run.pk, by, shift)
    return shift


def scheduled_shift_delete(*, shift: ScheduledShift, by) -> None:
    """Delete a shift of a finished run (a locked one must be unlocked first); coverage is
    recounted. On a published run its blocks go too and the agent is told."""
    _check_planner(by)
    with transaction.atomic():
        run = _editable_run(shift.run_id)
        shift = ScheduledShift.objects.select_for_update().filter(pk=shift.pk).first()
        if shift is None:
            raise RunConflict("The shift was already deleted.", field="shift")
        if shift.locked:
            raise RunConflict("The shift is locked: unlock it first.", field="shift")
        if run.published:
            _check_not_past(shift.end)
            _unpublish_span(shift.agent_id, shift.start, shift.end)
            _tell_changed(run, shift, "removed", {shift.agent_id})
        log.info("schedule run %s: %s deleted shift %s", run.pk, by, shift)
        shift.delete()
        refresh_coverage(run)


def run_shift_reassign(*, agent_id: int, start: datetime, end: datetime, to_agent_id: int) -> list:
    """An approved shift trade moved ``agent_id``'s published day ``start``-``end`` to
    ``to_agent_id``: move the matching shifts of the published runs too and recount each
    run's coverage (:func:`refresh_coverage`). Returns the runs touched."""
    shifts = list(
        ScheduledShift.objects.select_for_update()
        .filter(run__published=True, agent_id=agent_id, start__gte=start, end__lte=end)
        .select_related("run")
    )
    runs = {s.run_id: s.run for s in shifts}
    ScheduledShift.objects.filter(pk__in=[s.pk for s in shifts]).update(
        agent_id=to_agent_id, edited=True
    )
    for run in runs.values():
        refresh_coverage(run)
    return list(runs.values())
