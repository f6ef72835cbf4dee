"""Reads of quality shaped for pages and the API: scoped, joined and aggregated in SQL."""

from datetime import date

from django.db.models import Avg, Count, Exists, Prefetch, Q, Sum
from django.db.models.functions import TruncWeek

from ccops.api.fields import BIGINT
from workitems.choices import Status as ItemStatus
from workitems.models import WorkItem

from . import sampling
from .choices import SCORED_STATUSES, EvaluationStatus
from .models import (
    CalibrationSession,
    CoachingTip,
    CoachingTipCriterion,
    Criterion,
    Evaluation,
    Scorecard,
)

LIST_RELATED = ("item", "agent", "work_type", "scorecard", "evaluator")


def evaluations_for(user):
    """Evaluations ``user`` may see, with what lists show joined in."""
    return Evaluation.objects.visible_to(user).select_related(*LIST_RELATED)


def evaluator_queue(user):
    """The drafts waiting for ``user`` to evaluate, oldest first."""
    return (
        Evaluation.objects.filter(evaluator=user, status=EvaluationStatus.DRAFT)
        .select_related("item", "agent", "agent__team", "work_type", "scorecard")
        .order_by("created_at", "id")
    )


def evaluation_detail_queryset(user):
    return Evaluation.objects.visible_to(user).select_related(
        *LIST_RELATED, "team", "team__supervisor", "resolved_by", "item__customer"
    )


def criteria_prefetch() -> Prefetch:
    return Prefetch(
        "criteria",
        queryset=Criterion.objects.select_related("section").order_by("position"),
    )


def scorecards(*, include_old: bool = False):
    qs = Scorecard.objects.prefetch_related(criteria_prefetch(), "work_types")
    if not include_old:
        qs = qs.filter(is_current=True)
    return qs.order_by("name", "-version")


def agent_summary(agent) -> dict:
    """Count, mean score and pass rate of the agent's scored evaluations (one query)."""
    row = Evaluation.objects.filter(agent=agent, status__in=SCORED_STATUSES).aggregate(
        count=Count("id"),
        mean=Avg("score"),
        passed=Count("id", filter=Q(passed=True)),
        disputed=Count("id", filter=Q(status=EvaluationStatus.DISPUTED)),
        to_acknowledge=Count("id", filter=Q(status=EvaluationStatus.SUBMITTED)),
    )
    row["pass_rate"] = (row["passed"] * 100 / row["count"]) if row["count"] else None
    row["weighted"] = agent_weighted_score(agent)
    return row


def agent_weighted_score(agent) -> sampling.WeightedEstimate:
    """The agent's mean score weighted by work type: each work type counts by its share of
    the agent's completed items, not by its share of the evaluations (the sample keeps a
    minimum per type, so a rare type is over-represented). Two grouped queries."""
    per_type = (
        Evaluation.objects.filter(agent=agent, status__in=SCORED_STATUSES)
        .values("work_type")
        .annotate(n=Count("id"), total=Sum("score"))
        .order_by()
    )
    sums = {r["work_type"]: float(r["total"]) for r in per_type}
    counts = {r["work_type"]: r["n"] for r in per_type}
    if not counts:
        return sampling.weighted_estimate({}, {}, {})
    population = dict(
        WorkItem.objects.filter(assignee=agent, status=ItemStatus.DONE)
        .values("work_type")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("work_type", "n")
    )
    return sampling.weighted_estimate(sums, counts, population)


def agent_weekly_scores(agent, *, since: date | None = None) -> list[dict]:
    """Mean score and count per week of submission (one grouped query), for the chart."""
    qs = Evaluation.objects.filter(agent=agent, status__in=SCORED_STATUSES)
    if since:
        qs = qs.filter(submitted_at__date__gte=since)
    rows = (
        qs.annotate(week=TruncWeek("submitted_at"))
        .values("week")
        .annotate(mean=Avg("score"), count=Count("id"))
        .order_by("week")
    )
    return [
        {
            "week": r["week"].date().isoformat() if hasattr(r["week"], "date") else str(r["week"]),
            "mean": round(float(r["mean"]), 2),
            "count": r["count"],
        }
        for r in rows
    ]


def tips_for(evaluation: Evaluation) -> list[CoachingTip]:
    """Active library tips tagged with a criterion the evaluation missed, for its office."""
    keys = list(evaluation.failed_criteria or [])
    if not keys:
        return []
    matching = CoachingTipCriterion.objects.filter(criterion_key__in=keys).values("tip_id")
    return list(
        CoachingTip.objects.filter(active=True, pk__in=matching)
        .filter(Q(office="") | Q(office=evaluation.office))
        .prefetch_related("criteria")
        .order_by("title")
    )


def calibration_sessions_for(user):
    from .services.common import is_qa

    qs = CalibrationSession.objects.select_related("scorecard", "reference_evaluator")
    if not is_qa(user):
        # A subquery, not a join: the participant count below must see every participant.
        through = CalibrationSession.participants.through
        qs = qs.filter(pk__in=through.objects.filter(user=user).values("calibrationsession_id"))
    return qs.annotate(
        n_items=Count("items", distinct=True),
        n_participants=Count("participants", distinct=True),
    ).order_by("-created_at")


def calibration_eligible_items(scorecard: Scorecard | None, *, search: str = ""):
    """Completed items of a work type ``scorecard`` applies to, newest first, for the
    calibration item picker; ``search`` matches the item number or words of the title.

    The rule of ``services.scorecard_applies`` as a filter (the scorecard's office, blank:
    both; the work types it names, if any). None: no items."""
    if scorecard is None:
        return WorkItem.objects.none()
    # The work types it names, as a subquery (no query of its own): none named, or one of them.
    named = Scorecard.work_types.through.objects.filter(scorecard_id=scorecard.pk)
    qs = WorkItem.objects.filter(status=ItemStatus.DONE).filter(
        ~Exists(named) | Q(work_type_id__in=named.values("worktype_id"))
    )
    if scorecard.office:
        qs = qs.filter(work_type__office=scorecard.office)
    search = (search or "").strip().lstrip("#")
    if search.isdigit():
        qs = qs.filter(pk=int(search)) if int(search) <= BIGINT else qs.none()
    elif search:
        for word in search.split()[:5]:
            qs = qs.filter(title__icontains=word)
    return qs.select_related("work_type", "assignee").order_by("-completed_at", "-id")
