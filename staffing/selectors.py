"""Reads shaped for staffing pages, services and the API: aggregates in SQL, constant queries.

The intraday page has its own module (:mod:`staffing.intraday`); adherence too
(:mod:`staffing.adherence`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    Max,
    Min,
    Prefetch,
    Q,
    Sum,
)
from django.db.models.functions import (
    Coalesce,
    TruncDate,
    TruncDay,
    TruncHour,
)
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.models import Team
from training.models import AgentSkill
from training.services import Busy
from workitems.choices import OPEN_STATUSES, Status
from workitems.models import WorkItem, WorkType

from .choices import PRODUCTIVE_ACTIVITIES, Activity
from .models import ForecastBuild, ForecastOverride, ForecastValue, PlanLine, Shift, StaffingPlan
from .timeutil import day_start

User = get_user_model()


# --- History (forecast input) -------------------------------------------------------------


def arrival_counts(*, work_type: WorkType, start: datetime, end: datetime) -> dict[datetime, int]:
    """Items created in ``[start, end)`` per local 30-minute interval (front office) or per
    local day (back office), counted in SQL. Keys are aware interval/day starts."""
    items = WorkItem.objects.filter(work_type=work_type, created_at__gte=start, created_at__lt=end)
    out: dict[datetime, int] = {}
    if work_type.office == Office.FRONT:
        rows = (
            items.annotate(hour=TruncHour("created_at"))
            .values("hour")
            .annotate(
                first=Count("id", filter=Q(created_at__minute__lt=30)),
                second=Count("id", filter=Q(created_at__minute__gte=30)),
            )
            .order_by("hour")
        )
        for row in rows:
            hour = timezone.localtime(row["hour"])
            if row["first"]:
                out[hour] = row["first"]
            if row["second"]:
                out[hour + timedelta(minutes=30)] = row["second"]
        return out
    rows = items.annotate(day=TruncDate("created_at")).values("day").annotate(n=Count("id"))
    return {day_start(row["day"]): row["n"] for row in rows.order_by("day")}


def first_arrival(*, work_type: WorkType, before: datetime) -> datetime | None:
    return (
        WorkItem.objects.filter(work_type=work_type, created_at__lt=before)
        .aggregate(first=Min("created_at"))
        .get("first")
    )


def average_handle_seconds(*, work_type: WorkType, start: datetime, end: datetime) -> float | None:
    """Mean handle time of items of ``work_type`` completed in ``[start, end)`` (SQL AVG)."""
    value = WorkItem.objects.filter(
        work_type=work_type,
        status=Status.DONE,
        completed_at__gte=start,
        completed_at__lt=end,
        handle_seconds__gt=0,
    ).aggregate(aht=Avg("handle_seconds"))["aht"]
    return float(value) if value else None


# --- Forecasts ----------------------------------------------------------------------------


def effective_forecast(
    *, work_type_ids, start: datetime, end: datetime
) -> dict[tuple[int, datetime], dict]:
    """Model values and overrides in ``[start, end)``: two queries.

    ``{(work_type_id, interval_start): {"model": v|None, "override": v|None, "aht": s|None,
    "volume": override if set else model}}``.
    """
    out: dict[tuple[int, datetime], dict] = {}
    values = ForecastValue.objects.filter(
        work_type_id__in=work_type_ids, interval_start__gte=start, interval_start__lt=end
    ).values_list("work_type_id", "interval_start", "volume", "aht_seconds")
    for type_id, at, volume, aht in values:
        out[(type_id, at)] = {"model": volume, "override": None, "aht": aht, "volume": volume}
    overrides = ForecastOverride.objects.filter(
        work_type_id__in=work_type_ids, interval_start__gte=start, interval_start__lt=end
    ).values_list("work_type_id", "interval_start", "volume")
    for type_id, at, volume in overrides:
        row = out.setdefault(
            (type_id, at), {"model": None, "override": None, "aht": None, "volume": 0.0}
        )
        row["override"] = volume
        row["volume"] = volume
    return out


def latest_builds() -> dict[int, ForecastBuild]:
    """The most recent forecast build of each work type (one query)."""
    latest = ForecastBuild.objects.values("work_type").annotate(last=Max("pk")).values("last")
    return {b.work_type_id: b for b in ForecastBuild.objects.filter(pk__in=latest)}


def forecast_overview(*, day: date) -> list[dict]:
    """Per active work type: the day's model total, override total, the latest build and its
    accuracy. Three queries (types, day totals, latest builds)."""
    start, end = day_start(day), day_start(day + timedelta(days=1))
    types = list(WorkType.objects.filter(active=True).order_by("office", "name"))
    totals = {
        row["work_type_id"]: row
        for row in ForecastValue.objects.filter(interval_start__gte=start, interval_start__lt=end)
        .values("work_type_id")
        .annotate(model=Sum("volume"), aht=Avg("aht_seconds"), n=Count("id"))
    }
    builds = latest_builds()
    return [
        {
            "work_type": wt,
            "model": (totals.get(wt.pk) or {}).get("model"),
            "aht": (totals.get(wt.pk) or {}).get("aht"),
            "build": builds.get(wt.pk),
        }
        for wt in types
    ]


def forecast_day_rows(*, work_type: WorkType, day: date) -> list[dict]:
    """The intervals of one day for one work type: model, override, effective (2 queries)."""
    from .timeutil import intervals_of

    start, end = day_start(day), day_start(day + timedelta(days=1))
    data = effective_forecast(work_type_ids=[work_type.pk], start=start, end=end)
    slots = intervals_of(day) if work_type.office == Office.FRONT else [start]
    rows = []
    for at in slots:
        row = data.get((work_type.pk, at)) or {}
        rows.append(
            {
                "interval_start": at,
                "model": row.get("model"),
                "override": row.get("override"),
                "aht": row.get("aht"),
                "volume": row.get("volume", 0.0),
            }
        )
    return rows


def upcoming_forecast_events(*, on: date, limit: int = 50) -> list:
    """Holidays and events still to come on ``on`` (one query, with their work types)."""
    from .models import ForecastEvent

    return list(
        ForecastEvent.objects.filter(end_date__gte=on)
        .select_related("work_type")
        .order_by("start_date", "pk")[:limit]
    )


def latest_build(*, work_type: WorkType) -> ForecastBuild | None:
    """The most recent build of one work type (one query)."""
    return ForecastBuild.objects.filter(work_type=work_type).order_by("-built_at", "-pk").first()


def forecast_chart(*, work_type: WorkType, day: date, history_days: int = 28, days: int = 14):
    """History, forecast, its interval and overrides of one work type around ``day``.

    History: arrivals in the ``history_days`` before ``day`` (one SQL count); forecast,
    interval and overrides from ``day`` for ``days`` (two queries). Returns the chart's
    JSON-ready dict and the forecast rows keyed by interval start (for the override table).
    Periods are 30 minutes (front office) or days (back office); labels are local times.
    """
    from .timeutil import intervals_of

    hist_start, start = day_start(day - timedelta(days=history_days)), day_start(day)
    end = day_start(day + timedelta(days=days))
    counts = arrival_counts(work_type=work_type, start=hist_start, end=start)
    rows: dict[datetime, dict] = {}
    values = ForecastValue.objects.filter(
        work_type=work_type, interval_start__gte=start, interval_start__lt=end
    ).values_list("interval_start", "volume", "lower", "upper", "aht_seconds", "adjusted")
    for at, volume, lower, upper, aht, adjusted in values:
        rows[at] = {
            "model": volume,
            "lower": lower,
            "upper": upper,
            "aht": aht,
            "adjusted": adjusted,
            "override": None,
        }
    overrides = ForecastOverride.objects.filter(
        work_type=work_type, interval_start__gte=start, interval_start__lt=end
    ).values_list("interval_start", "volume")
    for at, volume in overrides:
        rows.setdefault(at, {"model": None, "lower": None, "upper": None, "aht": None})
        rows[at]["override"] = volume
    front = work_type.office == Office.FRONT
    all_days = [
        day - timedelta(days=history_days) + timedelta(days=i) for i in range(history_days + days)
    ]
    slots = (
        [at for d in all_days for at in intervals_of(d)]
        if front
        else [day_start(d) for d in all_days]
    )
    fmt = "%Y-%m-%d %H:%M" if front else "%Y-%m-%d"
    chart = {"labels": [], "history": [], "forecast": [], "lower": [], "upper": [], "override": []}
    for at in slots:
        local = timezone.localtime(at)
        chart["labels"].append(local.strftime(fmt))
        if at < start:
            chart["history"].append(counts.get(at, 0))
            for key in ("forecast", "lower", "upper", "override"):
                chart[key].append(None)
            continue
        row = rows.get(at) or {}
        chart["history"].append(None)
        chart["forecast"].append(row.get("model"))
        chart["lower"].append(row.get("lower"))
        chart["upper"].append(row.get("upper"))
        chart["override"].append(row.get("override"))
    return chart, rows


# --- Shifts and coverage -------------------------------------------------------------------


def shifts_visible_to(user):
    """Planners and admins read every shift; supervisors their teams' agents' and their own
    (as on the schedule grid); agents their own; others none."""
    qs = Shift.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.has_role(Role.PLANNER):
        return qs
    if user.has_role(Role.SUPERVISOR):
        return qs.filter(Q(agent__team__supervisor=user) | Q(agent=user))
    if user.has_role(Role.AGENT):
        return qs.filter(agent=user)
    return qs.none()


def productive_spans(*, start: datetime, end: datetime) -> list[tuple]:
    """Front/back-office shift blocks overlapping ``[start, end)``:
    ``(agent_id, start, end, activity)`` (one query, index ``shift_span``)."""
    return list(
        Shift.objects.filter(
            start__lt=end, end__gt=start, activity__in=PRODUCTIVE_ACTIVITIES
        ).values_list("agent_id", "start", "end", "activity")
    )


def shift_clash(agent, starts_at: datetime, ends_at: datetime, compatible) -> Busy | None:
    """The agent's first shift block overlapping ``[starts_at, ends_at)`` whose activity is
    not in ``compatible``, else None (one query on ``shift_agent_span``). Training's
    shadowing service asks this through the finder registered in ``StaffingConfig.ready``."""
    shift = (
        Shift.objects.filter(agent=agent, start__lt=ends_at, end__gt=starts_at)
        .exclude(activity__in=compatible)
        .order_by("start")
        .first()
    )
    if shift is None:
        return None
    return Busy(activity=shift.get_activity_display(), start=shift.start, end=shift.end)


def current_skills(*, agent_ids_qs, on: date) -> dict[int, dict[int, int]]:
    """``{agent_id: {skill_id: level}}`` of current (unexpired) skills, one query; agents are
    given as a queryset of ids so the IN list never grows with the workforce."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    rows = AgentSkill.objects.filter(agent_id__in=agent_ids_qs).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=on)
    )
    for agent_id, skill_id, level in rows.values_list("agent_id", "skill_id", "level"):
        out[agent_id][skill_id] = level
    return out


def skilled_for(work_type: WorkType, skills: dict[int, int]) -> bool:
    if work_type.required_skill_id is None:
        return True
    return skills.get(work_type.required_skill_id, 0) >= max(1, work_type.min_skill_level)


def open_backlog_buckets(*, work_type_ids) -> dict[int, dict[date, int]]:
    """Open items per back-office type by local due day (SQL GROUP BY); items without a due
    time count as due today."""
    today = timezone.localdate()
    out: dict[int, dict[date, int]] = defaultdict(dict)
    rows = (
        WorkItem.objects.filter(work_type_id__in=work_type_ids, status__in=OPEN_STATUSES)
        .annotate(due_day=TruncDate("due_at"))
        .values("work_type_id", "due_day")
        .annotate(n=Count("id"))
    )
    for row in rows:
        day = row["due_day"] or today
        bucket = out[row["work_type_id"]]
        bucket[day] = bucket.get(day, 0) + row["n"]
    return out


# --- Plans --------------------------------------------------------------------------------


def plan_list():
    """Plans with line counts and the number of short intervals (one query per page)."""
    return (
        StaffingPlan.objects.select_related("created_by", "copied_from")
        .annotate(
            line_count=Count("lines"),
            short_count=Count("lines", filter=Q(lines__gap__lt=0)),
        )
        .order_by("-start", "-created_at")
    )


def plan_day_summary(*, plan: StaffingPlan) -> list[dict]:
    """Per work type and day: volume, peak required, scheduled and worst gap (one query)."""
    volume = Coalesce(F("override_volume"), F("forecast_volume"), output_field=FloatField())
    rows = (
        PlanLine.objects.filter(plan=plan)
        .annotate(day=TruncDay("interval_start"))
        .values("work_type_id", "work_type__name", "work_type__office", "day")
        .annotate(
            volume=Sum(volume),
            peak_required=Max("required_agents"),
            peak_scheduled=Max("scheduled_agents"),
            worst_gap=Min("gap"),
            short_intervals=Count("id", filter=Q(gap__lt=0)),
            overrides=Count("id", filter=Q(override_volume__isnull=False)),
            backlog=Max("projected_backlog"),
            past_due=Max("projected_past_due"),
        )
        .order_by("work_type__office", "work_type__name", "day")
    )
    out = []
    for row in rows:
        row["day"] = timezone.localtime(row["day"]).date() if row["day"] else None
        out.append(row)
    return out


def plan_lines_for_day(*, plan: StaffingPlan, day: date, work_type_id: int | None = None):
    start, end = day_start(day), day_start(day + timedelta(days=1))
    qs = PlanLine.objects.filter(
        plan=plan, interval_start__gte=start, interval_start__lt=end
    ).select_related("work_type")
    if work_type_id:
        qs = qs.filter(work_type_id=work_type_id)
    return qs.order_by("work_type__office", "work_type__name", "interval_start")


# --- Schedule grid ------------------------------------------------------------------------


def teams_for_schedule(user):
    """Teams whose grid ``user`` may open: planners all, supervisors theirs first."""
    qs = Team.objects.select_related("supervisor").order_by("office", "name")
    if user.has_role(Role.PLANNER):
        return qs
    return qs.filter(supervisor=user) if user.has_role(Role.SUPERVISOR) else qs.none()


def schedule_grid(*, teams, week_start: date) -> list[dict]:
    """For each team: its active members and each member's shifts per day of the week.

    Two queries whatever the size: members of the teams (with their shifts of the week
    prefetched in one more query).
    """
    start, end = day_start(week_start), day_start(week_start + timedelta(days=7))
    days = [week_start + timedelta(days=i) for i in range(7)]
    week_shifts = Shift.objects.filter(start__lt=end, end__gt=start).order_by("start")
    members = (
        User.objects.filter(team__in=[t.pk for t in teams], is_active=True)
        .prefetch_related(Prefetch("shifts", queryset=week_shifts, to_attr="week_shifts"))
        .order_by("username")
    )
    by_team: dict[int, list] = defaultdict(list)
    for member in members:
        cells: dict[date, list] = {d: [] for d in days}
        minutes = 0.0
        for shift in member.week_shifts:
            local_day = timezone.localtime(shift.start).date()
            if local_day in cells:
                cells[local_day].append(shift)
            if shift.activity in PRODUCTIVE_ACTIVITIES:
                minutes += shift.minutes
        by_team[member.team_id].append(
            {"agent": member, "cells": [cells[d] for d in days], "productive_hours": minutes / 60}
        )
    return [{"team": team, "rows": by_team.get(team.pk, [])} for team in teams]


def my_shifts(*, user, start: date, days: int = 14):
    begin, end = day_start(start), day_start(start + timedelta(days=days))
    return Shift.objects.filter(agent=user, start__lt=end, end__gt=begin).order_by("start")


def skilled_offices(agent_id: int, on: date) -> set[str]:
    """The offices of the active work types whose required skill ``agent_id`` holds at the
    type's level (:func:`skilled_for`). Types anybody may take do not count, as for the
    intraday flex candidates: two offices = cross-trained. Two queries."""
    mine = current_skills(agent_ids_qs=[agent_id], on=on).get(agent_id, {})
    types = WorkType.objects.filter(active=True, required_skill__isnull=False).only(
        "office", "required_skill", "min_skill_level"
    )
    return {t.office for t in types if skilled_for(t, mine)}


def scheduled_office(agent_id: int, at: datetime) -> str | None:
    """THE rule of which office claim-next keeps a scheduled agent to (it asks through
    ``workitems.scheduled_office``): for a cross-trained agent (skilled for both offices) the
    office of their front/back-office block at ``at`` (a flex move rewrites that block);
    ``None`` (every type they are eligible for) when they have no such block now, or when
    they are skilled for one office only, so they get their own work wherever the schedule
    puts them."""
    activity = (
        Shift.objects.filter(
            agent_id=agent_id,
            start__lte=at,
            end__gt=at,
            activity__in=(Activity.FRONT_OFFICE, Activity.BACK_OFFICE),
        )
        .values_list("activity", flat=True)
        .first()
    )
    if activity is None:
        return None
    if len(skilled_offices(agent_id, timezone.localtime(at).date())) < 2:
        return None
    return Office.FRONT if activity == Activity.FRONT_OFFICE else Office.BACK
