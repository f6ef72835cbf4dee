"""A small world for the security tests: team A (``front_team``: ``agent`` and their
``supervisor``), team B (``other_team``: ``other_agent``) and a back-office team, each
with one object of every kind that has an id in a URL.

``world.a`` holds team A's objects (``agent``'s own where the object belongs to a person),
``world.b`` the same kinds for team B / ``other_agent``.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.kpi_models import KpiSnapshot, Pilot, SharedGoal
from ccops.notification_models import Notification
from quality import services as quality_services
from quality.models import CalibrationSession, CoachingSession, CoachingTip
from staffing.models import (
    ForecastBuild,
    ForecastEvent,
    ForecastOverride,
    ForecastValue,
    PlanLine,
    Shift,
    StaffingPlan,
)
from tests.factories import make_back_type, make_front_type, make_user
from tests.quality.conftest import FRONT_CRITERIA, PERFECT
from training.models import (
    AgentSkill,
    BuddyPairing,
    Enrollment,
    Idea,
    Recognition,
    ShadowingSession,
    Skill,
    Tier,
    TrainingModule,
)
from workitems import status_links
from workitems.choices import Status
from workitems.mail_models import EmailAttachment, InboundEmail, Mailbox
from workitems.models import Customer, WorkItem

ROLES = ("anon", "agent", "other_agent", "supervisor", "planner", "qa", "hr", "admin")


@pytest.fixture
def people(agent, other_agent, back_agent, supervisor, planner, qa, hr, admin_user):
    return {
        "anon": None,
        "agent": agent,
        "other_agent": other_agent,
        "back_agent": back_agent,
        "supervisor": supervisor,
        "planner": planner,
        "qa": qa,
        "hr": hr,
        "admin": admin_user,
    }


def _item(work_type, agent, *, status, customer, title):
    item = WorkItem.objects.create(
        work_type=work_type,
        title=title,
        customer=customer,
        status=status,
        assignee=agent,
        team=agent.team,
        due_at=timezone.now() + timedelta(hours=1),
    )
    if status == Status.DONE:
        now = timezone.now()
        WorkItem.objects.filter(pk=item.pk).update(
            started_at=now - timedelta(minutes=5), completed_at=now
        )
        item.refresh_from_db()
    return item


def _attachment(item, tag) -> EmailAttachment:
    """A file that came by e-mail with the side's open item."""
    mailbox, _ = Mailbox.objects.get_or_create(
        name="Cases", defaults={"host": "imap.test", "username": "u", "password": "p",
                                "work_type": item.work_type},
    )  # fmt: skip
    email = InboundEmail.objects.create(
        mailbox=mailbox, message_id=f"<{tag}@test>", sender="c@example.com", outcome="created",
        item=item,
    )  # fmt: skip
    attachment = EmailAttachment(email=email, item=item, filename=f"{tag}.txt",
                                 content_type="text/plain", size=2)  # fmt: skip
    attachment.file.save(f"{tag}.txt", ContentFile(b"hi"), save=True)
    return attachment


def _side(*, agent, coach, front_type, card, qa, module, skill, tier, buddy, tag):
    """Every per-person object of one side (team A or team B)."""
    now = timezone.now()
    customer = Customer.objects.create(external_ref=f"C-{tag}", name=f"Customer {tag}")
    item = _item(front_type, agent, status=Status.ASSIGNED, customer=customer, title=f"Open {tag}")
    done = _item(front_type, agent, status=Status.DONE, customer=customer, title=f"Done {tag}")
    evaluation = quality_services.evaluation_create(item=done, evaluator=qa)
    evaluation = quality_services.evaluation_submit(evaluation=evaluation, by=qa, answers=PERFECT)
    coaching = CoachingSession.objects.create(agent=agent, coach=coach, agreed_actions="Listen")
    shift = Shift.objects.create(
        agent=agent,
        start=now + timedelta(days=1),
        end=now + timedelta(days=1, hours=8),
        activity="front_office",
        created_by=coach,
    )
    return SimpleNamespace(
        agent=agent,
        team=agent.team,
        customer=customer,
        item=item,
        done=done,
        token=status_links.make_token(item),
        evaluation=evaluation,
        coaching=coaching,
        shift=shift,
        attachment=_attachment(item, tag),
        # The agent was told of the submitted evaluation (ccops.notifications).
        notification=Notification.objects.filter(user=agent).first(),
        agent_skill=AgentSkill.objects.create(agent=agent, skill=skill, level=2),
        enrollment=Enrollment.objects.create(agent=agent, module=module),
        shadowing=ShadowingSession.objects.create(
            participant=agent,
            host=buddy,
            host_area="back_office",
            starts_at=now + timedelta(days=2),
            duration_minutes=60,
            ends_at=now + timedelta(days=2, hours=1),
        ),
        pairing=BuddyPairing.objects.create(agent=agent, buddy=buddy),
        recognition=Recognition.objects.create(
            agent=agent, points=5, kind="peer_kudos", reason="Great call", given_by=coach
        ),
        snapshot=KpiSnapshot.objects.create(
            day=timezone.localdate(),
            kpi="aht",
            scope_kind="agent",
            scope_id=agent.pk,
            team=agent.team,
            office=Office.FRONT,
            numerator=600,
            denominator=2,
            value=300,
        ),
        tier=tier,
    )


@pytest.fixture
def world(people, front_team, other_team, back_team):
    agent, other_agent, back_agent = people["agent"], people["other_agent"], people["back_agent"]
    qa, planner, supervisor = people["qa"], people["planner"], people["supervisor"]
    other_supervisor = make_user(Role.SUPERVISOR, username="othersuper", team=other_team)
    other_team.supervisor = other_supervisor
    other_team.save()
    call = Skill.objects.create(name="Inbound calls", office=Office.FRONT)
    claims = Skill.objects.create(name="Claims casework", office=Office.BACK)
    front_type = make_front_type(front_team, call)
    back_type = make_back_type(back_team, claims)
    card = quality_services.scorecard_save(
        by=qa, name="Front call", pass_mark=80, office="front", criteria=FRONT_CRITERIA
    )
    module = TrainingModule.objects.create(
        title="Complex claims", slug="complex-claims", kind="classroom", duration_minutes=60
    )
    tier = Tier.objects.create(name="Tier I", rank=1)
    common = {"front_type": front_type, "card": card, "qa": qa, "module": module}
    common.update(skill=call, tier=tier)
    a = _side(agent=agent, coach=supervisor, buddy=back_agent, tag="A", **common)
    b = _side(agent=other_agent, coach=other_supervisor, buddy=back_agent, tag="B", **common)
    for side in (a, b):
        _time_off_and_trade(side, taker=back_agent)
    today = timezone.localdate()
    plan = StaffingPlan.objects.create(
        name="Next week", start=today, end=today + timedelta(days=6), created_by=planner
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    calibration = CalibrationSession.objects.create(title="Week 1", scorecard=card, created_by=qa)
    calibration.participants.add(qa)
    calibration.items.add(a.done)
    return SimpleNamespace(
        a=a,
        b=b,
        people=people,
        other_supervisor=other_supervisor,
        front_type=front_type,
        back_type=back_type,
        card=card,
        module=module,
        tier=tier,
        skill=call,
        plan=plan,
        line=PlanLine.objects.create(
            plan=plan,
            work_type=front_type,
            interval_start=start,
            forecast_volume=10,
            forecast_aht=300,
        ),
        forecast=ForecastValue.objects.create(
            work_type=front_type,
            interval_start=start,
            granularity="30min",
            volume=10,
            aht_seconds=300,
            method="mean",
        ),
        build=ForecastBuild.objects.create(
            work_type=front_type,
            as_of=today,
            granularity="30min",
            method="mean",
            history_periods=10,
            horizon_periods=10,
            aht_seconds=300,
        ),
        event=ForecastEvent.objects.create(
            name="Holiday", start_date=today, end_date=today, multiplier=0
        ),
        override=ForecastOverride.objects.create(
            work_type=front_type, interval_start=start, volume=12, by=planner
        ),
        calibration=calibration,
        tip=CoachingTip.objects.create(title="Mirror the customer", body="..."),
        idea=Idea.objects.create(title="Shorter forms", description="...", submitted_by=agent),
        goal=SharedGoal.objects.create(
            name="AHT", kpi="aht", target=300, effective_from=today, created_by=supervisor
        ),
        pilot=Pilot.objects.create(
            name="Scripts",
            hypothesis="Shorter calls",
            kpis=["aht"],
            starts_on=today,
            ends_on=today + timedelta(days=14),
            created_by=supervisor,
        ),
        **_schedule_run(planner, front_team, agent, today),
    )


def _time_off_and_trade(side, *, taker) -> None:
    """A pending (sick) time-off request of the side's agent, and their shift offered and
    taken by ``taker`` (awaiting approval)."""
    from staffing.models import ShiftTrade, TimeOffRequest

    start = side.shift.start
    side.time_off = TimeOffRequest.objects.create(
        agent=side.agent, start=start + timedelta(days=2), end=start + timedelta(days=3),
        kind="sick",
    )  # fmt: skip
    # Its own shift: the matrix deletes ``side.shift`` (shift_delete) before the trade's
    # routes are posted, which would take the trade with it.
    traded = Shift.objects.create(
        agent=side.agent, start=start + timedelta(days=4), end=start + timedelta(days=4, hours=8),
        activity=side.shift.activity, created_by=side.agent,
    )  # fmt: skip
    side.trade = ShiftTrade.objects.create(
        shift=traded, start=traded.start, end=traded.end,
        office_activity=traded.activity, offered_by=side.agent, taken_by=taker,
        status="taken",
    )  # fmt: skip


def _schedule_run(planner, team, agent, today) -> dict:
    """A finished draft schedule run of team A with one shift of its agent."""
    from staffing.models import ScheduledShift, ScheduleRun

    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    run = ScheduleRun.objects.create(week_start=monday, created_by=planner, status="done")
    run.teams.add(team)
    start = timezone.make_aware(timezone.datetime.combine(monday, timezone.datetime.min.time()))
    shift = ScheduledShift.objects.create(
        run=run,
        agent=agent,
        start=start + timedelta(hours=9),
        end=start + timedelta(hours=17),
        activity="front_office",
    )
    return {"run": run, "run_shift": shift}
