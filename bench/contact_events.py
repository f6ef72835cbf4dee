"""Throughput of ``POST /api/v1/contact-events/`` (events/s) in batches of 1 and of 100;
prints JSON.

Usage::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccops_bench \\
        .venv/bin/python bench/contact_events.py --contacts 300

Migrates the database named by ``DATABASE_URL`` (SQLite in ``var/`` without it), makes a
source ``bench-acd``, a queue and 20 agents if missing, then posts signed events through
Django's test client (in process: the server's own cost, no network or gunicorn): each
contact is offered, then answered and ended (80 %) or abandoned (20 %), so every event
writes its event row, its contact and a work item transition. ``--contacts`` contacts are
posted one event a request, then as many again in lists of 100 events. Each run uses new
event and contact ids (a run tag), so re-running measures new events, not duplicates.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.test")


def contact_events(tag: str, n: int, queue: str, agents: list[str], rng) -> list[dict]:
    start = datetime(2026, 12, 7, 8, tzinfo=UTC)
    events = []
    for i in range(n):
        cid = f"{tag}-c{i}"
        offered = start + timedelta(seconds=i * 7)
        events.append(
            {
                "id": f"{cid}-o",
                "type": "offered",
                "at": offered.isoformat(),
                "contact_id": cid,
                "queue": queue,
            }
        )
        if rng.random() < 0.2:
            gone = offered + timedelta(seconds=rng.randint(2, 90))
            events.append(
                {"id": f"{cid}-x", "type": "abandoned", "at": gone.isoformat(), "contact_id": cid}
            )
            continue
        agent = rng.choice(agents)
        answered = offered + timedelta(seconds=rng.randint(1, 60))
        talk, hold, wrap = rng.randint(60, 600), rng.randint(0, 60), rng.randint(0, 120)
        ended = answered + timedelta(seconds=talk + hold + wrap)
        events.append(
            {
                "id": f"{cid}-a",
                "type": "answered",
                "at": answered.isoformat(),
                "contact_id": cid,
                "agent": agent,
            }
        )
        events.append(
            {
                "id": f"{cid}-e",
                "type": "ended",
                "at": ended.isoformat(),
                "contact_id": cid,
                "agent": agent,
                "talk_seconds": talk,
                "hold_seconds": hold,
                "wrap_seconds": wrap,
            }
        )
    return events


def _create_database(url: str) -> None:
    """Create the PostgreSQL database named by ``url`` if it is missing."""
    if not url.startswith("postgres"):
        return
    from urllib.parse import urlparse, urlunparse

    import psycopg2

    name = urlparse(url).path.lstrip("/")
    admin = psycopg2.connect(urlunparse(urlparse(url)._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()

    _create_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from ccops.choices import Office, Role
    from ccops.models import Team, User
    from contacts import signing
    from contacts.models import ContactSource
    from contacts.services import source_create, source_rotate
    from workitems.models import WorkType

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    team, _ = Team.objects.get_or_create(name="Bench front", defaults={"office": Office.FRONT})
    queue, _ = WorkType.objects.get_or_create(
        name="Bench calls",
        defaults={
            "office": Office.FRONT,
            "channel": "call",
            "sla": timedelta(hours=1),
            "standard_minutes": 6,
            "owning_team": team,
        },
    )
    agents = []
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=Role.AGENT)
    for i in range(20):
        user, made = User.objects.get_or_create(
            username=f"bench-agent-{i}", defaults={"team": team}
        )
        if made:
            user.groups.add(group)
        agents.append(user.username)
    source = ContactSource.objects.filter(name="bench-acd").first()
    secret = source_rotate(source=source) if source else source_create(name="bench-acd")[1]

    client = Client()
    rng = random.Random(args.seed)
    tag = f"r{int(time.time())}"

    def post(payload) -> int:
        body = json.dumps(payload).encode()
        ts = str(int(time.time()))
        response = client.generic(
            "POST",
            "/api/v1/contact-events/",
            body,
            content_type="application/json",
            HTTP_X_CCOPS_SOURCE="bench-acd",
            HTTP_X_CCOPS_TIMESTAMP=ts,
            HTTP_X_CCOPS_SIGNATURE=signing.signature(secret, ts, body),
        )
        assert response.status_code == 200, response.content[:300]
        return len(payload) if isinstance(payload, list) else 1

    results = {}
    for size in (1, 100):
        events = contact_events(f"{tag}-b{size}", args.contacts, queue.name, agents, rng)
        batches = (
            events if size == 1 else [events[i : i + size] for i in range(0, len(events), size)]
        )
        started = time.perf_counter()
        sent = sum(post(b) for b in batches)
        elapsed = time.perf_counter() - started
        results[f"batch_{size}"] = {
            "events": sent,
            "requests": len(batches),
            "seconds": round(elapsed, 2),
            "events_per_second": round(sent / elapsed, 1),
            "ms_per_request": round(1000 * elapsed / len(batches), 2),
        }
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "python": platform.python_version(),
                "contacts_per_run": args.contacts,
                **results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
