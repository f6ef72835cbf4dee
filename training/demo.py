"""Demo people development: skills for every work type, tiers with differentials, modules
and enrollments, everyone's tier computed (with a few HR assessments and promotions),
buddies for everyone, shadowing, recognition, incentive schemes and ideas.

Deterministic (``ctx.rng``) and idempotent: rows are upserted on natural keys, promotions
happen once per agent, pairings only for the unpaired. Runs before ``workitems.demo``,
which looks the work-type skills up by name.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from ccops.choices import Office, Role

from . import services
from .choices import (
    Decision,
    EnrollmentStatus,
    HostArea,
    IdeaStatus,
    ModuleKind,
    Period,
    RecognitionKind,
    ShadowingStatus,
    TierChangeKind,
)
from .models import (
    AgentSkill,
    Enrollment,
    Idea,
    IncentiveScheme,
    Recognition,
    ShadowingSession,
    Skill,
    Tier,
    TierChange,
    TierProgress,
    TierSkillRequirement,
    TrainingModule,
)

# The work types' skills (workitems.demo finds them by these names) and a few more.
SKILLS = [
    ("Inbound calls", Office.FRONT, "Answer and resolve calls in the queue."),
    ("Chat", Office.FRONT, "Handle several chats at once."),
    ("Claims casework", Office.BACK, "Assess and settle claims."),
    ("Billing casework", Office.BACK, "Refunds, corrections and payment plans."),
    ("Complaints", Office.BACK, "Investigate and answer complaints."),
    ("Retention", Office.FRONT, "Save customers who want to cancel."),
    ("Fraud awareness", "", "Spot and route suspected fraud."),
]
HOME = {
    Office.FRONT: ["Inbound calls", "Chat"],
    Office.BACK: ["Claims casework", "Billing casework"],
}
CROSS = {Office.FRONT: "Claims casework", Office.BACK: "Inbound calls"}

MODULES = [
    # title, slug, office, kind, minutes, pass mark, for new hires
    (
        "Call handling essentials",
        "call-handling",
        Office.FRONT,
        ModuleKind.ELEARNING,
        45,
        80,
        False,
    ),
    (
        "Claims basics for the front office",
        "claims-basics",
        Office.BACK,
        ModuleKind.ELEARNING,
        60,
        75,
        False,
    ),
    ("Complaint handling", "complaint-handling", Office.BACK, ModuleKind.CLASSROOM, 180, 75, False),
    ("A day in the other office", "other-office-day", "", ModuleKind.ON_THE_JOB, 240, 0, False),
]

TIERS = [
    # name, rank, %, hourly, description, skills {name: level}, module slugs
    ("Tier I", 1, "0", "0", "Entry tier: one office.", {}, []),
    (
        "Tier II",
        2,
        "5",
        "0.75",
        "Cross-trained: can flex between offices when volumes outpace staffing.",
        {"Inbound calls": 2, "Claims casework": 2},
        ["where-work-goes"],
    ),
    (
        "Tier III",
        3,
        "10",
        "1.50",
        "Expert in both offices: takes complex and complaint cases.",
        {"Inbound calls": 3, "Claims casework": 3, "Complaints": 2},
        ["where-work-goes", "complaint-handling"],
    ),
]

SCHEMES = [
    ("Back-office SLA week", "sla_attainment", "team", "gte", 90, 20, Office.BACK),
    ("Front-office SLA week", "sla_attainment", "team", "gte", 85, 20, Office.FRONT),
    ("Productivity star", "productivity", "agent", "gte", 110, 10, ""),
]

IDEAS = [
    (
        "Claim checklist on the call script",
        "The front office asks the five questions the "
        "claims team always needs, so cases arrive complete.",
        Office.FRONT,
        IdeaStatus.IMPLEMENTED,
    ),
    (
        "Call-back slot picker",
        "Let customers pick when the back office calls them back.",
        Office.BACK,
        IdeaStatus.ACCEPTED,
    ),
    (
        "Shared glossary",
        "One list of terms both offices use for the same thing.",
        "",
        IdeaStatus.UNDER_REVIEW,
    ),
    (
        "Weekly hand-off huddle",
        "Fifteen minutes on Fridays: what came over, what bounced.",
        "",
        IdeaStatus.SUBMITTED,
    ),
    (
        "Auto-close duplicates",
        "Close duplicate contacts without review.",
        Office.BACK,
        IdeaStatus.DECLINED,
    ),
]

KUDOS_REASONS = [
    "Picked up my escalation in minutes",
    "Explained the claim rules so clearly",
    "Covered my queue during the outage",
    "Great hand-off notes",
    "Helped me with a tricky complaint",
]


def seed(ctx) -> None:
    started = timezone.now()
    hr = ctx.staff[Role.HR]
    skills = _skills()
    modules = _modules()
    _tiers(skills, modules)
    _agent_skills(ctx, skills, hr)
    _enrollments(ctx, modules, hr)
    counts = services.tiers_recompute_all(on=ctx.today)
    promoted = _promotions(ctx, hr)
    pairs = services.buddy_pairings_apply(by=hr, on=ctx.today)
    _shadowing(ctx, hr)
    _schemes(hr)
    _recognitions(ctx)
    _ideas(ctx)
    seconds = (timezone.now() - started).total_seconds()
    ctx.log(
        f"Training: {len(skills)} skills, {Tier.objects.count()} tiers, "
        f"{counts['agents']} agents ranked, {promoted} promoted, "
        f"{pairs['created']} new buddy pairings in {seconds:.1f} s."
    )


def after_seed(ctx) -> None:
    """After every app's demo: skills added by other apps count towards tiers, and the
    incentive schemes award the closed weeks the KPI backfill has computed (if any)."""
    services.tiers_recompute_all(on=ctx.today)
    awarded = 0
    for weeks_back in range(4, 0, -1):
        day = ctx.today - timedelta(days=7 * (weeks_back - 1))
        awarded += sum(services.incentives_award(day=day).values())
    if awarded:
        ctx.log(f"Training: {awarded} incentive awards from KPI results.")


def _skills() -> dict[str, Skill]:
    out = {}
    for name, office, description in SKILLS:
        out[name], _ = Skill.objects.update_or_create(
            name=name, defaults={"office": office, "description": description}
        )
    return out


def _modules() -> dict[str, TrainingModule]:
    out = {services.newhire_module().slug: services.newhire_module()}
    for title, slug, office, kind, minutes, mark, new_hires in MODULES:
        out[slug], _ = TrainingModule.objects.update_or_create(
            slug=slug,
            defaults={
                "title": title,
                "office": office,
                "kind": kind,
                "duration_minutes": minutes,
                "pass_mark": mark,
                "required_for_new_hires": new_hires,
            },
        )
    return out


def _tiers(skills, modules) -> None:
    for name, rank, pct, hourly, description, needs, slugs in TIERS:
        tier, _ = Tier.objects.update_or_create(
            rank=rank,
            defaults={
                "name": name,
                "description": description,
                "pay_differential_percent": Decimal(pct),
                "pay_differential_hourly": Decimal(hourly),
            },
        )
        for skill_name, level in needs.items():
            TierSkillRequirement.objects.update_or_create(
                tier=tier, skill=skills[skill_name], defaults={"min_level": level}
            )
        tier.required_modules.set([modules[s] for s in slugs])


def _agent_skills(ctx, skills, hr) -> None:
    rows = []
    for agent in ctx.agents:
        office = agent.team.office
        cross = ctx.rng.random() < 0.45
        certified = ctx.today - timedelta(days=ctx.rng.randint(30, 400))
        wanted = {name: ctx.rng.randint(2, 4) for name in HOME[office]}
        if cross:
            wanted[CROSS[office]] = ctx.rng.randint(1, 3)
            if office == Office.BACK and ctx.rng.random() < 0.6:
                wanted["Complaints"] = ctx.rng.randint(1, 3)
        if ctx.rng.random() < 0.2:
            wanted["Fraud awareness"] = ctx.rng.randint(1, 3)
        for name, level in wanted.items():
            # A few certifications expiring soon (the matrix flags them), a few expired.
            roll = ctx.rng.random()
            expires = None
            if roll < 0.06:
                expires = ctx.today - timedelta(days=ctx.rng.randint(1, 20))
            elif roll < 0.16:
                expires = ctx.today + timedelta(days=ctx.rng.randint(3, 28))
            rows.append(
                AgentSkill(
                    agent=agent,
                    skill=skills[name],
                    level=level,
                    certified_on=certified,
                    certified_by=hr,
                    expires_on=expires,
                )
            )
    AgentSkill.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["agent", "skill"],
        update_fields=["level", "certified_on", "certified_by", "expires_on"],
    )


def _enrollments(ctx, modules, hr) -> None:
    rows = []
    for agent in ctx.agents:
        new_hire = agent.tenure_days(ctx.today) < 90
        plan = [("where-work-goes", 0.3 if new_hire else 0.92)]
        other = "claims-basics" if agent.team.office == Office.FRONT else "call-handling"
        plan += [(other, 0.5), ("complaint-handling", 0.25), ("other-office-day", 0.3)]
        for slug, pass_rate in plan:
            roll = ctx.rng.random()
            if slug != "where-work-goes" and roll > 0.6:
                continue
            module = modules[slug]
            done = ctx.rng.random() < pass_rate
            score = Decimal(ctx.rng.randint(max(module.pass_mark, 60), 100)) if done else None
            rows.append(
                Enrollment(
                    agent=agent,
                    module=module,
                    status=EnrollmentStatus.COMPLETED if done else EnrollmentStatus.ENROLLED,
                    score=score,
                    attempts=1 if done else 0,
                    enrolled_on=ctx.today - timedelta(days=ctx.rng.randint(20, 120)),
                    completed_on=ctx.today - timedelta(days=ctx.rng.randint(1, 19))
                    if done
                    else None,
                    enrolled_by=hr,
                )
            )
    Enrollment.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["agent", "module"],
        update_fields=["status", "score", "attempts", "enrolled_on", "completed_on"],
    )


def _promotions(ctx, hr) -> int:
    """HR assesses and promotes three in four of the agents who are ready (once per agent);
    the others stay ready in the tier report for HR to act on."""
    done = set(
        TierChange.objects.filter(kind=TierChangeKind.PROMOTION).values_list("agent_id", flat=True)
    )
    ready = {
        p.agent_id: p.next_tier
        for p in TierProgress.objects.filter(ready=True).select_related("next_tier")
    }
    promoted = 0
    for n, agent in enumerate(ctx.agents):
        if agent.pk in done or agent.pk not in ready or n % 4 == 0:
            continue
        tier = ready[agent.pk]
        ratings = {
            key: {"rating": "met", "evidence": "Checked against the skills matrix."}
            for key, _ in services.competencies(tier)
        }
        services.assessment_create(
            agent=agent,
            tier=tier,
            by=hr,
            decision=Decision.PROMOTE,
            ratings=ratings,
            summary=f"Meets every {tier} competency; supervisor recommends.",
            qa_score=Decimal(85 + n % 15),  # no RNG draw: a re-run promotes nobody
            supervisor_input="Reliable on both queues; helps colleagues.",
        )
        promoted += 1
    return promoted


def _at(day, hour: int):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _shadowing(ctx, hr) -> None:
    front = [a for a in ctx.agents if a.team.office == Office.FRONT]
    back = [a for a in ctx.agents if a.team.office == Office.BACK]
    if not front or not back:
        return
    plans = [
        (front[0], back[0], HostArea.BACK_OFFICE, -12, 10, True),
        (back[1 % len(back)], front[1 % len(front)], HostArea.FRONT_OFFICE, -8, 13, True),
        (front[2 % len(front)], ctx.staff[Role.QA], HostArea.QA, -3, 9, False),
        (back[2 % len(back)], hr, HostArea.HR, 3, 10, False),
        (front[3 % len(front)], back[3 % len(back)], HostArea.BACK_OFFICE, 5, 14, False),
    ]
    for participant, host, area, days, hour, reflected in plans:
        starts = _at(ctx.today + timedelta(days=days), hour)
        past = days < 0
        ShadowingSession.objects.update_or_create(
            participant=participant,
            host=host,
            starts_at=starts,
            defaults={
                "host_area": area,
                "duration_minutes": 180,
                "ends_at": starts + timedelta(minutes=180),
                "status": ShadowingStatus.COMPLETED if past else ShadowingStatus.SCHEDULED,
                "participant_reflection": "I saw where my hand-offs land and what the "
                "other office needs from my notes."
                if reflected
                else "",
                "host_reflection": "Good questions; we agreed a better hand-off note."
                if reflected
                else "",
                "created_by": hr,
            },
        )


def _schemes(hr) -> None:
    for name, kpi, scope, comparison, threshold, points, office in SCHEMES:
        IncentiveScheme.objects.update_or_create(
            name=name,
            defaults={
                "kpi": kpi,
                "scope_kind": scope,
                "comparison": comparison,
                "threshold": threshold,
                "points": points,
                "period": Period.WEEK,
                "office": office,
                "created_by": hr,
                "description": f"Each week the {kpi.replace('_', ' ')} target is met.",
            },
        )


def _recognitions(ctx) -> None:
    agents = ctx.agents
    for _ in range(min(40, 2 * len(agents))):
        giver, receiver = ctx.rng.sample(agents, 2)
        Recognition.objects.update_or_create(
            agent=receiver,
            given_by=giver,
            kind=RecognitionKind.PEER_KUDOS,
            given_on=ctx.today - timedelta(days=ctx.rng.randint(0, 40)),
            reason=ctx.rng.choice(KUDOS_REASONS),
            defaults={"points": services.KUDOS_POINTS},
        )
    qa = ctx.staff[Role.QA]
    for agent in ctx.rng.sample(agents, min(8, len(agents))):
        Recognition.objects.update_or_create(
            agent=agent,
            given_by=qa,
            kind=RecognitionKind.QA_EXCELLENCE,
            given_on=ctx.today - timedelta(days=ctx.rng.randint(0, 40)),
            reason="Scored 100% on three evaluations in a row",
            defaults={"points": 25},
        )
    for team, supervisor in zip(ctx.teams, ctx.supervisors, strict=False):
        members = [a for a in agents if a.team_id == team.pk]
        for agent in members[:3]:
            Recognition.objects.update_or_create(
                agent=agent,
                given_by=supervisor,
                kind=RecognitionKind.GOAL_MET,
                given_on=ctx.today - timedelta(days=ctx.rng.randint(0, 25)),
                reason="Cleared the aged backlog ahead of the month end"
                if team.office == Office.BACK
                else "Best service level in the team last week",
                defaults={"points": 15},
            )


def _ideas(ctx) -> None:
    hr = ctx.staff[Role.HR]
    for n, (title, description, office, status) in enumerate(IDEAS):
        author = ctx.agents[(n * 7) % len(ctx.agents)]
        co_author = ctx.agents[(n * 7 + 3) % len(ctx.agents)]
        idea, created = Idea.objects.get_or_create(
            title=title,
            defaults={
                "description": description,
                "office": office,
                "submitted_by": author,
                "submitted_at": timezone.now() - timedelta(days=30 - n * 5),
            },
        )
        if created:
            idea.co_authors.set([co_author])
        if idea.status == status:
            continue
        path = {
            IdeaStatus.UNDER_REVIEW: [IdeaStatus.UNDER_REVIEW],
            IdeaStatus.ACCEPTED: [IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED],
            IdeaStatus.IMPLEMENTED: [
                IdeaStatus.UNDER_REVIEW,
                IdeaStatus.ACCEPTED,
                IdeaStatus.IMPLEMENTED,
            ],
            IdeaStatus.DECLINED: [IdeaStatus.DECLINED],
        }.get(status, [])
        for step in path:
            idea = services.idea_transition(
                idea=idea,
                to_status=step,
                by=hr,
                notes="Already covered by the duplicate-contact detection"
                if step == IdeaStatus.DECLINED
                else "",
            )
