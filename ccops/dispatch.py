"""Queue a Celery task from a request without letting the broker fail or stall the request.

Every task enqueued at request time goes through :func:`enqueue` (or :func:`enqueue_on_commit`
when the caller is inside a transaction). The publish gets a short, bounded connect and retry
budget; when the broker cannot be reached within it, the task runs here, inline
(``task.apply``), and a warning is logged. Tasks are idempotent (see ARCHITECTURE.md), so an
inline run is the same work the worker would have done: nothing is lost, the user waits for
the task instead of for a dead Redis. (A Redis that hangs rather than refuses may still have
taken a publish that timed out; the task then runs twice, which idempotence makes harmless.)

The publish uses its own short-lived connection with one-second socket timeouts rather than
the app's pool: request-time enqueues are rare, and the pool's connections carry the worker's
settings (no socket timeout), on which a frozen Redis would hang the request.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: Total seconds to spend (re)connecting to the broker before giving up and running inline.
CONNECT_TIMEOUT = 2.0
#: redis-py socket timeouts of the publishing connection (seconds).
TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
#: Retries of the publish itself (the connection dropped between connect and publish).
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.25,
    "interval_max": 0.5,
}
#: What "the broker is unreachable" looks like from kombu and redis-py.
BROKER_DOWN = (KombuOperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def enqueue(task: Task, *args, **kwargs):
    """Publish ``task(*args, **kwargs)`` to the broker now; run it inline if the broker is
    down. Returns the ``AsyncResult`` (queued) or ``EagerResult`` (ran here)."""
    app = task.app
    if app.conf.task_always_eager:
        return task.apply_async(args, kwargs)  # laptop and unit tests: inline, as .delay()
    try:
        # A refused connection fails at once, a hung Redis within about two seconds.
        with app.connection_for_write(
            connect_timeout=CONNECT_TIMEOUT, transport_options=TRANSPORT_OPTIONS
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=CONNECT_TIMEOUT)
            return task.apply_async(
                args, kwargs, connection=conn, retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
    except BROKER_DOWN as exc:
        logger.warning(
            "broker unreachable (%s: %s): running %s inline",
            exc.__class__.__name__,
            exc,
            task.name,
        )
    result = task.apply(args, kwargs, throw=False)
    if result.failed():
        # A queued task that fails does not fail the request that queued it; neither does this.
        logger.error("inline run of %s failed: %r", task.name, result.result)
    return result


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """:func:`enqueue` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))
