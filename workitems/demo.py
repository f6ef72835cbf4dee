"""Demo work: the work types of both offices, skills, presence and about 60 days of history.

History follows realistic patterns: business hours only, calls peaking mid-morning and early
afternoon, Mondays busiest and weekends quiet; about 10% of calls become back-office cases,
customers come back within days, about 3% of cases are reopened; today has an open backlog
with some of it past due. Rows are built in memory and written with ``bulk_create`` (a few
seconds for 48 agents); the item timelines are the same shape the services write.

Idempotent: if demo items exist (``external_ref`` starting with ``demo-``), history is not
created again; reference data is upserted.
"""

import bisect
import itertools
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from ccops.choices import Office
from ccops.models import Team
from training.models import AgentSkill, AgentTier, Skill, Tier

from .calendars import business_calendar, calendar_for, work_type_clock
from .choices import Channel, EventKind, PresenceState, Source, Status
from .models import AgentPresence, Customer, PresenceChange, WorkItem, WorkItemEvent, WorkType

PREFIX = "demo-"
S = Status
K = EventKind

# name, office, channel, SLA, standard minutes, priority, weekday arrivals per office agent
WORK_TYPES = [
    ("Inbound calls", Office.FRONT, Channel.CALL, timedelta(hours=1), 6, 4, 10.0),
    ("Chat", Office.FRONT, Channel.CHAT, timedelta(hours=1), 8, 3, 4.0),
    ("Claims casework", Office.BACK, Channel.CASE, timedelta(days=2), 25, 3, 4.0),
    ("Billing casework", Office.BACK, Channel.CASE, timedelta(days=3), 15, 2, 3.5),
    ("Complaints", Office.BACK, Channel.CASE, timedelta(days=5), 40, 4, 0.9),
]
TITLES = {
    "Inbound calls": [
        "Billing question",
        "Change of address",
        "Claim status",
        "Payment failed",
        "Policy renewal",
        "Cancel my policy",
        "Update bank details",
        "Lost documents",
    ],
    "Chat": ["Where is my refund", "Login problem", "Change of email", "Quote request"],
    "Claims casework": [
        "New claim: water damage",
        "New claim: theft",
        "Claim: missing documents",
        "Storm damage claim",
        "Claim payment",
    ],
    "Billing casework": [
        "Refund request",
        "Duplicate payment",
        "Invoice correction",
        "Payment plan",
        "Direct debit failed",
    ],
    "Complaints": [
        "Complaint: delay in claim",
        "Complaint: wrong charge",
        "Complaint: no call back",
    ],
}
PEND_NOTES = [
    "Waiting for documents from the customer",
    "Waiting for the assessor's report",
    "Waiting for payment confirmation",
]
WEEKDAY_FACTOR = [1.3, 1.1, 1.0, 1.0, 0.9, 0.25, 0.0]  # Monday .. Sunday (closed)
# Share of a day's arrivals per hour, 8:00-17:59 (Saturday: 9:00-12:59).
QUEUE_HOURS = {8: 5, 9: 10, 10: 15, 11: 14, 12: 8, 13: 11, 14: 13, 15: 11, 16: 8, 17: 5}
CASE_HOURS = {8: 9, 9: 12, 10: 12, 11: 11, 12: 9, 13: 10, 14: 11, 15: 10, 16: 9, 17: 7}
SATURDAY_HOURS = {9: 1, 10: 1, 11: 1, 12: 1}
HANDOFF_SHARE = 0.10
REPEAT_SHARE = 0.12
REOPEN_SHARE = 0.03
PEND_SHARE = 0.15
BATCH = 2000


@dataclass
class Step:
    kind: str
    at: datetime
    from_status: str
    to_status: str
    actor: int | None = None
    holder: int | None = None
    note: str = ""
    data: dict = field(default_factory=dict)
    # The work segment this step ends (as the services record it on the event).
    handle_seconds: int = 0
    handled_by: int | None = None


def _weighted_hours(profile: dict) -> tuple[list[int], list[float]]:
    hours = sorted(profile)
    return hours, list(itertools.accumulate(profile[h] for h in hours))


def seed(ctx) -> None:
    types = _work_types(ctx)
    skills_by_agent = _agent_skills(ctx, types)
    if WorkItem.objects.filter(external_ref__startswith=PREFIX).exists():
        ctx.log("Work items: demo history already present, not added again.")
        _presence(ctx, busy={})
        return
    started = timezone.now()
    history = _History(ctx, types, skills_by_agent, days=getattr(ctx, "history_days", 60))
    history.run()
    busy = history.live()
    _presence(ctx, busy=busy)
    seconds = (timezone.now() - started).total_seconds()
    ctx.log(
        f"Work items: {history.items_written} items, {history.events_written} events, "
        f"{history.customers} customers in {seconds:.1f} s."
    )


# --- Reference data -----------------------------------------------------------------------


def _work_types(ctx) -> list[WorkType]:
    teams = {Office.FRONT: [], Office.BACK: []}
    for team in ctx.teams:
        teams[team.office].append(team)
    tiers_exist = Tier.objects.filter(rank__gte=2).exists()
    out = []
    for n, (name, office, channel, sla, minutes, priority, _rate) in enumerate(WORK_TYPES):
        skill, _ = Skill.objects.get_or_create(name=name, defaults={"office": office})
        owners = teams[office]
        owner = owners[n % len(owners)] if owners else None
        # Back-office teams by name where they match ("Claims Casework" owns claims work).
        owner = next((t for t in owners if t.name.split()[0] in name), owner)
        wt, _ = WorkType.objects.update_or_create(
            name=name,
            defaults={
                "office": office,
                "channel": channel,
                "sla": sla,
                "sla_answer_seconds": 20,
                "standard_minutes": minutes,
                "priority": priority,
                "required_skill": skill,
                "min_skill_level": 1,
                "min_tier_rank": 2 if name == "Complaints" and tiers_exist else 0,
                "owning_team": owner,
                "active": True,
            },
        )
        out.append(wt)
    return out


def _agent_skills(ctx, types) -> dict[int, set[int]]:
    """Agents with no skills yet (no training demo before us) get their office's skills at
    level 2-4, and ~30% the other office's at 1-3. Returns the work types each agent may
    take, read back from the stored, current skills (the training demo's if it ran)."""
    have = set(AgentSkill.objects.filter(agent__in=ctx.agents).values_list("agent_id", flat=True))
    rows = []
    for agent in ctx.agents:
        office = agent.team.office if agent.team_id else Office.FRONT
        cross = ctx.rng.random() < 0.3
        for wt in types:
            home = wt.office == office
            level = ctx.rng.randint(2, 4) if home else ctx.rng.randint(1, 3)
            if agent.pk not in have and (home or cross):
                rows.append(AgentSkill(agent=agent, skill_id=wt.required_skill_id, level=level))
    AgentSkill.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    types_of_skill: dict[int, list] = {}
    for wt in types:
        types_of_skill.setdefault(wt.required_skill_id, []).append(wt)
    held: dict[int, set[int]] = {agent.pk: set() for agent in ctx.agents}
    stored = AgentSkill.objects.filter(
        agent__in=ctx.agents, skill_id__in=types_of_skill
    ).values_list("agent_id", "skill_id", "level", "expires_on")
    for agent_id, skill_id, level, expires in stored:
        if expires is None or expires >= ctx.today:
            held[agent_id].update(
                wt.pk for wt in types_of_skill[skill_id] if level >= wt.min_skill_level
            )
    return held


def _presence(ctx, *, busy: dict) -> None:
    """Everyone has a current state; agents on live work show it with their item."""
    have = set(AgentPresence.objects.filter(agent__in=ctx.agents).values_list("agent", flat=True))
    now = timezone.now()
    states = [
        PresenceState.AVAILABLE,
        PresenceState.AFTER_CONTACT,
        PresenceState.BREAK,
        PresenceState.TRAINING,
        PresenceState.OFFLINE,
    ]
    presences, changes = [], []
    for agent in ctx.agents:
        state = ctx.rng.choices(states, weights=[50, 10, 10, 5, 25])[0]
        since = now - timedelta(minutes=ctx.rng.randint(1, 120))
        item, state, since = busy.get(agent.pk, (None, state, since))
        if agent.pk in have:
            continue
        presences.append(AgentPresence(agent=agent, state=state, since=since, item=item))
        changes.append(PresenceChange(agent=agent, state=state, started_at=since))
    AgentPresence.objects.bulk_create(presences, ignore_conflicts=True)
    PresenceChange.objects.bulk_create(changes, ignore_conflicts=True)


# --- History ------------------------------------------------------------------------------


class _History:
    def __init__(self, ctx, types, skills_by_agent, *, days: int):
        self.ctx, self.rng, self.days = ctx, ctx.rng, days
        self.now = timezone.now()
        self.types = {wt.name: wt for wt in types}
        self.counter = itertools.count(1)
        self.calendars = {}  # work type id -> its business calendar (None: 24x7)
        self.items_written = self.events_written = self.customers = 0
        self.pending: list[tuple[WorkItem, list[Step]]] = []
        self.handoffs: list[tuple[WorkItem, WorkItem, Step]] = []
        self.recent: deque = deque()  # (created_at, customer_id) of the last days
        self._pools(types, skills_by_agent)
        self._customers()
        self.queue_hours = _weighted_hours(QUEUE_HOURS)
        self.case_hours = _weighted_hours(CASE_HOURS)
        self.saturday_hours = _weighted_hours(SATURDAY_HOURS)

    def _pools(self, types, skills_by_agent) -> None:
        """Who works each type: home-office agents four times as often as cross-trained."""
        office_of = {a.pk: (a.team.office if a.team_id else Office.FRONT) for a in self.ctx.agents}
        tiered = dict(AgentTier.objects.values_list("agent_id", "tier__rank"))
        self.office_agents = {Office.FRONT: [], Office.BACK: []}
        for agent_id, office in office_of.items():
            self.office_agents[office].append(agent_id)
        self.pools = {}
        for wt in types:
            ids = [a for a, held in skills_by_agent.items() if wt.pk in held]
            if wt.min_tier_rank:
                ids = [a for a in ids if tiered.get(a, 0) >= wt.min_tier_rank] or ids
            ids = ids or self.office_agents[wt.office] or list(office_of)
            weights = [4 if office_of[a] == wt.office else 1 for a in ids]
            self.pools[wt.pk] = (ids, list(itertools.accumulate(weights)))
        n_front = max(len(self.office_agents[Office.FRONT]), 1)
        n_back = max(len(self.office_agents[Office.BACK]), 1)
        self.staff = {Office.FRONT: n_front, Office.BACK: n_back}

    def _customers(self) -> None:
        from ccops.demo import FIRST, LAST

        expected = sum(rate * self.staff[office] for _, office, *_x, rate in WORK_TYPES)
        count = max(100, int(expected * self.days * 0.35))
        rows = [
            Customer(
                external_ref=f"{PREFIX}cust-{n:06d}",
                name=f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}",
            )
            for n in range(1, count + 1)
        ]
        Customer.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
        self.customer_ids = list(
            Customer.objects.filter(external_ref__startswith=f"{PREFIX}cust-").values_list(
                "id", flat=True
            )
        )
        self.customers = len(self.customer_ids)

    # -- random pieces --

    def agent_for(self, wt) -> int:
        ids, cum = self.pools[wt.pk]
        return ids[bisect.bisect_left(cum, self.rng.random() * cum[-1])]

    def customer_at(self, at) -> int:
        while self.recent and self.recent[0][0] < at - timedelta(days=7):
            self.recent.popleft()
        if self.recent and self.rng.random() < REPEAT_SHARE:
            customer = self.rng.choice(self.recent)[1]
        else:
            customer = self.rng.choice(self.customer_ids)
        self.recent.append((at, customer))
        return customer

    def arrival(self, day, profile) -> datetime:
        hours, cum = profile
        hour = hours[bisect.bisect_left(cum, self.rng.random() * cum[-1])]
        moment = time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59))
        return timezone.make_aware(datetime.combine(day, moment))

    def business(self, at: datetime) -> datetime:
        """The same moment if in business hours, else the next morning's first hours."""
        local = timezone.localtime(at)
        if local.weekday() < 5 and 8 <= local.hour < 18:
            return at
        day = local.date() + timedelta(days=1 if local.hour >= 18 else 0)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = datetime.combine(day, time(8)) + timedelta(minutes=self.rng.randint(0, 120))
        return timezone.make_aware(start)

    # -- timelines --

    def work_steps(self, wt, start, agent, *, end_kind=K.COMPLETED, pend=False) -> list[Step]:
        queue = wt.is_queue
        handle = float(wt.standard_minutes) * 60 * self.rng.lognormvariate(0, 0.35)
        steps = [Step(K.ASSIGNED, start, S.NEW, S.ASSIGNED, agent, agent, "Taken from queue")]
        steps[0].data = {"claimed": True}
        at = start + timedelta(
            seconds=self.rng.randint(1, 15) if queue else self.rng.randint(60, 1800)
        )
        steps.append(Step(K.STARTED, at, S.ASSIGNED, S.IN_PROGRESS, agent, agent))
        if pend:
            first = handle * self.rng.uniform(0.3, 0.6)
            handle -= first
            at += timedelta(seconds=first)
            note = self.rng.choice(PEND_NOTES)
            steps.append(Step(K.PENDING, at, S.IN_PROGRESS, S.PENDING, agent, agent, note))
            at = self.business(at + timedelta(hours=self.rng.uniform(2, 30)))
            steps.append(Step(K.STARTED, at, S.PENDING, S.IN_PROGRESS, agent, agent))
        at += timedelta(seconds=handle)
        steps.append(Step(end_kind, at, S.IN_PROGRESS, S.DONE, agent, agent))
        return steps

    def item(self, wt, created, *, source, customer, origin=None, steps=None, title=None):
        number = next(self.counter)
        if wt.pk not in self.calendars:
            team = Team.objects.filter(pk=wt.owning_team_id).first()
            self.calendars[wt.pk] = business_calendar(calendar_for(work_type=wt, team=team))
        clock = work_type_clock(work_type=wt, start=created, calendar=self.calendars[wt.pk])
        item = WorkItem(
            work_type=wt,
            customer_id=customer,
            title=title or self.rng.choice(TITLES[wt.name]),
            priority=min(5, max(1, wt.priority + self.rng.choice((-1, 0, 0, 0, 1)))),
            team_id=wt.owning_team_id,
            created_at=created,
            due_at=clock.due_at,
            at_risk_at=clock.at_risk_at,
            first_response_due_at=clock.first_response_due_at,
            source=source,
            external_ref=f"{PREFIX}{number:06d}",
            origin=origin,
        )
        data = {"source": source, "origin_id": None}
        steps = [Step(K.CREATED, created, "", S.NEW, data=data), *(steps or [])]
        kept = self.materialise(item, steps)
        self.pending.append((item, kept))
        return item, kept

    def materialise(self, item, steps) -> list[Step]:
        """Set the item's state as it is ``now`` from its full timeline; keep past steps."""
        kept = [s for s in steps if s.at <= self.now]
        last = kept[-1]
        item.status = last.to_status
        item.assignee_id = last.holder
        handle, active, started, holder = 0, None, None, None
        for s in kept:
            if s.to_status == S.IN_PROGRESS:
                active, started, holder = s.at, started or s.at, s.holder
            elif active is not None:
                s.handle_seconds = max(int((s.at - active).total_seconds()), 0)
                s.handled_by = holder if s.handle_seconds else None
                handle += s.handle_seconds
                active = None
        item.handle_seconds = handle
        item.active_since = active
        item.started_at = started
        item.completed_at = last.at if item.status == S.DONE else None
        item.reopen_count = sum(1 for s in kept if s.kind == K.REOPENED)
        item.version = len(kept)
        return kept

    def case_start(self, wt, created) -> datetime:
        sla_hours = wt.sla.total_seconds() / 3600
        wait = timedelta(hours=self.rng.expovariate(1 / (sla_hours * 0.3)))
        return self.business(created + wait)

    def case(self, wt, created, *, source, customer, origin=None, title=None):
        agent = self.agent_for(wt)
        steps = self.work_steps(
            wt, self.case_start(wt, created), agent, pend=self.rng.random() < PEND_SHARE
        )
        if steps[-1].at < self.now and self.rng.random() < REOPEN_SHARE:
            reopened = steps[-1].at + timedelta(days=self.rng.uniform(0.5, 5))
            by = self.agent_for(self.types["Inbound calls"]) if origin is None else agent
            steps.append(
                Step(
                    K.REOPENED,
                    reopened,
                    S.DONE,
                    S.NEW,
                    by,
                    None,
                    "Customer says it is not sorted out",
                    {"same_item": True},
                )
            )
            again = self.business(reopened + timedelta(hours=self.rng.uniform(1, 20)))
            steps += self.work_steps(wt, again, self.agent_for(wt))
        return self.item(
            wt, created, source=source, customer=customer, origin=origin, steps=steps, title=title
        )

    def contact(self, wt, created):
        agent = self.agent_for(wt)
        start = created + timedelta(seconds=min(self.rng.expovariate(1 / 25), 600))
        handoff = self.rng.random() < HANDOFF_SHARE
        steps = self.work_steps(wt, start, agent, end_kind=K.HANDED_OFF if handoff else K.COMPLETED)
        item, kept = self.item(
            wt, created, source=Source.API, customer=self.customer_at(created), steps=steps
        )
        if handoff and kept[-1].kind == K.HANDED_OFF:
            case_type = self.rng.choices(
                [
                    self.types["Claims casework"],
                    self.types["Billing casework"],
                    self.types["Complaints"],
                ],
                weights=[50, 35, 15],
            )[0]
            kept[-1].data = {"to_work_type": case_type.pk}
            self.handoffs.append((item, case_type, kept[-1]))
        return item

    # -- the run --

    def run(self) -> None:
        today = self.ctx.today
        for back in range(self.days, -1, -1):
            day = today - timedelta(days=back)
            factor = WEEKDAY_FACTOR[day.weekday()]
            if factor:
                self.one_day(day, factor)
            self.flush()
            done = self.days - back + 1
            if done % 10 == 0 or back == 0:
                # The longest step of the demo build: say how far it has got.
                self.ctx.log(f"  Work items: {done}/{self.days + 1} days ({day})")

    def one_day(self, day, factor) -> None:
        saturday = day.weekday() == 5
        arrivals = []
        for name, office, _c, _s, _m, _p, rate in WORK_TYPES:
            wt = self.types[name]
            count = round(rate * self.staff[office] * factor * self.rng.uniform(0.85, 1.15))
            profile = (
                self.saturday_hours
                if saturday
                else (self.queue_hours if wt.is_queue else self.case_hours)
            )
            arrivals += [(self.arrival(day, profile), wt) for _ in range(count)]
        arrivals.sort(key=lambda a: a[0])
        for created, wt in arrivals:
            if created > self.now:
                break
            if wt.is_queue:
                self.contact(wt, created)
            else:
                self.case(wt, created, source=Source.IMPORT, customer=self.customer_at(created))

    def flush(self) -> None:
        """Write the pending items, then the cases handed off from them, then all events."""
        items, self.pending = self.pending, []
        WorkItem.objects.bulk_create([i for i, _ in items], batch_size=BATCH)
        links = []
        for contact, case_type, step in self.handoffs:
            case, kept = self.case(
                case_type,
                step.at,
                source=Source.HANDOFF,
                customer=contact.customer_id,
                origin=contact,
                title=contact.title,
            )
            kept[0].data["origin_id"] = contact.pk
            kept[0].actor = contact.assignee_id  # the agent who handed it off created it
            links.append((case, step))
        self.handoffs = []
        cases, self.pending = self.pending, []
        WorkItem.objects.bulk_create([i for i, _ in cases], batch_size=BATCH)
        for case, step in links:
            step.data["case_id"] = case.pk
        events = [
            WorkItemEvent(
                item_id=item.pk,
                kind=s.kind,
                actor_id=s.actor,
                at=s.at,
                from_status=s.from_status,
                to_status=s.to_status,
                assignee_id=s.holder,
                note=s.note,
                data=s.data,
                handle_seconds=s.handle_seconds,
                handled_by_id=s.handled_by,
            )
            for item, steps in itertools.chain(items, cases)
            for s in steps
        ]
        WorkItemEvent.objects.bulk_create(events, batch_size=BATCH)
        self.items_written += len(items) + len(cases)
        self.events_written += len(events)

    # -- today --

    def live(self) -> dict:
        """Today's live work: customers waiting in the queues, agents on contacts and cases,
        casework past due, a likely duplicate. Returns ``{agent_id: (item, state, since)}``."""
        now, rng = self.now, self.rng
        calls, chat = self.types["Inbound calls"], self.types["Chat"]
        back_types = [self.types[n] for n in ("Claims casework", "Billing casework")]
        front_staff, back_staff = self.staff[Office.FRONT], self.staff[Office.BACK]
        for wt, count in ((calls, max(3, front_staff // 4)), (chat, max(2, front_staff // 8))):
            for _ in range(count):
                created = now - timedelta(seconds=rng.randint(5, 900))
                self.item(wt, created, source=Source.API, customer=self.customer_at(created))
        busy = {}
        # The first agent (a demo login) is left free to take the next item.
        for agent in self.ctx.agents[1:]:
            if rng.random() > 0.35:
                continue
            front = not agent.team_id or agent.team.office == Office.FRONT
            wt = rng.choice([calls, chat] if front else back_types)
            started = now - timedelta(minutes=rng.randint(1, 8) if front else rng.randint(5, 40))
            taken = started - timedelta(seconds=rng.randint(2, 20))
            created = taken - (
                timedelta(seconds=rng.randint(5, 60))
                if front
                else timedelta(hours=rng.uniform(2, 30))
            )
            steps = [
                Step(K.ASSIGNED, taken, S.NEW, S.ASSIGNED, agent.pk, agent.pk, "Taken from queue"),
                Step(K.STARTED, started, S.ASSIGNED, S.IN_PROGRESS, agent.pk, agent.pk),
            ]
            source = Source.API if front else Source.IMPORT
            item, _ = self.item(
                wt, created, source=source, customer=self.customer_at(created), steps=steps
            )
            state = PresenceState.ON_CONTACT if front else PresenceState.CASEWORK
            busy[agent.pk] = (item, state, started)
        for _ in range(max(3, back_staff // 4)):
            wt = rng.choice(back_types)
            created = now - wt.sla - timedelta(hours=rng.uniform(1, 48))
            self.item(wt, created, source=Source.IMPORT, customer=self.customer_at(created))
        customer = rng.choice(self.customer_ids)
        claims = self.types["Claims casework"]
        first, _ = self.item(
            claims,
            now - timedelta(hours=5),
            source=Source.IMPORT,
            customer=customer,
            title="New claim: storm damage",
        )
        self.flush()
        self._duplicate(first)
        self.flush()
        return busy

    def _duplicate(self, original) -> None:
        at = original.created_at + timedelta(hours=2)
        dup, kept = self.item(
            original.work_type,
            at,
            source=Source.IMPORT,
            customer=original.customer_id,
            title="Storm damage - roof",
            steps=[
                Step(
                    K.DUPLICATE_FLAGGED,
                    at,
                    S.NEW,
                    S.NEW,
                    note=f"Same customer and work type as open item #{original.pk}.",
                    data={"duplicate_of_id": original.pk},
                )
            ],
        )
        dup.duplicate_of_id = original.pk
        dup.is_duplicate_suspect = True
        dup.version = 1
