"""Demo quality: two scorecards, the coaching library, about two months of evaluations with
realistic spreads, last week's sample in the QA queue, one calibration session and a few
coaching sessions.

Deterministic (``ctx.rng``) and idempotent: scorecards and tips are upserted; evaluations,
calibration and coaching are created only when there are no evaluations yet. History is
written with ``bulk_create`` from the same pure scoring the services use; last week goes
through the real services (sample, submit, dispute) so the queue and the agent pages have
live work. Without completed work items only scorecards and tips are seeded.
"""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Min
from django.utils import timezone

from ccops.choices import Role
from workitems.choices import Status as ItemStatus
from workitems.models import WorkItem

from . import scoring, services
from .choices import (
    EvaluationSource,
    EvaluationStatus,
    EventAction,
    Resolution,
)
from .demo_data import BACK_SCORECARD, FRONT_SCORECARD, TIPS
from .models import (
    CalibrationSession,
    CoachingSession,
    CoachingTip,
    CoachingTipCriterion,
    Evaluation,
    EvaluationEvent,
    Scorecard,
)
from .sampling import draw_sample

S = EvaluationStatus
CALIBRATION_TITLE = "Front office calibration (demo)"


def seed(ctx) -> None:
    qa = ctx.staff.get(Role.QA)
    if qa is None:
        return
    started = timezone.now()
    cards = {spec["office"]: _scorecard(qa, spec) for spec in (FRONT_SCORECARD, BACK_SCORECARD)}
    _tips()
    if Evaluation.objects.exists():
        ctx.log("Quality: evaluations already present, not added again.")
        return
    if not WorkItem.objects.filter(status=ItemStatus.DONE, assignee__isnull=False).exists():
        ctx.log("Quality: scorecards and coaching tips only (no completed work yet).")
        return
    specs = {office: services.scorecard_specs(card) for office, card in cards.items()}
    level = _agent_levels(ctx)
    history = _history(ctx, qa, cards, specs, level)
    recent = _last_week(ctx, qa, specs, level)
    _calibration(ctx, qa, cards["front"], specs["front"], level)
    coached = _coaching(ctx)
    seconds = (timezone.now() - started).total_seconds()
    ctx.log(
        f"Quality: {history} evaluations of history, {recent} from last week's sample, "
        f"1 calibration session, {coached} coaching sessions in {seconds:.1f} s."
    )


def _scorecard(qa, spec) -> Scorecard:
    current = Scorecard.objects.filter(name=spec["name"], is_current=True).first()
    if current is not None:
        return current
    return services.scorecard_save(by=qa, **spec)


def _tips() -> None:
    for title, kind, office, keys, body in TIPS:
        tip, _ = CoachingTip.objects.update_or_create(
            title=title, defaults={"kind": kind, "office": office, "body": body, "active": True}
        )
        for key in keys:
            CoachingTipCriterion.objects.get_or_create(tip=tip, criterion_key=key)


def _agent_levels(ctx) -> dict[int, float]:
    """Each agent's chance of meeting a criterion: most are good, new hires less so."""
    levels = {}
    for agent in ctx.agents:
        level = ctx.rng.uniform(0.80, 0.97)
        tenure = agent.tenure_days(ctx.today)
        if tenure is not None and tenure < 90:
            level -= 0.08
        levels[agent.pk] = level
    return levels


def _answers(rng, specs, level: float) -> dict:
    answers = {}
    for spec in specs:
        if spec.na_allowed and rng.random() < 0.15:
            answers[spec.key] = scoring.NA
            continue
        if not spec.required and rng.random() < 0.2:
            continue
        if spec.critical:
            failed = rng.random() < 0.025
            if spec.kind == scoring.SCALE:
                answers[spec.key] = 0 if failed else spec.scale_max
            else:
                answers[spec.key] = scoring.NO if failed else scoring.YES
        elif spec.kind == scoring.SCALE:
            value = round(spec.scale_max * min(1.0, max(0.0, rng.gauss(level, 0.18))))
            answers[spec.key] = value
        else:
            answers[spec.key] = scoring.YES if rng.random() < level else scoring.NO
    return answers


def _result_fields(result: scoring.ScoreResult) -> dict:
    return {
        "answers": {k: v for k, v in result.answers.items() if v is not None},
        "score": result.score,
        "points_earned": result.points_earned,
        "points_possible": result.points_possible,
        "points": {k: (None if v is None else str(v)) for k, v in result.points.items()},
        "passed": result.passed,
        "critical_failed": result.critical_failed,
        "failed_criteria": list(result.failed_criteria),
    }


def _history(ctx, qa, cards, specs, level) -> int:
    """One evaluation per agent per week (sampled like the real job) before last week."""
    rng = ctx.rng
    cutoff, _ = services.week_bounds(services.previous_week_start())
    rows = list(
        WorkItem.objects.filter(
            status=ItemStatus.DONE, assignee__isnull=False, completed_at__lt=cutoff
        )
        .order_by("id")
        .values_list("id", "assignee_id", "work_type_id", "work_type__office", "completed_at")
    )
    info = {r[0]: r for r in rows}
    candidates = [
        (item_id, agent_id, wt_id, services.week_start_of(timezone.localtime(done).date()))
        for item_id, agent_id, wt_id, _office, done in rows
    ]
    drawn = draw_sample(candidates, set(), 1, seed="demo")
    agents = {a.pk: a for a in ctx.agents}
    supervisors = {s.team_id: s for s in ctx.supervisors}
    now = timezone.now()
    evaluations: list[Evaluation] = []
    plans: list[tuple] = []
    for item_id in drawn:
        _, agent_id, wt_id, office, done_at = info[item_id]
        agent = agents.get(agent_id)
        if agent is None or office not in cards:
            continue
        card, spec = cards[office], specs[office]
        result = scoring.score(spec, _answers(rng, spec, level[agent_id]), card.pass_mark)
        supervisor = supervisors.get(agent.team_id)
        evaluator = supervisor if supervisor and rng.random() < 0.25 else qa
        submitted = min(done_at + timedelta(days=rng.uniform(0.5, 3)), now)
        fate = rng.random()
        fields = _result_fields(result)
        evaluation = Evaluation(
            item_id=item_id,
            agent_id=agent_id,
            team_id=agent.team_id,
            office=office,
            work_type_id=wt_id,
            scorecard=card,
            evaluator=evaluator,
            source=EvaluationSource.SAMPLE,
            status=S.ACKNOWLEDGED,
            created_at=submitted - timedelta(hours=2),
            updated_at=submitted,
            submitted_at=submitted,
            version=3,
            **fields,
        )
        if fate < 0.08 and result.failed_criteria:
            # Disputed, then resolved: mostly upheld, sometimes re-scored to a better answer.
            evaluation.status = S.RESOLVED
            evaluation.disputed_at = submitted + timedelta(hours=rng.uniform(2, 30))
            evaluation.dispute_reason = "I think this was marked too harshly; please listen again."
            evaluation.resolved_at = evaluation.disputed_at + timedelta(days=rng.uniform(1, 3))
            evaluation.resolved_by = qa if evaluator != qa else supervisor or qa
            if evaluation.resolved_by == agent:
                evaluation.resolved_by = qa
            evaluation.resolution_reason = "Reviewed the recording with the evaluator."
            if rng.random() < 0.4:
                fixed = dict(result.answers)
                fixed[result.failed_criteria[0]] = (
                    scoring.YES
                    if isinstance(fixed[result.failed_criteria[0]], str)
                    else next(s.scale_max for s in spec if s.key == result.failed_criteria[0])
                )
                rescored = scoring.score(spec, fixed, card.pass_mark)
                evaluation.original_score = result.score
                evaluation.resolution = Resolution.RESCORED
                for attr, value in _result_fields(rescored).items():
                    setattr(evaluation, attr, value)
            else:
                evaluation.resolution = Resolution.UPHELD
            evaluation.updated_at = evaluation.resolved_at
            evaluation.version = 4
        else:
            evaluation.acknowledged_at = submitted + timedelta(hours=rng.uniform(1, 48))
            evaluation.updated_at = evaluation.acknowledged_at
        evaluations.append(evaluation)
        plans.append((evaluation, result.score))
    Evaluation.objects.bulk_create(evaluations, batch_size=500)
    events = []
    for evaluation, first_score in plans:
        events.append(
            EvaluationEvent(
                evaluation_id=evaluation.pk,
                action=EventAction.CREATED,
                actor=evaluation.evaluator,
                at=evaluation.created_at,
                to_status=S.DRAFT,
                changes={"source": EvaluationSource.SAMPLE},
            )
        )
        events.append(
            EvaluationEvent(
                evaluation_id=evaluation.pk,
                action=EventAction.SUBMITTED,
                actor=evaluation.evaluator,
                at=evaluation.submitted_at,
                from_status=S.DRAFT,
                to_status=S.SUBMITTED,
                changes={"score": [None, str(first_score)]},
            )
        )
        if evaluation.status == S.ACKNOWLEDGED:
            events.append(
                EvaluationEvent(
                    evaluation_id=evaluation.pk,
                    action=EventAction.ACKNOWLEDGED,
                    actor_id=evaluation.agent_id,
                    at=evaluation.acknowledged_at,
                    from_status=S.SUBMITTED,
                    to_status=S.ACKNOWLEDGED,
                )
            )
        else:
            events.append(
                EvaluationEvent(
                    evaluation_id=evaluation.pk,
                    action=EventAction.DISPUTED,
                    actor_id=evaluation.agent_id,
                    at=evaluation.disputed_at,
                    from_status=S.SUBMITTED,
                    to_status=S.DISPUTED,
                    note=evaluation.dispute_reason,
                )
            )
            rescored = evaluation.resolution == Resolution.RESCORED
            events.append(
                EvaluationEvent(
                    evaluation_id=evaluation.pk,
                    action=EventAction.RESCORED if rescored else EventAction.UPHELD,
                    actor=evaluation.resolved_by,
                    at=evaluation.resolved_at,
                    from_status=S.DISPUTED,
                    to_status=S.RESOLVED,
                    changes=(
                        {"score": [str(evaluation.original_score), str(evaluation.score)]}
                        if rescored
                        else {}
                    ),
                    note=evaluation.resolution_reason,
                )
            )
    EvaluationEvent.objects.bulk_create(events, batch_size=1000)
    return len(evaluations)


def _last_week(ctx, qa, specs, level) -> int:
    """Last week's sample through the services, by turns: a draft left in the QA queue, one
    submitted for the agent to acknowledge, one acknowledged (or disputed: at most three)."""
    rng = ctx.rng
    outcome = services.sample_draw(
        week_start=services.previous_week_start(), per_agent=2, seed="demo", by=qa
    )
    drafts = list(
        Evaluation.objects.filter(pk__in=outcome.created)
        .select_related("scorecard", "evaluator")
        .order_by("id")
    )
    agents = {a.pk: a for a in ctx.agents}
    disputes = 0
    for i, evaluation in enumerate(drafts):
        if i % 3 == 2:
            continue  # stays in the queue
        spec = specs[evaluation.office]
        submitted = services.evaluation_submit(
            evaluation=evaluation,
            by=evaluation.evaluator,
            answers=_answers(rng, spec, level.get(evaluation.agent_id, 0.9)),
            overall_comment="Thanks for this one: see the comments per criterion.",
        )
        if i % 3 == 1:
            continue  # the agent has yet to acknowledge it
        if submitted.failed_criteria and disputes < 3 and rng.random() < 0.3:
            services.evaluation_dispute(
                evaluation=submitted,
                by=agents[submitted.agent_id],
                reason="The customer had already been verified by my colleague.",
            )
            disputes += 1
        else:
            services.evaluation_acknowledge(evaluation=submitted, by=agents[submitted.agent_id])
    return len(drafts)


def _calibration(ctx, qa, card, specs, level) -> None:
    if CalibrationSession.objects.filter(title=CALIBRATION_TITLE).exists():
        return
    front_sups = [s for s in ctx.supervisors if s.team and s.team.office == "front"][:2]
    items = list(
        WorkItem.objects.filter(
            status=ItemStatus.DONE, assignee__isnull=False, work_type__office="front"
        ).order_by("-completed_at")[:3]
    )
    if len(items) < 3 or not front_sups:
        return
    session = services.calibration_session_create(
        by=qa,
        title=CALIBRATION_TITLE,
        scorecard=card,
        items=items,
        participants=[qa, *front_sups],
        reference_evaluator=qa,
        notes="Monthly calibration: three recent calls, scored blind.",
    )
    for item in items:
        reference = _answers(ctx.rng, specs, level.get(item.assignee_id, 0.9))
        for user in (qa, *front_sups):
            answers = dict(reference)
            if user != qa:
                # Evaluators mostly agree with the expert; each differs on a criterion or two.
                for spec in ctx.rng.sample(specs, 2):
                    if spec.critical or ctx.rng.random() < 0.4:
                        continue
                    if spec.kind == scoring.SCALE:
                        answers[spec.key] = max(0, spec.scale_max - ctx.rng.randint(0, 2))
                    else:
                        answers[spec.key] = ctx.rng.choice([scoring.YES, scoring.NO])
            services.calibration_score_submit(session=session, by=user, item=item, answers=answers)
    services.calibration_session_reveal(session=session, by=qa)


def _coaching(ctx) -> int:
    """Coaching for the three agents with the lowest mean score, by their supervisor."""
    if CoachingSession.objects.exists():
        return 0
    supervisors = {s.team_id: s for s in ctx.supervisors}
    agents = {a.pk: a for a in ctx.agents}
    lowest = (
        Evaluation.objects.filter(status__in=[S.ACKNOWLEDGED, S.RESOLVED])
        .values("agent")
        .annotate(low=Min("score"))
        .order_by("low", "agent")[:3]
    )
    count = 0
    for n, row in enumerate(lowest):
        agent = agents.get(row["agent"])
        coach = supervisors.get(agent.team_id) if agent else None
        if coach is None:
            continue
        evaluations = list(
            Evaluation.objects.filter(
                agent=agent, status__in=[S.ACKNOWLEDGED, S.RESOLVED]
            ).order_by("score", "id")[:2]
        )
        missed = defaultdict(int)
        for e in evaluations:
            for key in e.failed_criteria:
                missed[key] += 1
        tips = list(
            CoachingTip.objects.filter(criteria__criterion_key__in=list(missed)).distinct()[:3]
        )
        held = ctx.today - timedelta(days=7 * (n + 1))
        session = services.coaching_session_create(
            coach=coach,
            agent=agent,
            held_on=held,
            follow_up_on=held + timedelta(days=14),
            agreed_actions="Listen back to the two calls together; practise the tips below on "
            "five calls this week; review again at the follow-up.",
            notes=f"Missed most: {', '.join(sorted(missed)) or 'nothing'}.",
            evaluations=evaluations,
            tips=tips,
        )
        if n == 2:
            services.coaching_session_complete(session=session, by=coach)
        count += 1
    return count
