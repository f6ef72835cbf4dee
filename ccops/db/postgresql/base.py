"""Django's PostgreSQL backend with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` on, Django checks a persistent connection before a request's
first query by running ``SELECT 1`` on it: a round trip to the server on every request (a
tenth of an agent action's time on the load test, and a statement of the server's CPU).

Here the check asks the operating system instead. An idle connection has nothing to read:
the server only speaks when asked. When it ends a session (a restart, a failover, an
administrator's ``pg_terminate_backend``) it sends its error and closes the socket, so an
idle socket with something to read is a connection the server has given up; so is one whose
last transaction failed or whose state the driver no longer knows, as ``SELECT 1`` would
find. Django then closes it and the request's query opens a fresh one, as with its own
check. A connection cut without a word (a dead network, where ``SELECT 1`` would wait for
the TCP timeout as well) is found by the query that uses it.
"""

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper
from psycopg2.extensions import TRANSACTION_STATUS_INERROR, TRANSACTION_STATUS_UNKNOWN

UNUSABLE_STATES = (TRANSACTION_STATUS_INERROR, TRANSACTION_STATUS_UNKNOWN)


def has_data_waiting(fd: int) -> bool:
    """Whether the socket ``fd`` has bytes (or its end) to read, without waiting."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    def is_usable(self):
        raw = self.connection
        if raw is None or raw.closed:
            return False
        try:
            if raw.get_transaction_status() in UNUSABLE_STATES:
                return False
            return not has_data_waiting(raw.fileno())
        except (OSError, ValueError, self.Database.Error):
            return False
