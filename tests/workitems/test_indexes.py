"""Work items carry the indexes their reads need and no more: every index of an item is
written again on each change of status (claim, start, complete), and of an event on each
insert. The foreign keys stay; their lookups use the composite or partial index."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ccops.choices import Role
from ccops.models import Team
from tests.factories import make_user
from tests.services import require_postgres
from workitems import services
from workitems.choices import Status
from workitems.models import WorkItem, WorkItemEvent
from workitems.selectors import backlog_by_type, queue_queryset
from workitems.views.supervisor import QUEUE_ROW_FIELDS

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


def _plan(sql: str, params=()) -> str:
    """The plan of ``sql`` where an index can serve it (the tables here are nearly empty)."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")


def plan_with(index: str, sql: str, params=()) -> str:
    """The plan of ``sql`` with ``index`` the only secondary index of the items left (the
    others dropped in a transaction rolled back at once): whether ``index`` can serve the
    read, and how (``Index Only Scan`` when it holds every column read). Which of several
    that can is cheapest is the planner's call on the real table's statistics, not on the
    few hundred rows of a test, where ties go any way (``bench/scale.py`` measures those)."""
    table = WorkItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND i.relname <> %s",
            [table, index],
        )
        others = [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name in others:
                cursor.execute(f'DROP INDEX "{name}"')
        plan = _plan(sql, params)
        transaction.set_rollback(True)
    return plan


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
    plan = _plan(*queryset().order_by().query.sql_with_params())
    assert index in plan


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("by_team", "index"), [(True, "wi_open_team_due"), (False, "wi_open_type_due")]
)
def test_the_backlog_counts_from_an_index_alone(by_team, index, make_item):
    """The live backlog (queue page, dashboard, intraday) counts tens of thousands of open
    items: its index holds every column it reads, so the table's rows are not visited.

    The table is vacuumed first, as autovacuum keeps a live one: until its pages are marked
    all-visible, an index-only scan costs what an index scan does, and the planner's pick
    among the open items' partial indexes is a tie (hence a committed transaction here)."""
    require_postgres()
    items = [make_item(title=f"Open {n}") for n in range(20)]
    # Closed items of the same team and type (most of any real table): the plain team and
    # type indexes are then priced at their size, not a tie with the open items' index.
    WorkItem.objects.bulk_create(
        [
            WorkItem(
                work_type_id=items[0].work_type_id,
                team_id=items[0].team_id,
                title=f"Done {n}",
                status=Status.DONE,
            )
            for n in range(500)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {WorkItem._meta.db_table}")
    with CaptureQueriesContext(connection) as captured:
        backlog_by_type(team=items[0].team if by_team else None)
    (query,) = captured.captured_queries
    assert "Seq Scan on workitems_workitem" not in _plan(query["sql"])
    plan = plan_with(index, query["sql"])
    assert f"Index Only Scan using {index} on workitems_workitem" in plan, plan


def test_the_team_queue_reads_in_its_index_order():
    """A team's queue page (most urgent first) reads its 50 rows off ``wi_open_team_due`` in
    order: no sort of the team's open items."""
    require_postgres()
    supervisor = make_user(Role.SUPERVISOR)
    sql, params = (
        queue_queryset(user=supervisor, team=Team(pk=1))
        .only(*QUEUE_ROW_FIELDS)[:50]
        .query.sql_with_params()
    )
    plan = _plan(sql, params)
    assert "Index Scan using wi_open_team_due on workitems_workitem" in plan, plan
    assert "Sort" not in plan


def test_the_claim_picks_each_types_candidate_off_its_routing_index():
    """Claim-next takes the most urgent new item of each eligible type from
    ``wi_route_type_new`` (one row per type, ``SKIP LOCKED``), never a scan of the queue."""
    require_postgres()
    sql = services._CLAIM_SQL.format(items=WorkItem._meta.db_table)
    params = [Status.ASSIGNED, 1, "2026-01-01T00:00:00Z", [1, 2], Status.NEW, Status.NEW]
    plan = _plan(sql, params)
    assert "Index Scan using wi_route_type_new on workitems_workitem" in plan, plan
    assert "LockRows" in plan
