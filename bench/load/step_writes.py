"""What one agent step writes in PostgreSQL; prints JSON.

Usage::

    .venv/bin/python bench/load/step_writes.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ccops_load [--samples 20]

Runs the holder's ``start`` (``services.workitem_start``) on items of the prepared load
database, each in a transaction that is rolled back, then runs the two writes it sent (the
item's update and its event) again under ``EXPLAIN (ANALYZE, BUFFERS, WAL)``, rolled back
too, and prints, per write, the medians of WAL records, WAL bytes and buffers touched.
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
    from django.test.utils import CaptureQueriesContext

    from ccops.models import User
    from workitems import services
    from workitems.models import AgentPresence, WorkItem

    agents = list(AgentPresence.objects.order_by("agent_id").values_list("agent_id", flat=True))
    items = list(
        WorkItem.objects.filter(status="new", work_type__office="back")
        .order_by("-id")
        .values_list("id", flat=True)[: args.samples]
    )
    samples = []
    for n, item_id in enumerate(items):
        agent = User.objects.get(pk=agents[n % len(agents)])

        def given(item_id=item_id, agent=agent):
            WorkItem.objects.filter(pk=item_id).update(status="assigned", assignee=agent)
            return WorkItem.objects.get(pk=item_id)

        with transaction.atomic(), CaptureQueriesContext(connection) as sent:
            item = given()
            services.workitem_start(item=item, by=agent, expected_version=item.version)
            transaction.set_rollback(True)
        writes = [
            q["sql"]
            for q in sent.captured_queries
            if q["sql"].startswith(
                ('UPDATE "workitems_workitem"', 'INSERT INTO "workitems_workitemevent"')
            )
        ][-2:]  # the step's own update and event (after the set-up's update)
        plan = []
        with transaction.atomic():
            given()
            with connection.cursor() as cursor:
                for sql in writes:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, WAL) " + sql)
                    plan.extend(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        samples.append(part_figures(plan))
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
