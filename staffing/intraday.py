"""Intraday: today's forecast against arrivals, backlog, required against staffed agents,
who is out of adherence and which cross-trained agents to flex (one bounded read).

Staffed = agents whose shift block says front or back office now (FTE, each shared among
the office's types they are skilled for, as in plans); "logged in" counts those whose
presence state is one of that office's working states. Required now: Erlang C agents (no
shrinkage: breaks are in the schedule) for the current interval's volume at the published
plan's service-level target (0.8 without one); casework: agent-days today from backlog
planning. Queries are constant in the number of agents, items and work types.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from ccops.choices import Office
from contacts.selectors import queue_stats_today
from training.models import AgentTier
from workitems.choices import PresenceState
from workitems.models import AgentPresence, WorkItem, WorkType
from workitems.selectors import backlog_by_type

from . import selectors
from .adherence import adherence_by_agent
from .backlog import BacklogBucket, BacklogInputError, BacklogPlanInput, required_agents_per_day
from .choices import ADHERENT_STATES, PRODUCTIVE_ACTIVITIES, Activity, PlanStatus
from .coverage import agent_minutes, type_weights
from .erlang import service_level, traffic
from .flex import Candidate, CaseState, QueueState, queue_required, suggest_moves
from .models import Shift, StaffingPlan
from .timeutil import INTERVAL_MINUTES, INTERVAL_SECONDS, day_start, interval_floor, intervals_of

DEFAULT_SERVICE_LEVEL = 0.8
DEFAULT_PRODUCTIVE_HOURS = 7.5
WINDOW_INTERVALS = 4
AVAILABLE = PresenceState.AVAILABLE


def _office_of(activity: str) -> str:
    return Office.FRONT if activity == Activity.FRONT_OFFICE else Office.BACK


def _arrivals_today(type_ids, start, now) -> dict[tuple[int, datetime], int]:
    rows = (
        WorkItem.objects.filter(
            work_type_id__in=type_ids, created_at__gte=start, created_at__lt=now
        )
        .annotate(hour=TruncHour("created_at"))
        .values("work_type_id", "hour")
        .annotate(
            first=Count("id", filter=Q(created_at__minute__lt=30)),
            second=Count("id", filter=Q(created_at__minute__gte=30)),
        )
    )
    out: dict[tuple[int, datetime], int] = {}
    for row in rows:
        hour = timezone.localtime(row["hour"])
        out[(row["work_type_id"], hour)] = row["first"]
        out[(row["work_type_id"], hour + timedelta(minutes=30))] = row["second"]
    return out


def _minutes(moment: datetime, origin: datetime) -> float:
    return (moment - origin).total_seconds() / 60


def intraday_snapshot(*, now: datetime | None = None, window_intervals: int = WINDOW_INTERVALS):
    """Everything the intraday page shows, for the day of ``now`` (default: now)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    t0, t1 = day_start(today), day_start(today + timedelta(days=1))
    current = interval_floor(now)
    window_end = min(t1, current + timedelta(minutes=INTERVAL_MINUTES * window_intervals))
    window_minutes = max(INTERVAL_MINUTES, _minutes(window_end, current))

    types = list(WorkType.objects.filter(active=True).order_by("office", "name"))
    plan = (
        StaffingPlan.objects.filter(status=PlanStatus.PUBLISHED, start__lte=today, end__gte=today)
        .order_by("-published_at")
        .first()
    )
    target_sl = plan.target_service_level if plan else DEFAULT_SERVICE_LEVEL
    productive_hours = plan.productive_hours if plan else DEFAULT_PRODUCTIVE_HOURS
    front = [wt for wt in types if wt.office == Office.FRONT]
    back = [wt for wt in types if wt.office == Office.BACK]
    fc_front = (
        selectors.effective_forecast(work_type_ids=[wt.pk for wt in front], start=t0, end=t1)
        if front
        else {}
    )
    horizon = t0 + timedelta(days=21)
    fc_back = (
        selectors.effective_forecast(work_type_ids=[wt.pk for wt in back], start=t0, end=horizon)
        if back
        else {}
    )
    arrivals = _arrivals_today([wt.pk for wt in types], t0, now) if types else {}
    # Measured so far today from contact events (contacts.selectors): one grouped query.
    measured = queue_stats_today(queue_ids=[wt.pk for wt in front], now=now) if front else {}
    backlog = {row["work_type_id"]: row for row in backlog_by_type(now=now)}
    buckets = selectors.open_backlog_buckets(work_type_ids=[wt.pk for wt in back]) if back else {}

    # People: today's schedule, skills, tiers and presence of everyone scheduled today.
    day_shifts = Shift.objects.filter(start__lt=t1, end__gt=t0).exclude(activity=Activity.OFF)
    shifts = list(day_shifts.select_related("agent", "agent__team").order_by("start"))
    agent_ids = day_shifts.values("agent_id")
    skills = selectors.current_skills(agent_ids_qs=agent_ids, on=today) if shifts else {}
    tiers = (
        dict(AgentTier.objects.filter(agent_id__in=agent_ids).values_list("agent_id", "tier__rank"))
        if shifts
        else {}
    )
    presence = (
        {
            p.agent_id: p
            for p in AgentPresence.objects.filter(agent_id__in=agent_ids).only(
                "agent_id", "state", "since"
            )
        }
        if shifts
        else {}
    )

    col = {wt.pk: i for i, wt in enumerate(types)}
    office_types = {
        office: [(wt.pk, wt.required_skill_id, wt.min_skill_level) for wt in group]
        for office, group in ((Office.FRONT, front), (Office.BACK, back))
    }
    weights: dict[tuple[int, str], dict[int, float]] = {}
    spans = []
    on_now: dict[int, Shift] = {}
    for shift in shifts:
        if shift.start <= now < shift.end:
            on_now[shift.agent_id] = shift
        if shift.activity not in PRODUCTIVE_ACTIVITIES:
            continue
        office = _office_of(shift.activity)
        key = (shift.agent_id, office)
        if key not in weights:
            weights[key] = type_weights(skills.get(shift.agent_id, {}), office_types[office])
        for type_id, w in weights[key].items():
            spans.append((col[type_id], _minutes(shift.start, t0), _minutes(shift.end, t0), w))

    # Coverage is counted in whole minutes from midnight (the now minute is its own period).
    def minute(moment: datetime) -> int:
        return int(_minutes(moment, t0))

    total = minute(t1)
    now_min = minute(now)
    bounds = {0, now_min, now_min + 1, minute(current), total}
    bounds |= {
        minute(current + timedelta(minutes=INTERVAL_MINUTES * i))
        for i in range(1, window_intervals + 1)
    }
    bounds = sorted(b for b in bounds if 0 <= b <= total)
    per_period = agent_minutes(spans, len(types), bounds)
    index = {b: i for i, b in enumerate(bounds[:-1])}

    def fte_at(c: int, minute: float) -> float:
        i = index.get(minute)
        return float(per_period[c, i]) / (bounds[i + 1] - bounds[i]) if i is not None else 0.0

    def minutes_between(c: int, a: float, b: float) -> float:
        return float(sum(per_period[c, index[x]] for x in bounds[:-1] if a <= x < b))

    rows_front, queues = [], []
    slots = intervals_of(today)
    elapsed = max(0.0, min(1.0, (now - current).total_seconds() / INTERVAL_SECONDS))
    window_slots = [s for s in slots if current <= s < window_end]
    chart_labels = [timezone.localtime(s).strftime("%H:%M") for s in slots]
    chart_sets = []
    for wt in front:
        c = col[wt.pk]
        vols = [(fc_front.get((wt.pk, s)) or {}).get("volume") or 0.0 for s in slots]
        ahts = [(fc_front.get((wt.pk, s)) or {}).get("aht") for s in slots]
        aht_default = float(wt.standard_minutes) * 60 or 1.0
        so_far = sum(v for s, v in zip(slots, vols, strict=True) if s < current)
        so_far += elapsed * next((v for s, v in zip(slots, vols, strict=True) if s == current), 0)
        cur_i = slots.index(current) if current in slots else 0
        vol_now, aht_now = vols[cur_i], ahts[cur_i] or aht_default
        win = [slots.index(s) for s in window_slots] or [cur_i]
        vol_win = sum(vols[i] for i in win) / len(win)
        aht_win = sum(ahts[i] or aht_default for i in win) / len(win)
        staffed_now = fte_at(c, now_min)
        staffed_win = min(fte_at(c, minute(s)) for s in window_slots) if window_slots else 0
        state = QueueState(
            wt.pk,
            wt.name,
            vol_now,
            aht_now,
            INTERVAL_SECONDS,
            target_sl,
            float(wt.sla_answer_seconds),
            staffed_now,
        )
        required_now = queue_required(state)
        a = traffic(vol_now, aht_now, INTERVAL_SECONDS)
        sl_now = service_level(math.floor(staffed_now + 1e-9), a, aht_now, wt.sla_answer_seconds)
        queues.append(
            QueueState(
                wt.pk,
                wt.name,
                vol_win,
                aht_win,
                INTERVAL_SECONDS,
                target_sl,
                float(wt.sla_answer_seconds),
                min(staffed_now, staffed_win) if window_slots else staffed_now,
            )
        )
        actual = [arrivals.get((wt.pk, s), 0) for s in slots]
        chart_sets.append(
            {"label": f"{wt.name} forecast", "data": [round(v, 1) for v in vols], "dashed": True}
        )
        chart_sets.append(
            {
                "label": f"{wt.name} actual",
                "data": [a if s < now else None for s, a in zip(slots, actual, strict=True)],
            }
        )
        b = backlog.get(wt.pk, {})
        rows_front.append(
            {
                "work_type": wt,
                "forecast_so_far": so_far,
                "forecast_day": sum(vols),
                "actual_so_far": sum(actual),
                "open": b.get("open", 0),
                "past_due": b.get("past_due", 0),
                "volume_now": vol_now,
                "required_now": required_now,
                "staffed_now": staffed_now,
                "gap_now": staffed_now - required_now,
                "service_level_now": sl_now,
                "service_level_today": measured.get(wt.pk, {}).get("service_level"),
                "asa_today": measured.get(wt.pk, {}).get("asa_seconds"),
            }
        )

    rows_back, cases = [], []
    for wt in back:
        c = col[wt.pk]
        day_row = fc_back.get((wt.pk, t0)) or {}
        b = backlog.get(wt.pk, {})
        due_today = sum(n for due, n in buckets.get(wt.pk, {}).items() if due <= today)
        aht_min = (day_row.get("aht") or float(wt.standard_minutes) * 60) / 60
        minutes_today = minutes_between(c, 0, total)
        minutes_left = minutes_between(c, now_min, total)
        required_today = _required_today(
            wt, today, fc_back, buckets.get(wt.pk, {}), aht_min, productive_hours
        )
        staffed_now = fte_at(c, now_min)
        actual = sum(n for (tid, _), n in arrivals.items() if tid == wt.pk)
        cases.append(
            CaseState(
                wt.pk,
                wt.name,
                b.get("open", 0),
                b.get("past_due", 0),
                due_today,
                aht_min,
                staffed_now,
                minutes_left,
            )
        )
        rows_back.append(
            {
                "work_type": wt,
                "forecast_day": day_row.get("volume") or 0.0,
                "actual_so_far": actual,
                "open": b.get("open", 0),
                "past_due": b.get("past_due", 0),
                "due_today": due_today,
                "required_today": required_today,
                "scheduled_today": minutes_today / (productive_hours * 60),
                "staffed_now": staffed_now,
                "capacity_left": math.floor(minutes_left / aht_min) if aht_min else 0,
            }
        )

    candidates = _candidates(on_now, weights, skills, tiers, presence, types)
    moves = suggest_moves(queues, cases, candidates, window_minutes=window_minutes)

    out_now = []
    for agent_id, shift in on_now.items():
        p = presence.get(agent_id)
        state = p.state if p else "offline"
        if state not in ADHERENT_STATES.get(shift.activity, ()):
            out_now.append(
                {
                    "agent": shift.agent,
                    "shift": shift,
                    "state": state,
                    "state_label": PresenceState(state).label
                    if state in PresenceState.values
                    else state,
                    "since": p.since if p else None,
                }
            )
    out_now.sort(key=lambda r: (r["since"] or now, r["agent"].username))
    logged_in = defaultdict(int)
    for agent_id, shift in on_now.items():
        p = presence.get(agent_id)
        if (
            shift.activity in PRODUCTIVE_ACTIVITIES
            and p
            and p.state in ADHERENT_STATES[shift.activity]
        ):
            logged_in[_office_of(shift.activity)] += 1

    adherence = adherence_by_agent(day=today, now=now)
    names = {s.agent_id: s.agent for s in shifts}
    worst = sorted(
        (
            {"agent": names.get(a), **v}
            for a, v in adherence.items()
            if v["adherence"] is not None and a in names
        ),
        key=lambda r: (r["adherence"], r["agent"].username),
    )[:10]
    return {
        "now": now,
        "today": today,
        "current": current,
        "window_end": window_end,
        "window_minutes": window_minutes,
        "plan": plan,
        "target_service_level": target_sl,
        "front": rows_front,
        "back": rows_back,
        "moves": moves,
        "out_of_adherence": out_now[:50],
        "out_of_adherence_total": len(out_now),
        "on_shift_now": len(on_now),
        "logged_in": dict(logged_in),
        "worst_adherence": worst,
        "chart": {"labels": chart_labels, "datasets": chart_sets},
    }


def _required_today(wt, today: date, fc_back, buckets, aht_min, productive_hours) -> int | None:
    """Agent-days needed today so no deadline slips (backlog planning over SLA + 1 days)."""
    sla_days = max(0, math.ceil(wt.sla.total_seconds() / 86400)) if wt.sla else 0
    days = [today + timedelta(days=i) for i in range(sla_days + 1)]
    arrivals = [round((fc_back.get((wt.pk, day_start(d))) or {}).get("volume") or 0) for d in days]
    try:
        plan = BacklogPlanInput(
            days=days,
            arrivals=arrivals,
            aht_minutes=max(aht_min, 0.01),
            sla_working_days=sla_days,
            productive_hours=productive_hours,
            starting_backlog=[BacklogBucket(n, due) for due, n in sorted(buckets.items())],
        )
        return required_agents_per_day(plan).agents[0]
    except BacklogInputError:
        return None


def _candidates(on_now, weights, skills, tiers, presence, types) -> list[Candidate]:
    """Agents on a front/back block now with the other office's types they may take:
    skilled at the type's minimum level (types with a required skill only: cross-training)
    and tier. Available agents first, then the most skilled."""
    out = []
    for agent_id, shift in on_now.items():
        if shift.activity not in PRODUCTIVE_ACTIVITIES:
            continue
        office = _office_of(shift.activity)
        held = skills.get(agent_id, {})
        eligible = frozenset(
            wt.pk
            for wt in types
            if wt.office != office
            and wt.required_skill_id is not None
            and held.get(wt.required_skill_id, 0) >= max(1, wt.min_skill_level)
            and tiers.get(agent_id, 0) >= wt.min_tier_rank
        )
        if not eligible:
            continue
        p = presence.get(agent_id)
        out.append(
            (
                (
                    0 if p and p.state == AVAILABLE else 1,
                    -max(held.values(), default=0),
                    shift.agent.username,
                ),
                Candidate(
                    agent_id,
                    str(shift.agent),
                    office,
                    tuple(weights.get((agent_id, office), {})),
                    eligible,
                ),
            )
        )
    return [c for _, c in sorted(out, key=lambda x: x[0])]
