"""Coaching: sessions between a coach and an agent, and tips from the common library."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.models import User

from ..choices import TipKind
from ..errors import IllegalTransition, InvalidInput, NotAllowed
from ..models import CoachingSession, CoachingTip, CoachingTipCriterion, Evaluation
from .common import may_review, require_qa, text
from .scorecards import KEY_RE


def coaching_session_create(
    *,
    coach,
    agent: User,
    agreed_actions: str,
    notes: str = "",
    held_on: date | None = None,
    follow_up_on: date | None = None,
    evaluations: Iterable[Evaluation] = (),
    tips: Iterable[CoachingTip] = (),
) -> CoachingSession:
    """Record a coaching session; QA coach anyone, supervisors their own teams' agents."""
    if coach.pk == agent.pk:
        raise NotAllowed("You cannot coach yourself.", field="agent")
    if not agent.has_role(Role.AGENT):
        raise InvalidInput(f"{agent} is not an agent.", field="agent")
    if not may_review(coach, team_id=agent.team_id):
        raise NotAllowed("Only QA or the agent's supervisor may coach this agent.")
    agreed_actions = text(agreed_actions, field="agreed_actions", required=True)
    notes = text(notes, field="notes")
    held_on = held_on or timezone.localdate()
    if follow_up_on is not None and follow_up_on < held_on:
        raise InvalidInput("The follow-up cannot be before the session.", field="follow_up_on")
    evaluations = list(evaluations)
    if any(e.agent_id != agent.pk for e in evaluations):
        raise InvalidInput("Link only this agent's evaluations.", field="evaluations")
    with transaction.atomic():
        session = CoachingSession.objects.create(
            agent=agent,
            coach=coach,
            agreed_actions=agreed_actions,
            notes=notes,
            held_on=held_on,
            follow_up_on=follow_up_on,
        )
        session.evaluations.set(evaluations)
        session.tips.set(list(tips))
    return session


def coaching_session_complete(*, session: CoachingSession, by) -> CoachingSession:
    """Mark the follow-up done (the coach, QA or the agent's supervisor); once."""
    if by.pk != session.coach_id and not may_review(by, team_id=session.agent.team_id):
        raise NotAllowed("Only the coach, QA or the agent's supervisor closes this session.")
    now = timezone.now()
    updated = CoachingSession.objects.filter(pk=session.pk, done=False).update(
        done=True, done_at=now
    )
    if not updated:
        raise IllegalTransition("This coaching session is already done.")
    session.done = True
    session.done_at = now
    return session


def coaching_tip_create(
    *, by, title: str, body: str, kind: str, office: str = "", criterion_keys: Iterable[str] = ()
) -> CoachingTip:
    """Add a tip to the library, tagged with the criterion keys it helps with."""
    require_qa(by, "edit the coaching library")
    title = text(title, field="title", required=True, max_length=150)
    body = text(body, field="body", required=True)
    if office and office not in Office.values:
        raise InvalidInput(f"Unknown office {office!r}.", field="office")
    if kind not in TipKind.values:
        raise InvalidInput(f"Unknown kind {kind!r}.", field="kind")
    keys = sorted({k.strip() for k in criterion_keys if k and k.strip()})
    bad = [k for k in keys if not KEY_RE.match(k)]
    if bad:
        raise InvalidInput(f"Not a criterion key: {bad[0]!r}.", field="criterion_keys")
    if CoachingTip.objects.filter(title__iexact=title).exists():
        raise InvalidInput("A tip with this title exists.", field="title")
    with transaction.atomic():
        tip = CoachingTip.objects.create(title=title, body=body, kind=kind, office=office)
        CoachingTipCriterion.objects.bulk_create(
            CoachingTipCriterion(tip=tip, criterion_key=k) for k in keys
        )
    return tip
