"""Reads shaped for the training pages and API: aggregates in SQL, constant query counts."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from ccops.choices import Office, Role
from ccops.models import Team, User

from .choices import EnrollmentStatus, RecognitionKind
from .models import (
    AgentSkill,
    AgentTier,
    BuddyPairing,
    Enrollment,
    Recognition,
    Skill,
    Tier,
    TierChange,
    TierProgress,
    TierSkillRequirement,
    TrainingModule,
)

EXPIRING_DAYS = 30

# Cell states of the skills matrix.
HELD = "held"
EXPIRING = "expiring"
EXPIRED = "expired"
GAP = "gap"
NONE = "none"


def active_agents():
    return User.objects.filter(is_active=True, groups__name=Role.AGENT)


def current_skill(on: date) -> Q:
    return Q(expires_on__isnull=True) | Q(expires_on__gte=on)


# --- Skills matrix -------------------------------------------------------------------------


def matrix_agents(team: Team):
    """The team's agents with their tier (one query per page, joined)."""
    return (
        active_agents()
        .filter(team=team)
        .select_related("agent_tier__tier")
        .order_by("display_name", "username")
    )


def skills_matrix(*, team: Team, agents: list, on: date) -> dict:
    """Agents x skills for one page of a team's agents. Three queries: the skills, the page's
    agent skills, and the team's coverage per skill (an aggregate).

    A skill of the team's own office that an agent does not hold (or holds expired) is a
    gap; a certification expiring within ``EXPIRING_DAYS`` is flagged."""
    skills = list(
        Skill.objects.annotate(
            home=Case(
                When(office=team.office, then=Value(0)),
                When(office="", then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("home", "name")
    )
    held: dict[tuple[int, int], AgentSkill] = {
        (s.agent_id, s.skill_id): s
        for s in AgentSkill.objects.filter(agent__in=[a.pk for a in agents]).only(
            "agent_id", "skill_id", "level", "expires_on", "certified_on"
        )
    }
    coverage = {
        row["skill_id"]: row
        for row in AgentSkill.objects.filter(agent__team=team, agent__is_active=True)
        .filter(current_skill(on))
        .values("skill_id")
        .annotate(holders=Count("id"), strong=Count("id", filter=Q(level__gte=3)))
    }
    soon = on + timedelta(days=EXPIRING_DAYS)
    rows = []
    for agent in agents:
        cells = []
        for skill in skills:
            row = held.get((agent.pk, skill.pk))
            home = skill.office == team.office
            if row is None:
                state = GAP if home else NONE
            elif row.expires_on is not None and row.expires_on < on:
                state = EXPIRED
            elif row.expires_on is not None and row.expires_on <= soon:
                state = EXPIRING
            else:
                state = HELD
            cells.append({"skill": skill, "row": row, "state": state})
        gaps = sum(1 for c in cells if c["state"] in (GAP, EXPIRED))
        rows.append({"agent": agent, "cells": cells, "gaps": gaps})
    summary = [
        {
            "skill": s,
            "holders": coverage.get(s.pk, {}).get("holders", 0),
            "strong": coverage.get(s.pk, {}).get("strong", 0),
        }
        for s in skills
    ]
    return {"skills": skills, "rows": rows, "summary": summary}


# --- Tiers ---------------------------------------------------------------------------------


def tier_report(*, team=None, office: str = "", ready: bool | None = None, next_tier=None):
    """Who qualifies for their next tier and what they lack (from ``TierProgress``)."""
    qs = TierProgress.objects.filter(agent__is_active=True).select_related(
        "agent", "agent__team", "agent__agent_tier__tier", "next_tier", "qualified_tier"
    )
    if team is not None:
        qs = qs.filter(agent__team=team)
    if office in Office.values:
        qs = qs.filter(agent__team__office=office)
    if ready is not None:
        qs = qs.filter(ready=ready)
    if next_tier is not None:
        qs = qs.filter(next_tier=next_tier)
    return qs.order_by("-ready", "missing_count", "agent__display_name", "agent__username")


def tier_report_summary(qs) -> list[dict]:
    """Per next tier: agents working towards it and how many are ready (one aggregate)."""
    return list(
        qs.order_by()
        .values("next_tier_id", "next_tier__name", "next_tier__rank")
        .annotate(total=Count("pk"), ready_count=Count("pk", filter=Q(ready=True)))
        .order_by("next_tier__rank")
    )


def tiers_with_counts():
    """Tiers with their competencies and how many active agents hold each (three queries:
    tiers with counts, requirements with skills, modules)."""
    return (
        Tier.objects.annotate(
            agent_count=Count("agents", filter=Q(agents__agent__is_active=True), distinct=True)
        )
        .prefetch_related(
            Prefetch(
                "skill_requirements",
                queryset=TierSkillRequirement.objects.select_related("skill").order_by(
                    "skill__name"
                ),
            ),
            Prefetch("required_modules", queryset=TrainingModule.objects.order_by("title")),
        )
        .order_by("rank")
    )


def tier_history(agent):
    return TierChange.objects.filter(agent=agent).select_related(
        "from_tier", "to_tier", "changed_by", "assessment"
    )


def assessment_evidence(*, agent, tier: Tier, on: date) -> dict[str, str]:
    """Evidence to prefill an assessment: the agent's level of each skill of the tier and
    their result in each module (two queries)."""
    out = {}
    reqs = {r.skill_id: r for r in tier.skill_requirements.all()}
    for row in AgentSkill.objects.filter(agent=agent, skill_id__in=reqs):
        note = f"Level {row.level}"
        if row.certified_on:
            note += f", certified {row.certified_on:%Y-%m-%d}"
        if row.expires_on:
            note += (
                f", expired {row.expires_on:%Y-%m-%d}"
                if row.expires_on < on
                else f", valid to {row.expires_on:%Y-%m-%d}"
            )
        out[f"skill:{row.skill_id}"] = note
    module_ids = [m.pk for m in tier.required_modules.all()]
    for row in Enrollment.objects.filter(agent=agent, module_id__in=module_ids):
        note = row.get_status_display()
        if row.score is not None:
            note += f", score {row.score:g}"
        out[f"module:{row.module_id}"] = note
    return out


# --- Buddies -------------------------------------------------------------------------------


def pairing_list(*, office: str = "", team=None, on: date):
    """Open pairings with both people and the buddy's load (one query per page)."""
    load = Subquery(
        BuddyPairing.objects.filter(buddy=OuterRef("buddy"), ends_on__isnull=True)
        .values("buddy")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    qs = (
        BuddyPairing.objects.filter(ends_on__isnull=True)
        .select_related("agent__team", "buddy__team")
        .annotate(buddy_load=Coalesce(load, 0))
    )
    if office in Office.values:
        qs = qs.filter(agent__team__office=office)
    if team is not None:
        qs = qs.filter(agent__team=team)
    return qs.order_by("agent__team__office", "agent__display_name", "agent__username")


def unpaired_agents():
    return (
        active_agents()
        .filter(team__isnull=False)
        .exclude(pk__in=BuddyPairing.objects.filter(ends_on__isnull=True).values("agent_id"))
        .select_related("team")
        .order_by("team__office", "display_name", "username")
    )


def my_buddy(agent):
    return (
        BuddyPairing.objects.filter(agent=agent, ends_on__isnull=True)
        .select_related("buddy__team")
        .first()
    )


def buddy_of(agent):
    """People who have ``agent`` as their buddy (they escalate to ``agent``)."""
    return (
        BuddyPairing.objects.filter(buddy=agent, ends_on__isnull=True)
        .select_related("agent__team")
        .order_by("agent__display_name", "agent__username")
    )


# --- Recognition ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    start: date
    end: date


def window(key: str, on: date) -> Window:
    if key == "week":
        start = on - timedelta(days=on.weekday())
        return Window("week", "This week", start, on)
    if key == "quarter":
        return Window("quarter", "Last 90 days", on - timedelta(days=89), on)
    if key == "year":
        return Window("year", "Last 365 days", on - timedelta(days=364), on)
    return Window("month", "Last 30 days", on - timedelta(days=29), on)


WINDOWS = [("week", "This week"), ("month", "Last 30 days"), ("quarter", "Last 90 days")]


def office_averages(*, start: date, end: date) -> dict[str, dict]:
    """Per office: active agents, points in the window and points per agent (two
    aggregates). The leaderboards normalise by this, so an office that gives fewer points
    (or has more people) competes fairly."""
    heads = dict(
        active_agents()
        .filter(team__isnull=False)
        .values("team__office")
        .annotate(n=Count("pk", distinct=True))
        .values_list("team__office", "n")
    )
    points = dict(
        Recognition.objects.filter(
            given_on__gte=start, given_on__lte=end, agent__in=active_agents()
        )
        .values("agent__team__office")
        .annotate(p=Sum("points"))
        .values_list("agent__team__office", "p")
    )
    out = {}
    for office in Office.values:
        n, p = heads.get(office, 0), points.get(office) or 0
        out[office] = {"agents": n, "points": p, "per_agent": (p / n) if n else 0.0}
    return out


def _office_avg_case(averages: dict, field: str):
    whens = [
        When(**{field: office}, then=Value(max(a["per_agent"], 1e-9)))
        for office, a in averages.items()
    ]
    return Case(*whens, default=Value(1.0), output_field=FloatField())


def _points_subquery(start: date, end: date, **match):
    return Subquery(
        Recognition.objects.filter(given_on__gte=start, given_on__lte=end, **match)
        .order_by()
        .values(next(iter(match)))
        .annotate(s=Sum("points"))
        .values("s"),
        output_field=IntegerField(),
    )


def agent_leaderboard(*, start: date, end: date, averages: dict, office: str = ""):
    """Agents by points in the window, with ``index``: points relative to their office's
    points per agent (100 = office average). Across offices the board ranks by the index;
    within one office by points. One query per page."""
    points = _points_subquery(start, end, agent=OuterRef("pk"))
    qs = (
        active_agents()
        .filter(team__isnull=False)
        .select_related("team")
        .annotate(points=Coalesce(points, 0))
        .annotate(
            index=Cast(F("points"), FloatField())
            * 100.0
            / _office_avg_case(averages, "team__office")
        )
    )
    if office in Office.values:
        return qs.filter(team__office=office).order_by("-points", "display_name", "username")
    return qs.order_by("-index", "-points", "display_name", "username")


def team_leaderboard(*, start: date, end: date, averages: dict, office: str = ""):
    """Teams by points per agent, and the same relative to their office (one query)."""
    heads = Subquery(
        active_agents()
        .filter(team=OuterRef("pk"))
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    points = _points_subquery(start, end, agent__team=OuterRef("pk"))
    qs = (
        Team.objects.annotate(headcount=Coalesce(heads, 0), points=Coalesce(points, 0))
        .annotate(
            per_agent=Cast(F("points"), FloatField())
            / NullIf(Cast(F("headcount"), FloatField()), 0.0)
        )
        .annotate(
            index=Coalesce(F("per_agent"), 0.0) * 100.0 / _office_avg_case(averages, "office")
        )
    )
    if office in Office.values:
        qs = qs.filter(office=office)
    return qs.order_by("-index", "name")


def points_totals(agent) -> dict:
    """An agent's points by kind and in total (one aggregate)."""
    rows = list(
        Recognition.objects.filter(agent=agent)
        .values("kind")
        .annotate(points=Sum("points"), count=Count("pk"))
        .order_by("kind")
    )
    for row in rows:
        row["label"] = RecognitionKind(row["kind"]).label
    return {"by_kind": rows, "total": sum(r["points"] for r in rows)}


def points_statement(agent):
    return Recognition.objects.filter(agent=agent).select_related("given_by", "idea", "scheme")


# --- My development ------------------------------------------------------------------------


def my_development(agent, *, on: date) -> dict:
    """Everything an agent sees about their own development (seven queries)."""
    skills = list(
        AgentSkill.objects.filter(agent=agent).select_related("skill").order_by("skill__name")
    )
    current = AgentTier.objects.filter(agent=agent).select_related("tier").first()
    progress = (
        TierProgress.objects.filter(agent=agent)
        .select_related("next_tier", "qualified_tier")
        .first()
    )
    enrollments = list(
        Enrollment.objects.filter(agent=agent)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("module")
        .order_by("status", "module__title")
    )
    history = list(tier_history(agent)[:10])
    totals = points_totals(agent)
    buddy = my_buddy(agent)
    soon = on + timedelta(days=EXPIRING_DAYS)
    for s in skills:
        s.state = (
            EXPIRED
            if s.expires_on and s.expires_on < on
            else EXPIRING
            if s.expires_on and s.expires_on <= soon
            else HELD
        )
    return {
        "skills": skills,
        "current_tier": current.tier if current else None,
        "tier_since": current.since if current else None,
        "progress": progress,
        "enrollments": enrollments,
        "history": history,
        "points": totals,
        "buddy": buddy,
    }
