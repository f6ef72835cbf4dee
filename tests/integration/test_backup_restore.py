"""Backup and restore as the README describes it: ``pg_dump -Fc`` of a database holding real
data, ``pg_restore --no-owner`` into a fresh database, then every table has the same rows
(key tables compared by checksum), sequences carry on, and Django sees no missing
migration."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from ccops.models import User
from quality.models import Evaluation
from tests.services import require_postgres
from workitems.models import WorkItem, WorkItemEvent

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
KEY_MODELS = [User, WorkItem, WorkItemEvent, Evaluation]


def conn_args(db: dict) -> list[str]:
    return [
        f"--host={db['HOST'] or '127.0.0.1'}",
        f"--port={db['PORT'] or 5432}",
        f"--username={db['USER'] or 'postgres'}",
    ]


def pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def connect(db: dict, name: str):
    return psycopg2.connect(
        dbname=name,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db.get("PASSWORD") or None,
    )


def snapshot(conn) -> dict:
    """Row count of every table, an md5 of every row of the key tables (in id order) and
    the next value of their id sequences."""
    out = {}
    with conn.cursor() as cur:
        cur.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT count(*) FROM "{table}"')
            out[f"rows {table}"] = cur.fetchone()[0]
        for model in KEY_MODELS:
            table = model._meta.db_table
            cur.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM \"{table}\" t")
            out[f"md5 {table}"] = cur.fetchone()[0]
            cur.execute(
                "SELECT last_value FROM pg_sequences WHERE schemaname = 'public' "
                "AND sequencename = %s",
                [f"{table}_id_seq"],
            )
            out[f"seq {table}"] = cur.fetchone()[0]
    return out


@pytest.fixture
def fresh_database(transactional_db):
    """An empty database next to the test database, dropped afterwards."""
    require_postgres()
    db = connection.settings_dict
    name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin = connect(db, "postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_pg_dump_and_pg_restore_round_trip(fresh_database, tmp_path):
    # Real data, committed (transactional_db) so pg_dump's own connection sees it.
    call_command("seed_demo", "--agents", "4", "--seed", "11")
    assert User.objects.count() >= 10
    assert WorkItem.objects.count() > 100 and WorkItemEvent.objects.count() > 100
    assert Evaluation.objects.count() > 10

    db = connection.settings_dict
    dump = tmp_path / "ccops.dump"
    subprocess.run(
        ["pg_dump", *conn_args(db), "-Fc", f"--file={dump}", db["NAME"]],
        env=pg_env(db),
        check=True,
        capture_output=True,
    )
    assert dump.stat().st_size > 10_000
    restore = subprocess.run(
        [
            "pg_restore",
            *conn_args(db),
            "--no-owner",
            "--exit-on-error",
            f"--dbname={fresh_database}",
            str(dump),
        ],
        env=pg_env(db),
        capture_output=True,
        text=True,
    )
    assert restore.returncode == 0, restore.stderr

    source = connect(db, db["NAME"])
    restored = connect(db, fresh_database)
    try:
        before, after = snapshot(source), snapshot(restored)
    finally:
        source.close()
        restored.close()
    assert len([k for k in before if k.startswith("rows ")]) > 40  # every table compared
    assert before[f"rows {WorkItem._meta.db_table}"] == WorkItem.objects.count()
    assert all(before[f"md5 {m._meta.db_table}"] for m in KEY_MODELS)
    assert after == before

    # The restored database is a working ccops database: no migration is missing.
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env.update(
        DJANGO_SETTINGS_MODULE="ccops.settings.test",
        DATABASE_URL=f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{fresh_database}",
        CONN_MAX_AGE="0",
    )
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check", "--plan"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
