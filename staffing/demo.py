"""Demo staffing: schedules, forecasts, a published plan and a what-if copy.

Runs after the workitems demo (work types by name; any that are missing are skipped).

* Shifts for every demo agent from 60 days back to 14 days ahead: weekday day shifts
  (8.5 hours with a staggered 30-minute break; front-office agents on front office,
  back-office agents on back office; cross-trained agents spend Tuesday and Thursday
  afternoons in the other office; new hires have a Wednesday training hour), a Saturday
  crew of half the agents (09:00-13:00) and a Sunday crew of a quarter (10:00-14:00), both
  drawn from every team.
* Forecasts rebuilt from the demo history (the nightly job's service).
* A published plan for this week and a draft what-if copy of it.
* A check that the intraday page at 11:00 today suggests a flex move; when the history
  does not produce one, two agents are cross-trained and, if still needed, the planner's
  override of a morning call spike is added (reason says so).

Deterministic (a fixed RNG per agent) and idempotent: the demo agents' shifts in the window,
today's demo overrides and the two demo plans are replaced, not added to.
"""

from __future__ import annotations

import random
import time as clock
from datetime import datetime, time, timedelta

from django.utils import timezone

from ccops.choices import Office
from training.models import AgentSkill
from workitems.models import WorkType
from workitems.selectors import current_presence_since
from workitems.services import presence_history_replace

from . import services
from .choices import ADHERENT_STATES, Activity
from .erlang import ErlangInputError, required_agents
from .intraday import intraday_snapshot
from .models import ForecastOverride, Shift, StaffingPlan
from .timeutil import INTERVAL_SECONDS, day_start

DEMO_TYPES = ["Inbound calls", "Chat", "Claims casework", "Billing casework", "Complaints"]
PAST_DAYS, FUTURE_DAYS = 60, 14
CHECK_AT = time(11, 0)
SPIKE_REASON = "Demo: mailing campaign expected to double calls this morning"


def _at(day, hh, mm=0):
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def _blocks(day, start_h, start_m, activity, other, *, cross_afternoon, training):
    """One working day: 4 h, a break, 4.5 h (the afternoon maybe in the other office)."""
    start = _at(day, start_h, start_m)
    brk = start + timedelta(hours=4)
    end = start + timedelta(hours=8, minutes=30)
    afternoon = other if cross_afternoon else activity
    out = [(start, brk, activity), (brk, brk + timedelta(minutes=30), Activity.BREAK)]
    if training:
        out.append((brk + timedelta(minutes=30), brk + timedelta(minutes=90), Activity.TRAINING))
        out.append((brk + timedelta(minutes=90), end, afternoon))
    else:
        out.append((brk + timedelta(minutes=30), end, afternoon))
    return out


def _shifts(ctx, cross_trained: set[int]) -> int:
    first = ctx.today - timedelta(days=PAST_DAYS)
    last = ctx.today + timedelta(days=FUTURE_DAYS)
    Shift.objects.filter(
        agent__in=ctx.agents, start__gte=day_start(first), start__lt=day_start(last)
    ).delete()
    rows = []
    for index, agent in enumerate(ctx.agents):
        rng = random.Random(f"staffing-{agent.username}")
        front = agent.team_id is None or agent.team.office == Office.FRONT
        mine = Activity.FRONT_OFFICE if front else Activity.BACK_OFFICE
        other = Activity.BACK_OFFICE if front else Activity.FRONT_OFFICE
        start_h, start_m = [(8, 0), (8, 30), (9, 0)][index % 3]
        new_hire = (agent.tenure_days(ctx.today) or 999) < 90
        day = first
        while day < last:
            weekday = day.weekday()
            if weekday < 5:
                for s, e, act in _blocks(
                    day,
                    start_h,
                    start_m,
                    mine,
                    other,
                    cross_afternoon=agent.pk in cross_trained and weekday in (1, 3),
                    training=new_hire and weekday == 2,
                ):
                    rows.append(Shift(agent=agent, start=s, end=e, activity=act, note="demo"))
            elif (weekday == 5 and index % 8 < 4) or (
                weekday == 6 and index % 16 in (0, 5, 10, 15)
            ):
                s = _at(day, 9) if weekday == 5 else _at(day, 10)
                rows.append(Shift(agent=agent, start=s, end=s + timedelta(hours=4), activity=mine))
            if rng.random() < 0.02 and weekday < 5:  # an occasional day off, booked
                rows = [r for r in rows if not (r.agent is agent and r.start.date() == day)]
                rows.append(
                    Shift(
                        agent=agent,
                        start=_at(day, 8),
                        end=_at(day, 17),
                        activity=Activity.OFF,
                        note="demo: leave",
                    )
                )
            day += timedelta(days=1)
    Shift.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _cross_trained(ctx, types) -> set[int]:
    """Agents holding a current skill of the other office's demo types (from the demos)."""
    skill_office = {wt.required_skill_id: wt.office for wt in types if wt.required_skill_id}
    held = AgentSkill.objects.filter(agent__in=ctx.agents, skill_id__in=skill_office).values_list(
        "agent_id", "skill_id"
    )
    offices = {a.pk: (a.team.office if a.team_id else Office.FRONT) for a in ctx.agents}
    return {a for a, s in held if skill_office[s] != offices.get(a)}


def _plans(ctx) -> None:
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    name = f"Week {monday.isocalendar()[1]} {monday.year}"
    what_if = f"{name}: what-if (+10% calls)"
    StaffingPlan.objects.filter(name__in=[name, what_if]).delete()
    planner = ctx.staff.get("Workforce Planner")
    plan = services.plan_create(name=name, start=monday, end=monday + timedelta(days=6), by=planner)
    services.plan_publish(plan=plan, by=planner)
    services.plan_copy(plan=plan, by=planner, name=what_if)


def _spike(ctx, types) -> None:
    """The planner's override that makes the first queue short at 11:00 by two agents."""
    queue = next((wt for wt in types if wt.office == Office.FRONT), None)
    if queue is None:
        return
    snapshot = intraday_snapshot(now=_at(ctx.today, CHECK_AT.hour, CHECK_AT.minute))
    row = next((r for r in snapshot["front"] if r["work_type"].pk == queue.pk), None)
    staffed = int(row["staffed_now"]) if row else 0
    aht = float(queue.standard_minutes) * 60
    volume = 1.0
    while volume < 5000:
        try:
            need = required_agents(volume, aht, INTERVAL_SECONDS, 0.8, queue.sla_answer_seconds)
        except ErlangInputError:
            break
        if need.agents >= staffed + 2:
            break
        volume += 1.0
    planner = ctx.staff.get("Workforce Planner")
    for hh, mm in [(10, 0), (10, 30), (11, 0), (11, 30), (12, 0), (12, 30)]:
        services.forecast_override_set(
            work_type=queue,
            interval_start=_at(ctx.today, hh, mm),
            volume=volume,
            by=planner,
            reason=SPIKE_REASON,
        )


def _ensure_cross_training(ctx, types) -> None:
    """Two agents on shift at 11:00 in each office get a skill of the other office."""
    now = _at(ctx.today, CHECK_AT.hour, CHECK_AT.minute)
    on = Shift.objects.filter(
        agent__in=ctx.agents,
        start__lte=now,
        end__gt=now,
        activity__in=[Activity.FRONT_OFFICE, Activity.BACK_OFFICE],
    ).values_list("agent_id", "activity")
    for office, activity in (
        (Office.FRONT, Activity.BACK_OFFICE),
        (Office.BACK, Activity.FRONT_OFFICE),
    ):
        targets = [wt for wt in types if wt.office == office and wt.required_skill_id]
        agents = sorted(a for a, act in on if act == activity)[:2]
        for agent_id in agents:
            for wt in targets:
                AgentSkill.objects.get_or_create(
                    agent_id=agent_id,
                    skill_id=wt.required_skill_id,
                    defaults={"level": max(2, wt.min_skill_level)},
                )


# --- Presence history: what the agents did against their shifts ----------------------------

FRONT_CYCLE = ("on_contact", "after_contact", "available")


def _day_states(rng, blocks):
    """``(login, change points [(at, state)], logout)`` for one working day's blocks
    (ordered): logging in a few minutes late now and then, front office cycling contacts,
    breaks that sometimes run over (the next block starts late), an occasional unscheduled
    ten-minute pause; offline after the last block."""
    points = []
    first = blocks[0][0]
    late = timedelta(minutes=rng.choice([0, 0, 0, 2, 4, 7, 12]))
    for s, e, act in blocks:
        t = max(s, first + late)
        if act == Activity.FRONT_OFFICE:
            i = 0
            while t < e:
                points.append((t, FRONT_CYCLE[i % 3]))
                t += timedelta(minutes=rng.choice([25, 40, 55]) if i % 3 == 0 else 5)
                i += 1
        elif t < e:
            points.append((t, ADHERENT_STATES[act][0]))
        late = timedelta(0)
        if act == Activity.BREAK and rng.random() < 0.3:
            late = e - first + timedelta(minutes=rng.choice([3, 6, 9]))  # break overran
        elif rng.random() < 0.15 and e - s > timedelta(hours=1):
            pause = s + (e - s) / 2
            points = [p for p in points if not pause <= p[0] < pause + timedelta(minutes=10)]
            back = [p for p in points if p[0] < pause][-1][1]
            points += [(pause, "break"), (pause + timedelta(minutes=10), back)]
            points.sort(key=lambda p: p[0])
    end = blocks[-1][1] + timedelta(minutes=rng.choice([0, 0, 3, 8]))
    return first + timedelta(0), points, end


def _presence_history(ctx) -> int:
    """Closed presence history for every demo agent from :data:`PAST_DAYS` back up to their
    current state (set by the work items' demo), following their shifts: offline between
    shifts, days off and unscheduled days; written through the work items' bulk history
    service. Deterministic per agent; re-running replaces it."""
    first = day_start(ctx.today - timedelta(days=PAST_DAYS))
    current = current_presence_since([a.pk for a in ctx.agents])
    blocks_by_agent: dict[int, list] = {}
    for row in (
        Shift.objects.filter(agent__in=ctx.agents, start__gte=first)
        .exclude(activity=Activity.OFF)
        .order_by("agent_id", "start")
        .values_list("agent_id", "start", "end", "activity")
    ):
        blocks_by_agent.setdefault(row[0], []).append(row[1:])
    written = 0
    for agent in ctx.agents:
        until = current.get(agent.pk)
        if until is None or until <= first:
            continue
        rng = random.Random(f"presence-{agent.username}")
        days: dict = {}
        for s, e, act in blocks_by_agent.get(agent.pk, []):
            if s < until:
                days.setdefault(timezone.localdate(s), []).append((s, e, act))
        points = [(first, "offline")]
        for day in sorted(days):
            login, day_points, logout = _day_states(rng, days[day])
            if login > points[-1][0]:
                points.append((login, "offline"))
            points.extend(day_points)
            points.append((logout, "offline"))
        intervals = []
        for (t, st), (t_next, _st) in zip(points, points[1:] + [(until, None)], strict=True):
            t_next = min(t_next, until)
            if t_next <= t:
                continue
            if intervals and intervals[-1][2] == st and intervals[-1][1] == t:
                intervals[-1] = (intervals[-1][0], t_next, st)
            else:
                intervals.append((t, t_next, st))
        written += presence_history_replace(
            agent_id=agent.pk, intervals=intervals, since=first, until=until
        )
    return written


def seed(ctx) -> None:
    started = clock.monotonic()
    types = list(WorkType.objects.filter(name__in=DEMO_TYPES, active=True))
    if not types:
        ctx.log("Staffing: demo work types not found; shifts only.")
    cross = _cross_trained(ctx, types) if types else set()
    count = _shifts(ctx, cross)
    presence_rows = _presence_history(ctx)
    ctx.log(f"Staffing: {presence_rows} presence history rows along the shifts.")
    if not types:
        ctx.log(f"Staffing: {count} shifts.")
        return
    ForecastOverride.objects.filter(reason=SPIKE_REASON).delete()
    builds = services.forecast_build_all(as_of=ctx.today)
    check = _at(ctx.today, CHECK_AT.hour, CHECK_AT.minute)
    moves = intraday_snapshot(now=check)["moves"]
    if not moves:
        _ensure_cross_training(ctx, types)
        moves = intraday_snapshot(now=check)["moves"]
    if not moves:
        _spike(ctx, types)
        moves = intraday_snapshot(now=check)["moves"]
    _plans(ctx)
    ctx.log(
        f"Staffing: {count} shifts, {len(builds)} forecasts, 2 plans, "
        f"{len(moves)} flex suggestion(s) at {CHECK_AT:%H:%M} today "
        f"in {clock.monotonic() - started:.1f} s."
    )
