"""The weekly QA sample: completed items per agent per week into evaluators' queues.

A run for week W draws, for every agent, up to ``per_agent`` items completed that week
(Monday 00:00 to the next Monday, local time), stratified by work type and reproducible for
a seed (see :mod:`quality.sampling`), never an item that already has an evaluation. Items
evaluated that week for any reason count towards the agent's quota, so re-running the same
week tops up only what is missing (nothing, when the data did not change): idempotent.

Each drawn item becomes a draft evaluation of the least-loaded QA evaluator (fewest drafts;
ties to the lowest id; never the agent themselves). Runs of the same week are serialised by
locking the week's ``SampleRun`` row; the unique item of an evaluation is the last guard.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ccops.choices import Role
from ccops.models import User
from workitems.choices import Status as ItemStatus
from workitems.models import WorkItem, WorkType

from ..choices import EvaluationSource, EvaluationStatus, EventAction
from ..errors import InvalidInput
from ..models import Evaluation, EvaluationEvent, SampleRun
from ..sampling import draw_sample
from .scorecards import scorecard_for_work_types

MAX_PER_AGENT = 50


def default_per_agent() -> int:
    return int(getattr(settings, "QA_SAMPLE_PER_AGENT", 3))


def default_seed() -> str:
    return str(getattr(settings, "QA_SAMPLE_SEED", "ccops-qa"))


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def previous_week_start() -> date:
    """Monday of last week: the week the scheduled job samples."""
    return week_start_of(timezone.localdate()) - timedelta(days=7)


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(week_start, time.min))
    end = timezone.make_aware(datetime.combine(week_start + timedelta(days=7), time.min))
    return start, end


@dataclass
class SampleOutcome:
    run: SampleRun
    created: list[int] = field(default_factory=list)  # evaluation ids
    per_evaluator: dict[int, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.created)


def qa_evaluators():
    return User.objects.filter(is_active=True, groups__name=Role.QA).order_by("id")


def sample_draw(
    *,
    week_start: date,
    per_agent: int | None = None,
    seed: str | None = None,
    by=None,
) -> SampleOutcome:
    """Draw the sample of one week; see the module docstring."""
    if not isinstance(week_start, date) or isinstance(week_start, datetime):
        raise InvalidInput("Give the week as a date.", field="week_start")
    if week_start.weekday() != 0:
        raise InvalidInput("The week must start on a Monday.", field="week_start")
    if week_start > timezone.localdate():
        raise InvalidInput("That week has not started yet.", field="week_start")
    per_agent = default_per_agent() if per_agent is None else per_agent
    if isinstance(per_agent, bool) or not isinstance(per_agent, int):
        raise InvalidInput("Items per agent must be a whole number.", field="per_agent")
    if not 0 <= per_agent <= MAX_PER_AGENT:
        raise InvalidInput(
            f"Items per agent must be between 0 and {MAX_PER_AGENT}.", field="per_agent"
        )
    seed = default_seed() if seed is None else str(seed)
    evaluators = list(qa_evaluators())
    if not evaluators:
        raise InvalidInput("There is no active QA evaluator to give the sample to.")
    start, end = week_bounds(week_start)

    with transaction.atomic():
        run, _ = SampleRun.objects.get_or_create(
            week_start=week_start, defaults={"per_agent": per_agent, "seed": seed}
        )
        run = SampleRun.objects.select_for_update().get(pk=run.pk)
        done = WorkItem.objects.filter(
            status=ItemStatus.DONE,
            completed_at__gte=start,
            completed_at__lt=end,
            assignee__isnull=False,
        )
        candidates = list(done.values_list("id", "assignee_id", "work_type_id"))
        cards = scorecard_for_work_types({wt for _, _, wt in candidates})
        evaluated = list(
            Evaluation.objects.filter(
                item__completed_at__gte=start, item__completed_at__lt=end
            ).values_list("item_id", "agent_id")
        )
        already = {item_id for item_id, _ in evaluated}
        quota_used = Counter(agent_id for _, agent_id in evaluated)
        week_key = week_start.isoformat()
        # draw_sample takes one quota for every agent: group agents by what they still need.
        by_remaining: dict[int, list[tuple]] = {}
        for item_id, agent_id, wt_id in candidates:
            remaining = per_agent - quota_used[agent_id]
            if wt_id in cards and remaining > 0:
                by_remaining.setdefault(remaining, []).append((item_id, agent_id, wt_id, week_key))
        drawn: list[int] = []
        for remaining, items in sorted(by_remaining.items()):
            drawn.extend(draw_sample(items, already, remaining, seed))
        drawn.sort()

        outcome = SampleOutcome(run=run)
        if drawn:
            info = {item_id: (agent_id, wt_id) for item_id, agent_id, wt_id in candidates}
            agents = {
                u.pk: u
                for u in User.objects.filter(pk__in={info[i][0] for i in drawn}).only("id", "team")
            }
            load = dict(
                User.objects.filter(pk__in=[e.pk for e in evaluators])
                .annotate(
                    n=Count(
                        "qa_evaluations_made",
                        filter=Q(qa_evaluations_made__status=EvaluationStatus.DRAFT),
                    )
                )
                .values_list("id", "n")
            )
            offices = dict(
                WorkType.objects.filter(pk__in={wt for _, wt in info.values()}).values_list(
                    "id", "office"
                )
            )
            now = timezone.now()
            rows = []
            for item_id in drawn:
                agent_id, wt_id = info[item_id]
                choices = [e for e in evaluators if e.pk != agent_id]
                if not choices:
                    continue  # the only QA evaluator is this agent: leave the item out
                evaluator = min(choices, key=lambda e: (load.get(e.pk, 0), e.pk))
                load[evaluator.pk] = load.get(evaluator.pk, 0) + 1
                outcome.per_evaluator[evaluator.pk] = outcome.per_evaluator.get(evaluator.pk, 0) + 1
                rows.append(
                    Evaluation(
                        item_id=item_id,
                        agent_id=agent_id,
                        team_id=agents[agent_id].team_id,
                        office=offices[wt_id],
                        work_type_id=wt_id,
                        scorecard=cards[wt_id],
                        evaluator=evaluator,
                        source=EvaluationSource.SAMPLE,
                        created_at=now,
                        updated_at=now,
                    )
                )
            created = Evaluation.objects.bulk_create(rows)
            EvaluationEvent.objects.bulk_create(
                EvaluationEvent(
                    evaluation_id=e.pk,
                    action=EventAction.CREATED,
                    actor=by,
                    at=now,
                    to_status=EvaluationStatus.DRAFT,
                    changes={"source": EvaluationSource.SAMPLE, "week": week_key},
                )
                for e in created
            )
            outcome.created = [e.pk for e in created]
        run.per_agent = per_agent
        run.seed = seed
        run.drawn += outcome.count
        run.runs += 1
        run.last_run_at = timezone.now()
        run.last_run_by = by
        run.save()
    return outcome
