"""Hand-written SQL on hot paths: the column list of a model, the model back from a row, and
statements planned once per connection.

For the few statements written by hand (claim-next, the holder's steps, the token's user):
``columns`` names a model's concrete columns under a table alias in ``SELECT`` order, and
``from_row`` builds the instance from the matching slice of a result row, returning where
the next model's columns start, so several models joined in one row read off in turn.

``execute`` runs one with named parameters (``%(name)s``); on PostgreSQL as a server-side
prepared statement, so the server parses and plans it once per connection instead of on
every request (for the holder's one-statement steps, planning cost more than running).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute


def columns(model, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    q = connection.ops.quote_name
    return ", ".join(f"{prefix}{q(f.column)}" for f in model._meta.concrete_fields)


_CONSTANT = re.compile(r"^[a-z_]+$")


def literal(value: str) -> str:
    """A code constant (a status, say) written into a statement's text, not passed as a
    parameter: a prepared statement's generic plan can then use the partial indexes whose
    condition names it. With the value as a parameter, PostgreSQL plans every execution
    afresh (a custom plan), which costs more than running the statement."""
    if not _CONSTANT.match(value):
        raise ValueError(f"not a constant: {value!r}")
    return f"'{value}'"


def from_row(model, row, start: int = 0, *, present: bool = True):
    """``(instance, next start)`` from ``row[start:...]``; the instance is ``None`` when not
    ``present`` (a LEFT JOIN that found nothing). Rows come from the default database."""
    width, converters, attnames = _plan(model)
    end = start + width
    if not present:
        return None, end
    values = row[start:end]
    if converters:
        values = list(values)
        for i, col, functions in converters:
            for convert in functions:
                values[i] = convert(values[i], col, connection)
    if attnames is None:
        instance = model(*values)  # what ``Model.from_db`` does with every column present
        instance._state.adding = False
        instance._state.db = DEFAULT_DB_ALIAS
        return instance, end
    # What ``Model.__init__`` leaves for a full row, written at once: it set each column
    # through ``setattr`` and sent two signals nobody listens to, as long as the rest.
    state = ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS
    instance = model.__new__(model)
    instance.__dict__["_state"] = state
    instance.__dict__.update(zip(attnames, values, strict=True))
    return instance, end


_plans: dict = {}


def _plan(model) -> tuple[int, tuple, tuple | None]:
    """How many columns ``model`` has, what the ORM would apply to each as it reads it
    (SQLite's durations and decimals, JSON on every database: none for most models on
    PostgreSQL), and the column attributes to set directly, or ``None`` where
    ``Model.__init__`` must build the instance: a model with its own ``__init__``, a field
    with a descriptor of its own (a file, say), or ``pre_init``/``post_init`` receivers.
    Planned once per model (one database vendor, and its receivers connected, by then)."""
    plan = _plans.get(model)
    if plan is None:
        found = []
        for i, field in enumerate(model._meta.concrete_fields):
            col = field.get_col(model._meta.db_table)
            functions = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            if functions:
                found.append((i, col, tuple(functions)))
        fields = model._meta.concrete_fields
        plain = (
            model.__init__ is Model.__init__
            and not signals.pre_init.has_listeners(model)
            and not signals.post_init.has_listeners(model)
            and all(
                type(vars(model).get(f.attname)) in (DeferredAttribute, ForeignKeyDeferredAttribute)
                for f in fields
            )
        )
        attnames = tuple(f.attname for f in fields) if plain else None
        plan = _plans[model] = (len(fields), tuple(found), attnames)
    return plan


_NAMED = re.compile(r"%\((\w+)\)s")


@cache
def _prepared(sql: str) -> tuple[str, str, tuple[str, ...]]:
    """``(PREPARE text, EXECUTE text, parameter names in $n order)`` for ``sql``. The name
    is a digest of the text: a statement whose text changed is a new statement."""
    names: list[str] = []

    def number(match):
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    body = _NAMED.sub(number, sql)
    name = "ccops_" + hashlib.sha1(sql.encode()).hexdigest()[:20]
    run = f"EXECUTE {name} ({', '.join(['%s'] * len(names))})" if names else f"EXECUTE {name}"
    return f"PREPARE {name} AS {body}", run, tuple(names)


def execute(cursor, sql: str, params: dict) -> None:
    """Run ``sql`` with named ``params`` on ``cursor`` (of ``django.db.connection``)."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    prepare, run, names = _prepared(sql)
    # Prepared statements live as long as the server connection: remember them with it (on
    # this thread's database wrapper, not the shared ``connection`` proxy).
    db = cursor.db
    raw, done = db.__dict__.get("_ccops_prepared", (None, None))
    if raw is not db.connection:
        raw, done = db.connection, set()
        db.__dict__["_ccops_prepared"] = (raw, done)
    if prepare not in done:
        # On the driver's own cursor: preparing is not one of the request's queries.
        cursor.cursor.execute(prepare)
        done.add(prepare)
    cursor.execute(run, [params[n] for n in names])
