"""The queue page's count, when it cannot come from the backlog (a filter other than the
team), stops at ``QUEUE_COUNT_BOUND``: a ``LIMIT``ed count, shown as "N+" past it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workitems.choices import Status
from workitems.models import WorkItem
from workitems.views import supervisor as views

pytestmark = pytest.mark.django_db
QUEUE = "/work/queue/"


def test_a_filtered_count_is_bounded_and_says_so(client, supervisor, front_type, monkeypatch):
    WorkItem.objects.bulk_create(
        [WorkItem(work_type=front_type, title=f"Done {i}", status=Status.DONE) for i in range(4)]
    )
    client.force_login(supervisor)
    monkeypatch.setattr(views, "QUEUE_COUNT_BOUND", 3)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(QUEUE, {"status": "done"}).content.decode()
    assert "3+ item(s)." in page
    assert page.count('data-testid="queue-row"') == 3  # the pages end at the bound
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 4) subquery" in counts[0], counts  # the bound + 1

    monkeypatch.setattr(views, "QUEUE_COUNT_BOUND", 10)
    page = client.get(QUEUE, {"status": "done"}).content.decode()
    assert "4 item(s)." in page and "4+ item(s)" not in page
