"""What one agent step writes in PostgreSQL; prints JSON.

Usage::

    .venv/bin/python bench/load/step_writes.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ccops_load [--samples 20]

Runs the holder's one-statement ``start`` (``workitems.statements``) under
``EXPLAIN (ANALYZE, BUFFERS, WAL)`` on items of the prepared load database, each in a
transaction that is rolled back, and prints, per part of the statement (the item's update
and its event), the medians of WAL records, WAL bytes and buffers touched.
Every index of a row is written again on each change of status, so these count the
indexes. Leaves the database as it found it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# "->  Update on workitems_workitem" / "->  Insert on workitems_workitemevent" and the
# "Buffers:" and "WAL:" lines under them.
PARTS = {
    "item_update": "Update on workitems_workitem ",
    "event_insert": "Insert on workitems_workitemevent",
}


def _numbers(line: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def part_figures(plan: list[str]) -> dict[str, dict[str, int]]:
    out = {}
    for name, marker in PARTS.items():
        at = next(i for i, line in enumerate(plan) if marker in line)
        figures = {}
        for line in plan[at + 1 : at + 4]:
            if "Buffers:" in line:
                figures["buffers"] = sum(_numbers(line).values())
            if "WAL:" in line:
                wal = _numbers(line)
                figures["wal_records"], figures["wal_bytes"] = wal["records"], wal["bytes"]
        out[name] = figures
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.base")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from ccops.models import User
    from workitems import statements
    from workitems.models import AgentPresence, WorkItem
    from workitems.services import TRANSITIONS

    agents = list(AgentPresence.objects.order_by("agent_id").values_list("agent_id", flat=True))
    items = list(
        WorkItem.objects.filter(status="new", work_type__office="back")
        .order_by("-id")
        .values_list("id", flat=True)[: args.samples]
    )
    transition = TRANSITIONS["start"]
    sql = statements._step_sql("start", True)
    samples = []
    for n, item_id in enumerate(items):
        agent = User.objects.get(pk=agents[n % len(agents)])
        with transaction.atomic():
            WorkItem.objects.filter(pk=item_id).update(status="assigned", assignee=agent)
            item = WorkItem.objects.get(pk=item_id)
            params = statements.moved_params(
                agent=agent, kind=transition.event, now=timezone.now(), note=""
            )
            params.update(
                item=item.pk,
                sources=sorted(transition.sources),
                version=item.version,
                target=transition.target,
            )
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, WAL) " + sql, params)
                samples.append(part_figures([row[0] for row in cursor.fetchall()]))
            transaction.set_rollback(True)
    out = {
        part: {
            key: statistics.median(s[part][key] for s in samples if key in s[part])
            for key in samples[0][part]
        }
        for part in samples[0]
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = %s", [WorkItem._meta.db_table]
        )
        out["work_item_indexes"] = cursor.fetchone()[0]
    out["samples"] = len(samples)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
