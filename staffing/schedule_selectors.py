"""Reads for generated schedules: the solver's input (demand, people, rules, what blocks
them) and the shapes the schedule pages and the API show. Pure reads, no writes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, Max, Q, Sum, When
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.models import Team
from training.models import AgentTier
from workitems.models import WorkType
from workitems.routing import WorkTypeRule, eligible_work_types

from . import scheduling as sch
from .choices import PRODUCTIVE_ACTIVITIES, Activity, PlanStatus
from .models import (
    PlanLine,
    ScheduleCoverage,
    ScheduledShift,
    ScheduleRules,
    ScheduleRun,
    Shift,
    StaffingPlan,
    TimeOffRequest,
)
from .permissions import supervised_team_ids
from .selectors import current_skills
from .shortfall import back_cost, front_cost
from .timeutil import INTERVAL_SECONDS, day_start

User = get_user_model()

# Shift activities that make an agent unavailable for generated work (time off will join).
BLOCKING_ACTIVITIES = (Activity.TRAINING, Activity.SHADOWING, Activity.OFF)


# --- Week minutes <-> local datetimes -------------------------------------------------------


def at_minute(week_start: date, minute: int) -> datetime:
    day, rest = divmod(minute, sch.DAY)
    return day_start(week_start + timedelta(days=day)) + timedelta(minutes=rest)


def minute_of(week_start: date, moment: datetime) -> int:
    local = timezone.localtime(moment)
    days = (local.date() - week_start).days
    return days * sch.DAY + local.hour * 60 + local.minute


def week_window(week_start: date) -> tuple[datetime, datetime]:
    return day_start(week_start), day_start(week_start + timedelta(days=7))


# --- Rules ----------------------------------------------------------------------------------


def _minutes_of_day(value: time, *, end: bool = False) -> int:
    minutes = value.hour * 60 + value.minute
    return sch.DAY if end and minutes == 0 else minutes


def rules_from(row: ScheduleRules) -> sch.Rules:
    lengths = tuple(
        sorted({int(round(float(h) * 60)) for h in row.shift_lengths.split(",") if h.strip()})
    )
    return sch.Rules(
        min_week_minutes=int(round(row.min_hours_week * 60)),
        max_week_minutes=int(round(row.max_hours_week * 60)),
        shift_lengths=lengths,
        earliest_start=_minutes_of_day(row.earliest_start),
        latest_end=_minutes_of_day(row.latest_end, end=True),
        days_off=row.days_off_per_week,
        min_rest=int(round(row.min_rest_hours * 60)),
        meal_after=int(round(row.meal_break_after_hours * 60)),
        meal_minutes=row.meal_break_minutes,
        start_step=row.start_step_minutes,
    )


def agent_rules_row(agent) -> tuple[ScheduleRules, bool]:
    """``agent``'s own rules row and True, else an unsaved copy of what they follow (their
    team's row, else the defaults) and False: where an override starts from."""
    row = ScheduleRules.objects.filter(agent=agent).first()
    if row is not None:
        return row, True
    base = ScheduleRules.objects.filter(team_id=agent.team_id).first() if agent.team_id else None
    row = ScheduleRules(agent=agent)
    if base is not None:
        for f in ScheduleRules._meta.concrete_fields:
            if f.name not in ("id", "team", "agent", "updated_at"):
                setattr(row, f.attname, getattr(base, f.attname))
    return row, False


def rules_for(agents) -> dict[int, sch.Rules]:
    """Each agent's rules: their own row, else their team's, else the defaults (one query)."""
    team_ids = {a.team_id for a in agents if a.team_id}
    rows = ScheduleRules.objects.filter(
        Q(agent__in=[a.pk for a in agents]) | Q(team_id__in=team_ids)
    )
    by_agent, by_team = {}, {}
    for row in rows:
        if row.agent_id:
            by_agent[row.agent_id] = rules_from(row)
        else:
            by_team[row.team_id] = rules_from(row)
    default = rules_from(ScheduleRules())
    return {a.pk: by_agent.get(a.pk) or by_team.get(a.team_id) or default for a in agents}


# --- The solver's input --------------------------------------------------------------------


def run_agents(run: ScheduleRun) -> list:
    """Active agents of the run's teams (by username)."""
    return list(
        User.objects.filter(team__in=run.teams.all(), is_active=True, groups__name=Role.AGENT)
        .select_related("team")
        .distinct()
        .order_by("username")
    )


def run_work_types(run: ScheduleRun) -> list[WorkType]:
    """Active work types the run's teams own (and those no team owns)."""
    teams = run.teams.all()
    return list(
        WorkType.objects.filter(active=True)
        .filter(Q(owning_team__in=teams) | Q(owning_team__isnull=True))
        .order_by("office", "name")
    )


def covering_plan(week_start: date) -> StaffingPlan | None:
    """The plan whose lines give the week's demand: published first, then the newest."""
    end = week_start + timedelta(days=6)
    published_first = Case(When(status=PlanStatus.PUBLISHED, then=0), default=1)
    return (
        StaffingPlan.objects.filter(start__lte=week_start, end__gte=end)
        .order_by(published_first, "-created_at", "-pk")
        .first()
    )


def demand_by_type(*, plan: StaffingPlan, week_start: date, types: list[WorkType]) -> dict:
    """``{work type id: required}``: front-office types in agents per slot (``SLOTS``
    values), back-office types in agent-minutes per day (the plan's agent-days x its
    productive hours; ``DAYS`` values). Summed in SQL per type and interval."""
    out = {t.pk: [0] * (sch.SLOTS if t.office == Office.FRONT else sch.DAYS) for t in types}
    start, end = week_window(week_start)
    rows = (
        PlanLine.objects.filter(
            plan=plan,
            work_type__in=[t.pk for t in types],
            interval_start__gte=start,
            interval_start__lt=end,
        )
        .values("work_type_id", "work_type__office", "interval_start")
        .annotate(required=Sum("required_agents"))
    )
    agent_day = int(round(plan.productive_hours * 60))
    for row in rows:
        minute = minute_of(week_start, row["interval_start"])
        values = out[row["work_type_id"]]
        if row["work_type__office"] == Office.FRONT:
            slot = minute // sch.SLOT
            if 0 <= slot < sch.SLOTS:
                values[slot] += row["required"]
        else:
            day = minute // sch.DAY
            if 0 <= day < sch.DAYS:
                values[day] += row["required"] * agent_day
    return {pk: tuple(values) for pk, values in out.items()}


def shortfall_costs(*, plan: StaffingPlan, week_start: date, types: list[WorkType]) -> dict:
    """``{work type id: costs}`` of being short, per slot (front office) or day (back
    office): :mod:`staffing.shortfall`'s rule on the plan's lines of the week (one query).
    A day's back-office cost is its dearest line's."""

    out = {t.pk: [1] * (sch.SLOTS if t.office == Office.FRONT else sch.DAYS) for t in types}
    by_pk = {t.pk: t for t in types}
    start, end = week_window(week_start)
    lines = PlanLine.objects.filter(
        plan=plan, work_type__in=list(by_pk), interval_start__gte=start, interval_start__lt=end
    ).values_list(
        "work_type_id",
        "interval_start",
        "forecast_volume",
        "override_volume",
        "forecast_aht",
        "required_agents",
    )
    for type_id, at, forecast, override, aht, required in lines.iterator():
        wt = by_pk[type_id]
        aht = aht or float(wt.standard_minutes or 0) * 60 or 60.0
        minute = minute_of(week_start, at)
        if wt.office == Office.FRONT:
            at_index, size = minute // sch.SLOT, sch.SLOTS
            cost = front_cost(
                volume=forecast if override is None else override,
                aht_seconds=aht,
                answer_seconds=float(wt.sla_answer_seconds),
                required=required,
                shrinkage=plan.shrinkage,
                interval_seconds=INTERVAL_SECONDS,
            )
        else:
            at_index, size = minute // sch.DAY, sch.DAYS
            cost = back_cost(aht_seconds=aht)
        if 0 <= at_index < size:
            out[type_id][at_index] = max(out[type_id][at_index], cost)
    return {pk: tuple(values) for pk, values in out.items()}


def demand(*, plan: StaffingPlan, week_start: date, types: list[WorkType]) -> tuple:
    """(front agents per slot, back agent-minutes per day) summed over ``types``."""
    front = [0] * sch.SLOTS
    back = [0] * sch.DAYS
    by_type = demand_by_type(plan=plan, week_start=week_start, types=types)
    for t in types:
        total = front if t.office == Office.FRONT else back
        for i, v in enumerate(by_type[t.pk]):
            total[i] += v
    return tuple(front), tuple(back)


def tier_ranks(agent_ids) -> dict[int, int]:
    """Each agent's current tier rank (absent: no tier, rank 0)."""
    return dict(
        AgentTier.objects.filter(agent_id__in=agent_ids).values_list("agent_id", "tier__rank")
    )


def agent_work_types(agents, types: list[WorkType], on: date) -> dict[int, frozenset[int]]:
    """The work types (ids, among ``types``) each agent may take: routing's rule
    (:func:`workitems.routing.eligible_work_types`: the required skill at the type's
    minimum level, unexpired on ``on``, and a tier rank at or above the type's minimum).
    Two queries."""
    ids = [a.pk for a in agents]
    skills = current_skills(agent_ids_qs=ids, on=on)
    tiers = tier_ranks(ids)
    rules = [
        WorkTypeRule(t.pk, t.required_skill_id, t.min_skill_level, t.min_tier_rank) for t in types
    ]
    return {
        a.pk: frozenset(eligible_work_types(rules, skills.get(a.pk, {}), tiers.get(a.pk, 0)))
        for a in agents
    }


def agent_offices_and_types(
    agents, types: list[WorkType], on: date
) -> dict[int, tuple[tuple[str, ...], frozenset[int]]]:
    """Per agent: the offices whose work they may take (their team's office if none: they
    then cover no type's demand) and the work types themselves (:func:`agent_work_types`)."""
    allowed = agent_work_types(agents, types, on)
    office_of = {t.pk: t.office for t in types}
    out = {}
    for agent in agents:
        offices = {office_of[pk] for pk in allowed[agent.pk]}
        if not offices:
            offices = {agent.team.office if agent.team_id else Office.FRONT}
        out[agent.pk] = (tuple(o for o in sch.OFFICES if o in offices), allowed[agent.pk])
    return out


def agent_offices(agents, types: list[WorkType], on: date) -> dict[int, tuple[str, ...]]:
    """The offices whose work each agent may take (their team's office if none)."""
    return {pk: offices for pk, (offices, _) in agent_offices_and_types(agents, types, on).items()}


def blocking_periods(agent_ids, week_start: date) -> dict[int, list[tuple[int, int]]]:
    """Unavailable periods per agent in week minutes: training, shadowing, off blocks (and,
    once time off exists, approved time off)."""
    start, end = week_window(week_start)
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = Shift.objects.filter(
        agent_id__in=agent_ids, start__lt=end, end__gt=start, activity__in=BLOCKING_ACTIVITIES
    ).values_list("agent_id", "start", "end")
    for agent_id, s, e in rows:
        out[agent_id].append((minute_of(week_start, s), minute_of(week_start, e)))
    # Approved time off blocks scheduling too (clipped to the week).
    for agent_id, s, e in TimeOffRequest.objects.filter(
        agent_id__in=agent_ids, status=TimeOffRequest.Status.APPROVED, start__lt=end, end__gt=start
    ).values_list("agent_id", "start", "end"):
        out[agent_id].append(
            (minute_of(week_start, max(s, start)), minute_of(week_start, min(e, end)))
        )
    return out


def published_week(agent_ids, week_start: date) -> dict[int, list[sch.ShiftOut]] | None:
    """The week as published (work blocks merged per agent and day), or None when none of
    the agents has a work block in it."""
    start, end = week_window(week_start)
    rows = list(
        Shift.objects.filter(
            agent_id__in=agent_ids,
            start__gte=start,
            start__lt=end,
            activity__in=PRODUCTIVE_ACTIVITIES,
        )
        .order_by("agent_id", "start")
        .values_list("agent_id", "start", "end", "activity")
    )
    if not rows:
        return None
    days: dict[tuple[int, int], list] = {}
    for agent_id, s, e, activity in rows:
        a, b = minute_of(week_start, s), minute_of(week_start, e)
        key = (agent_id, a // sch.DAY)
        office = Office.FRONT if activity == Activity.FRONT_OFFICE else Office.BACK
        if key in days:
            days[key][1] = max(days[key][1], b)
        else:
            days[key] = [a, b, office]
    out: dict[int, list[sch.ShiftOut]] = defaultdict(list)
    for (agent_id, day), (a, b, office) in days.items():
        out[agent_id].append(sch.ShiftOut(agent_id, day, a, b, office))
    return out


def rest_from(agent_ids, week_start: date) -> dict[int, int]:
    """End of each agent's last work block in the two days before the week."""
    start = day_start(week_start)
    rows = (
        Shift.objects.filter(
            agent_id__in=agent_ids,
            end__gt=start - timedelta(days=2),
            start__lt=start,
            activity__in=PRODUCTIVE_ACTIVITIES,
        )
        .values("agent_id")
        .annotate(last=Max("end"))
    )
    return {row["agent_id"]: minute_of(week_start, row["last"]) for row in rows}


def locked_shifts(run: ScheduleRun, agent_ids) -> dict[int, list[sch.ShiftOut]]:
    """Locked shifts of the latest earlier run of the same week that has any."""
    earlier = (
        ScheduleRun.objects.filter(
            week_start=run.week_start,
            created_at__lte=run.created_at,
            shifts__locked=True,
            shifts__agent_id__in=agent_ids,
        )
        .exclude(pk=run.pk)
        .order_by("-created_at", "-pk")
        .first()
    )
    out: dict[int, list[sch.ShiftOut]] = defaultdict(list)
    if earlier is None:
        return out
    for shift in ScheduledShift.objects.filter(run=earlier, locked=True, agent_id__in=agent_ids):
        out[shift.agent_id].append(to_shift_out(shift, run.week_start, locked=True))
    return out


def to_shift_out(shift: ScheduledShift, week_start: date, locked: bool | None = None):
    a, b = minute_of(week_start, shift.start), minute_of(week_start, shift.end)
    meal = (
        (minute_of(week_start, shift.meal_start), minute_of(week_start, shift.meal_end))
        if shift.meal_start
        else (None, None)
    )
    return sch.ShiftOut(
        shift.agent_id,
        a // sch.DAY,
        a,
        b,
        shift.office,
        meal[0],
        meal[1],
        shift.locked if locked is None else locked,
    )


# --- Pages and API ---------------------------------------------------------------------------


def runs_visible_to(user):
    """Planners (and admins) see every run; supervisors the runs of their teams."""
    qs = ScheduleRun.objects.all()
    if user.has_role(Role.PLANNER):
        return qs
    if user.has_role(Role.SUPERVISOR):
        return qs.filter(teams__in=supervised_team_ids(user)).distinct()
    return qs.none()


def run_list(user):
    """The runs ``user`` may see, with their shift counts (one query per page)."""
    return (
        runs_visible_to(user)
        .select_related("created_by")
        .annotate(shift_count=Count("shifts", distinct=True))
        .order_by("-created_at")
    )


def run_detail(pk: int, user) -> ScheduleRun:
    return (
        runs_visible_to(user)
        .select_related("created_by", "published_by")
        .annotate(shift_count=Count("shifts", distinct=True))
        .prefetch_related("teams")
        .get(pk=pk)
    )


def run_coverage(run: ScheduleRun):
    """A run's coverage rows: per office, its total (no work type) first, then each type."""
    return ScheduleCoverage.objects.filter(run=run).order_by(
        "office", F("work_type_id").asc(nulls_first=True), "start"
    )


def run_shifts_visible_to(user, run: ScheduleRun):
    """A run's shifts: planners all; supervisors their teams' agents'; agents their own
    once the run is published; anybody else none."""
    qs = ScheduledShift.objects.filter(run=run).select_related("agent")
    if not user.is_authenticated:
        return qs.none()
    if user.has_role(Role.PLANNER):
        return qs
    if user.has_role(Role.SUPERVISOR):
        return qs.filter(agent__team_id__in=supervised_team_ids(user))
    if user.has_role(Role.AGENT) and run.published:
        return qs.filter(agent=user)
    return qs.none()


def run_grid(run: ScheduleRun) -> dict:
    """Agents x days of a run (two queries: the shifts with their agents, the teams)."""
    days = [run.week_start + timedelta(days=i) for i in range(7)]
    shifts = (
        ScheduledShift.objects.filter(run=run)
        .select_related("agent")
        .order_by("agent__username", "start")
    )
    rows: dict[int, dict] = {}
    for shift in shifts:
        row = rows.setdefault(
            shift.agent_id, {"agent": shift.agent, "cells": [[] for _ in days], "hours": 0.0}
        )
        index = (timezone.localtime(shift.start).date() - run.week_start).days
        if 0 <= index < 7:
            row["cells"][index].append(shift)
        meal = (shift.meal_end - shift.meal_start) if shift.meal_start else timedelta(0)
        row["hours"] += (shift.end - shift.start - meal).total_seconds() / 3600
    return {"days": days, "rows": list(rows.values())}


def chart_data(run: ScheduleRun) -> dict:
    """Required against scheduled per front-office slot (the office total, and per work
    type in ``types``) and per back-office day (the total, with each type's figures in
    ``types``). One query."""
    front = {"labels": [], "required": [], "scheduled": [], "types": []}
    front_types: dict[int, dict] = {}
    back: dict = {}
    back_types: dict[int, str] = {}
    rows = run_coverage(run).values(
        "office", "work_type_id", "work_type__name", "start", "required", "scheduled"
    )
    for row in rows:
        local = timezone.localtime(row["start"])
        type_id = row["work_type_id"]
        if row["office"] == Office.FRONT:
            if type_id is None:
                front["labels"].append(f"{local:%a %H:%M}")
                front["required"].append(row["required"])
                front["scheduled"].append(row["scheduled"])
            else:
                series = front_types.get(type_id)
                if series is None:
                    series = front_types[type_id] = {
                        "id": type_id,
                        "name": row["work_type__name"],
                        "required": [],
                        "scheduled": [],
                    }
                series["required"].append(row["required"])
                series["scheduled"].append(row["scheduled"])
        else:
            day = back.setdefault(local.date(), {"day": local.date(), "types": {}})
            if type_id is None:
                day.update(required=row["required"], scheduled=row["scheduled"])
            else:
                back_types[type_id] = row["work_type__name"]
                day["types"][type_id] = (row["required"], row["scheduled"])
    front["types"] = sorted(front_types.values(), key=lambda t: t["name"])
    names = sorted(back_types.items(), key=lambda kv: kv[1])
    back_rows = []
    for day in back.values():
        day.setdefault("required", 0)
        day.setdefault("scheduled", 0)
        day["by_type"] = [
            {
                "name": name,
                "required": day["types"].get(pk, (0, 0))[0],
                "scheduled": day["types"].get(pk, (0, 0))[1],
            }
            for pk, name in names
        ]
        back_rows.append(day)
    return {"front": front, "back": back_rows, "back_types": [n for _, n in names]}


def teams_of_runs() -> list[Team]:
    return list(Team.objects.order_by("office", "name"))
