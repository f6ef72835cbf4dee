"""Buddy pairings: suggest, apply, pair by hand, end. The open pairing is the escalation
path that ``workitems`` uses (its escalate action goes to the agent's open pairing's buddy)."""

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from ccops.choices import Role
from ccops.models import User

from .. import buddies as algo
from ..errors import Conflict, InvalidInput, NotAllowed
from ..models import AgentSkill, BuddyPairing
from .common import is_manager, lock_users, manages, new_hire_days, require_agent, text, today


def load_cap() -> int:
    """The most agents one buddy may take (``TRAINING_BUDDY_MAX_LOAD``, default 3)."""
    return int(getattr(settings, "TRAINING_BUDDY_MAX_LOAD", algo.DEFAULT_CAP))


def open_pairings(on: date | None = None):
    on = on or today()
    return BuddyPairing.objects.filter(ends_on__isnull=True, starts_on__lte=on)


def people(*, on: date | None = None) -> list[algo.Person]:
    """Every active agent in a team, with office, tenure, current skills and buddy load.
    Three queries whatever the headcount."""
    on = on or today()
    rows = list(
        User.objects.filter(is_active=True, groups__name=Role.AGENT, team__isnull=False)
        .annotate(
            load=Count(
                "buddy_for",
                filter=Q(buddy_for__ends_on__isnull=True),
                distinct=True,
            )
        )
        .values_list("pk", "team__office", "hire_date", "load")
    )
    ids = [r[0] for r in rows]
    skills: dict[int, dict[int, int]] = {pk: {} for pk in ids}
    for agent_id, skill_id, level in (
        AgentSkill.objects.filter(agent_id__in=ids)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .values_list("agent_id", "skill_id", "level")
    ):
        skills[agent_id][skill_id] = level
    return [
        algo.Person(
            id=pk,
            office=office,
            tenure_days=(on - hired).days if hired else None,
            skills=skills[pk],
            load=load,
        )
        for pk, office, hired, load in rows
    ]


def buddy_suggest(*, cap: int | None = None, on: date | None = None) -> algo.Result:
    """Suggestions for every agent without an open pairing. With no ``cap`` given, the
    configured cap, raised if needed so that everyone can be placed."""
    everyone = people(on=on)
    paired = set(open_pairings(on).values_list("agent_id", flat=True))
    needing = [p for p in everyone if p.id not in paired]
    if cap is None:
        cap = max(load_cap(), algo.minimum_cap(needing, everyone))
    return algo.suggest(needing, everyone, cap=cap, new_hire_days=new_hire_days())


def buddy_pairings_apply(*, by: User, cap: int | None = None, on: date | None = None) -> dict:
    """HR or a supervisor applies the suggestions: everyone unpaired gets a buddy. Computed
    under a lock on every agent's row, so concurrent pairings cannot overshoot the cap."""
    if not is_manager(by):
        raise NotAllowed("Only HR or supervisors may pair buddies.")
    if cap is not None and (not isinstance(cap, int) or cap < 1):
        raise InvalidInput("Cap must be a whole number of at least 1.", field="cap")
    on = on or today()
    with transaction.atomic():
        lock_users(
            User.objects.filter(is_active=True, groups__name=Role.AGENT).values_list(
                "pk", flat=True
            )
        )
        result = buddy_suggest(cap=cap, on=on)
        BuddyPairing.objects.bulk_create(
            [
                BuddyPairing(
                    agent_id=s.agent_id,
                    buddy_id=s.buddy_id,
                    starts_on=on,
                    note="; ".join(s.reasons)[:200] or "suggested",
                    created_by=by,
                )
                for s in result.pairs
            ]
        )
    return {"created": len(result.pairs), "unpaired": result.unpaired, "cap": result.cap}


def buddy_pair(
    *, agent: User, buddy: User, by: User, note: str = "", on: date | None = None
) -> BuddyPairing:
    """Pair ``agent`` with ``buddy`` by hand (HR or the agent's supervisor). The buddy must be
    an agent in the other office with room under the cap; the agent's previous pairing ends
    the day before."""
    if not manages(by, agent):
        raise NotAllowed(f"Only HR or {agent}'s supervisor may change their buddy.")
    on = on or today()
    note = text(note, field="note", max_length=200)
    require_agent(agent, field="agent")
    require_agent(buddy, field="buddy")
    if agent.pk == buddy.pk:
        raise InvalidInput("An agent cannot be their own buddy.", field="buddy")
    offices = dict(
        User.objects.filter(pk__in=[agent.pk, buddy.pk]).values_list("pk", "team__office")
    )
    if not offices.get(agent.pk) or not offices.get(buddy.pk):
        raise InvalidInput("Both people must belong to a team.", field="buddy")
    if offices[agent.pk] == offices[buddy.pk]:
        raise InvalidInput("The buddy must work in the other office.", field="buddy")
    cap = load_cap()
    with transaction.atomic():
        lock_users([agent.pk, buddy.pk])
        load = open_pairings(on).filter(buddy=buddy).exclude(agent=agent).count()
        if load >= cap:
            raise InvalidInput(
                f"{buddy} is already the buddy of {load} agents (the cap is {cap}).",
                field="buddy",
            )
        current = BuddyPairing.objects.filter(agent=agent, ends_on__isnull=True).first()
        if current is not None and current.buddy_id == buddy.pk:
            raise Conflict(f"{buddy} is already {agent}'s buddy.", field="buddy")
        if current is not None and current.starts_on >= on:
            # ``ends_on`` is the last day a pairing holds (workitems reads it so): a pairing
            # that started today is replaced outright, an older one ends yesterday.
            BuddyPairing.objects.filter(pk=current.pk).delete()
        elif current is not None:
            BuddyPairing.objects.filter(pk=current.pk).update(ends_on=on - timedelta(days=1))
        try:
            with transaction.atomic():
                return BuddyPairing.objects.create(
                    agent=agent, buddy=buddy, starts_on=on, note=note, created_by=by
                )
        except IntegrityError:
            raise Conflict(f"{agent}'s buddy was changed at the same time; reload.")


def buddy_pairing_end(*, pairing: BuddyPairing, by: User, on: date | None = None) -> BuddyPairing:
    """End a pairing: ``on`` (default today) is its last day."""
    if not manages(by, pairing.agent):
        raise NotAllowed(f"Only HR or {pairing.agent}'s supervisor may end this pairing.")
    on = on or today()
    updated = BuddyPairing.objects.filter(pk=pairing.pk, ends_on__isnull=True).update(
        ends_on=max(on, pairing.starts_on)
    )
    if not updated:
        raise Conflict("This pairing has already ended.")
    pairing.refresh_from_db()
    return pairing
