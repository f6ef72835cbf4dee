"""Reads shaped for pages and the API: aggregates and prefetches in SQL, constant queries."""

import hashlib
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from ccops.choices import Role
from ccops.models import User
from training.models import AgentSkill, AgentTier

from . import calendars
from .choices import OPEN_STATUSES, EventKind, PresenceState, Status
from .models import AgentPresence, Customer, PresenceChange, WorkItem, WorkItemEvent
from .querysets import past_due_q
from .routing import URGENCY_ORDER, Candidate, rank_candidates

AVAILABLE_STATES = (PresenceState.AVAILABLE, PresenceState.AFTER_CONTACT)


def backlog_by_type(*, team=None, now=None) -> list[dict]:
    """Open work per type (live, from the items): open, unassigned, past due, oldest age."""
    now = now or timezone.now()
    items = WorkItem.objects.open()
    if team is not None:
        items = items.filter(team=team)
    rows = (
        items.values("work_type_id", "work_type__name", "work_type__office")
        .annotate(
            open=Count("id"),
            unassigned=Count("id", filter=Q(status=Status.NEW)),
            past_due=Count("id", filter=past_due_q(now)),
            oldest_created_at=Min("created_at"),
        )
        .order_by("work_type__office", "work_type__name")
    )
    out = []
    for row in rows:
        oldest = row["oldest_created_at"]
        out.append(
            {
                "work_type_id": row["work_type_id"],
                "work_type": row["work_type__name"],
                "office": row["work_type__office"],
                "open": row["open"],
                "unassigned": row["unassigned"],
                "past_due": row["past_due"],
                "oldest_created_at": oldest,
                "oldest_age_seconds": int((now - oldest).total_seconds()) if oldest else 0,
            }
        )
    return out


# The live backlog of a busy team aggregates tens of thousands of open items (20-40 ms of
# PostgreSQL CPU); supervisors' queue pages and dashboards poll it every LIVE_POLL_SECONDS.
# They share one reading for this long (one aggregate per team selection every 2 s, however
# many pages are open); the pages say when it was taken.
BACKLOG_MAX_AGE_SECONDS = 2
# Pages that update themselves poll this often while their tab is visible
# (static/ccops/live.js; the wallboard and dashboard tiles use the same). With readings
# shared for 2 s, a change shows within 3 + 2 = 5 s at worst.
LIVE_POLL_SECONDS = 3
# The presence board's polled table, rendered once per filter and page for this long.
PRESENCE_MAX_AGE_SECONDS = 2


def presence_board_cache_key(full_path: str) -> str:
    # Readers are supervisors, who see every agent: the filters and page are the only key.
    return f"workitems:presence:v1:{hashlib.sha256(full_path.encode()).hexdigest()[:32]}"


def _backlog_key(team_id: int | None) -> str:
    # Every reader of the backlog may see all of it (supervisor and dashboard roles): the
    # team is the only thing that changes the result.
    return f"workitems:backlog:v1:{team_id if team_id is not None else 'all'}"


def backlog_snapshot(*, team=None) -> tuple[list[dict], datetime]:
    """``backlog_by_type(team=team)`` and the time it was read, shared through the cache
    for up to ``BACKLOG_MAX_AGE_SECONDS``. For pages of supervisor and dashboard roles only:
    the rows are not restricted by user."""
    key = _backlog_key(team.pk if team is not None else None)
    cached = cache.get(key)
    if cached is not None:
        return cached
    now = timezone.now()
    snapshot = (backlog_by_type(team=team, now=now), now)
    cache.set(key, snapshot, BACKLOG_MAX_AGE_SECONDS)
    return snapshot


def backlog_snapshot_forget(team_ids) -> None:
    """Drop the shared backlog of these teams and of all teams (after a change made from
    the queue page, so the supervisor who made it sees it at once)."""
    cache.delete_many([_backlog_key(None), *(_backlog_key(t) for t in set(team_ids) if t)])


def suggested_agents(*, item: WorkItem, limit: int = 5) -> list[dict]:
    """Agents who may take ``item`` (skill and tier), ranked: available, least loaded,
    most skilled. Two queries: the skilled agents' load and state as plain values, then
    the chosen few as users."""
    work_type = item.work_type
    agents = User.objects.filter(is_active=True, groups__name=Role.AGENT)
    today = timezone.localdate()
    skill_level = Subquery(
        AgentSkill.objects.filter(agent=OuterRef("pk"), skill_id=work_type.required_skill_id)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .order_by()
        .values("level")[:1],
        output_field=IntegerField(),
    )
    tier_rank = Subquery(
        AgentTier.objects.filter(agent=OuterRef("pk")).order_by().values("tier__rank")[:1],
        output_field=IntegerField(),
    )
    open_items = Subquery(
        WorkItem.objects.filter(assignee=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee")
        .annotate(n=Count("id"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    state = Subquery(AgentPresence.objects.filter(agent=OuterRef("pk")).values("state")[:1])
    agents = agents.annotate(
        skill_level=Coalesce(skill_level, 0),
        tier_rank=Coalesce(tier_rank, 0),
        open_items=Coalesce(open_items, 0),
        state=Coalesce(state, Value(PresenceState.OFFLINE.value)),
    ).select_related("team")
    if work_type.required_skill_id:
        agents = agents.filter(skill_level__gte=max(work_type.min_skill_level, 1))
    if work_type.min_tier_rank:
        agents = agents.filter(tier_rank__gte=work_type.min_tier_rank)
    if item.assignee_id:
        agents = agents.exclude(pk=item.assignee_id)
    # Bounded: rank among the least loaded few hundred, never the whole workforce; rank plain
    # values and load only the chosen few as users.
    rows = agents.order_by("open_items", "-skill_level").values_list(
        "pk", "skill_level", "open_items", "state", "tier_rank"
    )[:200]
    states = {}
    candidates = []
    for pk, level, load, state, tier in rows:
        states[pk] = state
        candidates.append(Candidate(pk, level, load, state in AVAILABLE_STATES, tier))
    ranked = rank_candidates(candidates)[:limit]
    users = User.objects.select_related("team").in_bulk([c.agent_id for c in ranked])
    return [
        {
            "agent": users[c.agent_id],
            "skill_level": c.skill_level,
            "open_items": c.open_items,
            "state": states[c.agent_id],
            "state_label": PresenceState(states[c.agent_id]).label,
            "available": c.available,
        }
        for c in ranked
    ]


def visible_customers(user):
    """Customers ``user`` may see: those with at least one item
    ``WorkItem.objects.visible_to(user)`` shows. The item's rule is the only rule, so a
    customer page, the journey and customer search never show more than the items do; a
    customer with no visible item is not found (404)."""
    visible = WorkItem.objects.visible_to(user).filter(customer=OuterRef("pk"))
    return Customer.objects.filter(Exists(visible))


def nameable_customers(user):
    """Customers ``user`` may put on new work: the ones they see, and customers with no work
    at all (a new customer's first contact: there is no history to reveal). Naming a
    customer whose work ``user`` cannot see would unlock it, so those are not here."""
    any_work = WorkItem.objects.filter(customer=OuterRef("pk"))
    visible = WorkItem.objects.visible_to(user).filter(customer=OuterRef("pk"))
    return Customer.objects.filter(Exists(visible) | ~Exists(any_work))


def customer_journey(*, customer, user) -> list[dict]:
    """The customer's items across both offices that ``user`` may see, oldest first, each
    with its events (an item hidden from ``user`` is left out with its notes and events).

    Two queries (items, then their events), whatever the number of items.
    """
    events = WorkItemEvent.objects.select_related("actor", "assignee").order_by("at", "id")
    items = (
        WorkItem.objects.visible_to(user)
        .filter(customer=customer)
        .select_related(
            "work_type", "customer", "assignee", "team", "origin", "related_to", "duplicate_of"
        )
        .prefetch_related(Prefetch("events", queryset=events))
        .order_by("created_at", "id")
    )
    return [
        {
            "item": item,
            "office": item.work_type.office,
            "events": list(item.events.all()),
        }
        for item in items[:500]
    ]


def presence_board(*, team=None, office=None):
    """Everyone's state and time in state, front and back office together."""
    qs = (
        AgentPresence.objects.select_related("agent__team", "item")
        .filter(agent__is_active=True)
        .order_by("agent__team__office", "agent__team__name", "agent__username")
    )
    if team is not None:
        qs = qs.filter(agent__team=team)
    if office:
        qs = qs.filter(agent__team__office=office)
    return qs


def queue_queryset(
    *,
    user,
    team=None,
    work_type=None,
    status=None,
    past_due=None,
    office=None,
    q: str | None = None,
    now=None,
):
    """The supervisor queue: open work (or the status asked for), most urgent first."""
    now = now or timezone.now()
    qs = WorkItem.objects.visible_to(user).select_related(
        "work_type", "assignee", "team", "customer"
    )
    qs = qs.filter(status=status) if status else qs.open()
    if team is not None:
        qs = qs.filter(team=team)
    if work_type is not None:
        qs = qs.filter(work_type=work_type)
    if office:
        qs = qs.filter(work_type__office=office)
    if past_due:
        qs = qs.filter(past_due_q(now))
    if q:
        q = q.strip()
        text = Q(title__icontains=q) | Q(customer__name__icontains=q)
        if q.lstrip("#").isdigit():
            text |= Q(pk=int(q.lstrip("#")))
        qs = qs.filter(text)
    return qs.order_by(*URGENCY_ORDER)


def buddy_escalations(agent, limit: int = 20) -> dict:
    """The buddy page's open escalations (training shows them through the reader registered
    in ``WorkitemsConfig.ready``): ``to_me``, escalated items the agent holds as a buddy,
    with who escalated them last; ``by_me``, escalated items the agent escalated that
    someone else holds. Two queries."""
    escalations = WorkItemEvent.objects.filter(item=OuterRef("pk"), kind=EventKind.ESCALATED)
    escalated = WorkItem.objects.filter(status=Status.ESCALATED).order_by("due_at", "pk")
    to_me = escalated.filter(assignee=agent).annotate(
        person=Subquery(escalations.order_by("-at").values("actor__username")[:1])
    )
    # Open escalated items are few: the EXISTS runs per item on the (item, at) index.
    by_me = (
        escalated.filter(Exists(escalations.filter(actor=agent)))
        .exclude(assignee=agent)
        .annotate(person=F("assignee__username"))
    )
    fields = ("pk", "title", "status", "due_at", "person")

    def entry(r: dict) -> dict:
        pk = r.pop("pk")
        return {"id": pk, **r, "url": reverse("workitems:item_detail", args=[pk])}

    return {
        "to_me": [entry(r) for r in to_me.values(*fields)[:limit]],
        "by_me": [entry(r) for r in by_me.values(*fields)[:limit]],
    }


def first_arrival_day() -> date | None:
    """The local day the first work item arrived, None without items (the KPI demo
    backfills its snapshots from there)."""
    first = WorkItem.objects.aggregate(first=Min("created_at"))["first"]
    return timezone.localtime(first).date() if first else None


# For staffing's plans: a type's SLA in whole working days of its business calendar.
sla_working_days = calendars.sla_working_days


def current_presence_since(agent_ids) -> dict[int, object]:
    """``{agent_id: when their current (open) presence state began}`` (one query)."""
    return dict(
        PresenceChange.objects.filter(agent_id__in=agent_ids, ended_at__isnull=True)
        .order_by()
        .values_list("agent_id", "started_at")
    )
