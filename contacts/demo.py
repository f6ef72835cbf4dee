"""Demo: the last hour and a half of today's calls and chats as contact events, so the
dashboard's service level, the queue statistics and intraday show measured contacts on
first start (before ``manage.py simulate`` has run for long).

The events go through the API's serializer and ``services.events_ingest``, exactly as a
telephony platform's would (and as the simulation's do). Deterministic: the same seed and
moment give the same contacts; event ids are fixed per day, so running it again adds
nothing (duplicates are recognised by the unique event id).
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from ccops.choices import Office, Role
from workitems.choices import OPEN_STATUSES, Channel
from workitems.models import WorkItem, WorkType

from . import services
from .api.serializers import ContactEventSerializer
from .models import Contact, ContactSource

SOURCE_NAME = "demo-simulator"  # the simulation's source (ccops.management.simulation)
BACKFILL_MINUTES = 90
CONTACTS_PER_HOUR = 24  # per queue


def seed(ctx) -> None:
    """Nothing inside the big transaction: contacts come as events, after every app has
    seeded (``after_seed``)."""


def after_seed(ctx) -> None:
    made = backfill_today(rng=random.Random(ctx.rng.getrandbits(32)), now=timezone.now())
    ctx.log(f"Contacts: {made} of today's calls and chats as contact events.")


def _front_agents():
    busy = WorkItem.objects.filter(status__in=OPEN_STATUSES, assignee__isnull=False).values(
        "assignee_id"
    )
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.AGENT, team__office=Office.FRONT)
        .exclude(pk__in=busy)
        .order_by("username")
    )


def backfill_today(
    *, rng: random.Random, now: datetime, minutes: int = BACKFILL_MINUTES, tag: str = ""
) -> int:
    """Contacts offered from ``minutes`` before ``now`` (not before today's midnight) and
    finished by ``now``: answered by free front-office agents or abandoned by callers who
    waited too long. Contact ids are ``demo-<tag or the day>-<n>``. Returns how many
    contacts were sent."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(midnight, now - timedelta(minutes=minutes))
    queues = list(
        WorkType.objects.filter(
            office=Office.FRONT, active=True, channel__in=(Channel.CALL, Channel.CHAT)
        ).order_by("pk")
    )
    agents = _front_agents()
    if not queues or not agents or start >= now:
        return 0
    source = ContactSource.objects.filter(name=SOURCE_NAME).first()
    if source is None:
        source, _secret = services.source_create(name=SOURCE_NAME)
    elif day_has_contacts(source, midnight, tag):
        return 0  # the demo built again today: today's contacts are there already
    arrivals = []
    for queue in queues:
        at = start
        while True:
            at += timedelta(seconds=rng.expovariate(CONTACTS_PER_HOUR / 3600))
            if at >= now:
                break
            arrivals.append((at, queue))
    arrivals.sort(key=lambda a: (a[0], a[1].pk))
    free_at = {a.username: start for a in agents}
    day = tag or timezone.localtime(now).strftime("%Y%m%d")
    events, made = [], 0
    for n, (offered, queue) in enumerate(arrivals):
        contact_id = f"demo-{day}-{n:04d}"
        patience = rng.expovariate(1 / 150)
        agent = min(free_at, key=lambda u: (free_at[u], u))
        answered = max(offered, free_at[agent]) + timedelta(seconds=rng.randint(2, 12))
        minutes_std = float(queue.standard_minutes or 5)
        talk = int(rng.lognormvariate(math.log(minutes_std * 45), 0.4))
        hold = rng.randint(10, 60) if rng.random() < 0.2 else 0
        wrap = rng.randint(20, 60)
        ended = answered + timedelta(seconds=talk + hold)
        batch = [_event(f"{contact_id}-o", "offered", offered, contact_id, queue=str(queue.pk))]
        if (answered - offered).total_seconds() > patience:
            gave_up = offered + timedelta(seconds=patience)
            if gave_up > now:
                continue
            batch.append(_event(f"{contact_id}-x", "abandoned", gave_up, contact_id))
        else:
            if ended + timedelta(seconds=wrap) > now:
                continue  # still on the phone: the live demo's business, not history's
            batch.append(_event(f"{contact_id}-a", "answered", answered, contact_id, agent=agent))
            batch.append(
                _event(
                    f"{contact_id}-e",
                    "ended",
                    ended,
                    contact_id,
                    agent=agent,
                    talk_seconds=talk,
                    hold_seconds=hold,
                    wrap_seconds=wrap,
                )
            )
            free_at[agent] = ended + timedelta(seconds=wrap)
        events += batch
        made += 1
    valid = []
    for raw in events:
        serializer = ContactEventSerializer(data=raw)
        serializer.is_valid(raise_exception=True)
        valid.append({**serializer.validated_data, "payload": raw})
    if valid:
        services.events_ingest(source=source, events=valid)
    return made


def day_has_contacts(source, midnight, tag: str) -> bool:
    prefix = f"demo-{tag or f'{midnight:%Y%m%d}'}-"
    return Contact.objects.filter(source=source, contact_id__startswith=prefix).exists()


def _event(event_id: str, kind: str, at: datetime, contact_id: str, **fields) -> dict:
    return {"id": event_id, "type": kind, "at": at.isoformat(), "contact_id": contact_id, **fields}
