"""Benchmark of the KPI framework at scale on PostgreSQL; prints JSON.

Usage::

    .venv/bin/python bench/kpis.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ccops_kpi_bench

Creates the database if missing, migrates it and loads (server-side, ``generate_series``)
2,000 agents in 80 teams of both offices, 12 work types, 200,000 customers,
``--items`` work items (default 1,000,000) over the past 365 days and about ten events per
item (default ~10,000,000), then ``VACUUM ANALYZE`` and measures:

(a) recompute of one day (yesterday) for every KPI and scope, median of 3 runs;
(b) the backfill of ``--days`` days (default 365), total and per day;
(c) the dashboard's server time through the test client (overview 30 and 90 days, a team,
    an agent's scorecard, the process map, a KPI API page), p50/p95 over ``--requests``
    each, with query counts.

Events and items are generated per item, then ``CLUSTER``-ed in time order: a live system
appends them in time order, and the day-range reads depend on it.

Safety: a database that holds data this script did not make is refused; a bench database is
recognised by its ``kpi_bench_marker`` table and reused when it holds the same load
(``--regenerate`` rebuilds it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ccops_kpi_bench"
TEAMS_PER_OFFICE = 40
AGENTS_PER_TEAM = 25
CUSTOMERS = 200_000
CHUNK = 100_000
# name, office, channel, SLA hours, standard minutes
WORK_TYPES = [
    ("Calls - Billing", "front", "call", 1, 6),
    ("Calls - Technical", "front", "call", 1, 9),
    ("Calls - Sales", "front", "call", 1, 7),
    ("Chat - Billing", "front", "chat", 1, 8),
    ("Chat - Technical", "front", "chat", 1, 10),
    ("Email - General", "front", "email", 24, 5),
    ("Claims", "back", "case", 48, 25),
    ("Refunds", "back", "case", 72, 15),
    ("Address change", "back", "case", 24, 5),
    ("Complaints", "back", "case", 120, 40),
    ("Account closure", "back", "case", 72, 20),
    ("Fraud review", "back", "case", 24, 35),
]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ensure_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres"))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")
    conn.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.base")
    os.environ.setdefault("CONN_MAX_AGE", "0")
    import django

    django.setup()


def load_signature(args) -> str:
    return f"items={args.items};agents={2 * TEAMS_PER_OFFICE * AGENTS_PER_TEAM};v1"


def marker(cursor) -> str | None:
    cursor.execute("SELECT to_regclass('kpi_bench_marker')")
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute("SELECT signature FROM kpi_bench_marker")
    row = cursor.fetchone()
    return row[0] if row else None


def generate(args) -> None:
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from ccops.choices import Role
    from ccops.models import Team, User
    from workitems.models import WorkType

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM workitems_workitem")
        existing = cur.fetchone()[0]
        if existing and marker(cur) is None:
            raise SystemExit("refusing: this database has work items this bench did not make")
        log("truncating the bench tables")
        cur.execute(
            "TRUNCATE workitems_workitemevent, workitems_workitem, workitems_customer, "
            "workitems_worktype, ccops_kpisnapshot, ccops_backlogsnapshot, ccops_team, "
            "ccops_user CASCADE"
        )
        cur.execute("DROP TABLE IF EXISTS kpi_bench_marker")
    with transaction.atomic():
        teams = Team.objects.bulk_create(
            [
                Team(name=f"{office.title()} {n:02d}", office=office, site="Bench")
                for office in ("front", "back")
                for n in range(TEAMS_PER_OFFICE)
            ]
        )
        today = date.today()
        users = []
        for i, team in enumerate(teams):
            for a in range(AGENTS_PER_TEAM):
                n = i * AGENTS_PER_TEAM + a
                users.append(
                    User(
                        username=f"agent{n:05d}",
                        display_name=f"Agent {n}",
                        team=team,
                        password="!",
                        hire_date=today - timedelta(days=30 + (n * 37) % 1500),
                    )
                )
        users = User.objects.bulk_create(users, batch_size=1000)
        Group.objects.get(name=Role.AGENT).user_set.add(*users)
        sup = User.objects.create(username="benchsup", password="!", team=teams[0])
        sup.groups.add(Group.objects.get(name=Role.SUPERVISOR))
        Team.objects.filter(pk=teams[0].pk).update(supervisor=sup)
        front_team = next(t for t in teams if t.office == "front")
        back_team = next(t for t in teams if t.office == "back")
        WorkType.objects.bulk_create(
            [
                WorkType(
                    name=name,
                    office=office,
                    channel=channel,
                    sla=timedelta(hours=sla),
                    standard_minutes=std,
                    owning_team=front_team if office == "front" else back_team,
                )
                for name, office, channel, sla, std in WORK_TYPES
            ]
        )
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        log(f"{CUSTOMERS} customers")
        cur.execute(
            "INSERT INTO workitems_customer (external_ref, name, email, phone) "
            "SELECT 'C' || g, 'Customer ' || g, '', '' FROM generate_series(1, %s) g",
            [CUSTOMERS],
        )
        cur.execute("SELECT min(id), max(id) FROM workitems_customer")
        cmin, cmax = cur.fetchone()
        for start in range(0, args.items, CHUNK):
            size = min(CHUNK, args.items - start)
            cur.execute(ITEMS_SQL, {"n": size, "cmin": cmin, "cspan": cmax - cmin + 1})
            log(f"items {start + size:,}/{args.items:,}")
        cur.execute("SELECT min(id), max(id) FROM workitems_workitem")
        imin, imax = cur.fetchone()
        for lo in range(imin, imax + 1, CHUNK):
            cur.execute(EVENTS_SQL, {"lo": lo, "hi": lo + CHUNK})
            log(f"events for items up to {min(lo + CHUNK - 1, imax):,}")
        # Production appends events and items in time order; generated per item, they are
        # not. Put the heap in time order as a live system would have it.
        log("cluster events and items in time order")
        cur.execute("CLUSTER workitems_workitemevent USING wie_at_kind")
        cur.execute("CLUSTER workitems_workitem USING wi_created_id")
        cur.execute("CREATE TABLE kpi_bench_marker (signature text)")
        cur.execute("INSERT INTO kpi_bench_marker VALUES (%s)", [load_signature(args)])
    log("vacuum analyze")
    conn = connection.connection
    old = conn.autocommit
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.autocommit = old


# Items: one work type by position, created uniformly over 365 days, closed within 1.3 x
# SLA by a random agent of the type's office (team = that agent's team); the newest 2 days
# keep about half their items open and unassigned.
ITEMS_SQL = """
WITH wt AS MATERIALIZED (SELECT array_agg(id ORDER BY id) AS ids FROM workitems_worktype),
agents AS MATERIALIZED (
    SELECT t.office, array_agg(u.id ORDER BY u.id) AS ids
    FROM ccops_user u JOIN ccops_team t ON t.id = u.team_id
    WHERE u.username LIKE 'agent%%' GROUP BY t.office
),
raw AS (
    SELECT w.id AS wt_id, w.office, w.sla, w.channel,
           %(cmin)s + floor(random() * %(cspan)s)::int AS customer_id,
           now() - random() * interval '365 days' AS created,
           random() AS r1, random() AS r2,
           (SELECT a.ids[1 + floor(random() * array_length(a.ids, 1))::int]
              FROM agents a WHERE a.office = w.office AND g > 0) AS agent
    FROM generate_series(1, %(n)s) g
    CROSS JOIN wt
    JOIN workitems_worktype w ON w.id = wt.ids[1 + (g %% array_length(wt.ids, 1))]
),
shaped AS (
    SELECT *, (created > now() - interval '2 days' AND r1 < 0.5) AS still_open,
           CASE WHEN office = 'front' THEN 180 + floor(r2 * 720)::int
                ELSE 600 + floor(r2 * 3000)::int END AS handle
    FROM raw
)
INSERT INTO workitems_workitem (
    work_type_id, customer_id, title, details, status, priority, assignee_id, team_id,
    created_at, started_at, completed_at, due_at, handle_seconds, active_since, origin_id,
    duplicate_of_id, related_to_id, is_duplicate_suspect, reopen_count, source, external_ref,
    version, updated_at)
SELECT wt_id, customer_id, 'Bench item', '',
       CASE WHEN still_open THEN 'new' ELSE 'done' END, 3,
       CASE WHEN still_open THEN NULL ELSE agent END,
       (SELECT team_id FROM ccops_user WHERE id = agent),
       created,
       CASE WHEN still_open THEN NULL
            ELSE created + sla * r1 * 1.3 - make_interval(secs => handle) END,
       CASE WHEN still_open THEN NULL ELSE created + sla * r1 * 1.3 END,
       created + sla, CASE WHEN still_open THEN 0 ELSE handle END, NULL, NULL, NULL, NULL,
       false, 0, 'api', '', 1, CASE WHEN still_open THEN created ELSE created + sla * r1 * 1.3 END
FROM shaped
"""

# Ten events per closed item (one for an open one): created, assigned, started, comment,
# pending, started, two comments, completed (8 %% of front-office items handed off), and a
# comment after closing (3 %% of them a late reopen's follow-up note).
EVENTS_SQL = """
INSERT INTO workitems_workitemevent (
    item_id, kind, actor_id, at, from_status, to_status, assignee_id, note, data,
    handle_seconds, handled_by_id)
SELECT i.id,
       (ARRAY['created','assigned','started','commented','pending','started','commented',
              'commented', CASE WHEN w.office = 'front' AND i.id %% 100 < 8
                                THEN 'handed_off' ELSE 'completed' END,
              'commented'])[g],
       CASE WHEN g = 1 THEN NULL ELSE i.assignee_id END,
       CASE WHEN g = 1 THEN i.created_at
            WHEN g = 10 THEN i.completed_at + interval '1 hour'
            ELSE i.created_at + (i.completed_at - i.created_at) * (g - 1) / 8.0 END,
       (ARRAY['','new','assigned','in_progress','in_progress','pending','in_progress',
              'in_progress','in_progress','done'])[g],
       (ARRAY['new','assigned','in_progress','in_progress','pending','in_progress',
              'in_progress','in_progress','done','done'])[g],
       CASE WHEN g = 1 THEN NULL ELSE i.assignee_id END,
       '',
       CASE WHEN g = 9 AND w.office = 'front' AND i.id %% 100 < 8
                THEN jsonb_build_object('case_id', i.id + 1)
            WHEN g = 10 AND i.id %% 100 >= 97 THEN jsonb_build_object('follow_up_id', i.id)
            ELSE '{}'::jsonb END,
       CASE WHEN g = 9 THEN i.handle_seconds ELSE 0 END,
       CASE WHEN g = 9 AND i.handle_seconds > 0 THEN i.assignee_id END
FROM workitems_workitem i
JOIN workitems_worktype w ON w.id = i.work_type_id
CROSS JOIN generate_series(1, 10) g
WHERE i.id >= %(lo)s AND i.id < %(hi)s AND (i.status = 'done' OR g = 1)
"""


def timed(func, repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        out.append(time.perf_counter() - started)
    return out


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def measure_pages(requests: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ccops.models import Team, User

    client = Client()
    client.force_login(User.objects.get(username="benchsup"))
    team = Team.objects.order_by("pk").last()
    agent = User.objects.filter(team=team).order_by("pk").first()
    pages = {
        "overview_30d": "/dashboard/?period=30",
        "overview_90d": "/dashboard/?period=90",
        "team_30d": f"/dashboard/team/{team.pk}/?period=30",
        "agent_30d": f"/dashboard/agent/{agent.pk}/?period=30",
        "process_map_30d": "/dashboard/process/?period=30",
        "kpi_api_page": "/api/v1/kpis/?scope_kind=team&page_size=100",
    }
    out = {}
    for name, url in pages.items():
        client.get(url)  # warm
        times = []
        for _ in range(requests):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        out[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(pct(times, 0.95), 1),
            "queries": len(ctx.captured_queries),
        }
        log(f"{name}: {out[name]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="Backfill length (0: skip).")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from ccops.kpi_models import KpiSnapshot
    from ccops.kpis import compute

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        reuse = not args.regenerate and marker(cur) == load_signature(args)
    if not reuse:
        started = time.perf_counter()
        generate(args)
        log(f"generated in {time.perf_counter() - started:.0f}s")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM workitems_workitem")
        items = cur.fetchone()[0]
        cur.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'workitems_workitemevent'"
        )
        events = cur.fetchone()[0]
    yesterday = timezone.localdate() - timedelta(days=1)
    result = {
        "database": urlparse(args.database_url).path.lstrip("/"),
        "items": items,
        "events_estimate": events,
        "agents": 2 * TEAMS_PER_OFFICE * AGENTS_PER_TEAM,
        "teams": 2 * TEAMS_PER_OFFICE,
        "kpis": len(compute.select_kpis()),
    }
    if args.days:
        # A backfill into an empty history, as after installing or with seed_demo.
        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE ccops_kpisnapshot, ccops_backlogsnapshot, ccops_processstepsnapshot"
            )
        start = yesterday - timedelta(days=args.days - 1)
        per_day = []

        def progress(done, total, r):
            per_day.append(r.seconds)
            if done % 30 == 0 or done == total:
                log(f"backfill {done}/{total} ({r.day}) {sum(per_day):.0f}s")

        total = timed(lambda: compute.recompute_range(start, yesterday, progress=progress))[0]
        result["backfill"] = {
            "days": args.days,
            "seconds": round(total, 1),
            "per_day_p50": round(statistics.median(per_day), 2),
            "per_day_max": round(max(per_day), 2),
            "target_seconds": 600,
            "snapshot_rows": KpiSnapshot.objects.count(),
        }
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE ccops_kpisnapshot")  # Django runs in autocommit here
    # The nightly run: yesterday replaced in a year of history (every KPI and scope).
    day_runs = timed(lambda: compute.recompute_day(yesterday), repeat=3)
    result["one_day_seconds"] = {
        "median": round(statistics.median(day_runs), 2),
        "runs": [round(t, 2) for t in day_runs],
        "target": 5,
    }
    log(f"one day: {result['one_day_seconds']}")
    with connection.cursor() as cur:
        cur.execute("ANALYZE ccops_kpisnapshot")
    result["dashboard"] = measure_pages(args.requests)
    result["dashboard_target_p95_ms"] = 150
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
