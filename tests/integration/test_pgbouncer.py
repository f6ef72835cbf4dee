"""The scale-out path: ccops served by gunicorn through PgBouncer in transaction pooling.

Growth past one machine is more gunicorn and Celery processes on more hosts, sharing
PostgreSQL's connections through PgBouncer in ``pool_mode = transaction`` (README,
"Production"). There, consecutive transactions of one Django connection run on different
server connections, so nothing may rely on a server connection's session state (SQL-level
prepared statements, server-side cursors, ``SET``). Here agents claim, start and complete
work through the API with tokens and through the pages, a supervisor and a QA evaluator log
in and use their pages, all at once through a PgBouncer with fewer server connections than
clients: no answer may be a server error and no item may be held by two agents.
"""

import time

import pytest

from .traffic import Workload, build_world, check_traffic

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

TRAFFIC_SECONDS = 12


def test_agents_and_pages_through_pgbouncer_in_transaction_pooling(pgbouncer, app_server):
    world = build_world(api_agents=5, page_agents=2, items=60)
    server = app_server(
        pgbouncer.database_url,
        CONN_MAX_AGE=60,  # kept connections: each is a PgBouncer client, not a server one
        DATABASE_DISABLE_SERVER_SIDE_CURSORS="true",
    )

    workload = Workload(server.base_url, world).start()
    try:
        time.sleep(TRAFFIC_SECONDS)
    finally:
        workload.stop()

    check_traffic(workload, server, "through PgBouncer in transaction pooling")
    # It all went through PgBouncer (at least a transaction per answer).
    assert pgbouncer.transactions() >= workload.recorder.count()
