"""Staffing plans: build lines in bulk, override a volume, publish, copy, delete.

How a plan's lines are computed (for every active work type, every interval of the range):

* volume = the line's own what-if override (kept across rebuilds), else the planner's
  :class:`~staffing.models.ForecastOverride`, else the model forecast, else 0; handle time =
  the forecast's, else the type's standard minutes;
* front office (30-minute lines): required agents = Erlang C agents for the plan's service
  level target within the type's answer target, grossed up by the plan's shrinkage
  (``ceil(n / (1 - shrinkage))``), solved for all intervals at once;
* back office (day lines, weekdays worked; weekend arrivals join Monday's): required agents =
  :func:`staffing.backlog.required_agents_per_day` with the open backlog carried in by due
  day, the SLA in whole days, the plan's productive hours and shrinkage; the backlog and
  past-due count are projected with the *scheduled* agents;
* scheduled agents = FTE from shifts: front-office blocks give agent-minutes / 30 per
  interval, back-office blocks agent-minutes / (productive hours x 60) per day, each agent
  shared among the office's types they are skilled for
  (:func:`staffing.coverage.split_weights`);
* gap = scheduled - required (negative = short).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from ccops.choices import Office
from workitems.models import WorkType
from workitems.selectors import sla_working_days

from .. import limits, selectors
from ..backlog import (
    BacklogBucket,
    BacklogInputError,
    BacklogPlanInput,
    project_backlog,
    required_agents_beyond_horizon,
    required_agents_per_day,
)
from ..choices import PRODUCTIVE_ACTIVITIES, Activity, PlanStatus
from ..coverage import agent_minutes, type_weights
from ..erlang import ErlangInputError, required_agents_batch
from ..errors import InvalidInput, PlanLocked
from ..models import PlanLine, Shift, StaffingPlan
from ..timeutil import INTERVAL_MINUTES, INTERVAL_SECONDS, day_start, days_between, intervals_of

QUEUE_TARGETS = ("patience_seconds", "max_abandon_rate", "target_asa_seconds", "max_occupancy")


def _check_params(
    *,
    name: str,
    start: date,
    end: date,
    target_service_level,
    shrinkage,
    productive_hours,
    patience_seconds=None,
    max_abandon_rate=None,
    target_asa_seconds=None,
    max_occupancy=None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = ["Give the plan a name."]
    if not isinstance(start, date):
        errors["start"] = ["Must be a date."]
    if not isinstance(end, date):
        errors["end"] = ["Must be a date."]
    elif isinstance(start, date):
        if end < start:
            errors["end"] = ["Must be on or after the start."]
        elif (end - start).days + 1 > StaffingPlan.MAX_DAYS:
            errors["end"] = [f"A plan covers at most {StaffingPlan.MAX_DAYS} days."]
    # The API's and the form's limits, checked again for imports, tasks and the shell.
    checks = (
        ("target_service_level", target_service_level, limits.SERVICE_LEVEL),
        ("shrinkage", shrinkage, limits.SHRINKAGE),
        ("productive_hours", productive_hours, limits.PRODUCTIVE_HOURS),
    )
    for field, value, bounds in checks:
        if not bounds.admits(value):
            errors[field] = [bounds.message]
    optional = (
        ("patience_seconds", patience_seconds, limits.PATIENCE_SECONDS),
        ("max_abandon_rate", max_abandon_rate, limits.MAX_ABANDON_RATE),
        ("target_asa_seconds", target_asa_seconds, limits.ASA_SECONDS),
        ("max_occupancy", max_occupancy, limits.MAX_OCCUPANCY),
    )
    for field, value, bounds in optional:
        if value is not None and not bounds.admits(value):
            errors[field] = [bounds.message]
    if max_abandon_rate is not None and patience_seconds is None:
        errors.setdefault(
            "max_abandon_rate", ["Give a patience: only Erlang A models abandonment."]
        )
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)


def _audit(plan: StaffingPlan, by, reason: str = "") -> StaffingPlan:
    """Name ``by`` (and why) on the plan's next history record, also outside a request."""
    if by is not None:
        plan._history_user = by
    if reason:
        plan._change_reason = reason[:100]  # simple-history's change reason column size
    return plan


def _ensure_draft(plan: StaffingPlan) -> None:
    if plan.status == PlanStatus.PUBLISHED:
        raise PlanLocked("This plan is published and read-only; copy it for a what-if.")


# --- Line computation ---------------------------------------------------------------------


def _coverage(plan, types, front_slots, days):
    """FTE per (type, slot): front types per 30-minute slot, back types per day."""
    window_start = day_start(plan.start)
    window_end = day_start(plan.end + timedelta(days=1))
    spans = selectors.productive_spans(start=window_start, end=window_end)
    agents_on_shift = Shift.objects.filter(
        start__lt=window_end, end__gt=window_start, activity__in=PRODUCTIVE_ACTIVITIES
    ).values("agent_id")
    skills = selectors.current_skills(agent_ids_qs=agents_on_shift, on=plan.start) if spans else {}
    col = {wt.pk: i for i, wt in enumerate(types)}
    office_types = {
        office: [
            (wt.pk, wt.required_skill_id, wt.min_skill_level) for wt in types if wt.office == office
        ]
        for office in (Office.FRONT, Office.BACK)
    }
    weights_cache: dict[tuple[int, str], dict[int, float]] = {}
    weighted = []
    for agent_id, start, end, activity in spans:
        office = Office.FRONT if activity == Activity.FRONT_OFFICE else Office.BACK
        key = (agent_id, office)
        if key not in weights_cache:
            weights_cache[key] = type_weights(skills.get(agent_id, {}), office_types[office])
        s = (start - window_start).total_seconds() / 60
        e = (end - window_start).total_seconds() / 60
        for type_id, w in weights_cache[key].items():
            weighted.append((col[type_id], s, e, w))

    def offsets(moments):
        return [(m - window_start).total_seconds() / 60 for m in moments]

    total = (window_end - window_start).total_seconds() / 60
    front = agent_minutes(weighted, len(types), offsets(front_slots) + [total]) / INTERVAL_MINUTES
    back = agent_minutes(weighted, len(types), offsets([day_start(d) for d in days]) + [total])
    back = back / (plan.productive_hours * 60)
    return col, front, back


def _line_volume(preserved, forecast, type_id, at):
    f = forecast.get((type_id, at)) or {}
    model = f.get("model")
    if model is None and f.get("override") is not None:
        model = 0.0
    override = preserved.get((type_id, at), f.get("override"))
    return float(model or 0.0), override, f.get("aht")


def _build_lines(plan: StaffingPlan, types: list[WorkType], preserved: dict) -> list[PlanLine]:
    days = days_between(plan.start, plan.end)
    front_slots = [at for d in days for at in intervals_of(d)]
    window_start = day_start(plan.start)
    window_end = day_start(plan.end + timedelta(days=1))
    forecast = selectors.effective_forecast(
        work_type_ids=[wt.pk for wt in types], start=window_start, end=window_end
    )
    col, front_fte, back_fte = _coverage(plan, types, front_slots, days)
    lines: list[PlanLine] = []
    front_types = [wt for wt in types if wt.office == Office.FRONT]
    if front_types and front_slots:
        lines += _front_lines(plan, front_types, front_slots, forecast, preserved, col, front_fte)
    back_types = [wt for wt in types if wt.office == Office.BACK]
    if back_types:
        lines += _back_lines(plan, back_types, days, forecast, preserved, col, back_fte)
    return lines


def _front_lines(plan, types, slots, forecast, preserved, col, fte) -> list[PlanLine]:
    shape = (len(types), len(slots))
    model = np.zeros(shape)
    volume = np.zeros(shape)
    aht = np.zeros(shape)
    overrides: dict[tuple[int, int], float] = {}
    for i, wt in enumerate(types):
        default_aht = float(wt.standard_minutes) * 60 or 1.0
        for j, at in enumerate(slots):
            m, override, f_aht = _line_volume(preserved, forecast, wt.pk, at)
            model[i, j] = m
            volume[i, j] = m if override is None else override
            aht[i, j] = f_aht or default_aht
            if override is not None:
                overrides[(i, j)] = override
    answer = np.array([[float(wt.sla_answer_seconds)] for wt in types])
    try:
        batch = required_agents_batch(
            volume,
            aht,
            INTERVAL_SECONDS,
            plan.target_service_level,
            answer,
            plan.shrinkage,
            max_occupancy=plan.max_occupancy,
            target_asa_seconds=plan.target_asa_seconds,
            patience_seconds=plan.patience_seconds,
            max_abandon_rate=plan.max_abandon_rate,
        )
    except ErlangInputError as exc:
        raise InvalidInput(f"Erlang: {exc.message}", field=exc.field) from None
    lines = []
    for i, wt in enumerate(types):
        row = col[wt.pk]
        for j, at in enumerate(slots):
            required = int(batch.scheduled_agents[i, j])
            scheduled = round(float(fte[row, j]), 2)
            lines.append(
                PlanLine(
                    plan=plan,
                    work_type=wt,
                    interval_start=at,
                    forecast_volume=round(float(model[i, j]), 3),
                    forecast_aht=round(float(aht[i, j]), 1),
                    override_volume=overrides.get((i, j)),
                    required_agents=required,
                    scheduled_agents=scheduled,
                    gap=round(scheduled - required, 2),
                )
            )
    return lines


def _sla_days(work_type: WorkType) -> int:
    # In working days of the type's business calendar (24x7 types: calendar days).
    return sla_working_days(work_type)


def _back_lines(plan, types, days, forecast, preserved, col, fte) -> list[PlanLine]:
    worked = [d for d in days if d.weekday() < 5]
    buckets = selectors.open_backlog_buckets(work_type_ids=[wt.pk for wt in types])
    lines = []
    for wt in types:
        row = col[wt.pk]
        per_day = []
        for d in days:
            at = day_start(d)
            m, override, f_aht = _line_volume(preserved, forecast, wt.pk, at)
            per_day.append((d, at, m, override, f_aht))
        required_by_day: dict[date, int] = {}
        projected: dict[date, tuple[int, int]] = {}
        if worked:
            arrivals: dict[date, int] = defaultdict(int)
            pending = 0.0
            for d, _at, m, override, _aht in per_day:
                pending += m if override is None else override
                if d.weekday() < 5:
                    arrivals[d] = int(round(pending))
                    pending = 0.0
            ahts = [a for *_, a in per_day if a]
            aht_minutes = (sum(ahts) / len(ahts) / 60) if ahts else float(wt.standard_minutes)
            try:
                plan_input = BacklogPlanInput(
                    days=worked,
                    arrivals=[arrivals[d] for d in worked],
                    aht_minutes=max(aht_minutes, 0.01),
                    sla_working_days=_sla_days(wt),
                    productive_hours=plan.productive_hours,
                    shrinkage=plan.shrinkage,
                    starting_backlog=[
                        BacklogBucket(count=n, due_date=due)
                        for due, n in sorted(buckets.get(wt.pk, {}).items())
                    ],
                )
                agent_plan = required_agents_per_day(plan_input)
                scheduled = [round(float(fte[row, days.index(d)]), 2) for d in worked]
                projection = project_backlog(plan_input, scheduled)
                beyond = required_agents_beyond_horizon(plan_input)
            except BacklogInputError as exc:
                raise InvalidInput(f"Backlog plan: {exc.message}", field=exc.field) from None
            required_by_day = dict(zip(worked, agent_plan.agents, strict=True))
            plan.beyond_horizon[str(wt.pk)] = {
                "work_type": wt.name,
                "items_due_after": beyond.items_due_after,
                "days": [
                    {"date": d.isoformat(), "agents": n}
                    for d, n in zip(beyond.days, beyond.agents, strict=True)
                ],
            }
            projected = {day.date: (day.backlog_end, day.past_due_end) for day in projection.days}
        for d, at, m, override, f_aht in per_day:
            required = required_by_day.get(d, 0)
            scheduled = round(float(fte[row, days.index(d)]), 2)
            backlog, past_due = projected.get(d, (None, None))
            lines.append(
                PlanLine(
                    plan=plan,
                    work_type=wt,
                    interval_start=at,
                    forecast_volume=round(m, 3),
                    forecast_aht=round(f_aht or float(wt.standard_minutes) * 60, 1),
                    override_volume=override,
                    required_agents=required,
                    scheduled_agents=scheduled,
                    gap=round(scheduled - required, 2),
                    projected_backlog=backlog,
                    projected_past_due=past_due,
                )
            )
    return lines


LINE_FIELDS = [
    "forecast_volume",
    "forecast_aht",
    "override_volume",
    "required_agents",
    "scheduled_agents",
    "gap",
    "projected_backlog",
    "projected_past_due",
]


def _rebuild(plan: StaffingPlan, types: list[WorkType]) -> int:
    """Recompute the lines of ``types`` in ``plan``, keeping the lines' what-if overrides.

    Lines are updated in place (their ids stay valid for API clients), new intervals are
    inserted and intervals no longer in the plan deleted, all in bulk."""
    existing: dict[tuple[int, object], tuple] = {
        (row[1], row[2]): (row[0], row[3:])
        for row in PlanLine.objects.filter(plan=plan, work_type__in=types).values_list(
            "pk", "work_type_id", "interval_start", *LINE_FIELDS
        )
    }
    override_at = LINE_FIELDS.index("override_volume")
    preserved = {
        key: values[override_at]
        for key, (_, values) in existing.items()
        if values[override_at] is not None
    }
    plan.beyond_horizon = {
        k: v for k, v in (plan.beyond_horizon or {}).items() if int(k) not in {t.pk for t in types}
    }
    lines = _build_lines(plan, types, preserved)
    updates, creates = [], []
    for ln in lines:
        found = existing.pop((ln.work_type_id, ln.interval_start), None)
        if found is None:
            creates.append(ln)
        elif found[1] != tuple(getattr(ln, f) for f in LINE_FIELDS):
            # Only lines whose numbers moved are written: a rebuild usually touches few.
            ln.pk = found[0]
            updates.append(ln)
    if existing:
        PlanLine.objects.filter(pk__in=[pk for pk, _ in existing.values()]).delete()
    PlanLine.objects.bulk_update(updates, LINE_FIELDS, batch_size=1000)
    PlanLine.objects.bulk_create(creates, batch_size=2000)
    plan.built_at = timezone.now()
    plan.save(update_fields=["built_at", "beyond_horizon"])
    return len(lines)


# --- Services -----------------------------------------------------------------------------


def plan_create(
    *,
    name: str,
    start: date,
    end: date,
    by,
    target_service_level: float = 0.8,
    shrinkage: float = 0.3,
    productive_hours: float = 7.5,
    patience_seconds: float | None = None,
    max_abandon_rate: float | None = None,
    target_asa_seconds: float | None = None,
    max_occupancy: float | None = None,
) -> StaffingPlan:
    """A draft plan for ``start`` .. ``end`` with its lines built from forecasts and shifts.

    Queue lines need the fewest agents meeting the SL target and any optional target (ASA,
    occupancy; with a patience, Erlang A and the maximum abandonment rate)."""
    queue_targets = {
        "patience_seconds": patience_seconds,
        "max_abandon_rate": max_abandon_rate,
        "target_asa_seconds": target_asa_seconds,
        "max_occupancy": max_occupancy,
    }
    _check_params(
        name=name,
        start=start,
        end=end,
        target_service_level=target_service_level,
        shrinkage=shrinkage,
        productive_hours=productive_hours,
        **queue_targets,
    )
    with transaction.atomic():
        plan = StaffingPlan(
            name=name.strip()[:120],
            start=start,
            end=end,
            target_service_level=float(target_service_level),
            shrinkage=float(shrinkage),
            productive_hours=float(productive_hours),
            created_by=by,
            **{k: None if v is None else float(v) for k, v in queue_targets.items()},
        )
        _audit(plan, by).save()
        plan._change_reason = "Lines built"
        _rebuild(plan, list(WorkType.objects.filter(active=True).order_by("office", "name")))
    return plan


def plan_build(*, plan: StaffingPlan, by) -> StaffingPlan:
    """Recompute a draft's lines from today's forecasts, shifts and backlog."""
    with transaction.atomic():
        plan = _audit(StaffingPlan.objects.select_for_update().get(pk=plan.pk), by, "Rebuilt")
        _ensure_draft(plan)
        _rebuild(plan, list(WorkType.objects.filter(active=True).order_by("office", "name")))
    return plan


def plan_update(*, plan: StaffingPlan, by, **fields) -> StaffingPlan:
    """Rename a draft or change its dates/targets (then its lines are rebuilt)."""
    allowed = {
        "name",
        "start",
        "end",
        "target_service_level",
        "shrinkage",
        "productive_hours",
        *QUEUE_TARGETS,
    }
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput("Cannot change this field.", field=sorted(unknown)[0])
    with transaction.atomic():
        plan = _audit(StaffingPlan.objects.select_for_update().get(pk=plan.pk), by)
        _ensure_draft(plan)
        values = {f: getattr(plan, f) for f in allowed} | fields
        _check_params(**values)
        changed = {f for f, v in fields.items() if getattr(plan, f) != v}
        for f in changed:
            setattr(plan, f, values[f])
        plan.name = plan.name.strip()[:120]
        plan.save()
        plan._change_reason = "Lines rebuilt after the change"
        if changed - {"name"}:
            if {"start", "end"} & changed:
                PlanLine.objects.filter(plan=plan).exclude(
                    interval_start__gte=day_start(plan.start),
                    interval_start__lt=day_start(plan.end + timedelta(days=1)),
                ).delete()
            _rebuild(plan, list(WorkType.objects.filter(active=True).order_by("office", "name")))
    return plan


def plan_line_set_override(*, line: PlanLine, volume: float | None, by) -> PlanLine:
    """Set (or clear with ``None``) a line's what-if volume; the work type's lines are
    recomputed (casework days depend on each other through the backlog)."""
    if volume is not None and not limits.VOLUME.admits(volume):
        raise InvalidInput(
            f"Must be a number {limits.VOLUME.rule} (or empty to clear).",
            field="override_volume",
        )
    with transaction.atomic():
        plan = StaffingPlan.objects.select_for_update().get(pk=line.plan_id)
        _ensure_draft(plan)
        new = None if volume is None else float(volume)
        old = PlanLine.objects.filter(pk=line.pk).values_list("override_volume", flat=True).get()
        PlanLine.objects.filter(pk=line.pk).update(override_volume=new)
        # Lines are bulk-written and not historised; the plan's trail keeps the edit (the
        # rebuild below saves the plan, and that history record carries this reason).
        at = timezone.localtime(line.interval_start)
        _audit(
            plan,
            by,
            f"What-if volume of {line.work_type} {at:%Y-%m-%d %H:%M}: "
            f"{_volume(old)} \N{RIGHTWARDS ARROW} {_volume(new)}",
        )
        _rebuild(plan, [line.work_type])
        return PlanLine.objects.select_related("work_type").get(
            plan=plan, work_type=line.work_type, interval_start=line.interval_start
        )


def _volume(value: float | None) -> str:
    return "forecast" if value is None else f"{value:g}"


def plan_publish(*, plan: StaffingPlan, by) -> StaffingPlan:
    with transaction.atomic():
        plan = _audit(StaffingPlan.objects.select_for_update().get(pk=plan.pk), by)
        _ensure_draft(plan)
        plan.status = PlanStatus.PUBLISHED
        plan.published_at = timezone.now()
        plan.save(update_fields=["status", "published_at"])
    return plan


def plan_copy(*, plan: StaffingPlan, by, name: str | None = None) -> StaffingPlan:
    """A draft copy of ``plan`` (published or not) with the same lines, for a what-if."""
    name = (name or f"{plan.name} (what-if)").strip()[:120]
    if not name:
        raise InvalidInput("Give the copy a name.", field="name")
    with transaction.atomic():
        copy = StaffingPlan(
            name=name,
            start=plan.start,
            end=plan.end,
            target_service_level=plan.target_service_level,
            shrinkage=plan.shrinkage,
            productive_hours=plan.productive_hours,
            **{f: getattr(plan, f) for f in QUEUE_TARGETS},
            beyond_horizon=plan.beyond_horizon,
            created_by=by,
            copied_from=plan,
            built_at=plan.built_at,
        )
        _audit(copy, by, f"Copied from {plan.name}").save()
        fields = [
            "work_type_id",
            "interval_start",
            "forecast_volume",
            "forecast_aht",
            "override_volume",
            "required_agents",
            "scheduled_agents",
            "gap",
            "projected_backlog",
            "projected_past_due",
        ]
        PlanLine.objects.bulk_create(
            (
                PlanLine(plan=copy, **values)
                for values in PlanLine.objects.filter(plan=plan).values(*fields).iterator()
            ),
            batch_size=2000,
        )
    return copy


def plan_delete(*, plan: StaffingPlan, by) -> None:
    with transaction.atomic():
        plan = _audit(StaffingPlan.objects.select_for_update().get(pk=plan.pk), by)
        _ensure_draft(plan)
        plan.delete()
