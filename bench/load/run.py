"""Load test: gunicorn with the production settings, driven by a mixed contact-center load.

Usage (after ``bench/load/prepare.py``)::

    .venv/bin/python bench/load/run.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ccops_load \\
        [--duration 300] [--rate 300] [--concurrency 64]

Runs ``collectstatic`` into ``var/staticfiles`` (the production static storage needs its
manifest), starts gunicorn on 127.0.0.1:8055 (``bench/load/gunicorn.conf.py``) with
``DJANGO_SETTINGS_MODULE=ccops.settings.production``, a random 64-character ``SECRET_KEY``,
``SECURE_SSL_REDIRECT=false``, ``ALLOWED_HOSTS=127.0.0.1`` and ``REDIS_URL`` (database 5),
waits for ``/healthz``, drives the scenario of ``bench/load/driver.py`` for ``--duration``
seconds after ``--warmup`` seconds, stops gunicorn, then checks in SQL that no item was
double-assigned. Prints a table and the JSON (also written to ``--json-out``); exits 1 on
any error or failed check. ``--no-server`` drives a server that is already running.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load import driver  # noqa: E402  (needs ROOT on the path)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ccops_load"
PASSWORD = "bench-pass-2026"  # bench/workitems.py PASSWORD, set by prepare.py
VAR = ROOT / "var" / "load"
PYTHON = ROOT / ".venv" / "bin" / "python"


def add_server_arguments(p: argparse.ArgumentParser) -> None:
    """The server's interpreter and worker class (``run.py`` and ``cost.py``)."""
    p.add_argument(
        "--venv",
        default=os.environ.get("LOAD_VENV", str(ROOT / ".venv")),
        help="virtualenv whose python and gunicorn serve (bench/README: the interpreter)",
    )
    p.add_argument(
        "--worker-class",
        choices=("gthread", "sync"),
        default="gthread",
        help="gunicorn worker class (gthread, as the Procfile; sync ignores --threads)",
    )


def venv_bin(args, name: str) -> str:
    return str(Path(args.venv).resolve() / "bin" / name)


def interpreter(args) -> dict:
    """What runs the server: the venv's python, the real executable behind it, whether it
    loads libpython as a shared library, and the flags it was built with."""
    code = (
        "import json, os, sys, sysconfig; print(json.dumps({"
        "'version': sys.version.split()[0], 'executable': os.path.realpath(sys.executable), "
        "'config_args': sysconfig.get_config_var('CONFIG_ARGS') or ''}))"
    )
    out = json.loads(
        subprocess.run(
            [venv_bin(args, "python"), "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    libs = subprocess.run(["ldd", out["executable"]], capture_output=True, text=True).stdout
    out["links_libpython"] = "libpython" in libs
    return out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    p.add_argument("--port", type=int, default=8055)
    p.add_argument("--duration", type=float, default=300.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=10.0, help="seconds driven, not measured")
    p.add_argument("--rate", type=float, default=300.0, help="target requests per second")
    p.add_argument("--concurrency", type=int, default=64, help="virtual-user threads")
    p.add_argument("--workers", type=int, default=3, help="gunicorn processes")
    p.add_argument("--threads", type=int, default=6, help="gunicorn threads per process")
    add_server_arguments(p)
    p.add_argument("--supervisors", type=int, default=12, help="supervisors logged in")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-server", action="store_true", help="use a server already running")
    p.add_argument("--json-out", default=str(VAR / "result.json"))
    args = p.parse_args(argv)
    if not urlparse(args.database_url).scheme.startswith("postgres"):
        p.error("--database-url must be a postgres:// URL")
    return args


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- The server -------------------------------------------------------------------------


def server_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ccops.settings.production",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        LOAD_BIND=f"127.0.0.1:{args.port}",
        LOAD_WORKERS=str(args.workers),
        LOAD_THREADS=str(args.threads),
        LOAD_WORKER_CLASS=args.worker_class,
        LOAD_GC_STATS=str(GC_DIR),
        LOG_LEVEL="WARNING",
    )
    return env


def start_server(args) -> subprocess.Popen:
    env = server_env(args)
    log("collectstatic (production static storage needs its manifest)")
    subprocess.run(
        [venv_bin(args, "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    VAR.mkdir(parents=True, exist_ok=True)
    GC_DIR.mkdir(exist_ok=True)
    for stale in GC_DIR.glob("gc-*.json"):
        stale.unlink()
    out = open(VAR / "gunicorn.log", "ab")  # noqa: SIM115 - lives as long as the server
    command = [venv_bin(args, "gunicorn"), "-c", str(Path(__file__).with_name("gunicorn.conf.py"))]
    command.append("ccops.wsgi:application")
    log(f"gunicorn: {describe_workers(args)} on :{args.port}, python from {args.venv}")
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
    )
    client = driver.Client("127.0.0.1", args.port, 5)
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {VAR / 'gunicorn.log'}")
        try:
            r = client.request("GET", "/healthz")
            if r.status == 200:
                break
            log(f"/healthz: HTTP {r.status} {r.body[:200]!r}")
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise SystemExit("gunicorn did not answer /healthz within 60 s")
        time.sleep(0.5)
    client.close()
    return server


GC_DIR = VAR / "gc"


def gc_stats() -> dict:
    """The garbage collector's passes in the workers that served (``gunicorn.conf.py``
    writes them as each exits), by generation: collections, CPU seconds, the longest pass
    (the GIL held: the worker's other threads waited as long)."""
    out: dict = {}
    for path in GC_DIR.glob("gc-*.json"):
        for gen, (n, total, longest) in json.loads(path.read_text()).items():
            row = out.setdefault(f"generation {gen}", {"passes": 0, "cpu_s": 0.0, "longest_ms": 0})
            row["passes"] += n
            row["cpu_s"] = round(row["cpu_s"] + total, 3)
            row["longest_ms"] = max(row["longest_ms"], round(longest * 1000, 1))
        path.unlink()
    return out


def describe_workers(args) -> str:
    if args.worker_class == "gthread":
        return f"gthread, {args.workers} workers x {args.threads} threads"
    return f"{args.worker_class}, {args.workers} workers"


def stop_server(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


# --- Where the CPU went -----------------------------------------------------------------


def _process_cpu() -> dict[int, tuple[int, float]]:
    """{pid: (process group, CPU seconds)} of every process we can read."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(pid)] = (int(stat[2]), (int(stat[11]) + int(stat[12])) / tick)  # utime+stime
    return out


class BackendSampler:
    """CPU seconds of the PostgreSQL backends serving the load database. Backends come and
    go (``CONN_MAX_AGE``), so they are sampled every half second from a thread of its own;
    the last CPU figure seen for each backend counts."""

    def __init__(self, database_url: str):
        self.conn = psycopg2.connect(database_url)
        self.conn.autocommit = True
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def sample(self) -> None:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            pids = [row[0] for row in cur.fetchall()]
        procs = _process_cpu()
        for pid in pids:
            if pid in procs:
                self.first.setdefault(pid, procs[pid][1])
                self.last[pid] = procs[pid][1]

    def loop(self) -> None:
        while not self.stop.wait(0.5):
            self.sample()

    def start(self) -> None:
        self.sample()  # backends open at the start count from here, not from their birth
        self.thread.start()

    def seconds(self) -> float:
        self.stop.set()
        self.thread.join()
        self.sample()
        self.conn.close()
        return sum(cpu - self.first[pid] for pid, cpu in self.last.items())


def loop_seconds() -> float:
    """Seconds for a fixed loop of pure Python (the best of two): how fast this machine is
    right now. The host's other guests slow it by the hour, which the guest cannot see as
    stolen time here; a run's figures are comparable only at similar readings."""
    best = float("inf")
    for _ in range(2):
        started, total = time.perf_counter(), 0
        for i in range(3_000_000):
            total += i * i % 7
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def _machine_ticks() -> tuple[int, int, int]:
    """(busy, stolen, total) clock ticks of the whole machine since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    # user nice system idle iowait irq softirq steal (guest time is inside user)
    return sum(fields) - fields[3] - fields[4] - fields[7], fields[7], sum(fields)


class MachineSampler:
    """The machine's busy and stolen cores in each ``window`` of the measured period, to set
    beside the driver's timeline: a slow slice on a saturated machine is the server's, one
    with time stolen by the hypervisor is the host's."""

    def __init__(self, window: float):
        self.window = window
        self.samples: list[tuple[int, int, int]] = []  # from start()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self) -> None:
        while not self.stop.wait(self.window):
            self.samples.append(_machine_ticks())

    def start(self) -> None:
        self.samples = [_machine_ticks()]
        self.thread.start()

    def finish(self) -> list[dict]:
        self.stop.set()
        self.thread.join()
        self.samples.append(_machine_ticks())
        cores, out = os.cpu_count() or 1, []
        for (b0, s0, t0), (b1, s1, t1) in itertools.pairwise(self.samples):
            total = max(t1 - t0, 1)
            out.append(
                {
                    "busy_cores": round((b1 - b0) / total * cores, 2),
                    "stolen_cores": round((s1 - s0) / total * cores, 2),
                }
            )
        return out


def cpu_snapshot(server_pgid: int | None, sampler: BackendSampler | None = None) -> dict:
    """Machine CPU ticks, CPU seconds of gunicorn and of this driver; starts (or reads) the
    PostgreSQL backend sampler."""
    busy, steal, total = _machine_ticks()
    procs = _process_cpu()
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "busy": busy,
        "steal": steal,  # the hypervisor ran another guest while this one had work
        "total": total,
        "server_s": sum(cpu for group, cpu in procs.values() if group == server_pgid),
        "postgres_s": sampler.seconds() if sampler else 0.0,
        "driver_s": own.ru_utime + own.ru_stime,
    }


def cpu_usage(before: dict, after: dict, seconds: float, requests: int) -> dict:
    """Cores used during the measured period, by whom; CPU milliseconds per request."""
    cores = os.cpu_count() or 1
    total = max(after["total"] - before["total"], 1)
    machine = (after["busy"] - before["busy"]) / total * cores
    steal = (after["steal"] - before["steal"]) / total * cores
    server = (after["server_s"] - before["server_s"]) / seconds
    postgres = (after["postgres_s"] - before["postgres_s"]) / seconds
    driver_cpu = (after["driver_s"] - before["driver_s"]) / seconds
    per_request = 1000 * seconds / max(requests, 1)
    return {
        "cores": cores,
        "machine_busy_cores": round(machine, 2),
        "gunicorn_cores": round(server, 2),
        "postgresql_load_db_cores": round(postgres, 2),
        "driver_cores": round(driver_cpu, 2),
        "other_processes_cores": round(max(machine - server - postgres - driver_cpu, 0.0), 2),
        "stolen_by_hypervisor_cores": round(steal, 2),
        "gunicorn_cpu_ms_per_request": round(server * per_request, 2),
        "postgresql_cpu_ms_per_request": round(postgres * per_request, 2),
    }


# --- Data -------------------------------------------------------------------------------


def fixtures(cur, args) -> driver.Fixtures:
    def tokens(pattern: str) -> list[str]:
        cur.execute(
            "SELECT t.key FROM authtoken_token t JOIN ccops_user u ON u.id = t.user_id "
            "WHERE u.username LIKE %s ORDER BY u.id",
            [pattern],
        )
        return [row[0] for row in cur.fetchall()]

    agents = tokens("bench-front-%") + tokens("bench-back-%")
    # The supervisors of the teams that own the queues: their queue pages are the busy ones.
    cur.execute(
        "SELECT u.username, t.id FROM ccops_team t JOIN ccops_user u ON u.id = t.supervisor_id "
        "WHERE t.id IN (SELECT owning_team_id FROM workitems_worktype WHERE active) "
        "ORDER BY t.id LIMIT %s",
        [args.supervisors],
    )
    supervisors = [driver.Supervisor(name, PASSWORD, team) for name, team in cur.fetchall()]
    cur.execute("SELECT id FROM workitems_worktype WHERE active ORDER BY id")
    work_types = [row[0] for row in cur.fetchall()]
    cur.execute("SELECT external_ref FROM workitems_customer TABLESAMPLE SYSTEM (1) LIMIT 5000")
    customers = [row[0] for row in cur.fetchall()]
    cur.execute(
        "SELECT i.id, w.office FROM workitems_workitem i TABLESAMPLE SYSTEM (5) "
        "JOIN workitems_worktype w ON w.id = i.work_type_id "
        "WHERE i.status = 'done' AND i.assignee_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM quality_evaluation e WHERE e.item_id = i.id) LIMIT 20000"
    )
    qa_items = cur.fetchall()
    random.Random(args.seed).shuffle(qa_items)
    if not agents:
        raise SystemExit("no load users with tokens: run bench/load/prepare.py first")
    return driver.Fixtures(
        agent_tokens=agents,
        supervisors=supervisors,
        qa_tokens=tokens("load-qa-%"),
        api_tokens=tokens("load-api-%"),
        work_types=work_types,
        customer_refs=customers,
        qa_items=qa_items,
    )


# The tables every agent action updates. Without autovacuum their dead rows pile up run
# after run (2,000 presence rows carried 70,000 dead versions after a few runs), and every
# lookup wades through them: the figures would measure the missing vacuum, not ccops.
HOT_TABLES = (
    "workitems_agentpresence",
    "workitems_presencechange",
    "workitems_workitem",
    "workitems_workitemevent",
)
SMALL_HOT_TABLES = HOT_TABLES[:2]


def vacuum(cur, tables=HOT_TABLES) -> float:
    """``VACUUM (ANALYZE)`` the tables (the cursor must be in autocommit); seconds taken."""
    started = time.perf_counter()
    for table in tables:
        cur.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - started


# autovacuum's own test for "analyze this table": more rows changed since its last ANALYZE
# than autovacuum_analyze_threshold + autovacuum_analyze_scale_factor x its rows.
STALE_STATISTICS = """
SELECT format('%I.%I', s.schemaname, s.relname)
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
    + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
ORDER BY 1
"""


def analyze_stale(cur) -> list[str]:
    """``ANALYZE`` every table autovacuum would analyze now; their names. With autovacuum
    off the tables a run fills (QA's evaluations and their events, say) keep the statistics
    of when they were empty, and the planner reads an evaluation's two events by hashing the
    whole user table."""
    cur.execute(STALE_STATISTICS)
    tables = [row[0] for row in cur.fetchall()]
    for table in tables:
        cur.execute(f"ANALYZE {table}")
    return tables


class Vacuumer:
    """Stands in for autovacuum where the server has it off (as on the CI machines): vacuums
    the small, hot tables every ``every`` seconds, as autovacuum would with its one-minute
    naptime and default thresholds, and analyzes the tables whose statistics autovacuum would
    renew, from a connection of its own (its CPU counts as the load database's)."""

    def __init__(self, database_url: str, every: float = 30.0):
        self.conn = psycopg2.connect(database_url)
        self.conn.autocommit = True
        self.every, self.runs, self.longest = every, 0, 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self) -> None:
        with self.conn.cursor() as cur:
            while not self.stop.wait(self.every):
                started = time.perf_counter()
                vacuum(cur, SMALL_HOT_TABLES)
                analyze_stale(cur)
                self.runs += 1
                self.longest = max(self.longest, time.perf_counter() - started)

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> str:
        self.stop.set()
        self.thread.join()
        self.conn.close()
        return f"off; {self.runs} vacuums by run.py, the longest {self.longest:.1f} s"


def autovacuum_on(cur) -> bool:
    cur.execute("SHOW autovacuum")
    return cur.fetchone()[0] == "on"


# The server settings a run's figures depend on, recorded with them: the PostgreSQL
# defaults (128MB of shared buffers, a checkpoint every 1GB of WAL) are not a production
# server's, and the figures of one are not comparable with the other's.
SERVER_SETTINGS = ("shared_buffers", "max_wal_size", "checkpoint_timeout", "synchronous_commit")


def postgresql_settings(cur) -> dict:
    out = {}
    for name in SERVER_SETTINGS:
        cur.execute(f"SHOW {name}")
        out[name] = cur.fetchone()[0]
    return out


def queue_counts(cur) -> dict:
    cur.execute("SELECT status, count(*) FROM workitems_workitem GROUP BY status ORDER BY 1")
    return dict(cur.fetchall())


# --- Main -------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    conn = psycopg2.connect(args.database_url)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT to_regclass('public.load_marker') IS NOT NULL")
    if not cur.fetchone()[0]:
        raise SystemExit("this database was not prepared: run bench/load/prepare.py first")
    data = fixtures(cur, args)
    before_counts = queue_counts(cur)
    log(
        f"{len(data.agent_tokens)} agents, {len(data.supervisors)} supervisors, "
        f"{len(data.qa_tokens)} QA, {len(data.api_tokens)} API clients; items {before_counts}"
    )
    config = driver.Config(
        port=args.port,
        rate=args.rate,
        duration=args.duration,
        warmup=args.warmup,
        concurrency=args.concurrency,
        seed=args.seed,
    )
    speed_before = loop_seconds()
    log(f"a fixed loop of Python: {speed_before} s (the machine's speed now)")
    log(f"VACUUM (ANALYZE) of {', '.join(HOT_TABLES)}: {vacuum(cur):.1f} s")
    log(f"ANALYZE of the tables autovacuum would analyze: {', '.join(analyze_stale(cur)) or '-'}")
    vacuumer = None if autovacuum_on(cur) else Vacuumer(args.database_url)
    if vacuumer is not None:
        log(
            "autovacuum is off on this server: every 30 s, vacuuming the presence tables "
            "and analyzing the stale ones"
        )
    server = None if args.no_server else start_server(args)
    try:
        if vacuumer is not None:
            vacuumer.start()
        since_id = driver.last_event_id(cur)
        load_start = os.getloadavg()[0]
        log(f"driving {args.rate:g} req/s for {args.warmup:g} + {args.duration:g} s")
        snapshot = {}
        pgid = None if server is None else server.pid
        sampler = BackendSampler(args.database_url)
        machine = MachineSampler(driver.TIMELINE_WINDOW)

        def measure_starts():
            snapshot["before"] = cpu_snapshot(pgid)
            sampler.start()
            machine.start()

        run = driver.drive(config, data, on_measure=measure_starts)
        after = cpu_snapshot(pgid, sampler if "before" in snapshot else None)
        summary = driver.summarise(run, config)
        if "before" in snapshot:
            summary["cpu"] = cpu_usage(
                snapshot["before"], after, run["elapsed"], summary["requests"]
            )
            for row, cpu in zip(summary["timeline"], machine.finish(), strict=False):
                row.update(cpu)
        summary["loadavg_1m"] = {"start": round(load_start, 2), "end": os.getloadavg()[0]}
    finally:
        stop_server(server)
        autovacuum = vacuumer.finish() if vacuumer is not None else "on"
    speed_after = loop_seconds()
    log("checking the event log for double assignment")
    check = driver.double_assignment_check(cur, since_id)
    result = {
        "command": " ".join([PYTHON.name, *sys.argv]),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": {
            "settings": "ccops.settings.production",
            "gunicorn": describe_workers(args),
            "python": interpreter(args),
            "autovacuum": autovacuum,
            # over the workers' lives: warm-up and measured period
            "garbage_collector": gc_stats(),
            "postgresql": postgresql_settings(cur),
        },
        **summary,
        "fixed_loop_s": {"before": speed_before, "after": speed_after},
        "items_before": before_counts,
        "items_after": queue_counts(cur),
        "double_assignment_check": check,
    }
    result["targets"] = {
        "zero_errors": summary["errors"] == 0,
        "no_double_assignment": check["ok"],
        "agent_p95_under_200ms": summary["agent_actions"]["p95_ms"] < 200,
        "rate_achieved": summary["achieved_rate"] >= 0.97 * args.rate,
    }
    conn.close()
    print(driver.table(summary))
    print()
    print("double-assignment check: " + ", ".join(f"{k}={v}" for k, v in check.items()))
    collector = result["server"]["garbage_collector"]
    if collector:
        print(
            "garbage collector (all workers, warm-up included): "
            + "; ".join(
                f"{gen}: {g['passes']} passes, {g['cpu_s']} s CPU, longest {g['longest_ms']} ms"
                for gen, g in sorted(collector.items())
            )
        )
    print()
    print(json.dumps(result, indent=2, default=str))
    Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json_out).write_text(json.dumps(result, indent=2, default=str))
    return 0 if summary["errors"] == 0 and check["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
