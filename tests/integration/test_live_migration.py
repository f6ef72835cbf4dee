"""A schema change on a live server: what a migration does during a rolling deploy.

Migrations run while the old code still serves (add before use, drop after: README,
"Production"), so the running code must not depend on a statement's result shape staying
as it was when the connection first ran it. Here gunicorn serves with kept connections
(``CONN_MAX_AGE`` > 0, several workers and threads) while agents, a supervisor and a QA
evaluator work through the API and the pages; meanwhile another connection widens a work
item column's type, adds a column, drops it, and narrows the type back. No answer may be a
server error, before, during or after each change.
"""

import time

import psycopg2
import pytest
from django.db import connection

from .traffic import Workload, build_world, check_traffic

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

TABLE = "workitems_workitem"
# ``title`` is varchar(200) (workitems.models.WorkItem, migration 0001): read by every list,
# page and claim. Widening a varchar is a change of type without a table rewrite, the
# usual "max_length=250" migration; then a nullable column as a new field's migration adds.
CHANGES = [
    f"ALTER TABLE {TABLE} ALTER COLUMN title TYPE varchar(250)",
    f"ALTER TABLE {TABLE} ADD COLUMN live_probe integer NULL",
    f"ALTER TABLE {TABLE} DROP COLUMN live_probe",
    f"ALTER TABLE {TABLE} ALTER COLUMN title TYPE varchar(200)",
]
RESTORE = [
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS live_probe",
    f"ALTER TABLE {TABLE} ALTER COLUMN title TYPE varchar(200)",
]
SETTLE_SECONDS = 3  # traffic before the first change and after each one


def _migration_connection():
    """A connection of its own, as ``manage.py migrate`` on another host would use."""
    db = connection.settings_dict
    conn = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        application_name="ccops-live-migration",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        # ALTER TABLE waits for the requests' transactions on the table and new ones queue
        # behind it; a request holding it for long would be a failure of its own.
        cursor.execute("SET lock_timeout = '20s'")
    return conn


def test_column_type_change_and_new_column_while_serving(app_server):
    world = build_world(api_agents=5, page_agents=2, items=60)
    db = connection.settings_dict
    server = app_server(
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        CONN_MAX_AGE=600,  # every connection outlives the changes
    )
    ddl = _migration_connection()
    workload = Workload(server.base_url, world).start()
    served_after = {}
    try:
        time.sleep(SETTLE_SECONDS)
        for statement in CHANGES:
            with ddl.cursor() as cursor:
                cursor.execute(statement)
            before = workload.recorder.count()
            time.sleep(SETTLE_SECONDS)
            served_after[statement] = workload.recorder.count() - before
    finally:
        workload.stop()
        with ddl.cursor() as cursor:
            for statement in RESTORE:  # the test database's schema as the migrations left it
                cursor.execute(statement)
        ddl.close()

    check_traffic(workload, server, "while the work item table was altered")
    assert all(n >= 5 for n in served_after.values()), served_after
