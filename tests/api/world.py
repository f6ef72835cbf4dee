"""A small operation for the API fuzz: both offices, every role, and at least one row behind
every endpoint (items in each state, evaluations, plans, shifts, skills, KPI rows...).

Built through the services where they are cheap, so the rows are ones the app could make.
``build()`` returns the role personas and, per API resource, the ids that exist.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from rest_framework.authtoken.models import Token

from ccops.choices import Office, Role
from ccops.kpi_models import GoalAdjustment, KpiSnapshot, Pilot, ScopeKind, SharedGoal
from quality import services as quality
from staffing import services as staffing
from staffing.choices import Activity, ForecastMethod, Granularity
from staffing.models import ForecastBuild, ForecastValue
from tests.factories import TeamFactory, make_back_type, make_front_type, make_user
from training import services as training
from training.choices import ModuleKind
from training.models import AgentSkill, Skill, Tier, TrainingModule
from workitems import services as work
from workitems.choices import Status
from workitems.models import Customer, WorkItem

FRONT_CRITERIA = [
    {"section": "Opening", "key": "greeting", "text": "Greets the customer", "weight": 40},
    {"section": "Outcome", "key": "resolution", "text": "Resolves it", "weight": 60},
]
ANSWERS = {"greeting": "yes", "resolution": "no"}


def _done(item: WorkItem, agent, minutes_ago: int = 60) -> WorkItem:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    WorkItem.objects.filter(pk=item.pk).update(
        status=Status.DONE,
        assignee=agent,
        team=agent.team,
        started_at=at - timedelta(minutes=5),
        completed_at=at,
    )
    item.refresh_from_db()
    return item


def build() -> dict:
    today = timezone.localdate()
    front = TeamFactory(name="Front A", office=Office.FRONT)
    back = TeamFactory(name="Back A", office=Office.BACK)
    front_b = TeamFactory(name="Front B", office=Office.FRONT)
    supervisor = make_user(Role.SUPERVISOR, username="super", team=front)
    front.supervisor = supervisor
    front.save()
    hired = today - timedelta(days=400)
    agent = make_user(Role.AGENT, username="agent", team=front, hire_date=hired)
    other_agent = make_user(Role.AGENT, username="otheragent", team=front_b, hire_date=hired)
    back_agent = make_user(Role.AGENT, username="backagent", team=back, hire_date=hired)
    users = {
        "agent": agent,
        "supervisor": supervisor,
        "planner": make_user(Role.PLANNER, username="planner"),
        "qa": make_user(Role.QA, username="qa"),
        "hr": make_user(Role.HR, username="hr"),
        "admin": make_user(Role.ADMIN, username="boss", is_staff=True, is_superuser=True),
    }
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    qa, hr, planner = users["qa"], users["hr"], users["planner"]

    # Skills, work types, customers and work in every state.
    calls = Skill.objects.create(name="Inbound calls", office=Office.FRONT)
    claims = Skill.objects.create(name="Claims casework", office=Office.BACK)
    for user, skill in ((agent, calls), (other_agent, calls), (back_agent, claims)):
        AgentSkill.objects.create(agent=user, skill=skill, level=3)
    front_type = make_front_type(front, calls, sla_answer_seconds=20)
    back_type = make_back_type(back, claims)
    customer = Customer.objects.create(external_ref="C-1", name="Alice Example")
    queued = work.workitem_create(work_type=front_type, title="Queued", customer=customer)
    held = work.workitem_create(work_type=front_type, title="Held", customer=customer)
    held = work.workitem_assign(item=held, to=agent, by=supervisor, note="")
    case = work.workitem_create(work_type=back_type, title="Claim", customer=customer)
    done = [
        _done(work.workitem_create(work_type=front_type, title=f"Done {n}"), agent, 60 + n)
        for n in range(3)
    ]

    # Quality: a scorecard, a draft and a submitted evaluation, calibration, coaching.
    card = quality.scorecard_save(
        by=qa, name="Front call", pass_mark=80, office="front", criteria=FRONT_CRITERIA
    )
    draft = quality.evaluation_create(item=done[0], evaluator=qa)
    submitted = quality.evaluation_start(item=done[1], evaluator=qa, answers=ANSWERS, submit=True)
    calibration = quality.calibration_session_create(
        by=qa, title="Week 1", scorecard=card, items=[done[2]], participants=[qa, supervisor]
    )
    coaching = quality.coaching_session_create(
        coach=supervisor, agent=agent, agreed_actions="Verify first.", evaluations=[submitted]
    )

    # Staffing: forecasts, a build, an override, a draft and a published plan, shifts.
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    start = timezone.make_aware(datetime.combine(monday, time(9)))
    forecasts = [
        ForecastValue.objects.create(
            work_type=front_type,
            interval_start=start + timedelta(minutes=30 * n),
            granularity=Granularity.INTERVAL,
            volume=20 + n,
            aht_seconds=300,
            method=ForecastMethod.MEAN,
        )
        for n in range(4)
    ]
    build_row = ForecastBuild.objects.create(
        work_type=front_type,
        as_of=today,
        granularity=Granularity.INTERVAL,
        method=ForecastMethod.MEAN,
        history_periods=28,
        horizon_periods=14,
        aht_seconds=300,
    )
    override = staffing.forecast_override_set(
        work_type=front_type, interval_start=start, volume=30.0, by=planner, reason="Campaign"
    )
    event = staffing.forecast_event_create(
        name="Holiday", start_date=today, end_date=today, multiplier=0, by=planner
    )
    plan = staffing.plan_create(name="Next week", start=monday, end=monday, by=planner)
    published = staffing.plan_create(
        name="Published", start=monday, end=monday + timedelta(days=1), by=planner
    )
    staffing.plan_publish(plan=published, by=planner)
    shift = staffing.shift_create(
        agent=agent,
        start=start,
        end=start + timedelta(hours=8),
        activity=Activity.FRONT_OFFICE,
        by=planner,
    )

    # Training: tiers, a module with an enrollment, a pairing, recognition, an idea.
    tier1 = Tier.objects.create(name="Tier I", rank=1)
    tier2 = Tier.objects.create(name="Tier II", rank=2, pay_differential_percent=Decimal("5"))
    module = TrainingModule.objects.create(
        title="Claims basics",
        slug="claims-basics",
        kind=ModuleKind.ELEARNING,
        duration_minutes=60,
        pass_mark=70,
    )
    enrollment = training.enrollment_create(agent=agent, module=module, by=hr)
    pairing = training.buddy_pair(agent=agent, buddy=back_agent, by=hr)
    kudos = training.recognition_give(
        agent=agent, by=other_agent, kind="peer_kudos", reason="Great help"
    )
    idea = training.idea_submit(by=agent, title="Shorter greeting", description="Saves time.")

    # KPIs: a week of snapshots, a goal with an adjustment, a pilot.
    snapshots = [
        KpiSnapshot.objects.create(
            day=today - timedelta(days=n),
            kpi="aht",
            scope_kind=kind,
            scope_id=scope_id,
            team=front,
            office=Office.FRONT,
            numerator=3000.0 + n,
            denominator=10.0,
            value=300.0 + n / 10,
        )
        for n in range(7)
        for kind, scope_id in ((ScopeKind.AGENT, agent.pk), (ScopeKind.TEAM, front.pk))
    ]
    goal = SharedGoal.objects.create(
        name="AHT", kpi="aht", office=Office.FRONT, target=6.0, effective_from=today
    )
    GoalAdjustment.objects.create(goal=goal, role=Role.AGENT, tenure_band="", factor=1.1)
    pilot = Pilot.objects.create(
        name="Greeting script",
        hypothesis="Shorter greetings cut AHT.",
        kpis=["aht"],
        starts_on=today - timedelta(days=14),
        ends_on=today,
    )
    pilot.pilot_teams.add(front)
    pilot.control_teams.add(front_b)

    # Schedules, time off and trades (issue 21) and a notification (issue 22).
    from ccops import notifications
    from staffing.models import ScheduleRun, Shift, ShiftTrade, TimeOffRequest

    run = ScheduleRun.objects.create(week_start=monday, created_by=planner, status="done")
    run.teams.add(front)
    traded = Shift.objects.create(
        agent=agent,
        start=shift.start + timedelta(days=2),
        end=shift.end + timedelta(days=2),
        activity=Activity.FRONT_OFFICE,
        created_by=planner,
    )
    trade = ShiftTrade.objects.create(
        shift=traded,
        start=traded.start,
        end=traded.end,
        office_activity=traded.activity,
        offered_by=agent,
        status="offered",
    )
    time_off = TimeOffRequest.objects.create(
        agent=agent, start=shift.start + timedelta(days=3), end=shift.end + timedelta(days=3),
        kind="sick",
    )  # fmt: skip
    (note,) = notifications.notify(notifications.Kind.ESCALATED, [agent], title="Escalated")

    everyone = [*users.values(), other_agent, back_agent]
    ids = {
        "schedule-runs": [run.pk],
        "shift-trades": [trade.pk],
        "time-off": [time_off.pk],
        "notifications": [note.pk],
        "teams": [front.pk, back.pk, front_b.pk],
        "users": [u.pk for u in everyone],
        "customers": [customer.pk],
        "workitems": [queued.pk, held.pk, case.pk, *(d.pk for d in done)],
        "worktypes": [front_type.pk, back_type.pk],
        "kpis": [s.pk for s in snapshots[:3]],
        "goals": [goal.pk],
        "pilots": [pilot.pk],
        "scorecards": [card.pk],
        "evaluations": [draft.pk, submitted.pk],
        "calibration-sessions": [calibration.pk],
        "coaching-sessions": [coaching.pk],
        "forecasts": [f.pk for f in forecasts[:2]],
        "forecast-builds": [build_row.pk],
        "forecast-overrides": [override.pk],
        "forecast-events": [event.pk],
        "plans": [plan.pk, published.pk],
        "plan-lines": list(plan.lines.values_list("pk", flat=True)[:2]),
        "shifts": [shift.pk],
        "skills": [calls.pk, claims.pk],
        "agent-skills": list(AgentSkill.objects.values_list("pk", flat=True)[:2]),
        "tiers": [tier1.pk, tier2.pk],
        "modules": [module.pk],
        "enrollments": [enrollment.pk],
        "pairings": [pairing.pk],
        "recognitions": [kudos.pk],
        "ideas": [idea.pk],
    }
    return {"tokens": tokens, "ids": ids}
