"""CPU cost of one request, by endpoint: where the load test's ceiling comes from.

Usage (after ``bench/load/prepare.py``)::

    .venv/bin/python bench/load/cost.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ccops_load [--requests 300]

Starts gunicorn as ``run.py`` does but with one worker and one thread, then sends each
endpoint's requests one after another from one keep-alive connection, in batches: every
agent of a batch takes the next item, then every one starts it, then every one completes it;
then API creates, QA drafts and submits, queue pages and dashboards. For each endpoint it
prints the CPU milliseconds per request of the gunicorn worker and of its PostgreSQL
backend (from ``/proc``: tick-sampled, exact on average over a batch), and the median wall
time. Requests are sequential, so nothing queues: these are costs, not latencies under load.
The ``mix`` row weights them by the load test's ``MIX``: 2 cores divided by it is the most
requests per second this machine can serve.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load import driver, run  # noqa: E402  (needs ROOT on the path)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", run.DEFAULT_URL))
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    p.add_argument("--port", type=int, default=8056)
    p.add_argument("--requests", type=int, default=300, help="requests per endpoint")
    p.add_argument("--seed", type=int, default=2)
    p.add_argument(
        "--only",
        default="agent,api_create,qa,queue,dashboard",
        help="scenarios to measure, comma-separated (of agent, api_create, qa, queue, dashboard)",
    )
    p.add_argument("--no-server", action="store_true", help="use a server already running")
    run.add_server_arguments(p)
    p.add_argument("--json-out", default=str(run.VAR / "cost.json"))
    p.add_argument(
        "--profile",
        metavar="DIR",
        help="cProfile every request, by endpoint, into DIR/<endpoint>.prof (slows it down)",
    )
    args = p.parse_args(argv)
    args.only = {k.strip() for k in args.only.split(",") if k.strip()}
    # run.start_server and run.fixtures read these.
    args.workers, args.threads, args.supervisors = 1, 1, 12
    return args


def _cpu(pids) -> float:
    procs = run._process_cpu()
    return sum(procs[p][1] for p in pids if p in procs)


def _statements(cur) -> int | None:
    """Statements the load database has run (``pg_stat_statements``), or ``None`` where the
    extension is not loaded (``shared_preload_libraries``; README). Its own reads and the
    foreign-key checks PostgreSQL runs itself (``... FOR KEY SHARE OF x``) excluded."""
    try:
        cur.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d "
            "ON d.oid = s.dbid WHERE d.datname = current_database() "
            "AND s.query NOT LIKE '%pg_stat%' AND s.query NOT LIKE '%pg_database%' "
            "AND s.query NOT LIKE '%FOR KEY SHARE OF x%'"
        )
    except psycopg2.Error:
        return None
    return int(cur.fetchone()[0])


def _backends(cur) -> list[int]:
    cur.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )
    return [row[0] for row in cur.fetchall()]


class Meter:
    """CPU of the gunicorn worker and of the PostgreSQL backends of the load database."""

    def __init__(self, server_pgid: int | None, cur):
        self.server_pgid, self.cur = server_pgid, cur
        self.rows: dict[str, dict] = {}

    def server_pids(self) -> list[int]:
        if self.server_pgid is None:
            return []
        return [pid for pid, (group, _) in run._process_cpu().items() if group == self.server_pgid]

    def batch(self, name: str, steps) -> None:
        """Run ``steps`` (callables, one request each) and record their cost as ``name``."""
        server, db = self.server_pids(), _backends(self.cur)
        q0 = _statements(self.cur)
        s0, d0 = _cpu(server), _cpu(db)
        walls, ok = [], 0
        for step in steps:
            t = time.perf_counter()
            ok += bool(step())
            walls.append(time.perf_counter() - t)
        db = set(db) | set(_backends(self.cur))  # a backend opened during the batch counts
        s1, d1 = _cpu(server), _cpu(db)
        q1 = _statements(self.cur)
        row = self.rows.setdefault(
            name, {"n": 0, "ok": 0, "server_s": 0.0, "db_s": 0.0, "w": [], "q": 0}
        )
        if q0 is None or q1 is None:
            row["q"] = None
        elif row["q"] is not None:
            row["q"] += q1 - q0
        row["n"] += len(walls)
        row["ok"] += ok
        row["server_s"] += s1 - s0
        row["db_s"] += d1 - d0
        row["w"] += walls

    def summary(self) -> dict:
        out = {}
        for name, r in self.rows.items():
            n = max(r["n"], 1)
            out[name] = {
                "requests": r["n"],
                "ok": r["ok"],
                "server_cpu_ms": round(1000 * r["server_s"] / n, 2),
                "postgresql_cpu_ms": round(1000 * r["db_s"] / n, 2),
                "wall_median_ms": round(1000 * statistics.median(r["w"] or [0]), 2),
                # BEGIN/COMMIT/SAVEPOINT count as statements too.
                "statements": None if r["q"] is None else round(r["q"] / n, 1),
            }
        return out


def measure(args, fixtures: driver.Fixtures, meter: Meter) -> None:
    config = driver.Config(port=args.port, seed=args.seed)
    cards = driver.setup(config, fixtures)
    n = args.requests
    # Agents are taken round-robin, so with exactly n of them n steps in a row are each
    # one's next, then each one's start, then complete; ten others warm the worker up.
    tokens = fixtures.agent_tokens
    scenario = driver.Scenario(config, replace(fixtures, agent_tokens=tokens[:n]), cards)
    warm = driver.Scenario(config, replace(fixtures, agent_tokens=tokens[n : n + 10]), cards)
    client = driver.Client("127.0.0.1", args.port, 30)
    rng = random.Random(args.seed)

    def agent_step(name):
        def step():
            done, r, ok, note = scenario.step("agent", client, rng)
            return done == name and ok and not note

        return step

    # Warm the worker and the backend (first requests import and plan), then measure.
    for kind in ("agent", "api_create", "queue", "dashboard"):
        for _ in range(30 if kind == "agent" else 5):
            if kind in args.only:
                warm.step(kind, client, rng)
    for _ in range(2 if "agent" in args.only else 0):
        for name in driver.AGENT_ENDPOINTS:
            meter.batch(name, [agent_step(name)] * n)
    if "api_create" in args.only:
        steps = [lambda: scenario.step("api_create", client, rng)[2]] * n
        meter.batch("api create item", steps)
    # Evaluators are taken round-robin too: one step each saves their drafts, the next one
    # each submits them.
    k = len(fixtures.qa_tokens) if "qa" in args.only else 0
    for _ in range(min(n, len(fixtures.qa_items)) // max(k, 1) // 2 if k else 0):
        meter.batch("qa save draft", [lambda: scenario.step("qa", client, rng)[2]] * k)
        meter.batch("qa submit", [lambda: scenario.step("qa", client, rng)[2]] * k)
    for kind, name in (("queue", "supervisor queue page"), ("dashboard", "supervisor dashboard")):
        if kind not in args.only:
            continue
        meter.batch(name, [lambda k=kind: scenario.step(k, client, rng)[2]] * max(n // 5, 20))
    client.close()


def main(argv=None) -> int:
    args = parse_args(argv)
    conn = psycopg2.connect(args.database_url)
    conn.autocommit = True
    cur = conn.cursor()
    fixtures = run.fixtures(cur, args)
    run.log(f"VACUUM (ANALYZE) of the hot tables: {run.vacuum(cur):.1f} s")
    run.log(f"ANALYZE of stale tables: {', '.join(run.analyze_stale(cur)) or '-'}")
    # One backend for the whole run: a backend that ended mid-batch would take its CPU along.
    os.environ["CONN_MAX_AGE"] = "3600"
    if args.profile:
        os.environ["LOAD_PROFILE"] = str(Path(args.profile).resolve())  # gunicorn.conf.py
    server = None if args.no_server else run.start_server(args)
    try:
        meter = Meter(None if server is None else os.getpgid(server.pid), cur)
        measure(args, fixtures, meter)
    finally:
        run.stop_server(server)
    rows = meter.summary()
    mix_cpu = 0.0
    weights = {
        "agent next": driver.MIX["agent"] / 3,
        "agent start": driver.MIX["agent"] / 3,
        "agent complete": driver.MIX["agent"] / 3,
        "api create item": driver.MIX["api_create"],
        "qa save draft": driver.MIX["qa"] / 2,
        "qa submit": driver.MIX["qa"] / 2,
        "supervisor queue page": driver.MIX["queue"],
        "supervisor dashboard": driver.MIX["dashboard"],
    }
    for name, w in weights.items():
        if name in rows:
            r = rows[name]
            mix_cpu += w / 100 * (r["server_cpu_ms"] + r["postgresql_cpu_ms"])
    result = {
        "endpoints": rows,
        "mix_cpu_ms_per_request": round(mix_cpu, 2),
        "ceiling_req_per_s_on_2_cores": round(2000 / mix_cpu, 1) if mix_cpu else None,
    }
    print(f"{'endpoint':26} {'n':>5} {'server ms':>10} {'pg ms':>7} {'wall p50':>9} {'stmts':>6}")
    for name, r in rows.items():
        stmts = "-" if r["statements"] is None else f"{r['statements']:.1f}"
        print(
            f"{name:26} {r['requests']:5d} {r['server_cpu_ms']:10.2f} "
            f"{r['postgresql_cpu_ms']:7.2f} {r['wall_median_ms']:9.2f} {stmts:>6}"
        )
    print(
        f"mix: {result['mix_cpu_ms_per_request']} ms CPU per request; ceiling on 2 cores "
        f"{result['ceiling_req_per_s_on_2_cores']} req/s"
    )
    Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json_out).write_text(json.dumps(result, indent=2))
    bad = [name for name, r in rows.items() if r["ok"] < r["requests"]]
    if bad:
        print(f"requests that failed: {bad}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
