"""Evaluations: create, save a draft, submit, acknowledge, dispute, resolve.

Every change runs in a transaction on the row locked with ``select_for_update`` and is
written by a conditional UPDATE on ``version`` (so a concurrent change fails cleanly even on
SQLite, which has no row locks), and appends an ``EvaluationEvent`` saying who changed what.
The score columns are written here only, from :func:`quality.scoring.score`.

Rules:
- Evaluators are QA analysts (anyone's work) and supervisors (their teams' work); nobody
  evaluates their own work. Only completed items with an assignee are evaluated, once each.
- A draft may be saved with answers missing (its score is provisional, over what is answered);
  submitting needs every required criterion answered and validates every answer.
- Only the evaluated agent acknowledges or disputes a submitted evaluation. A dispute is
  resolved by QA or the agent's supervisor (never the agent): upheld (the score stands) or
  re-scored (new answers, new score, the old one kept in ``original_score``), with a reason.
"""

from collections.abc import Mapping
from dataclasses import replace

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from ccops import notifications
from ccops.choices import Role
from workitems.choices import Status as ItemStatus
from workitems.models import WorkItem

from .. import scoring
from ..choices import EvaluationSource, EvaluationStatus, EventAction, Resolution
from ..errors import Conflict, IllegalTransition, InvalidInput, NotAllowed
from ..models import Evaluation, EvaluationEvent, Scorecard
from ..selectors import LIST_RELATED
from .common import is_qa, mapping, may_review, supervises_team, text
from .scorecards import scorecard_applies, scorecard_for_work_type, scorecard_specs

S = EvaluationStatus
EMPTY_RESULT = {
    "score": None,
    "points_earned": None,
    "points_possible": None,
    "points": {},
    "passed": None,
    "critical_failed": False,
    "failed_criteria": [],
}


def answer_errors(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Scoring errors keyed for callers: ``answers.<criterion key>`` or ``answers``."""
    return {
        ("answers" if key == scoring.NON_FIELD_ERRORS else f"answers.{key}"): list(messages)
        for key, messages in errors.items()
    }


def _raise_answer_errors(errors: Mapping[str, list[str]]) -> None:
    keyed = answer_errors(errors)
    first_key, messages = next(iter(keyed.items()))
    raise InvalidInput(messages[0], errors=keyed)


def _result_fields(result: scoring.ScoreResult) -> dict:
    return {
        "score": result.score,
        "points_earned": result.points_earned,
        "points_possible": result.points_possible,
        "points": {k: (None if v is None else str(v)) for k, v in result.points.items()},
        "passed": result.passed,
        "critical_failed": result.critical_failed,
        "failed_criteria": list(result.failed_criteria),
    }


def _stored(answers: Mapping) -> dict:
    return {key: value for key, value in answers.items() if value is not None}


def evaluate_answers(
    specs: list[scoring.CriterionSpec], pass_mark, answers, *, final: bool
) -> tuple[dict, dict]:
    """Validate and score; return (answers to store, result columns).

    ``final=False`` (a draft): unanswered criteria are allowed and the score is provisional
    over what is answered (empty when nothing applicable is answered yet).
    """
    answers = mapping(answers, field="answers")
    if final:
        errors = scoring.validate(specs, answers)
        if errors:
            _raise_answer_errors(errors)
        result = scoring.score(specs, answers, pass_mark)
        return _stored(result.answers), _result_fields(result)
    relaxed = [replace(spec, required=False) for spec in specs]
    normalised, errors = scoring.normalise(relaxed, answers)
    nothing_applicable = errors.pop(scoring.NON_FIELD_ERRORS, None)
    if errors:
        _raise_answer_errors(errors)
    if nothing_applicable:
        return _stored(normalised), dict(EMPTY_RESULT)
    result = scoring.score(relaxed, answers, pass_mark)
    return _stored(result.answers), _result_fields(result)


def _clean_comments(specs, comments) -> dict[str, str]:
    comments = mapping(comments, field="comments")
    keys = {spec.key for spec in specs}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for key, value in comments.items():
        if key not in keys:
            errors[f"comments.{key}"] = [f"Unknown criterion '{key}'."]
            continue
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > 2000:
            errors[f"comments.{key}"] = [f"Comment on '{key}': text of at most 2000 characters."]
            continue
        if value.strip():
            cleaned[key] = value.strip()
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    return cleaned


def _diff(old: Mapping, new: Mapping) -> dict:
    return {
        key: [old.get(key), new.get(key)]
        for key in dict.fromkeys([*old, *new])
        if old.get(key) != new.get(key)
    }


def _version(expected_version) -> int | None:
    if expected_version in (None, ""):
        return None
    try:
        return int(expected_version)
    except (TypeError, ValueError):
        raise InvalidInput("Version must be a whole number.", field="version")


def _lock(evaluation: Evaluation, expected_version) -> Evaluation:
    """The evaluation's row locked until the transaction ends, read again with the names
    its answer shows (``selectors.LIST_RELATED``); ``of=("self",)`` locks only the
    evaluation's row, not the joined scorecard's or users' (every submit on one scorecard
    would otherwise queue behind the others). Raises ``Evaluation.DoesNotExist``."""
    expected = _version(expected_version)
    locked = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related(*LIST_RELATED)
        .get(pk=evaluation.pk)
    )
    if expected is not None and locked.version != expected:
        raise Conflict(
            f"Evaluation #{locked.pk} was changed by someone else (version {locked.version}, "
            f"you had {expected}). Reload it and try again.",
            field="version",
        )
    return locked


def _commit(
    locked: Evaluation, *, by, action: str, fields: dict, changes: dict | None = None, note=""
) -> Evaluation:
    now = timezone.now()
    fields = {**fields, "updated_at": now}
    updated = Evaluation.objects.filter(pk=locked.pk, version=locked.version).update(
        version=F("version") + 1, **fields
    )
    if updated != 1:
        raise Conflict(f"Evaluation #{locked.pk} was changed by someone else; reload it.")
    from_status = locked.status
    for attr, value in fields.items():
        setattr(locked, attr, value)
    locked.version += 1
    EvaluationEvent.objects.create(
        evaluation=locked,
        action=action,
        actor=by,
        at=now,
        from_status=from_status,
        to_status=locked.status,
        changes=changes or {},
        note=note,
    )
    return locked


def _content_changes(locked: Evaluation, fields: dict) -> dict:
    changes = {}
    for name in ("answers", "comments"):
        if name in fields:
            diff = _diff(locked.answers if name == "answers" else locked.comments, fields[name])
            if diff:
                changes[name] = diff
    if "overall_comment" in fields and fields["overall_comment"] != locked.overall_comment:
        changes["overall_comment"] = [locked.overall_comment, fields["overall_comment"]]
    if "score" in fields and fields["score"] != locked.score:
        old = None if locked.score is None else str(locked.score)
        new = None if fields["score"] is None else str(fields["score"])
        changes["score"] = [old, new]
    return changes


def _evaluable(item, evaluator, scorecard: Scorecard | None) -> tuple[WorkItem, Scorecard]:
    """The item (by object or id, read again with its work type and agent) and the scorecard
    to evaluate it on, once the rules allow ``evaluator`` to evaluate it."""
    if not (is_qa(evaluator) or evaluator.has_role(Role.SUPERVISOR)):
        raise NotAllowed("Only QA analysts and supervisors evaluate work.")
    pk = item.pk if isinstance(item, WorkItem) else item
    item = WorkItem.objects.select_related("work_type", "assignee").filter(pk=pk).first()
    if item is None:
        raise InvalidInput(f"No item #{pk}.", field="item")
    if item.status != ItemStatus.DONE or item.assignee_id is None:
        raise InvalidInput(
            f"Item #{item.pk} is not completed work of an agent; only that is evaluated.",
            field="item",
        )
    if item.assignee_id == evaluator.pk:
        raise NotAllowed("You cannot evaluate your own work.", field="item")
    if not is_qa(evaluator) and not supervises_team(evaluator, item.assignee.team_id):
        raise NotAllowed("Supervisors evaluate the work of their own teams only.", field="item")
    work_type = item.work_type
    if scorecard is None:
        scorecard = scorecard_for_work_type(work_type)
        if scorecard is None:
            raise InvalidInput(f"No scorecard applies to work type {work_type}.", field="scorecard")
    elif not scorecard.is_current:
        raise InvalidInput(f"{scorecard} is not the current version.", field="scorecard")
    elif not scorecard_applies(scorecard, work_type):
        raise InvalidInput(
            f"{scorecard} does not apply to work type {work_type}.", field="scorecard"
        )
    return item, scorecard


def _draft(item: WorkItem, evaluator, scorecard: Scorecard, source: str, now):
    """A new draft evaluation of ``item`` and its ``created`` event, not saved yet."""
    agent = item.assignee
    evaluation = Evaluation(
        item=item,
        agent=agent,
        team_id=agent.team_id,
        office=item.work_type.office,
        work_type_id=item.work_type_id,
        scorecard=scorecard,
        evaluator=evaluator,
        source=source,
        created_at=now,
        updated_at=now,
    )
    created = EvaluationEvent(
        evaluation=evaluation,
        action=EventAction.CREATED,
        actor=evaluator,
        at=now,
        to_status=S.DRAFT,
        changes={"scorecard": str(scorecard), "source": source},
    )
    return evaluation, created


def _insert(evaluation: Evaluation, events: list[EvaluationEvent]) -> Evaluation:
    """Write a new evaluation and its events (one insert for all of them): all or nothing.
    The one-evaluation-per-item constraint settles two evaluators starting the same item."""
    try:
        with transaction.atomic():
            evaluation.save(force_insert=True)
            for event in events:
                event.evaluation = evaluation
            EvaluationEvent.objects.bulk_create(events)
    except IntegrityError:
        raise Conflict(f"Item #{evaluation.item_id} already has an evaluation.", field="item")
    return evaluation


def evaluation_create(
    *,
    item: WorkItem | int,
    evaluator,
    scorecard: Scorecard | None = None,
    source: str = EvaluationSource.MANUAL,
) -> Evaluation:
    """Start a draft evaluation of a completed item on the scorecard that applies to it."""
    item, scorecard = _evaluable(item, evaluator, scorecard)
    evaluation, created = _draft(item, evaluator, scorecard, source, timezone.now())
    return _insert(evaluation, [created])


def evaluation_start(
    *,
    item: WorkItem | int,
    evaluator,
    scorecard: Scorecard | None = None,
    answers: Mapping | None = None,
    comments: Mapping | None = None,
    overall_comment: str | None = None,
    submit: bool = False,
) -> Evaluation:
    """Create an evaluation and save (or submit) its answers in one go: all or nothing.

    The result is what :func:`evaluation_create` then :func:`evaluation_save` (or
    :func:`evaluation_submit`) would leave, events included, written in one insert each
    (nothing is written when the answers are refused).
    """
    item, scorecard = _evaluable(item, evaluator, scorecard)
    now = timezone.now()
    evaluation, created = _draft(item, evaluator, scorecard, EvaluationSource.MANUAL, now)
    events = [created]
    content = {"answers": answers, "comments": comments, "overall_comment": overall_comment}
    if submit or any(value is not None for value in content.values()):
        specs = scorecard_specs(scorecard)
        fields = _content_fields(evaluation, specs, **content, final=submit)
        changes = _content_changes(evaluation, fields)
        if submit:
            fields.update(status=S.SUBMITTED, submitted_at=now)
        for attr, value in fields.items():
            setattr(evaluation, attr, value)
        evaluation.version += 1
        events.append(
            EvaluationEvent(
                action=EventAction.SUBMITTED if submit else EventAction.SAVED,
                actor=evaluator,
                at=now,
                from_status=S.DRAFT,
                to_status=evaluation.status,
                changes=changes,
            )
        )
    return _insert(evaluation, events)


def _must_be_evaluators_draft(locked: Evaluation, by) -> None:
    if locked.evaluator_id != by.pk:
        raise NotAllowed("Only the evaluator may change this evaluation.")
    if locked.status != S.DRAFT:
        raise IllegalTransition(
            f"Evaluation #{locked.pk} is {locked.get_status_display().lower()}; "
            "only a draft can be changed."
        )


def _content_fields(locked, specs, *, answers, comments, overall_comment, final) -> dict:
    stored, result = evaluate_answers(
        specs,
        locked.scorecard.pass_mark,
        locked.answers if answers is None else answers,
        final=final,
    )
    fields = {"answers": stored, **result}
    if comments is not None:
        fields["comments"] = _clean_comments(specs, comments)
    if overall_comment is not None:
        fields["overall_comment"] = text(overall_comment, field="overall_comment", max_length=5000)
    return fields


def evaluation_save(
    *,
    evaluation: Evaluation,
    by,
    answers: Mapping | None = None,
    comments: Mapping | None = None,
    overall_comment: str | None = None,
    expected_version=None,
) -> Evaluation:
    """Save a draft's answers and comments; the score is recomputed (provisional)."""
    with transaction.atomic():
        locked = _lock(evaluation, expected_version)
        _must_be_evaluators_draft(locked, by)
        specs = scorecard_specs(locked.scorecard)
        fields = _content_fields(
            locked,
            specs,
            answers=answers,
            comments=comments,
            overall_comment=overall_comment,
            final=False,
        )
        changes = _content_changes(locked, fields)
        return _commit(locked, by=by, action=EventAction.SAVED, fields=fields, changes=changes)


def evaluation_submit(
    *,
    evaluation: Evaluation,
    by,
    answers: Mapping | None = None,
    comments: Mapping | None = None,
    overall_comment: str | None = None,
    expected_version=None,
) -> Evaluation:
    """Submit a draft (optionally with its final answers): every answer is validated, the
    score computed and stored, and the agent can see it."""
    with transaction.atomic():
        locked = _lock(evaluation, expected_version)
        _must_be_evaluators_draft(locked, by)
        specs = scorecard_specs(locked.scorecard)
        fields = _content_fields(
            locked,
            specs,
            answers=answers,
            comments=comments,
            overall_comment=overall_comment,
            final=True,
        )
        changes = _content_changes(locked, fields)
        fields.update(status=S.SUBMITTED, submitted_at=timezone.now())
        submitted = _commit(
            locked, by=by, action=EventAction.SUBMITTED, fields=fields, changes=changes
        )
        _tell_agent(
            submitted,
            notifications.Kind.EVALUATION_SUBMITTED,
            f"Evaluation #{submitted.pk} submitted: {submitted.score}%",
            "Read it, then acknowledge it or dispute it.",
        )
        return submitted


def _tell_agent(evaluation: Evaluation, kind: str, title: str, body: str) -> None:
    """Tell the evaluated agent (in the caller's transaction)."""
    notifications.notify(
        kind,
        [evaluation.agent],
        title=title,
        body=body,
        url=reverse("quality:evaluation_detail", args=[evaluation.pk]),
    )


def _must_be_agents_submitted(locked: Evaluation, by, what: str) -> None:
    if locked.agent_id != by.pk:
        raise NotAllowed(f"Only the evaluated agent can {what} this evaluation.")
    if locked.status != S.SUBMITTED:
        raise IllegalTransition(
            f"Evaluation #{locked.pk} is {locked.get_status_display().lower()}; "
            f"only a submitted evaluation can be {what}d."
        )


def evaluation_acknowledge(
    *, evaluation: Evaluation, by, comment: str = "", expected_version=None
) -> Evaluation:
    """The agent confirms they have read the evaluation (optionally with a comment)."""
    comment = text(comment, field="comment", max_length=2000)
    with transaction.atomic():
        locked = _lock(evaluation, expected_version)
        _must_be_agents_submitted(locked, by, "acknowledge")
        fields = {
            "status": S.ACKNOWLEDGED,
            "acknowledged_at": timezone.now(),
            "agent_comment": comment,
        }
        return _commit(locked, by=by, action=EventAction.ACKNOWLEDGED, fields=fields, note=comment)


def evaluation_dispute(
    *, evaluation: Evaluation, by, reason: str, expected_version=None
) -> Evaluation:
    """The agent disputes a submitted evaluation, saying why."""
    reason = text(reason, field="reason", required=True, max_length=2000)
    with transaction.atomic():
        locked = _lock(evaluation, expected_version)
        _must_be_agents_submitted(locked, by, "dispute")
        fields = {"status": S.DISPUTED, "disputed_at": timezone.now(), "dispute_reason": reason}
        return _commit(locked, by=by, action=EventAction.DISPUTED, fields=fields, note=reason)


def evaluation_resolve(
    *,
    evaluation: Evaluation,
    by,
    outcome: str,
    reason: str,
    answers: Mapping | None = None,
    comments: Mapping | None = None,
    expected_version=None,
) -> Evaluation:
    """Resolve a dispute: ``upheld`` keeps the score; ``rescored`` scores new ``answers``."""
    if outcome not in Resolution.values:
        raise InvalidInput("Outcome must be upheld or rescored.", field="outcome")
    reason = text(reason, field="reason", required=True, max_length=2000)
    if outcome == Resolution.RESCORED and answers is None:
        raise InvalidInput("Re-scoring needs the new answers.", field="answers")
    with transaction.atomic():
        locked = _lock(evaluation, expected_version)
        if locked.agent_id == by.pk:
            raise NotAllowed("You cannot resolve a dispute of your own evaluation.")
        if not may_review(by, team_id=locked.team_id):
            raise NotAllowed("Only QA or the agent's supervisor resolves this dispute.")
        if locked.status != S.DISPUTED:
            raise IllegalTransition(
                f"Evaluation #{locked.pk} is {locked.get_status_display().lower()}; "
                "only a disputed evaluation can be resolved."
            )
        fields: dict = {}
        changes: dict = {}
        if outcome == Resolution.RESCORED:
            specs = scorecard_specs(locked.scorecard)
            fields = _content_fields(
                locked, specs, answers=answers, comments=comments, overall_comment=None, final=True
            )
            changes = _content_changes(locked, fields)
            fields["original_score"] = locked.score
        fields.update(
            status=S.RESOLVED,
            resolved_at=timezone.now(),
            resolved_by=by,
            resolution=outcome,
            resolution_reason=reason,
        )
        action = EventAction.RESCORED if outcome == Resolution.RESCORED else EventAction.UPHELD
        resolved = _commit(
            locked, by=by, action=action, fields=fields, changes=changes, note=reason
        )
        verdict = "re-scored" if outcome == Resolution.RESCORED else "upheld"
        _tell_agent(
            resolved,
            notifications.Kind.DISPUTE_RESOLVED,
            f"Your dispute of evaluation #{resolved.pk} was {verdict}: {resolved.score}%",
            reason,
        )
        return resolved
