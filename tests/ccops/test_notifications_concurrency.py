"""Two senders at once never send one message twice (row locks, SKIP LOCKED): PostgreSQL."""

import threading
import time

import pytest
from django.db import connection

from ccops import notifications
from ccops.choices import Role
from ccops.notification_models import OutboxMessage
from tests.factories import make_user
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_senders_share_the_outbox_without_sending_twice(settings, monkeypatch):
    require_postgres()
    # Written, not yet sent: the senders below are the only ones.
    monkeypatch.setattr(notifications.dispatch, "enqueue_on_commit", lambda *a, **k: None)
    people = [make_user(Role.AGENT, username=f"a{n}", email=f"a{n}@example.com") for n in range(40)]
    notifications.notify(notifications.Kind.SCHEDULE_PUBLISHED, people, title="Week published")
    sent, lock = [], threading.Lock()
    barrier = threading.Barrier(2)

    def slow_send(message):
        time.sleep(0.01)  # long enough for the other sender to be at work meanwhile
        with lock:
            sent.append(message.pk)

    monkeypatch.setitem(notifications.SENDERS, "email", slow_send)

    def sender():
        try:
            barrier.wait(5)
            notifications.deliver_due(batch=5)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(sent) == sorted(OutboxMessage.objects.values_list("pk", flat=True))
    assert len(sent) == len(set(sent)) == 40
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
