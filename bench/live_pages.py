"""What the pages that update themselves cost the server per open page: the polled partials
(wallboard front and back, the dashboard's today tiles, the queue's backlog, the presence
board's table), cold cache (the shared aggregate is computed) and warm (a cache read);
median, p95 and queries per request; requests/s and CPU ms/s per open page at the poll
interval. Prints JSON.

Usage::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccops_bench \\
    REDIS_URL=redis://127.0.0.1:6379/<db> \\
        .venv/bin/python bench/live_pages.py --items 20000 --contacts 3000

Migrates the database named by ``DATABASE_URL`` (SQLite in ``var/`` without it) and seeds it
once (a marker team "Live bench front"): 4 queues and 4 casework types, ``--items`` open
items spread over them (a third due today, some at risk and past due), ``--contacts``
contacts offered today, 60 agents with a presence state. Requests go through Django's test
client in process, as a signed-in supervisor: the server's own cost (Python and the
database), no network or gunicorn. "CPU ms" is this process's CPU (``time.process_time``);
the database server's CPU is not in it (its time is in the wall-clock figures). Cold: the
shared readings are dropped before each request. Warm: the readings are kept (their
lifetime is lengthened for the measurement, so a slow run cannot expire them midway).

Cost per open page at ``LIVE_POLL_SECONDS`` polling: each page makes 1/poll requests/s,
each a warm read; the aggregate itself is computed at most once per
``LIVE_MAX_AGE_SECONDS`` per office / team selection however many pages are open (the
"shared" figure: cold minus warm, once per max age).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.test")

MARKER = "Live bench front"


def _create_database(url: str) -> None:
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


def seed(items: int, contacts: int) -> None:
    import random

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from ccops.choices import Office, Role
    from ccops.models import Team, User
    from contacts.models import Contact
    from contacts.services import source_create
    from workitems.choices import PresenceState, Status
    from workitems.models import AgentPresence, WorkItem, WorkType

    if Team.objects.filter(name=MARKER).exists():
        return
    rng = random.Random(22)
    now = timezone.now()
    front = Team.objects.create(name=MARKER, office=Office.FRONT)
    back = Team.objects.create(name="Live bench back", office=Office.BACK)
    types = []
    for i, name in enumerate(("Sales calls", "Service calls", "Billing chat", "Tech chat")):
        types.append(
            WorkType.objects.create(
                name=f"Bench {name}",
                office=Office.FRONT,
                channel="call" if i < 2 else "chat",
                sla=timedelta(hours=1),
                standard_minutes=6,
                owning_team=front,
            )
        )
    for name in ("Claims", "Complaints", "Address changes", "Refunds"):
        types.append(
            WorkType.objects.create(
                name=f"Bench {name}",
                office=Office.BACK,
                channel="case",
                sla=timedelta(days=2),
                standard_minutes=25,
                owning_team=back,
            )
        )
    rows = []
    for i in range(items):
        wt = types[i % len(types)]
        created = now - timedelta(minutes=rng.randint(0, 3 * 24 * 60))
        due = now + timedelta(minutes=rng.randint(-600, 3 * 24 * 60))
        rows.append(
            WorkItem(
                work_type=wt,
                team=front if wt.office == Office.FRONT else back,
                title=f"bench {i}",
                status=Status.NEW if rng.random() < 0.6 else Status.ASSIGNED,
                created_at=created,
                due_at=due,
                at_risk_at=due - timedelta(hours=4),
            )
        )
    WorkItem.objects.bulk_create(rows, batch_size=2000)
    source, _ = source_create(name="live-bench")
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    span = max(int((now - day_start).total_seconds()) - 120, 60)
    crows = []
    for i in range(contacts):
        offered = day_start + timedelta(seconds=rng.randint(0, span))
        wait = rng.randint(1, 90)
        answered = rng.random() < 0.85
        crows.append(
            Contact(
                source=source,
                contact_id=f"lb{i}",
                queue=types[i % 4],
                offered_at=offered,
                answered_at=offered + timedelta(seconds=wait) if answered else None,
                abandoned_at=None if answered else offered + timedelta(seconds=wait),
                ended_at=offered + timedelta(seconds=wait + 300) if answered else None,
                wait_seconds=wait,
                talk_seconds=240 if answered else 0,
            )
        )
    Contact.objects.bulk_create(crows, batch_size=2000)
    group = Group.objects.get(name=Role.AGENT)
    states = list(PresenceState.values)
    for i in range(60):
        user = User.objects.create(
            username=f"live-bench-{i}", team=front if i % 2 else back, is_active=True
        )
        user.groups.add(group)
        AgentPresence.objects.create(agent=user, state=states[i % len(states)])
    supervisor = User.objects.create(username="live-bench-super", team=front)
    supervisor.groups.add(Group.objects.get(name=Role.SUPERVISOR))


def measure(client, url, headers, n, drop_cache):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    walls, cpus, queries = [], [], []
    for _ in range(n):
        if drop_cache:
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            w0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url, **headers)
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        assert response.status_code == 200, (url, response.status_code)
        walls.append(wall * 1000)
        cpus.append(cpu * 1000)
        queries.append(len(ctx.captured_queries))
    walls.sort()
    return {
        "median_ms": round(statistics.median(walls), 2),
        "p95_ms": round(walls[max(0, int(0.95 * len(walls)) - 1)], 2),
        "cpu_median_ms": round(statistics.median(cpus), 2),
        "queries_median": statistics.median(queries),
        "queries_max": max(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--cold", type=int, default=30)
    parser.add_argument("--warm", type=int, default=200)
    args = parser.parse_args()

    _create_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from ccops.dashboards import live
    from ccops.models import User
    from workitems import selectors, today

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    seed(args.items, args.contacts)
    client = Client()
    client.force_login(User.objects.get(username="live-bench-super"))
    htmx = {"HTTP_HX_REQUEST": "true"}
    endpoints = {
        "wallboard front": (reverse("dashboard:wallboard_partial", args=["front"]), {}),
        "wallboard back": (reverse("dashboard:wallboard_partial", args=["back"]), {}),
        "dashboard today tiles": (f"{reverse('dashboard:today_tiles')}?team=all", {}),
        "queue backlog": (reverse("workitems:queue_backlog"), {}),
        "presence board": (reverse("workitems:presence_board"), htmx),
    }
    max_ages = {
        "wallboard front": live.LIVE_MAX_AGE_SECONDS,
        "wallboard back": live.LIVE_MAX_AGE_SECONDS,
        "dashboard today tiles": today.TODAY_MAX_AGE_SECONDS,
        "queue backlog": selectors.BACKLOG_MAX_AGE_SECONDS,
        "presence board": selectors.PRESENCE_MAX_AGE_SECONDS,
    }
    poll = selectors.LIVE_POLL_SECONDS
    results = {}
    for name, (url, headers) in endpoints.items():
        for _ in range(3):  # warm the process (imports, templates)
            client.get(url, **headers)
        cold = measure(client, url, headers, args.cold, drop_cache=True)
        live.LIVE_MAX_AGE_SECONDS = today.TODAY_MAX_AGE_SECONDS = 3600
        selectors.BACKLOG_MAX_AGE_SECONDS = selectors.PRESENCE_MAX_AGE_SECONDS = 3600
        try:
            client.get(url, **headers)
            warm = measure(client, url, headers, args.warm, drop_cache=False)
        finally:
            live.LIVE_MAX_AGE_SECONDS = today.TODAY_MAX_AGE_SECONDS = max_ages[name]
            selectors.BACKLOG_MAX_AGE_SECONDS = max_ages["queue backlog"]
            selectors.PRESENCE_MAX_AGE_SECONDS = max_ages["presence board"]
        per_page_rps = 1 / poll
        results[name] = {
            "url": url,
            "cold": cold,
            "warm": warm,
            "per_open_page": {
                "requests_per_second": round(per_page_rps, 2),
                "wall_ms_per_second": round(per_page_rps * warm["median_ms"], 2),
                "cpu_ms_per_second": round(per_page_rps * warm["cpu_median_ms"], 2),
            },
            "shared_aggregate": {
                "max_age_seconds": max_ages[name],
                "wall_ms_per_second_at_most": round(
                    max(cold["median_ms"] - warm["median_ms"], 0) / max_ages[name], 2
                ),
            },
        }
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
                "python": platform.python_version(),
                "items": args.items,
                "contacts": args.contacts,
                "poll_seconds": poll,
                "endpoints": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
