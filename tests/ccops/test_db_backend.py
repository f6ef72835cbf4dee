"""The PostgreSQL backend's health check (ccops/db/postgresql): no round trip on a healthy
connection, and a connection the server ended is replaced before a request uses it."""

import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoPostgreSQL

from tests.services import require_postgres

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def other():
    """A second connection to the test database, with its server process id."""
    require_postgres()
    wrapper = connections.create_connection("default")
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    yield wrapper, pid
    wrapper.close()


def last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def wait_until(predicate, timeout=5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_the_backend_is_in_use():
    require_postgres()
    assert type(connections["default"]).__module__ == "ccops.db.postgresql.base"


def test_a_healthy_connection_passes_without_a_statement(other):
    wrapper, pid = other
    assert wrapper.is_usable() is True
    assert last_statement(pid) == "SELECT pg_backend_pid()"  # nothing was sent
    # Django's own check would have sent one: what this test would see if it came back.
    assert DjangoPostgreSQL.is_usable(wrapper) is True
    assert last_statement(pid) == "SELECT 1"


def test_a_connection_the_server_ended_is_unusable_and_replaced(other):
    wrapper, pid = other
    terminate(pid)
    assert wait_until(lambda: not wrapper.is_usable())
    # What Django does before a request's first query (CONN_HEALTH_CHECKS).
    wrapper.health_check_enabled, wrapper.health_check_done = True, False
    wrapper.close_if_health_check_failed()
    assert wrapper.connection is None
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_failed_transaction_is_unusable(other):
    wrapper, _ = other
    wrapper.set_autocommit(False)
    with pytest.raises(Exception, match="no_such_table"), wrapper.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    assert wrapper.is_usable() is False
    wrapper.rollback()
    assert wrapper.is_usable() is True


def test_a_request_after_the_server_ended_the_connection_is_served(client):
    require_postgres()
    assert client.get("/healthz").json()["database"] == "ok"  # the persistent connection
    pid = connection.connection.info.backend_pid
    terminator = connections.create_connection("default")  # not the one it ends
    with terminator.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    terminator.close()
    assert wait_until(lambda: not connection.is_usable())
    # Django's request_started handler (the test client leaves it out): it arms the health
    # check that runs before the request's first query.
    connection.close_if_unusable_or_obsolete()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert connection.connection.info.backend_pid != pid
