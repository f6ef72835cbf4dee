"""A simulated day for the demo center (``manage.py simulate``): contacts and cases arrive in
the forecast's shape, simulated agents answer, work and close them and change presence.

Nothing here writes a table itself. Front-office contacts are contact events, validated by
the API's own serializer and taken in by ``contacts.services.events_ingest`` (what
``POST /api/v1/contact-events/`` calls after checking the signature); cases are made,
claimed, started and completed by ``workitems.services``. So the dashboard, the wallboard,
intraday, queue statistics and adherence read a working center exactly as they would read a
real one.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.utils import timezone

from ccops.choices import Office, Role
from contacts import services as contact_services
from contacts.api.serializers import ContactEventSerializer
from contacts.models import ContactSource
from staffing import selectors as staffing_selectors
from staffing.timeutil import INTERVAL_SECONDS
from workitems import services as work_services
from workitems.errors import WorkflowError
from workitems.models import WorkType

SOURCE_NAME = "demo-simulator"
# Without a forecast for the interval: contacts per hour per queue, and cases per hour.
FALLBACK_CONTACTS_PER_HOUR = 30.0
FALLBACK_CASES_PER_HOUR = 12.0


@dataclass
class Call:
    contact_id: str
    queue: WorkType
    offered_at: datetime
    patience: float  # seconds the customer waits before hanging up
    agent: str = ""
    ends_at: datetime | None = None
    talk: int = 0
    hold: int = 0
    wrap: int = 0


@dataclass
class Agent:
    user: object
    office: str
    busy_until: datetime | None = None
    item: object = None
    call: Call | None = None
    wrapping_until: datetime | None = None


@dataclass
class Tally:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    ended: int = 0
    cases: int = 0
    closed: int = 0
    errors: list[str] = field(default_factory=list)


class Simulation:
    """One tick advances the center to ``now``: arrivals since the last tick, answers,
    ends, abandons, claims and completions. ``speed`` > 1 makes everything happen sooner
    (more arrivals per real second, shorter handling) for a livelier demo."""

    def __init__(self, *, agents: int = 12, speed: float = 1.0, seed: int | None = None):
        self.rng = random.Random(seed)
        self.speed = speed
        self.tally = Tally()
        self.waiting: deque[Call] = deque()
        self.last: datetime | None = None
        self.source = ContactSource.objects.filter(name=SOURCE_NAME).first()
        if self.source is None:
            self.source, _secret = contact_services.source_create(name=SOURCE_NAME)
        self.front_types = list(WorkType.objects.filter(office=Office.FRONT, active=True))
        self.back_types = list(WorkType.objects.filter(office=Office.BACK, active=True))
        users = (
            get_user_model()
            .objects.filter(is_active=True, groups__name=Role.AGENT, team__isnull=False)
            .select_related("team")
            .order_by("username")
        )
        front = [u for u in users if u.team.office == Office.FRONT][: max(1, agents // 2)]
        back = [u for u in users if u.team.office == Office.BACK][: max(1, agents // 2)]
        self.agents = [Agent(u, Office.FRONT) for u in front] + [
            Agent(u, Office.BACK) for u in back
        ]

    # -- events through the API's serializer and the contacts service --

    def _post(self, *events: dict) -> None:
        valid = []
        for raw in events:
            serializer = ContactEventSerializer(data=raw)
            if not serializer.is_valid():
                self.tally.errors.append(f"{raw['type']}: {serializer.errors}")
                continue
            valid.append({**serializer.validated_data, "payload": raw})
        if valid:
            contact_services.events_ingest(source=self.source, events=valid)

    def _event(self, kind: str, at: datetime, **fields) -> dict:
        return {"id": uuid.uuid4().hex, "type": kind, "at": at.isoformat(), **fields}

    def start(self, now: datetime) -> None:
        """Everyone simulated starts available."""
        self.last = now
        self._post(
            *(
                self._event("agent_state", now, agent=a.user.username, state="available")
                for a in self.agents
                if a.office == Office.FRONT
            )
        )
        for agent in self.agents:
            if agent.office == Office.BACK:
                work_services.presence_set(agent=agent.user, state="available", at=now)

    # -- rates --

    def _rates(self, now: datetime) -> dict[int, float]:
        """Expected arrivals per second per work type now: the forecast's interval volume,
        or a fallback where there is none."""
        start = now - timedelta(seconds=now.timestamp() % INTERVAL_SECONDS)
        ids = [t.pk for t in self.front_types + self.back_types]
        forecast = staffing_selectors.effective_forecast(
            work_type_ids=ids, start=start, end=start + timedelta(seconds=INTERVAL_SECONDS)
        )
        rates = {}
        for wt in self.front_types:
            volume = (forecast.get((wt.pk, start)) or {}).get("volume")
            per_hour = volume * 3600 / INTERVAL_SECONDS if volume else FALLBACK_CONTACTS_PER_HOUR
            rates[wt.pk] = per_hour / 3600
        for wt in self.back_types:
            rates[wt.pk] = FALLBACK_CASES_PER_HOUR / 3600 / max(1, len(self.back_types))
        return rates

    def _poisson(self, mean: float) -> int:
        # Knuth's method: fine for the small means of a few seconds' arrivals.
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    # -- the tick --

    def tick(self, now: datetime) -> Tally:
        elapsed = (now - (self.last or now)).total_seconds() * self.speed
        self.last = now
        try:
            self._arrivals(now, elapsed)
            self._front(now)
            self._back(now)
        except (DatabaseError, WorkflowError) as exc:  # a busy database: try next tick
            self.tally.errors.append(f"{exc.__class__.__name__}: {exc}")
        return self.tally

    def _arrivals(self, now: datetime, elapsed: float) -> None:
        rates = self._rates(now)
        offered = []
        for wt in self.front_types:
            for _ in range(self._poisson(rates[wt.pk] * elapsed)):
                call = Call(
                    contact_id=f"sim-{uuid.uuid4().hex[:12]}",
                    queue=wt,
                    offered_at=now,
                    patience=self.rng.expovariate(1 / 120) / self.speed,
                )
                self.waiting.append(call)
                offered.append(
                    self._event("offered", now, contact_id=call.contact_id, queue=str(wt.pk))
                )
        self._post(*offered)
        self.tally.offered += len(offered)
        for wt in self.back_types:
            for _ in range(self._poisson(rates[wt.pk] * elapsed)):
                work_services.workitem_create(
                    work_type=wt, title=self.rng.choice(CASE_TITLES), details="Simulated case."
                )
                self.tally.cases += 1

    def _front(self, now: datetime) -> None:
        events = []
        for agent in self.agents:
            if agent.office != Office.FRONT:
                continue
            call = agent.call
            if call is not None and call.ends_at <= now:
                events.append(
                    self._event(
                        "ended",
                        now,
                        contact_id=call.contact_id,
                        agent=agent.user.username,
                        talk_seconds=call.talk,
                        hold_seconds=call.hold,
                        wrap_seconds=call.wrap,
                    )
                )
                events.append(
                    self._event(
                        "agent_state", now, agent=agent.user.username, state="after_contact"
                    )
                )
                agent.call = None
                agent.wrapping_until = now + timedelta(seconds=call.wrap / self.speed)
                self.tally.ended += 1
            elif agent.call is None and agent.wrapping_until and agent.wrapping_until <= now:
                agent.wrapping_until = None
                events.append(
                    self._event("agent_state", now, agent=agent.user.username, state="available")
                )
        # Customers who gave up, then the longest-waiting to whoever is free.
        still = deque()
        for call in self.waiting:
            if (now - call.offered_at).total_seconds() > call.patience:
                events.append(self._event("abandoned", now, contact_id=call.contact_id))
                self.tally.abandoned += 1
            else:
                still.append(call)
        self.waiting = still
        free = [
            a
            for a in self.agents
            if a.office == Office.FRONT and a.call is None and a.wrapping_until is None
        ]
        self.rng.shuffle(free)
        while self.waiting and free:
            call, agent = self.waiting.popleft(), free.pop()
            minutes = float(call.queue.standard_minutes or 5)
            call.talk = int(self.rng.lognormvariate(math.log(minutes * 45), 0.4))
            call.hold = int(self.rng.random() < 0.2) * self.rng.randint(10, 60)
            call.wrap = self.rng.randint(20, 60)
            call.ends_at = now + timedelta(seconds=(call.talk + call.hold) / self.speed)
            call.agent = agent.user.username
            agent.call = call
            events.append(
                self._event("answered", now, contact_id=call.contact_id, agent=call.agent)
            )
            self.tally.answered += 1
        self._post(*events)

    def _back(self, now: datetime) -> None:
        for agent in self.agents:
            if agent.office != Office.BACK:
                continue
            if agent.item is not None and agent.busy_until <= now:
                work_services.workitem_complete(item=agent.item, by=agent.user)
                agent.item = None
                self.tally.closed += 1
            if agent.item is None:
                item = work_services.workitem_claim_next(agent=agent.user)
                if item is None:
                    continue
                item = work_services.workitem_start(item=item, by=agent.user)
                minutes = float(item.work_type.standard_minutes or 20)
                seconds = self.rng.lognormvariate(math.log(minutes * 60), 0.3) / self.speed
                agent.item, agent.busy_until = item, now + timedelta(seconds=seconds)


CASE_TITLES = [
    "Damaged parcel claim",
    "Refund request",
    "Address change with proof",
    "Billing dispute",
    "Complaint about a late delivery",
    "Warranty claim",
]


def now() -> datetime:
    return timezone.now()
