"""Benchmark of work item routing and reads at scale on PostgreSQL; prints JSON.

Usage::

    .venv/bin/python bench/workitems.py --items 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/ccops_bench

Creates the database if it is missing, migrates it, loads ``--items`` work items (default
1,000,000: ~100,000 open in the queue, the rest done over the past year, with their events)
by ``COPY`` from generated buffers, then ``VACUUM ANALYZE`` and measures:

(a) claim-next latency for one skilled agent claiming repeatedly (the item is completed
    between claims, untimed);
(b) the supervisor queue page (``/work/queue/?team=..``, server time through the test
    client) and its selector alone (``selectors.queue_queryset(...)[:50]``);
(c) the item list API first page (``/api/v1/workitems/?status=new``);
(d) the item API and the item page, with their query counts;
(e) claim + complete throughput of 8 concurrent claimer threads for ``--seconds``;
then checks that no item was claimed by two agents and no agent holds two fresh claims.

Safety: a database with data that this script did not make is refused unless ``--reset``
(which drops its ``public`` schema). A bench database is recognised by its ``bench_marker``
table; it is reused when it holds the same ``--items``/``--open``/``--seed`` load, rebuilt
otherwise or with ``--regenerate``. ``--explain`` prints the plans of the measured queries
(EXPLAIN ANALYZE) to stderr.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ccops_bench"
TEAMS_PER_OFFICE = 10
AGENTS_PER_TEAM = 25
CHUNK = 200_000
PASSWORD = "bench-pass-2026"
# (name, office, channel, SLA hours, standard minutes, share of the volume)
WORK_TYPES = [
    ("Calls - Billing", "front", "call", 1, 6, 0.16),
    ("Calls - Technical", "front", "call", 1, 9, 0.14),
    ("Calls - Sales", "front", "call", 1, 7, 0.08),
    ("Chat - Billing", "front", "chat", 1, 8, 0.10),
    ("Chat - Technical", "front", "chat", 1, 10, 0.07),
    ("Email - General", "front", "email", 24, 5, 0.05),
    ("Claims", "back", "case", 48, 25, 0.12),
    ("Refunds", "back", "case", 72, 15, 0.10),
    ("Address change", "back", "case", 24, 5, 0.06),
    ("Complaints", "back", "case", 120, 40, 0.05),
    ("Account closure", "back", "case", 72, 20, 0.04),
    ("Fraud review", "back", "case", 24, 35, 0.03),
]
ITEM_COLUMNS = [
    "id", "work_type_id", "customer_id", "title", "details", "status", "priority",
    "assignee_id", "team_id", "created_at", "started_at", "completed_at", "due_at",
    "handle_seconds", "active_since", "origin_id", "duplicate_of_id", "related_to_id",
    "is_duplicate_suspect", "reopen_count", "source", "external_ref", "version", "updated_at",
]  # fmt: skip
EVENT_COLUMNS = [
    "id", "item_id", "kind", "actor_id", "at", "from_status", "to_status", "assignee_id",
    "note", "data", "handle_seconds", "handled_by_id",
]  # fmt: skip
N = r"\N"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=1_000_000)
    p.add_argument("--open", type=int, default=100_000, help="open (new) items, at most half")
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--reset", action="store_true", help="drop a non-bench database's data")
    p.add_argument("--regenerate", action="store_true", help="rebuild even if reusable")
    p.add_argument("--claims", type=int, default=200)
    p.add_argument("--requests", type=int, default=50, help="timed requests per page")
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=20260101)
    p.add_argument("--explain", action="store_true")
    args = p.parse_args(argv)
    if not urlparse(args.database_url).scheme.startswith("postgres"):
        p.error("--database-url must be a postgres:// URL")
    args.open = max(0, min(args.open, args.items // 2))
    return args


# --- The database: create, recognise, refuse ---------------------------------------------


def prepare_database(args) -> bool:
    """Create the database if missing; return True if the data must be (re)generated."""
    url = urlparse(args.database_url)
    name = url.path.lstrip("/")
    admin = psycopg2.connect(urlunparse(url._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")
    admin.close()

    conn = psycopg2.connect(args.database_url)
    conn.autocommit = True
    wanted = {"items": args.items, "open": args.open, "seed": args.seed}
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('public.bench_marker') IS NOT NULL")
        is_bench = cur.fetchone()[0]
        marker = None
        if is_bench:
            cur.execute("SELECT items, open, seed, complete FROM bench_marker LIMIT 1")
            row = cur.fetchone()
            marker = row and {"items": row[0], "open": row[1], "seed": row[2], "complete": row[3]}
        elif has_foreign_data(cur):
            if not args.reset:
                conn.close()
                sys.exit(
                    f"refusing: database {name} holds data this benchmark did not make "
                    "(users, customers or work items). Use another --database-url, or --reset "
                    "to DROP its public schema."
                )
            log(f"--reset: dropping the data of {name}")
        reuse = (
            is_bench
            and not args.reset
            and not args.regenerate
            and marker is not None
            and marker.pop("complete")
            and marker == wanted
        )
        if reuse:
            return False
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        cur.execute("CREATE TABLE bench_marker (items int, open int, seed int, complete bool)")
        cur.execute(
            "INSERT INTO bench_marker VALUES (%s, %s, %s, false)",
            [args.items, args.open, args.seed],
        )
    conn.close()
    return True


def has_foreign_data(cur) -> bool:
    for table in ("ccops_user", "workitems_customer", "workitems_workitem"):
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [f"public.{table}"])
        if cur.fetchone()[0]:
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cur.fetchone()[0]:
                return True
    return False


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "ccops.settings.base"
    import django

    django.setup()


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- Data --------------------------------------------------------------------------------


def ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S+00")


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    """COPY ``rows`` (tuples of already formatted strings) in chunks; returns the count."""
    total, buf = 0, io.StringIO()

    def flush():
        buf.seek(0)
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf, size=1 << 20)
        buf.seek(0)
        buf.truncate()

    for n, row in enumerate(rows, 1):
        buf.write("\t".join(row))
        buf.write("\n")
        if n % CHUNK == 0:
            flush()
        total = n
    flush()
    return total


def generate(args) -> dict:
    """People, teams, types and skills with the ORM; customers, items and events by COPY."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection, transaction

    from ccops.models import Team, User
    from training.models import AgentSkill, Skill
    from workitems.models import AgentPresence, WorkItem, WorkItemEvent, WorkType

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings = {"migrate_s": round(time.perf_counter() - started, 1)}
    assert [f.column for f in WorkItem._meta.concrete_fields] == ITEM_COLUMNS, "model changed"
    assert [f.column for f in WorkItemEvent._meta.concrete_fields] == EVENT_COLUMNS
    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0)

    t0 = time.perf_counter()
    with transaction.atomic():
        groups = {g.name: g for g in Group.objects.all()}
        teams = {
            office: [
                Team.objects.create(name=f"Bench {office} {i:02}", office=office, site="Leeds")
                for i in range(TEAMS_PER_OFFICE)
            ]
            for office in ("front", "back")
        }
        types = []
        for i, (name, office, channel, sla_h, minutes, _share) in enumerate(WORK_TYPES):
            skill = Skill.objects.create(name=f"Bench {name}", office=office)
            types.append(
                WorkType.objects.create(
                    name=name,
                    office=office,
                    channel=channel,
                    sla=timedelta(hours=sla_h),
                    standard_minutes=minutes,
                    required_skill=skill,
                    owning_team=teams[office][i % 6],
                )
            )
        password = make_password(PASSWORD)
        users = []
        for office, office_teams in teams.items():
            for team in office_teams:
                users.append(User(username=f"bench-sup-{team.pk}", team=team, password=password))
                users += [
                    User(username=f"bench-{office}-{team.pk}-{j:02}", team=team, password=password)
                    for j in range(AGENTS_PER_TEAM)
                ]
        User.objects.bulk_create(users, batch_size=1000)
        users = list(User.objects.filter(username__startswith="bench-").select_related("team"))
        membership, skills, presence = [], [], []
        agents = {"front": [], "back": []}
        for user in users:
            if user.username.startswith("bench-sup-"):
                membership.append((user.pk, groups["Supervisor"].pk))
                Team.objects.filter(pk=user.team_id).update(supervisor=user)
                continue
            membership.append((user.pk, groups["Agent"].pk))
            office = user.team.office
            agents[office].append(user)
            mine = [t for t in types if t.office == office]
            for wt in rng.sample(mine, 3):
                skills.append(
                    AgentSkill(agent=user, skill_id=wt.required_skill_id, level=rng.randint(1, 5))
                )
            presence.append(AgentPresence(agent=user, state="available", since=now))
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u, group_id=g) for u, g in membership]
        )
        AgentSkill.objects.bulk_create(skills)
        AgentPresence.objects.bulk_create(presence)
    timings["people_s"] = round(time.perf_counter() - t0, 1)

    n_customers = max(args.items // 5, 100)
    agent_ids = {office: [a.pk for a in people] for office, people in agents.items()}
    t0 = time.perf_counter()
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor  # the psycopg2 cursor, for copy_expert
        try:
            cur.execute("SET session_replication_role = replica")  # FKs hold by construction
        except psycopg2.Error:
            connection.connection.rollback()
        cur.execute("SET maintenance_work_mem = '512MB'")
        dropped = drop_indexes(cur, ["workitems_workitem", "workitems_workitemevent"])
        copy_rows(
            cur,
            "workitems_customer",
            ["id", "external_ref", "name", "email", "phone"],
            (
                (str(i), f"BENCH-C{i:08}", f"Customer {i}", f"c{i}@example.com", "")
                for i in range(1, n_customers + 1)
            ),
        )
        events: list[tuple] = []
        items = item_rows(args, rng, now, types, agent_ids, n_customers, events)
        copy_rows(cur, "workitems_workitem", ITEM_COLUMNS, items)
        timings["copy_items_s"] = round(time.perf_counter() - t0, 1)
        t1 = time.perf_counter()
        copy_rows(cur, "workitems_workitemevent", EVENT_COLUMNS, events_rows(events))
        del events
        timings["copy_events_s"] = round(time.perf_counter() - t1, 1)
        t1 = time.perf_counter()
        for sql in dropped:
            cur.execute(sql)
        timings["indexes_s"] = round(time.perf_counter() - t1, 1)
        for table in ("workitems_customer", "workitems_workitem", "workitems_workitemevent"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cur.execute("SET session_replication_role = DEFAULT")
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        cur.execute("UPDATE bench_marker SET complete = true")
    timings["vacuum_analyze_s"] = round(time.perf_counter() - t1, 1)
    timings["total_s"] = round(time.perf_counter() - started, 1)
    return timings


def drop_indexes(cur, tables: list[str]) -> list[str]:
    """Drop the tables' secondary indexes (not those of constraints); return the CREATEs."""
    cur.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [tables],
    )
    rows = cur.fetchall()
    for name, _ in rows:
        cur.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def item_rows(args, rng, now, types, agent_ids, n_customers, events):
    """Yield formatted item rows; append (item_id, kind, actor, at, from, to, assignee) to
    ``events`` (created for every item, completed for done ones)."""
    weights = [w[5] for w in WORK_TYPES]
    first_open = args.items - args.open + 1  # the newest ids are the open queue
    year = 365 * 86400
    sources = ["ui"] * 50 + ["api"] * 30 + ["import"] * 15 + ["handoff"] * 5
    for i in range(1, args.items + 1):
        wt = rng.choices(types, weights)[0]
        sla = wt.sla
        customer = str(rng.randint(1, n_customers)) if rng.random() < 0.9 else N
        priority = str(rng.choice((1, 2, 3, 3, 3, 3, 4, 5)))
        source = rng.choice(sources)
        ref = f"B{i}" if source == "api" else ""
        if i < first_open:
            created = now - timedelta(seconds=rng.randint(3 * 86400, year))
            if wt.office == "front":
                handle = rng.randint(120, 1200)
                done_at = created + timedelta(seconds=rng.randint(30, 600) + handle)
            else:
                handle = rng.randint(300, 5400)
                done_at = created + timedelta(seconds=rng.randint(3600, 4 * 86400))
            holder = rng.choice(agent_ids[wt.office])
            c, d = ts(created), ts(done_at)
            events.append((i, "created", None, c, "", "new", None))
            events.append((i, "completed", holder, d, "in_progress", "done", holder))
            yield (
                str(i), str(wt.pk), customer, f"{wt.name} {i}", "", "done", priority,
                str(holder), str(wt.owning_team_id), c,
                ts(done_at - timedelta(seconds=handle)), d, ts(created + sla), str(handle), N,
                N, N, N, "f", "0", source, ref, "3", d,
            )  # fmt: skip
        else:
            window = 4 * 3600 if wt.office == "front" else 3 * 86400
            created = now - timedelta(seconds=rng.randint(0, window))
            c = ts(created)
            events.append((i, "created", None, c, "", "new", None))
            yield (
                str(i), str(wt.pk), customer, f"{wt.name} {i}", "", "new", priority, N,
                str(wt.owning_team_id), c, N, N, ts(created + sla), "0", N, N, N, N, "f", "0",
                source, ref, "1", c,
            )  # fmt: skip


def events_rows(events):
    for n, (item, kind, actor, at, frm, to, assignee) in enumerate(events, 1):
        actor = N if actor is None else str(actor)
        holder = N if assignee is None else str(assignee)
        yield (str(n), str(item), kind, actor, at, frm, to, holder, "", "{}", "0", N)


# --- Measurements ------------------------------------------------------------------------


def summary(samples_s: list[float], cpu_s: list[float] | None = None) -> dict:
    """Wall-clock median/p95/max; ``cpu_median_ms`` is this thread's CPU time (the Python
    side alone, not PostgreSQL), which shows the app's own cost on a busy machine."""
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
    out = {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ms[-1], 2),
    }
    if cpu_s:
        out["cpu_median_ms"] = round(statistics.median(cpu_s) * 1000, 2)
    return out


def timed(func, repeats: int, warmup: int = 3) -> tuple[dict, object]:
    for _ in range(warmup):
        result = func()
    samples, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.thread_time()
        result = func()
        samples.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return summary(samples, cpu), result


def bench_agents():
    from ccops.models import User

    # The front-office agents (their skills cover half the front volume on average).
    return list(User.objects.filter(username__startswith="bench-front-").order_by("pk"))


def measure_claims(args, agent) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workitems import services

    samples, cpu, claimed, queries = [], [], 0, 0
    for _ in range(args.claims):
        with CaptureQueriesContext(connection) as captured:
            t, c = time.perf_counter(), time.thread_time()
            item = services.workitem_claim_next(agent=agent)
            samples.append(time.perf_counter() - t)
            cpu.append(time.thread_time() - c)
        queries = len(captured)
        if item is None:
            break
        claimed += 1
        services.workitem_complete(item=item, by=agent)
    return {**summary(samples, cpu), "claimed": claimed, "queries_per_claim": queries}


def getter(client, url):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return get


def measure_pages(args, supervisor, team) -> dict:
    """Server time of each page through the test client (no network), and its queries."""
    from django.test import Client
    from rest_framework.test import APIClient

    from workitems import selectors
    from workitems.models import WorkItem

    client, api = Client(), APIClient()
    client.force_login(supervisor)
    api.force_authenticate(supervisor)
    item = WorkItem.objects.filter(status="new").order_by("due_at").first()
    pages = {
        "queue_page": (client, f"/work/queue/?team={team.pk}"),
        "queue_page_unfiltered": (client, "/work/queue/"),
        "item_list_api": (api, "/api/v1/workitems/?status=new"),
        "item_api": (api, f"/api/v1/workitems/{item.pk}/"),
        "item_page": (client, f"/work/items/{item.pk}/"),
    }
    out = {}
    for key, (who, url) in pages.items():
        get = getter(who, url)
        out[key], response = timed(get, args.requests)
        out[key].update(count_queries(get), url=url)
        if key == "item_list_api":
            out[key]["count"] = response.json()["count"]

    def selector():
        return list(selectors.queue_queryset(user=supervisor, team=team)[:50])

    out["queue_selector"], rows = timed(selector, args.requests)
    out["queue_selector"]["rows"] = len(rows)
    return out


def count_queries(get) -> dict:
    """Queries of one request and their database time (the rest is Python: views, templates)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        get()
    sql = sum(float(q["time"]) for q in captured.captured_queries)
    return {"queries": len(captured), "sql_ms": round(sql * 1000, 1)}


def measure_throughput(args, agents) -> dict:
    from django.db import connection

    from workitems import services

    stop = time.perf_counter() + args.seconds
    done = [0] * len(agents)
    errors: list[str] = []
    barrier = threading.Barrier(len(agents))

    def work(i, agent):
        try:
            barrier.wait(timeout=30)
            while time.perf_counter() < stop:
                item = services.workitem_claim_next(agent=agent)
                if item is None:
                    break
                services.workitem_complete(item=item, by=agent)
                done[i] += 1
        except Exception as exc:  # noqa: BLE001 - reported in the JSON
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(agents)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {
        "threads": len(agents),
        "seconds": round(elapsed, 2),
        "completed": sum(done),
        "per_second": round(sum(done) / elapsed, 1),
        "per_thread": done,
        "errors": errors[:5],
    }


CHECKS = {
    # claims made in this run (the denominator of the checks below)
    "claims_checked": "SELECT count(*) FROM workitems_workitemevent "
    "WHERE kind = 'assigned' AND at >= %(since)s",
    # an item taken from the queue by two different agents
    "items_claimed_by_two_agents": "SELECT count(*) FROM (SELECT item_id "
    "FROM workitems_workitemevent WHERE kind = 'assigned' AND at >= %(since)s "
    """AND data @> '{"claimed": true}' GROUP BY item_id """
    "HAVING count(DISTINCT assignee_id) > 1) t",
    # an item completed twice
    "items_completed_twice": "SELECT count(*) FROM (SELECT item_id FROM workitems_workitemevent "
    "WHERE kind = 'completed' AND at >= %(since)s GROUP BY item_id HAVING count(*) > 1) t",
    # an agent holding two claimed-but-unstarted items (a claim must hand back the held one)
    "agents_holding_two_claims": "SELECT count(*) FROM (SELECT assignee_id FROM "
    "workitems_workitem WHERE status = 'assigned' GROUP BY assignee_id HAVING count(*) > 1) t",
}


def double_claim_checks(since: datetime) -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for name, sql in CHECKS.items():
            cur.execute(sql, {"since": since})
            out[name] = cur.fetchone()[0]
    out["ok"] = not any(v for k, v in out.items() if k != "claims_checked")
    return out


def explain(supervisor, agent, team) -> None:
    from django.db import transaction
    from django.db.models import Count

    from workitems import selectors, services
    from workitems.choices import Status
    from workitems.models import WorkItem
    from workitems.routing import URGENCY_ORDER

    eligible = services.eligible_work_type_ids(agent)
    plans = {
        "claim candidate": WorkItem.objects.filter(status=Status.NEW, work_type_id__in=eligible)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by(*URGENCY_ORDER)[:1],
        "queue page (team)": selectors.queue_queryset(user=supervisor, team=team)[:50],
        "queue count (team)": WorkItem.objects.open()
        .filter(team=team)
        .order_by()
        .values("team")
        .annotate(n=Count("id")),
        "api list page": WorkItem.objects.filter(status=Status.NEW)
        .select_related("work_type", "customer", "assignee", "team")
        .order_by("-created_at", "-id")[:50],
    }
    for name, qs in plans.items():
        with transaction.atomic():
            print(f"--- {name}\n{qs.explain(analyze=True, buffers=True)}\n", file=sys.stderr)
            transaction.set_rollback(True)


def machine_info() -> dict:
    from django import get_version
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        buffers = cur.fetchone()[0]
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {
        "nproc": os.cpu_count(),
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        "cpu": cpu,
        "postgresql": pg,
        "shared_buffers": buffers,
        "python": platform.python_version(),
        "django": get_version(),
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    needs_data = prepare_database(args)
    setup_django(args.database_url)

    from django.db.models import Count

    from ccops.models import Team, User
    from workitems.choices import PresenceState
    from workitems.models import AgentPresence, WorkItem

    generation = generate(args) if needs_data else {"reused": True}
    log(f"data ready: {generation}")
    counts = dict(WorkItem.objects.values_list("status").annotate(n=Count("id")))
    # The team owning the busiest queue ("Calls - Billing"): the supervisor's usual filter.
    team = Team.objects.get(work_types__name=WORK_TYPES[0][0])
    supervisor = User.objects.get(pk=team.supervisor_id)
    agents = bench_agents()
    AgentPresence.objects.filter(agent__in=agents).update(state=PresenceState.AVAILABLE)
    if args.explain:
        explain(supervisor, agents[0], team)

    since = datetime.now(UTC)
    result = {
        "items": sum(counts.values()),
        "by_status": counts,
        "machine": machine_info(),
        "generation": generation,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    log("measuring claim-next")
    result["claim_next"] = measure_claims(args, agents[0])
    log("measuring pages")
    result.update(measure_pages(args, supervisor, team))
    log(f"measuring throughput: {args.threads} threads for {args.seconds} s")
    result["throughput"] = measure_throughput(args, agents[1 : 1 + args.threads])
    result["double_claim_check"] = double_claim_checks(since)
    result["machine"]["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    result["targets"] = {
        "claim_next_p95_under_10ms": result["claim_next"]["p95_ms"] < 10,
        "queue_page_p95_under_100ms": result["queue_page"]["p95_ms"] < 100,
        "item_page_under_30ms": result["item_page"]["median_ms"] < 30,
        "item_page_at_most_10_queries": result["item_page"]["queries"] <= 10,
        "no_double_claims": result["double_claim_check"]["ok"],
    }
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
