"""Hand-written SQL on hot paths: the column list of a model, and the model back from a row.

For the few statements written by hand (claim-next, the token's user): ``columns`` names a
model's concrete columns under a table alias in ``SELECT`` order, and ``from_row`` builds the
instance from the matching slice of a result row, returning where the next model's columns
start, so several models joined in one row read off in turn.
"""

from __future__ import annotations

from django.db import connection


def columns(model, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    q = connection.ops.quote_name
    return ", ".join(f"{prefix}{q(f.column)}" for f in model._meta.concrete_fields)


def from_row(model, row, start: int = 0, *, present: bool = True):
    """``(instance, next start)`` from ``row[start:...]``; the instance is ``None`` when not
    ``present`` (a LEFT JOIN that found nothing)."""
    fields = model._meta.concrete_fields
    end = start + len(fields)
    if not present:
        return None, end
    return model.from_db(connection.alias, [f.attname for f in fields], row[start:end]), end
