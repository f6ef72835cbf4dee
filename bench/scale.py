"""Scale benchmark (issue 25): do the everyday reads cost the same at 100,000, 1,000,000 and
10,000,000 work items?

Usage::

    .venv/bin/python bench/scale.py [--sizes 100k,1m,10m] [--requests 50] [--no-build] \\
        [--base-url postgres://postgres@127.0.0.1:5432/ccops_scale_] [--open 50000] \\
        [--redis-url redis://127.0.0.1:6379/1] [--json var/scale.json]

For each size it builds (or reuses) the database ``<base-url><size>`` with
``bench/load/prepare.py --items N --open 50000`` (2,000 agents in 80 teams; the open
backlog is the same at every size, so what grows is the history: done items and their
events), applies any migration the code has that the database lacks, then times each read
in a fresh process: Django's test ``Client`` in process (no HTTP server, no network: the
figures are the view's own wall time, middleware and template included), the production
code path with ``DEBUG`` off, **uncached** (the cache is emptied before every request, so
the shared backlog reading and the session are read again), **sequentially**, ``--requests``
times each, reporting the median and p95 in milliseconds:

* ``list_api``: ``GET /api/v1/workitems/?status=new&status=assigned`` (first page, 50)
* ``list_api_cursor``: the ``next`` page of a filtered list, by cursor, 20 pages in
* ``queue``: a supervisor's team queue page ``/work/queue/?team=<theirs>``
* ``dashboard``: ``/dashboard/`` (the supervisor's overview)
* ``item_page``: ``/work/items/<id>/`` of items spread over the whole table
* ``customer_page``: ``/work/customers/<id>/`` of customers spread over the table
* ``claim_next``: ``POST /api/v1/workitems/next/`` by a different agent each time
* ``complete``: ``POST /api/v1/workitems/<id>/complete/`` of each claimed item (started first,
  untimed)

It prints one JSON document (per size, per read: median, p95, count; and each read's growth,
the median at the largest size over the median at the smallest) and a table. The goal of
issue 25: no read grows more than 1.5x from 100k to 10M.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
READS = [
    "list_api",
    "list_api_cursor",
    "queue",
    "dashboard",
    "item_page",
    "customer_page",
    "claim_next",
    "complete",
]
GOAL = 1.5


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="100k,1m,10m")
    p.add_argument("--requests", type=int, default=50)
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="measure the sizes in turn this many times, --requests/--rounds each time",
    )
    p.add_argument("--open", type=int, default=50_000)
    p.add_argument("--base-url", default="postgres://postgres@127.0.0.1:5432/ccops_scale_")
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"))
    p.add_argument("--no-build", action="store_true", help="measure the databases as they are")
    p.add_argument("--json", default=str(ROOT / "var" / "scale.json"))
    p.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one size, this process
    return p.parse_args(argv)


def log(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "n": len(ordered),
    }


# --- One size, in its own process ----------------------------------------------------------


def measure(url: str, requests: int) -> dict:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "ccops.settings.base"
    os.environ["DEBUG"] = "false"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from ccops.models import User
    from workitems.models import Customer, WorkItem

    rng = random.Random()  # other items, customers and agents in each round
    supervisor = User.objects.filter(username__startswith="bench-sup-").order_by("pk").first()
    team = supervisor.team_id
    agents = list(
        User.objects.filter(username__startswith="bench-", groups__name="Agent")
        .exclude(username__startswith="bench-sup-")
        .order_by("pk")
    )
    rng.shuffle(agents)
    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM workitems_workitem")
        lo, hi = cur.fetchone()
        cur.execute("SELECT min(id), max(id) FROM workitems_customer")
        clo, chi = cur.fetchone()
    item_ids = list(
        WorkItem.objects.filter(
            pk__in=[rng.randint(lo, hi) for _ in range(requests * 2)]
        ).values_list("pk", flat=True)
    )[:requests]
    customer_ids = list(
        Customer.objects.filter(
            pk__in=[rng.randint(clo, chi) for _ in range(requests * 2)], items__isnull=False
        )
        .distinct()
        .values_list("pk", flat=True)
    )[:requests]

    def timed(client, method, path, data=None, ok=(200,)):
        cache.clear()
        t0 = time.perf_counter()
        response = getattr(client, method)(path, data) if data else getattr(client, method)(path)
        elapsed = time.perf_counter() - t0
        if response.status_code not in ok:
            raise SystemExit(
                f"{method.upper()} {path}: {response.status_code} {response.content[:300]}"
            )
        return elapsed, response

    sup = Client()
    sup.force_login(supervisor)
    results: dict[str, list[float]] = {name: [] for name in READS}
    list_url = "/api/v1/workitems/?status=new&status=assigned"
    # Warm the process (URLconf, templates, connection) on each read once, untimed.
    warm = [list_url, f"/work/queue/?team={team}", "/dashboard/"]
    warm += [f"/work/items/{lo}/", f"/work/customers/{customer_ids[0]}/"]
    for path in warm:
        timed(sup, "get", path)
    deep = list_url + "&page_size=50"
    for _ in range(20):  # a page 20 pages in: its cursor
        deep = sup.get(deep).json()["next"]
    for _ in range(requests):
        results["list_api"].append(timed(sup, "get", list_url)[0])
        results["list_api_cursor"].append(timed(sup, "get", deep)[0])
        results["queue"].append(timed(sup, "get", f"/work/queue/?team={team}")[0])
        results["dashboard"].append(timed(sup, "get", "/dashboard/")[0])
    for pk in item_ids:
        results["item_page"].append(timed(sup, "get", f"/work/items/{pk}/")[0])
    for pk in customer_ids:
        results["customer_page"].append(timed(sup, "get", f"/work/customers/{pk}/")[0])
    done = 0
    for agent in agents:
        if done >= requests:
            break
        client = Client()
        client.force_login(agent)
        elapsed, response = timed(client, "post", "/api/v1/workitems/next/")
        item = response.json()["item"]
        if item is None:
            continue  # no work for this agent's skills
        results["claim_next"].append(elapsed)
        started = client.post(
            f"/api/v1/workitems/{item['id']}/start/", {"version": item["version"]}
        )
        version = started.json()["version"]
        elapsed, _ = timed(
            client, "post", f"/api/v1/workitems/{item['id']}/complete/", {"version": version}
        )
        results["complete"].append(elapsed)
        done += 1
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM workitems_workitem WHERE status = 'new'")
        open_new = cur.fetchone()[0]
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'workitems_workitem'")
        items = cur.fetchone()[0]
        cur.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'workitems_workitemevent'"
        )
        events = cur.fetchone()[0]
    return {
        "items_estimate": items,
        "events_estimate": events,
        "new_items": open_new,
        "samples": {name: samples for name, samples in results.items() if samples},
    }


# --- The driver ----------------------------------------------------------------------------


def build(args, label: str, url: str) -> float | None:
    if args.no_build:
        return None
    t0 = time.perf_counter()
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "load" / "prepare.py"),
        "--database-url",
        url,
        "--items",
        str(SIZES[label]),
        "--open",
        str(args.open),
    ]
    log(f"building/reusing {label}: {' '.join(cmd[1:])}")
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - t0, 1)


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "ccops.settings.base"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        check=True,
        cwd=ROOT,
        env=env,
    )


def table(result: dict) -> str:
    sizes = list(result["sizes"])
    head = "| read | " + " | ".join(f"{s} median / p95 ms" for s in sizes) + " | growth |"
    lines = [head, "|---" * (len(sizes) + 2) + "|"]
    for read in READS:
        cells = []
        for size in sizes:
            r = result["sizes"][size]["reads"].get(read)
            cells.append(f"{r['median_ms']} / {r['p95_ms']}" if r else "-")
        growth = result["growth"].get(read)
        lines.append(f"| {read} | " + " | ".join(cells) + f" | {growth if growth else '-'}x |")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["REDIS_URL"] = args.redis_url
    if args.measure:
        print(json.dumps(measure(args.measure, args.requests)))
        return 0
    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    result = {
        "requests": args.requests,
        "rounds": args.rounds,
        "open": args.open,
        "client": "django.test.Client in process, DEBUG off, cache emptied before each request",
        "sizes": {},
        "growth": {},
    }
    for label in labels:
        url = f"{args.base_url}{label}"
        seconds = build(args, label, url)
        migrate(url)
        result["sizes"][label] = {"build_or_reuse_s": seconds, "samples": {}}
    # The sizes in turn, a share of the requests each time: a slow spell of the shared
    # machine falls on every size, not on one.
    per_round = max(1, args.requests // args.rounds)
    for n in range(args.rounds):
        for label in labels:
            log(f"round {n + 1}/{args.rounds}: measuring {label}")
            out = subprocess.run(
                [sys.executable, __file__, "--measure", f"{args.base_url}{label}",
                 "--requests", str(per_round)],
                check=True,
                cwd=ROOT,
                capture_output=True,
                text=True,
            )  # fmt: skip
            got = json.loads(out.stdout.strip().splitlines()[-1])
            size = result["sizes"][label]
            for name, samples in got.pop("samples").items():
                size["samples"].setdefault(name, []).extend(samples)
            size.update(got)
    for size in result["sizes"].values():
        size["reads"] = {name: stats(s) for name, s in size.pop("samples").items()}
    first, last = labels[0], labels[-1]
    for read in READS:
        a = result["sizes"][first]["reads"].get(read)
        b = result["sizes"][last]["reads"].get(read)
        if a and b and a["median_ms"]:
            result["growth"][read] = round(b["median_ms"] / a["median_ms"], 2)
    result["growth_from_to"] = [first, last]
    result["misses"] = [r for r, g in result["growth"].items() if g > GOAL]
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
