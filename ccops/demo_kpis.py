"""Demo data of the KPI framework, run after every app has seeded (``after_seed``):

shared goals (with new-hire and developing adjustments), one running pilot, and a backfill
of KPI and backlog snapshots over the whole demo history, so the dashboards have a past.
Idempotent: goals and the pilot are keyed by name; snapshots are upserted per day.
"""

from datetime import timedelta

from workitems.selectors import first_arrival_day

from .choices import Office, TenureBand
from .kpi_models import GoalAdjustment, Pilot, SharedGoal
from .kpis import compute, registry

MAX_BACKFILL_DAYS = 400

# name, kpi, office ("" = both), target (display unit), {tenure band: factor}
GOALS = [
    ("SLA attainment 90 %", "sla_attainment", "", 90, {}),
    (
        "Productivity 85 %",
        "productivity",
        "",
        85,
        {TenureBand.NEW_HIRE: 0.8, TenureBand.DEVELOPING: 0.9},
    ),
    ("AHT front office 7 min", "aht", Office.FRONT, 7, {TenureBand.NEW_HIRE: 1.25}),
    ("AHT back office 30 min", "aht", Office.BACK, 30, {TenureBand.NEW_HIRE: 1.25}),
    ("First contact resolution 75 %", "fcr", "", 75, {TenureBand.NEW_HIRE: 0.9}),
    ("Reopen rate 5 %", "reopen_rate", "", 5, {}),
    ("Repeat contacts 15 %", "repeat_contact_rate", "", 15, {}),
    ("Hand-offs 12 %", "handoff_rate", Office.FRONT, 12, {}),
    ("QA score 85 %", "qa_score", "", 85, {TenureBand.NEW_HIRE: 0.9}),
    ("Adherence 90 %", "adherence", "", 90, {}),
]


def seed_goals(ctx) -> int:
    start = ctx.today - timedelta(days=365)
    made = 0
    for name, kpi, office, target, factors in GOALS:
        if kpi not in registry.kpi_keys():
            continue  # that app is not installed
        goal, _ = SharedGoal.objects.update_or_create(
            name=name,
            defaults={"kpi": kpi, "office": office, "target": target, "effective_from": start},
        )
        goal.adjustments.exclude(tenure_band__in=list(factors)).delete()
        for band, factor in factors.items():
            GoalAdjustment.objects.update_or_create(
                goal=goal, role="", tenure_band=band, defaults={"factor": factor}
            )
        made += 1
    return made


def seed_pilot(ctx) -> Pilot | None:
    if len(ctx.teams) < 2:
        return None
    pilot, _ = Pilot.objects.update_or_create(
        name="Buddy escalations in Calls North",
        defaults={
            "hypothesis": "With a back-office buddy to escalate to, Calls North resolves more "
            "at first contact and hands off less than Chat Crew.",
            "kpis": [k for k in ("fcr", "handoff_rate", "aht") if k in registry.kpi_keys()],
            "starts_on": ctx.today - timedelta(days=21),
            "ends_on": ctx.today + timedelta(days=7),
            "baseline_days": 21,
        },
    )
    pilot.pilot_teams.set([ctx.teams[0]])
    pilot.control_teams.set([ctx.teams[1]])
    return pilot


def backfill(ctx) -> int:
    """Recompute every day from the first demo item to yesterday; returns the day count."""
    first = first_arrival_day()
    yesterday = ctx.today - timedelta(days=1)
    if first is None:
        return 0
    start = max(first, ctx.today - timedelta(days=MAX_BACKFILL_DAYS))
    if start > yesterday:
        return 0

    def progress(done, total, result):
        if done == total or done % 20 == 0:
            ctx.log(f"  KPI snapshots: {done}/{total} days ({result.day})")

    return len(compute.recompute_range(start, yesterday, progress=progress))


def after_seed(ctx) -> None:
    goals = seed_goals(ctx)
    pilot = seed_pilot(ctx)
    days = backfill(ctx)
    ctx.log(f"KPIs: {goals} shared goals, pilot {pilot or '-'}, {days} days of snapshots.")
