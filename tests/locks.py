"""Holding a row lock in another transaction, to show an action does not wait on it."""

import threading
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def row_held_elsewhere(model, pk, *, lock_timeout="2s"):
    """Lock ``model`` row ``pk`` in a transaction on another thread's connection for the
    body of the ``with``; the body's own statements give up after ``lock_timeout`` (an
    ``OperationalError``) instead of waiting for it."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10), "the other transaction did not take the lock"
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = %s", [lock_timeout])
        yield
    finally:
        release.set()
        holder.join(10)
