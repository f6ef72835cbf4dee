"""The QA write path's reads and event writes as hand-written statements (``ccops.rows``).

An evaluator's draft and submit each ran five or six ORM queries whose SQL Django compiled
again on every request (the item with its names, the current scorecards and their work
types, the criteria, the lock, the events): compiling cost more of the request's CPU than
running them. These are the same statements written once, run with ``ccops.rows.execute``
(planned once per connection on PostgreSQL), and read back with ``from_row`` into the
instances the ORM would have built, with the same relations loaded. Every statement is
plain SQL both databases run, but for the lock's ``FOR UPDATE``, which only PostgreSQL
writes (the ORM leaves it out on SQLite too).

``tests/quality/test_statements.py`` compares each with the ORM query it replaces.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.transaction import TransactionManagementError

from ccops.models import User
from ccops.rows import columns, execute, from_row
from workitems.models import WorkItem, WorkType

from .models import Criterion, Evaluation, EvaluationEvent, Scorecard, ScorecardSection
from .selectors import LIST_RELATED


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model) -> str:
    return _q(model._meta.db_table)


# --- The item to evaluate, with its work type and agent ---------------------------------

_ITEM_SQL = """
SELECT {item_columns}, {work_type_columns}, {user_columns}
FROM {items} i
JOIN {work_types} wt ON wt.id = i.work_type_id
LEFT JOIN {users} u ON u.id = i.assignee_id
WHERE i.id = %(pk)s
"""


@cache
def _item_sql() -> str:
    return _ITEM_SQL.format(
        item_columns=columns(WorkItem, "i"),
        work_type_columns=columns(WorkType, "wt"),
        user_columns=columns(User, "u"),
        items=_table(WorkItem),
        work_types=_table(WorkType),
        users=_table(User),
    )


def _id(model, value) -> int | None:
    """``value`` as the ORM would look the id up: converted (the ORM's ``ValueError`` or
    ``TypeError`` for what is not a number), or ``None`` where no row can match (``None``,
    or out of the column's range, which the ORM matches with nothing)."""
    value = model._meta.pk.get_prep_value(value)
    if value is None:
        return None
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value


def item_with_work_type_and_assignee(pk) -> WorkItem | None:
    """``WorkItem.objects.select_related("work_type", "assignee").filter(pk=pk).first()``."""
    pk = _id(WorkItem, pk)
    if pk is None:
        return None
    with connection.cursor() as cursor:
        execute(cursor, _item_sql(), {"pk": pk})
        row = cursor.fetchone()
    if row is None:
        return None
    item, end = from_row(WorkItem, row)
    work_type, end = from_row(WorkType, row, end)
    assignee, _ = from_row(User, row, end, present=item.assignee_id is not None)
    # As ``select_related`` caches them (an item with no assignee caches ``None``).
    WorkItem.work_type.field.set_cached_value(item, work_type)
    WorkItem.assignee.field.set_cached_value(item, assignee)
    return item


# --- The current scorecards, with the ids of the work types each names ------------------

_CARDS_SQL = """
SELECT {scorecard_columns}, swt.{work_type_id}
FROM {scorecards} sc
LEFT JOIN {scorecard_work_types} swt ON swt.{scorecard_id} = sc.id
WHERE sc.is_current
ORDER BY sc.id
"""


@cache
def _cards_sql() -> str:
    through = Scorecard._meta.get_field("work_types").remote_field.through
    return _CARDS_SQL.format(
        scorecard_columns=columns(Scorecard, "sc"),
        work_type_id=_q(through._meta.get_field("worktype").column),
        scorecard_id=_q(through._meta.get_field("scorecard").column),
        scorecards=_table(Scorecard),
        scorecard_work_types=_table(through),
    )


def current_scorecards() -> list[tuple[Scorecard, set[int]]]:
    """Every current scorecard, by id, with the ids of the work types it names (empty: it
    names none): what ``Scorecard.objects.filter(is_current=True)
    .prefetch_related("work_types").order_by("id")`` reads, in one statement."""
    with connection.cursor() as cursor:
        execute(cursor, _cards_sql(), {})
        rows = cursor.fetchall()
    fields = Scorecard._meta.concrete_fields
    width, at = len(fields), fields.index(Scorecard._meta.pk)
    cards: dict[int, tuple[Scorecard, set[int]]] = {}
    for row in rows:
        entry = cards.get(row[at])
        if entry is None:  # (a card's first row: one row per work type it names)
            entry = cards[row[at]] = (from_row(Scorecard, row)[0], set())
        if row[width] is not None:
            entry[1].add(row[width])
    return list(cards.values())


# --- A scorecard's criteria, with their sections ----------------------------------------

_CRITERIA_SQL = """
SELECT {criterion_columns}, {section_columns}
FROM {criteria} c
JOIN {sections} s ON s.id = c.section_id
WHERE c.scorecard_id = %(scorecard)s
ORDER BY c.position
"""


@cache
def _criteria_sql() -> str:
    return _CRITERIA_SQL.format(
        criterion_columns=columns(Criterion, "c"),
        section_columns=columns(ScorecardSection, "s"),
        criteria=_table(Criterion),
        sections=_table(ScorecardSection),
    )


def criteria_with_sections(scorecard: Scorecard) -> list[Criterion]:
    """``scorecard.criteria.select_related("section").order_by("position")``, each with
    its ``scorecard`` (the one given) and ``section`` loaded, as the related manager does."""
    with connection.cursor() as cursor:
        execute(cursor, _criteria_sql(), {"scorecard": scorecard.pk})
        rows = cursor.fetchall()
    out = []
    for row in rows:
        criterion, end = from_row(Criterion, row)
        section, _ = from_row(ScorecardSection, row, end)
        Criterion.section.field.set_cached_value(criterion, section)
        Criterion.scorecard.field.set_cached_value(criterion, scorecard)
        out.append(criterion)
    return out


# --- An evaluation, locked, with the names its answer shows (``selectors.LIST_RELATED``) ---


@cache
def _lock_sql() -> str:
    """``SELECT`` the evaluation's columns, then each ``LIST_RELATED`` relation's (joined as
    ``select_related`` joins it: an inner join, a left one where the link may be null),
    ``FOR UPDATE OF`` the evaluation only; the ORM writes no lock where the database has
    no row locks (SQLite), nor does this."""
    selected, joins = [columns(Evaluation, "e")], []
    for i, name in enumerate(LIST_RELATED):
        field = Evaluation._meta.get_field(name)
        model, alias = field.related_model, f"r{i}"
        selected.append(columns(model, alias))
        joins.append(
            f"{'LEFT JOIN' if field.null else 'JOIN'} {_table(model)} {alias} "
            f"ON {alias}.{_q(model._meta.pk.column)} = e.{_q(field.column)}"
        )
    lock = " FOR UPDATE OF e" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {', '.join(selected)}\nFROM {_table(Evaluation)} e\n"
        + "\n".join(joins)
        + f"\nWHERE e.id = %(pk)s{lock}"
    )


def lock_evaluation(pk) -> Evaluation:
    """``Evaluation.objects.select_for_update(of=("self",))
    .select_related(*LIST_RELATED).get(pk=pk)`` in a statement planned once: the row
    locked until the transaction ends, its names loaded as ``select_related`` loads them;
    ``Evaluation.DoesNotExist`` if there is none."""
    # As the ORM refuses it where it writes a lock: the lock would end with the statement.
    if connection.features.has_select_for_update and connection.get_autocommit():
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    pk = _id(Evaluation, pk)
    row = None
    if pk is not None:
        with connection.cursor() as cursor:
            execute(cursor, _lock_sql(), {"pk": pk})
            row = cursor.fetchone()
    if row is None:
        raise Evaluation.DoesNotExist(
            f"{Evaluation._meta.object_name} matching query does not exist."
        )
    evaluation, end = from_row(Evaluation, row)
    for name in LIST_RELATED:
        field = Evaluation._meta.get_field(name)
        present = getattr(evaluation, field.attname) is not None
        related, end = from_row(field.related_model, row, end, present=present)
        field.set_cached_value(evaluation, related)
        if related is not None and field.one_to_one:  # the item's reverse accessor too
            field.remote_field.set_cached_value(related, evaluation)
    return evaluation


# --- Events ------------------------------------------------------------------------------

_EVENT_FIELDS = tuple(f for f in EvaluationEvent._meta.concrete_fields if not f.primary_key)

_INSERT_EVENTS_SQL = """
INSERT INTO {events} ({names})
VALUES {rows}
RETURNING {event_columns}
"""


@cache
def _insert_events_sql(n: int) -> str:
    rows = ", ".join(
        "(" + ", ".join(f"%({f.attname}_{i})s" for f in _EVENT_FIELDS) + ")" for i in range(n)
    )
    return _INSERT_EVENTS_SQL.format(
        events=_table(EvaluationEvent),
        names=", ".join(_q(f.column) for f in _EVENT_FIELDS),
        rows=rows,
        event_columns=columns(EvaluationEvent),
    )


def insert_events(events: list[EvaluationEvent]) -> list[EvaluationEvent] | None:
    """Write new ``events`` in one statement, each value prepared as ``bulk_create`` does
    (``pre_save``, then ``get_db_prep_save``); return them as the database stored them
    (read back by ``RETURNING``: JSON as it comes out, on PostgreSQL with ``jsonb``'s key
    order), with the ``evaluation`` and ``actor`` of the events given.

    A database with no ``RETURNING`` (SQLite before 3.35) gets ``bulk_create``, and
    ``None``: the caller reads the events if it needs them."""
    if not connection.features.can_return_rows_from_bulk_insert:
        EvaluationEvent.objects.bulk_create(events)
        return None
    params = {}
    for i, event in enumerate(events):
        for f in _EVENT_FIELDS:
            params[f"{f.attname}_{i}"] = f.get_db_prep_save(f.pre_save(event, True), connection)
    with connection.cursor() as cursor:
        execute(cursor, _insert_events_sql(len(events)), params)
        rows = cursor.fetchall()
    by_evaluation = EvaluationEvent.evaluation.field
    by_actor = EvaluationEvent.actor.field
    out = []
    for event, row in zip(events, rows, strict=True):
        stored, _ = from_row(EvaluationEvent, row)
        by_evaluation.set_cached_value(stored, event.evaluation)
        by_actor.set_cached_value(stored, event.actor)
        event.pk, event._state.adding, event._state.db = stored.pk, False, stored._state.db
        out.append(stored)
    return out


_EVENTS_SQL = """
SELECT {event_columns}, {user_columns}
FROM {events} ev
LEFT JOIN {users} u ON u.id = ev.actor_id
WHERE ev.evaluation_id = %(evaluation)s
ORDER BY ev.at, ev.id
"""


@cache
def _events_sql() -> str:
    return _EVENTS_SQL.format(
        event_columns=columns(EvaluationEvent, "ev"),
        user_columns=columns(User, "u"),
        events=_table(EvaluationEvent),
        users=_table(User),
    )


def events_with_actors(evaluation: Evaluation) -> list[EvaluationEvent]:
    """The evaluation's events in history order (``at``, then id), each with its ``actor``
    loaded (``None`` where the user is gone) and ``evaluation`` being the one given."""
    with connection.cursor() as cursor:
        execute(cursor, _events_sql(), {"evaluation": evaluation.pk})
        rows = cursor.fetchall()
    by_evaluation = EvaluationEvent.evaluation.field
    by_actor = EvaluationEvent.actor.field
    out = []
    for row in rows:
        event, end = from_row(EvaluationEvent, row)
        actor, _ = from_row(User, row, end, present=event.actor_id is not None)
        by_evaluation.set_cached_value(event, evaluation)
        by_actor.set_cached_value(event, actor)
        out.append(event)
    return out


def cache_events(evaluation: Evaluation, events: list[EvaluationEvent]) -> None:
    """Leave ``events`` (all of the evaluation's, in history order) where
    ``prefetch_related("events")`` leaves them: ``evaluation.events.all()`` then reads no
    more, and answers a queryset like the prefetch's."""
    queryset = evaluation.events.select_related("actor").order_by("at", "id")
    queryset._result_cache = events
    queryset._prefetch_done = True
    evaluation._prefetched_objects_cache = {
        **getattr(evaluation, "_prefetched_objects_cache", {}),
        "events": queryset,
    }
