"""Tiers: recompute an agent's standing, demote on expiry, promote (HR), assess (HR).

The rule logic is ``training.tiers`` (pure); this module loads rules and holdings, locks
the agent's row and writes ``AgentTier`` (routing reads it), ``TierChange`` (history, with
the pay differential in force) and ``TierProgress`` (what the tier report reads).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from ccops.audit import audited
from ccops.choices import Role
from ccops.models import User

from .. import tiers as rules_mod
from ..choices import Decision, EnrollmentStatus, Rating, TierChangeKind
from ..errors import Conflict, InvalidInput
from ..models import (
    AgentSkill,
    AgentTier,
    CompetencyAssessment,
    CompetencyRating,
    Enrollment,
    Skill,
    Tier,
    TierChange,
    TierProgress,
    TierSkillRequirement,
    TrainingModule,
)
from .common import choice, integer, lock_users, require_agent, require_hr, text, today

PROGRESS_FIELDS = [
    "qualified_tier",
    "next_tier",
    "ready",
    "missing",
    "missing_count",
    "computed_at",
]


@dataclass
class Ladder:
    """Every tier's rules, loaded once (three small queries) for one or many agents."""

    rules: list[rules_mod.TierRule]
    tiers: dict[int, Tier]
    skill_names: dict[int, str]
    module_names: dict[int, str]

    def rule_for_rank(self, rank: int) -> rules_mod.TierRule | None:
        return next((r for r in self.rules if r.rank == rank), None)

    def decide(self, holding: rules_mod.Holding, current_rank: int) -> rules_mod.Outcome:
        return rules_mod.decide(
            self.rules,
            holding,
            current_rank,
            skill_names=self.skill_names,
            module_names=self.module_names,
        )

    def gaps(self, rule, holding) -> list[dict]:
        return rules_mod.gaps(
            rule, holding, skill_names=self.skill_names, module_names=self.module_names
        )


def load_ladder() -> Ladder:
    tiers = {t.pk: t for t in Tier.objects.order_by("rank")}
    skills: dict[int, dict[int, int]] = {pk: {} for pk in tiers}
    skill_names: dict[int, str] = {}
    for tier_id, skill_id, level, name in TierSkillRequirement.objects.values_list(
        "tier_id", "skill_id", "min_level", "skill__name"
    ):
        skills[tier_id][skill_id] = level
        skill_names[skill_id] = name
    modules: dict[int, set[int]] = {pk: set() for pk in tiers}
    module_names: dict[int, str] = {}
    through = Tier.required_modules.through
    for tier_id, module_id, title in through.objects.values_list(
        "tier_id", "trainingmodule_id", "trainingmodule__title"
    ):
        modules[tier_id].add(module_id)
        module_names[module_id] = title
    rules = [
        rules_mod.TierRule(t.pk, t.rank, t.name, skills[t.pk], frozenset(modules[t.pk]))
        for t in tiers.values()
    ]
    return Ladder(rules, tiers, skill_names, module_names)


def load_holding(agent_id: int, *, on: date) -> rules_mod.Holding:
    rows = AgentSkill.objects.filter(agent_id=agent_id).values_list(
        "skill_id", "level", "expires_on"
    )
    done = Enrollment.objects.filter(
        agent_id=agent_id, status=EnrollmentStatus.COMPLETED
    ).values_list("module_id", flat=True)
    return rules_mod.holding_from_rows(rows, done, on=on)


def _describe(gaps: list[dict]) -> str:
    parts = []
    for gap in gaps:
        if gap["kind"] == rules_mod.SKILL:
            state = "expired" if gap["expired"] else f"level {gap['have']}"
            parts.append(f"{gap['name']} L{gap['need']} ({state})")
        else:
            parts.append(f"module {gap['name']}")
    return ", ".join(parts)


def _progress_row(agent_id: int, outcome: rules_mod.Outcome, now) -> TierProgress:
    return TierProgress(
        agent_id=agent_id,
        qualified_tier_id=outcome.qualified.tier_id if outcome.qualified else None,
        next_tier_id=outcome.next.tier_id if outcome.next else None,
        ready=outcome.ready,
        missing=outcome.missing,
        missing_count=len(outcome.missing),
        computed_at=now,
    )


def _save_progress(rows: list[TierProgress]) -> None:
    TierProgress.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["agent"], update_fields=PROGRESS_FIELDS
    )


def _change(agent_id, from_tier, to_tier, kind, *, by, reason, on, assessment=None):
    return TierChange.objects.create(
        agent_id=agent_id,
        from_tier=from_tier,
        to_tier=to_tier,
        kind=kind,
        reason=reason,
        assessment=assessment,
        pay_differential_percent=to_tier.pay_differential_percent if to_tier else 0,
        pay_differential_hourly=to_tier.pay_differential_hourly if to_tier else 0,
        changed_by=by,
        effective_on=on,
    )


def _place(agent_id: int, current: AgentTier | None, tier: Tier | None, *, on, by) -> None:
    """Put the agent on ``tier`` (``None``: no tier) through ``save``/``delete``, so the
    assignment's history records every change and who made it."""
    if tier is None:
        if current is not None:
            audited(current, by).delete()
        return
    row = current or AgentTier(agent_id=agent_id)
    row.tier, row.since = tier, on
    audited(row, by).save()


def agent_tier_recompute(
    *, agent: User, on: date | None = None, by: User | None = None, ladder: Ladder | None = None
) -> rules_mod.Outcome:
    """Recompute one agent's tier standing now: place them on the entry tier, demote them
    if a certification expired or a module no longer counts, and refresh their progress.
    Promotions are left to HR (``tier_promote``)."""
    on = on or today()
    with transaction.atomic():
        lock_users([agent.pk])
        ladder = ladder or load_ladder()
        holding = load_holding(agent.pk, on=on)
        current = AgentTier.objects.filter(agent_id=agent.pk).first()
        current_tier = ladder.tiers.get(current.tier_id) if current else None
        outcome = ladder.decide(holding, current_tier.rank if current_tier else 0)
        target = ladder.tiers.get(outcome.target.tier_id) if outcome.target else None
        if outcome.action == rules_mod.DEMOTE:
            lost = ladder.gaps(ladder.rule_for_rank(current_tier.rank), holding)
            reason = f"No longer meets {current_tier}: {_describe(lost)}."
            _place(agent.pk, current, target, on=on, by=by)
            _change(
                agent.pk, current_tier, target, TierChangeKind.DEMOTION, by=by, reason=reason, on=on
            )
        elif outcome.action == rules_mod.INITIAL:
            _place(agent.pk, current, target, on=on, by=by)
            _change(
                agent.pk,
                None,
                target,
                TierChangeKind.INITIAL,
                by=by,
                reason=f"Meets the entry tier {target}.",
                on=on,
            )
        _save_progress([_progress_row(agent.pk, outcome, timezone.now())])
    return outcome


def tiers_recompute_all(*, on: date | None = None) -> dict:
    """Nightly: every active agent's standing. Progress rows are upserted in bulk; agents
    whose tier must change (expired certifications, new agents) go through
    ``agent_tier_recompute`` one by one, under their row lock."""
    on = on or today()
    ladder = load_ladder()
    agents = list(
        User.objects.filter(is_active=True, groups__name=Role.AGENT).values_list("pk", flat=True)
    )
    skill_rows: dict[int, list] = {pk: [] for pk in agents}
    for agent_id, skill_id, level, expires in AgentSkill.objects.filter(
        agent_id__in=agents
    ).values_list("agent_id", "skill_id", "level", "expires_on"):
        skill_rows[agent_id].append((skill_id, level, expires))
    done: dict[int, list] = {pk: [] for pk in agents}
    for agent_id, module_id in Enrollment.objects.filter(
        agent_id__in=agents, status=EnrollmentStatus.COMPLETED
    ).values_list("agent_id", "module_id"):
        done[agent_id].append(module_id)
    ranks = dict(
        AgentTier.objects.filter(agent_id__in=agents).values_list("agent_id", "tier__rank")
    )
    now = timezone.now()
    rows, changed = [], []
    for agent_id in agents:
        holding = rules_mod.holding_from_rows(skill_rows[agent_id], done[agent_id], on=on)
        outcome = ladder.decide(holding, ranks.get(agent_id, 0))
        if outcome.action == rules_mod.NONE:
            rows.append(_progress_row(agent_id, outcome, now))
        else:
            changed.append(agent_id)
    with transaction.atomic():
        _save_progress(rows)
    counts = {"agents": len(agents), "demoted": 0, "placed": 0}
    for user in User.objects.filter(pk__in=changed):
        outcome = agent_tier_recompute(agent=user, on=on, ladder=ladder)
        if outcome.action == rules_mod.DEMOTE:
            counts["demoted"] += 1
        elif outcome.action == rules_mod.INITIAL:
            counts["placed"] += 1
    return counts


def tier_promote(
    *,
    agent: User,
    tier: Tier,
    by: User,
    assessment: CompetencyAssessment | None = None,
    reason: str = "",
    on: date | None = None,
) -> TierChange:
    """HR confirms a promotion the agent qualifies for; their pay differential follows."""
    require_hr(by, "confirm promotions")
    on = on or today()
    with transaction.atomic():
        lock_users([agent.pk])
        ladder = load_ladder()
        holding = load_holding(agent.pk, on=on)
        current = AgentTier.objects.filter(agent_id=agent.pk).select_related("tier").first()
        current_tier = current.tier if current else None
        if current_tier and current_tier.rank >= tier.rank:
            raise Conflict(f"{agent} is already on {current_tier}.", field="tier")
        qualified = rules_mod.qualified_tier(ladder.rules, holding)
        if qualified is None or qualified.rank < tier.rank:
            # What the ladder up to ``tier`` lacks; a skill needed by several tiers is named
            # once, with the highest level asked.
            lacking: dict[tuple, dict] = {}
            for rule in ladder.rules:
                if rule.rank <= tier.rank:
                    lacking.update({(g["kind"], g["id"]): g for g in ladder.gaps(rule, holding)})
            raise InvalidInput(
                f"{agent} does not meet {tier} yet: {_describe(list(lacking.values()))}.",
                field="tier",
            )
        _place(agent.pk, current, tier, on=on, by=by)
        change = _change(
            agent.pk,
            current_tier,
            tier,
            TierChangeKind.PROMOTION,
            by=by,
            reason=reason or f"Promoted to {tier}.",
            on=on,
            assessment=assessment,
        )
        outcome = ladder.decide(holding, tier.rank)
        _save_progress([_progress_row(agent.pk, outcome, timezone.now())])
    return change


def competencies(tier: Tier) -> list[tuple[str, str]]:
    """The tier's competencies as ``(key, label)``: its skills, then its modules."""
    out = [
        (f"skill:{r.skill_id}", f"{r.skill.name} at level {r.min_level}+")
        for r in tier.skill_requirements.select_related("skill").order_by("skill__name")
    ]
    out += [
        (f"module:{m.pk}", f"Module: {m.title}") for m in tier.required_modules.order_by("title")
    ]
    return out


def _qa_score(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput("QA score must be a number.", field="qa_score")
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        raise InvalidInput("QA score must be between 0 and 100.", field="qa_score")
    return score


def assessment_create(
    *,
    agent: User,
    tier: Tier,
    by: User,
    decision: str,
    ratings: dict[str, dict],
    summary: str = "",
    qa_score=None,
    supervisor_input: str = "",
) -> CompetencyAssessment:
    """HR's evaluation of ``agent`` against ``tier``: every competency rated with evidence,
    then a decision. ``promote`` applies the tier (and its pay differential) in the same
    transaction, so a refused promotion leaves no assessment behind; ``develop`` enrols the
    agent in the tier's modules they have not passed; ``hold`` records the evaluation.

    ``ratings``: ``{"skill:<id>" | "module:<id>": {"rating": "met", "evidence": "..."}}``.
    """
    require_hr(by, "assess competencies")
    require_agent(agent, field="agent")
    if agent.pk == by.pk:
        raise InvalidInput("You cannot assess yourself.", field="agent")
    decision = choice(decision, Decision, field="decision")
    summary = text(summary, field="summary")
    supervisor_input = text(supervisor_input, field="supervisor_input")
    score = _qa_score(qa_score)
    wanted = competencies(tier)
    errors: dict[str, list[str]] = {}
    rows = []
    for key, label in wanted:
        given = ratings.get(key) or {}
        rating = given.get("rating")
        if rating not in Rating.values:
            errors[f"ratings.{key}"] = [f"Rate {label}."]
            continue
        evidence = given.get("evidence") or ""
        if not isinstance(evidence, str) or len(evidence) > 2000:
            errors[f"ratings.{key}"] = ["Evidence must be text of at most 2000 characters."]
            continue
        rows.append((key, label, rating, evidence.strip()))
    unknown = sorted(set(ratings) - {k for k, _ in wanted})
    if unknown:
        errors["ratings"] = [f"Not a competency of {tier}: {', '.join(unknown)}."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, errors=errors)
    with transaction.atomic():
        assessment = CompetencyAssessment.objects.create(
            agent=agent,
            tier=tier,
            assessed_by=by,
            decision=decision,
            summary=summary,
            qa_score=score,
            supervisor_input=supervisor_input,
        )
        CompetencyRating.objects.bulk_create(
            CompetencyRating(assessment=assessment, key=k, label=lbl, rating=r, evidence=e)
            for k, lbl, r, e in rows
        )
        if decision == Decision.PROMOTE:
            try:
                tier_promote(
                    agent=agent,
                    tier=tier,
                    by=by,
                    assessment=assessment,
                    reason=summary or f"Assessed against {tier}: promote.",
                )
            except (InvalidInput, Conflict) as exc:
                raise type(exc)(exc.message, field="decision") from exc
        elif decision == Decision.DEVELOP:
            modules = list(tier.required_modules.values_list("pk", flat=True))
            passed = Enrollment.objects.filter(
                agent=agent, module_id__in=modules, status=EnrollmentStatus.COMPLETED
            ).values_list("module_id", flat=True)
            todo = set(modules) - set(passed)
            Enrollment.objects.filter(agent=agent, module_id__in=todo).exclude(
                status=EnrollmentStatus.IN_PROGRESS
            ).update(status=EnrollmentStatus.ENROLLED, enrolled_by=by)
            Enrollment.objects.bulk_create(
                [Enrollment(agent=agent, module_id=m, enrolled_by=by) for m in sorted(todo)],
                ignore_conflicts=True,
            )
    return assessment


def tier_requirement_set(*, tier: Tier, skill: Skill, min_level, by: User) -> TierSkillRequirement:
    """HR sets a tier's skill competency. Standing is recomputed for everyone after commit."""
    require_hr(by, "change tier competencies")
    level = _level(min_level)
    with transaction.atomic():
        req = TierSkillRequirement.objects.filter(tier=tier, skill=skill).first()
        req = req or TierSkillRequirement(tier=tier, skill=skill)
        req.min_level = level
        audited(req, by).save()
        _recompute_later()
    return req


def tier_requirement_remove(*, tier: Tier, skill: Skill | None = None, module=None, by) -> None:
    require_hr(by, "change tier competencies")
    with transaction.atomic():
        if skill is not None:
            for req in TierSkillRequirement.objects.filter(tier=tier, skill=skill):
                audited(req, by).delete()
        if module is not None:
            tier.required_modules.remove(module)
            _record_tier(tier, by, f"No longer requires module {module}")
        _recompute_later()


def tier_module_require(*, tier: Tier, module: TrainingModule, by: User) -> None:
    require_hr(by, "change tier competencies")
    with transaction.atomic():
        tier.required_modules.add(module)
        _record_tier(tier, by, f"Requires module {module}")
        _recompute_later()


def _record_tier(tier: Tier, by, reason: str) -> None:
    """A history record for a change of the tier's modules (m2m writes bypass the history)."""
    tier._change_reason = reason[:100]
    Tier.history.bulk_history_create([tier], update=True, default_user=by)


def _level(value) -> int:
    return integer(value, field="min_level", low=1, high=5)


def _recompute_later() -> None:
    from ccops.dispatch import enqueue_on_commit

    from ..tasks import recompute_tiers

    enqueue_on_commit(recompute_tiers)
