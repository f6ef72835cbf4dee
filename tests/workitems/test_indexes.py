"""Work items carry the indexes their reads need and no more: every index of an item is
written again on each change of status (claim, start, complete), and of an event on each
insert. The foreign keys stay; their lookups use the composite or partial index."""

import pytest
from django.db import connection

from tests.services import require_postgres
from workitems.models import WorkItem, WorkItemEvent

pytestmark = pytest.mark.django_db


def indexes(model) -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name: c for name, c in found.items() if c["index"] and not c["primary_key"]}


def foreign_keys(model) -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {c["columns"][0] for c in found.values() if c["foreign_key"]}


def test_no_index_repeats_another_or_covers_empty_links():
    require_postgres()
    by_name = indexes(WorkItem)
    for name in ("wi_origin", "wi_duplicate_of", "wi_related_to"):
        assert name in by_name
    # The links are indexed only where set: one index each, partial.
    for column in ("origin_id", "duplicate_of_id", "related_to_id"):
        on_column = [n for n, c in by_name.items() if c["columns"] == [column]]
        assert on_column == [f"wi_{column.removesuffix('_id')}"]
    assert not [n for n, c in by_name.items() if c["columns"] == ["customer_id"]]
    assert by_name["wi_customer"]["columns"][0] == "customer_id"
    events = indexes(WorkItemEvent)
    assert not [n for n, c in events.items() if c["columns"] == ["item_id"]]
    assert events["wie_item_at"]["columns"][0] == "item_id"


def test_the_foreign_keys_stay():
    require_postgres()
    assert {"customer_id", "origin_id", "duplicate_of_id", "related_to_id"} <= foreign_keys(
        WorkItem
    )
    assert "item_id" in foreign_keys(WorkItemEvent)


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: WorkItem.objects.filter(origin_id=1), "wi_origin"),
        (lambda: WorkItem.objects.filter(duplicate_of_id=1), "wi_duplicate_of"),
        (lambda: WorkItem.objects.filter(related_to_id=1), "wi_related_to"),
        (lambda: WorkItem.objects.filter(customer_id=1), "wi_customer"),
        (lambda: WorkItemEvent.objects.filter(item_id=1), "wie_item_at"),
    ],
)
def test_link_lookups_use_the_remaining_indexes(queryset, index):
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # the tables here are empty
        try:
            plan = queryset().order_by().explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert index in plan
