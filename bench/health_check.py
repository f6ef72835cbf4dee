"""What the database health check costs a request; prints JSON.

Usage::

    .venv/bin/python bench/health_check.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ccops_load [--checks 5000]

With ``CONN_HEALTH_CHECKS`` on, Django checks a persistent connection once per request,
before its first query. Django's own PostgreSQL check runs ``SELECT 1`` (a round trip);
``ccops.db.postgresql`` asks the socket whether the server has said anything (see
ccops/db/postgresql/base.py). This times both on one warm connection, alternating in
rounds, and reads the CPU the server's process spent on them from ``/proc``, and its own. Reads
nothing, writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU of a PostgreSQL backend (same machine), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--checks", type=int, default=5000, help="checks of each kind")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.base")
    import django

    django.setup()
    from django.db import connections
    from django.db.backends.postgresql.base import DatabaseWrapper as DjangoPostgreSQL

    connection = connections["default"]
    if connection.vendor != "postgresql":
        raise SystemExit("needs a PostgreSQL --database-url")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    checks = {
        "django_select_1": DjangoPostgreSQL.is_usable,
        "ccops_socket": type(connection).is_usable,
    }
    wall = {name: [] for name in checks}
    server = dict.fromkeys(checks, 0.0)
    client = dict.fromkeys(checks, 0.0)
    per_round = max(args.checks // args.rounds, 1)
    for _ in range(args.rounds):
        for name, check in checks.items():
            cpu0, own0, t0 = server_cpu_seconds(pid), time.process_time(), time.perf_counter()
            for _ in range(per_round):
                assert check(connection)
            wall[name].append((time.perf_counter() - t0) / per_round)
            server[name] += server_cpu_seconds(pid) - cpu0
            client[name] += time.process_time() - own0
    total = per_round * args.rounds
    out = {
        "checks_each": total,
        **{
            name: {
                "wall_us_median_of_rounds": round(1e6 * statistics.median(wall[name]), 2),
                "postgresql_cpu_us": round(1e6 * server[name] / total, 2),
                "python_cpu_us": round(1e6 * client[name] / total, 2),
            }
            for name in checks
        },
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
