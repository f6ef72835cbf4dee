"""The audit trail shown on object pages: who changed what and when (django-simple-history).

``history_rows(obj)`` (one object) and ``history_rows_for(history_qs)`` (several objects, e.g.
an agent's skills) turn historical records into rows for ``templates/includes/history.html``.
Each row's changes come from simple-history's ``diff_against`` with the record before it.

Queries are constant in the length of the history: the window of records with their users
and the id of each one's predecessor (one query, a correlated subquery per row), the
predecessors themselves (one), and one per related model whose value changed (foreign keys
are shown by name, not id).

``trail(start, end)`` is the whole audit trail of a period for the admins' CSV export: every
historical model's records and the registered sources' (customer erasures), oldest first.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Model, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .choices import Role

HISTORY_LIMIT = 50
# Who sees the History section (Admins hold every role).
HISTORY_ROLES = (Role.SUPERVISOR,)
# Noise: bumped on every write, so never "what changed".
IGNORED_FIELDS = frozenset({"updated_at"})
EMPTY = "—"
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def can_view_history(user, *owner_roles: str) -> bool:
    """Admins and supervisors; ``owner_roles`` where the object's page is not theirs."""
    return bool(user.is_authenticated and user.has_role(*HISTORY_ROLES, *owner_roles))


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryRow:
    when: datetime
    who: str
    action: str
    history_type: str
    label: str = ""
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    # What the row is about (the audit export names it; object pages know it already).
    object_type: str = ""
    object_id: object = None


def history_rows(obj: Model, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The latest ``limit`` changes of ``obj``, newest first."""
    return history_rows_for(obj.history.all(), limit=limit)


def _previous(model) -> Subquery:
    """Each record's predecessor id (the same object's record before it)."""
    return Subquery(
        model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )


def history_rows_for(
    history_qs: QuerySet, limit: int = HISTORY_LIMIT, label_field: str | None = None
) -> list[HistoryRow]:
    """The latest ``limit`` records of ``history_qs`` (any objects of one model), newest
    first. Where rows mix objects, ``label_field`` (a field, e.g. ``"skill"``) names each
    row's object."""
    records = list(
        history_qs.select_related("history_user")
        .annotate(prev_history_id=_previous(history_qs.model))
        .order_by("-history_date", "-history_id")[:limit]
    )
    return _rows(history_qs.model, records, label_field)


def _rows(model, records: list, label_field: str | None = None) -> list[HistoryRow]:
    """``records`` (annotated with ``prev_history_id``) as rows, in their order: the
    predecessors in one query, the names of changed links in one per related model."""
    prev_ids = [r.prev_history_id for r in records if r.prev_history_id is not None]
    prevs = model.objects.in_bulk(prev_ids) if prev_ids else {}
    fields = _tracked_fields(model)

    deltas = []
    for record in records:
        prev = prevs.get(record.prev_history_id)
        if record.history_type == "~" and prev is not None:
            delta = record.diff_against(prev, included_fields=[f.name for f in fields])
            pairs = [(c.field, c.old, c.new) for c in delta.changes]
        elif record.history_type == "+":
            pairs = [
                (f.name, None, getattr(record, f.attname))
                for f in fields
                if getattr(record, f.attname) not in (None, "")
            ]
        else:  # a deletion, or a change whose earlier state was never recorded
            pairs = []
        deltas.append(pairs)

    labels = (
        [
            (label_field, None, getattr(r, model._meta.get_field(label_field).attname))
            for r in records
        ]
        if label_field
        else []
    )
    names = _related_names(model, [*deltas, labels])
    object_type = str(model.instance_type._meta.verbose_name)
    rows = []
    for i, (record, pairs) in enumerate(zip(records, deltas, strict=True)):
        if (
            record.history_type == "~"
            and prevs.get(record.prev_history_id)
            and not (pairs or record.history_change_reason)
        ):
            continue  # a save that changed nothing
        user = record.history_user
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=str(user) if user else "system",
                action=ACTIONS.get(record.history_type, record.history_type),
                history_type=record.history_type,
                label=_display(model, label_field, labels[i][2], names) if labels else "",
                reason=record.history_change_reason or "",
                changes=[
                    Change(
                        str(model._meta.get_field(name).verbose_name),
                        _display(model, name, old, names),
                        _display(model, name, new, names),
                    )
                    for name, old, new in pairs
                ],
                object_type=object_type,
                object_id=record.id,
            )
        )
    return rows


def _tracked_fields(model) -> list:
    """The historical model's copies of the tracked model's editable fields."""
    return [
        model._meta.get_field(f.name)
        for f in model.tracked_fields
        if f.editable and not f.primary_key and f.name not in IGNORED_FIELDS
    ]


def _related_names(model, deltas) -> dict[tuple[type, object], str]:
    """``{(related model, pk): str(obj)}`` for every foreign key value in ``deltas``: one
    query per related model (a constant), whatever the number of rows."""
    wanted: dict[type, set] = {}
    for pairs in deltas:
        for name, old, new in pairs:
            f = model._meta.get_field(name)
            if f.is_relation and f.many_to_one:
                wanted.setdefault(f.related_model, set()).update(
                    v for v in (old, new) if v is not None
                )
    names = {}
    for related, pks in wanted.items():
        for pk, obj in related._default_manager.in_bulk(list(pks)).items():
            names[(related, pk)] = str(obj)
    return names


def _display(model, name: str, value, names) -> str:
    if value is None or value == "":
        return EMPTY
    f = model._meta.get_field(name)
    if f.is_relation and f.many_to_one:
        return names.get((f.related_model, value), f"#{value} (deleted)")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def audited(obj: Model, by) -> Model:
    """Name ``by`` on ``obj``'s next history record. Services call this so the trail names the
    user outside a request too (Celery, commands); without a user the request's is used."""
    if by is not None:
        obj._history_user = by
    return obj


# --- The audit trail export (admins) ------------------------------------------------------

TRAIL_CHUNK = 500
# Readers of audit records kept outside django-simple-history (e.g. customer erasures), each
# ``reader(start, end)`` yielding ``HistoryRow``s oldest first. Apps register them in their
# ``audit_trail`` module (found by ``autodiscover``): ccops never imports an app by name.
_TRAIL_SOURCES: list = []


def register_trail_source(reader) -> None:
    if reader not in _TRAIL_SOURCES:
        _TRAIL_SOURCES.append(reader)


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("audit_trail")


def history_models() -> list:
    """Every historical model (one per model tracked by django-simple-history)."""
    from django.apps import apps
    from simple_history.models import HistoricalChanges

    return sorted(
        (m for m in apps.get_models() if issubclass(m, HistoricalChanges)),
        key=lambda m: m._meta.label,
    )


def _history_stream(model, start: datetime, end: datetime) -> Iterator[HistoryRow]:
    """``model``'s records in ``[start, end)``, oldest first, read in chunks by keyset (no
    server-side cursor: they do not survive PgBouncer's transaction pooling)."""
    records = (
        model.objects.filter(history_date__gte=start, history_date__lt=end)
        .select_related("history_user")
        .annotate(prev_history_id=_previous(model))
        .order_by("history_date", "history_id")
    )
    after = None
    while True:
        page = records
        if after is not None:
            page = page.filter(
                Q(history_date__gt=after[0]) | Q(history_date=after[0], history_id__gt=after[1])
            )
        chunk = list(page[:TRAIL_CHUNK])
        if not chunk:
            return
        yield from _rows(model, chunk)
        after = (chunk[-1].history_date, chunk[-1].history_id)


def trail(start: datetime, end: datetime) -> Iterator[HistoryRow]:
    """Everything audited in ``[start, end)``, oldest first: every simple-history record
    (what changed, from what to what) and every registered source's records."""
    streams = [_history_stream(m, start, end) for m in history_models()]
    streams += [reader(start, end) for reader in _TRAIL_SOURCES]
    return heapq.merge(*streams, key=lambda row: row.when)


TRAIL_HEADER = ["when", "who", "action", "object_type", "object_id", "changes", "reason"]


def trail_cells(row: HistoryRow) -> list:
    """One CSV line of the export: the changes as ``field: old -> new`` joined by ``; ``."""
    changes = "; ".join(f"{c.field}: {c.old} -> {c.new}" for c in row.changes)
    return [
        timezone.localtime(row.when).isoformat(timespec="seconds"),
        row.who,
        row.action,
        row.object_type,
        row.object_id if row.object_id is not None else "",
        changes,
        row.reason,
    ]
