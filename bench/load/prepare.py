"""Prepare the load-test database: 2,000 agents, 1,000,000 work items, tokens and passwords.

Usage::

    .venv/bin/python bench/load/prepare.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ccops_load [--regenerate]

Reuses ``bench/workitems.py`` (its database safety checks, its people/skills generator and
its ``COPY`` loader) scaled to 40 teams per office of 25 agents (2,000 agents, 80
supervisors), with ``--open`` items (default 200,000) new and claimable. On top of that it
adds what the load driver needs: QA analysts (``load-qa-NN``), API client accounts
(``load-api-NN``, Supervisor role, no team), the demo's front and back office scorecards,
and an API token for every load user. Every load user's password is ``bench-pass-2026``.

Idempotent-ish: a database already prepared with the same ``--items``/``--open``/``--seed``
is reused (only the accounts, scorecards and tokens are checked again, and the number of
open items is reported: each 5-minute run at 300 req/s completes about 20,000);
``--regenerate`` rebuilds it. A database holding data that these scripts did not make is
refused unless ``--reset``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import workitems as wb  # noqa: E402  (needs ROOT on the path)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ccops_load"
# 2 offices x 40 teams x 25 agents = 2,000 agents (and one supervisor per team).
wb.TEAMS_PER_OFFICE = 40
wb.AGENTS_PER_TEAM = 25
PASSWORD = wb.PASSWORD
SIGNATURE = "load-v1;teams=40x2;agents=25"
MIN_OPEN = 50_000


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--items", type=int, default=1_000_000)
    p.add_argument("--open", type=int, default=200_000, help="new (claimable) items")
    p.add_argument("--seed", type=int, default=20260101)
    p.add_argument("--qa-users", type=int, default=10)
    p.add_argument("--api-users", type=int, default=5)
    p.add_argument("--regenerate", action="store_true", help="rebuild even if reusable")
    p.add_argument("--reset", action="store_true", help="drop a non-bench database's data")
    args = p.parse_args(argv)
    if not urlparse(args.database_url).scheme.startswith("postgres"):
        p.error("--database-url must be a postgres:// URL")
    args.open = max(0, min(args.open, args.items // 2))
    return args


def log(message: str) -> None:
    print(f"[prepare {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_marker_ok(url: str) -> bool:
    """True if this database was completed by this script with the current signature."""
    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return False  # missing: bench/workitems.py creates it
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('public.load_marker') IS NOT NULL")
            if not cur.fetchone()[0]:
                return False
            cur.execute("SELECT signature, complete FROM load_marker LIMIT 1")
            row = cur.fetchone()
            return bool(row and row[0] == SIGNATURE and row[1])
    finally:
        conn.close()


def token_key(username: str) -> str:
    """A stable 40-character token per load user (rebuilding gives the same keys)."""
    return hashlib.sha1(f"ccops-load:{username}".encode()).hexdigest()


def ensure_accounts(args) -> dict:
    """QA analysts, API clients, scorecards and tokens; safe to run again."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from ccops.choices import Role
    from ccops.models import User
    from quality import services as quality_services
    from quality.demo_data import BACK_SCORECARD, FRONT_SCORECARD
    from quality.models import Scorecard

    password = make_password(PASSWORD)
    extra = [(f"load-qa-{n:02}", Role.QA) for n in range(1, args.qa_users + 1)]
    extra += [(f"load-api-{n:02}", Role.SUPERVISOR) for n in range(1, args.api_users + 1)]
    with transaction.atomic():
        for username, role in extra:
            user, created = User.objects.get_or_create(
                username=username, defaults={"password": password, "display_name": username}
            )
            if not created and not user.check_password(PASSWORD):
                user.password = password
                user.save(update_fields=["password"])
            user.groups.set([Group.objects.get(name=role)])
        qa = User.objects.get(username="load-qa-01")
        for spec in (FRONT_SCORECARD, BACK_SCORECARD):
            if not Scorecard.objects.filter(name=spec["name"], is_current=True).exists():
                quality_services.scorecard_save(by=qa, **spec)
        users = list(
            User.objects.filter(username__startswith="bench-").values_list("pk", "username")
        ) + list(User.objects.filter(username__startswith="load-").values_list("pk", "username"))
        have = set(Token.objects.filter(user_id__in=[pk for pk, _ in users]).values_list("key"))
        missing = [
            Token(key=token_key(name), user_id=pk)
            for pk, name in users
            if (token_key(name),) not in have
        ]
        Token.objects.filter(user_id__in=[t.user_id for t in missing]).delete()
        Token.objects.bulk_create(missing, batch_size=1000)
    return {"load_users": len(users), "tokens_created": len(missing)}


def write_marker(url: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS load_marker (signature text, complete bool)")
        cur.execute("DELETE FROM load_marker")
        cur.execute("INSERT INTO load_marker VALUES (%s, true)", [SIGNATURE])
    conn.close()


def summary() -> dict:
    from django.db.models import Count

    from ccops.models import User
    from workitems.models import WorkItem

    by_status = dict(WorkItem.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {
        "agents": User.objects.filter(username__startswith="bench-", groups__name="Agent").count(),
        "supervisors": User.objects.filter(username__startswith="bench-sup-").count(),
        "items": sum(by_status.values()),
        "by_status": by_status,
        "password": PASSWORD,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if not load_marker_ok(args.database_url):
        args.regenerate = True  # a half-made or bench/workitems.py database: rebuild it
    t0 = time.perf_counter()
    needs_data = wb.prepare_database(args)
    wb.setup_django(args.database_url)
    if needs_data:
        log(f"generating {args.items:,} items ({args.open:,} open) and 2,000 agents")
        generation = wb.generate(args)
    else:
        generation = {"reused": True}
    log(f"data ready: {generation}")
    accounts = ensure_accounts(args)
    write_marker(args.database_url)
    result = {
        "database_url": args.database_url,
        "generation": generation,
        "accounts": accounts,
        **summary(),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if result["by_status"].get("new", 0) < MIN_OPEN:
        log(f"only {result['by_status'].get('new', 0):,} open items left: use --regenerate")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
