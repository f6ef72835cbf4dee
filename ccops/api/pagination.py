"""Pagination of the API.

Small collections (work types, scorecards, plans...) page by number with a count
(``StandardPagination``). Large ones (work items, an item's events, evaluations, shifts,
KPI rows) page by cursor (``KeysetPagination``): no ``COUNT(*)`` of the collection, and each
page is read off an index from where the last one stopped, so page 1 and page 10,000 cost
the same at any table size. Clients follow ``next`` (and ``previous``) as given.
"""

import datetime
import decimal
import json

from django.db.models import Q, UniqueConstraint
from rest_framework.exceptions import NotFound
from rest_framework.pagination import (
    Cursor,
    CursorPagination,
    PageNumberPagination,
    _reverse_ordering,
)

MAX_PAGE_SIZE = 500


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


def _is_unique(model, fields: list[str]) -> bool:
    """The ordering's fields identify a row: the primary key or an unconditional unique
    constraint among them."""
    names = {f.lstrip("-") for f in fields}
    if names & {"pk", "id", model._meta.pk.name}:
        return True
    return any(
        isinstance(c, UniqueConstraint) and c.condition is None and set(c.fields) <= names
        for c in model._meta.constraints
    )


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()  # full precision (DjangoJSONEncoder cuts microseconds)
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


class KeysetPagination(CursorPagination):
    """DRF's cursor pagination, with the cursor's position made of every ordering field (the
    primary key added when the ordering alone is not unique): ``next`` continues right
    after the last row shown, with no offset, whatever the ties in the first field.

    The ordering is the view's ``ordering`` (or ``?ordering=`` among its
    ``ordering_fields``), else ``ordering`` here. Its fields must not be nullable and
    should lead an index of the table. A cursor that is not one this API gave is a 404
    ("Invalid cursor"), as in DRF."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_description = (
        "The page to read: the opaque value of ``next`` or ``previous`` in the previous "
        "answer. Omit it for the first page."
    )

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view))
        if not _is_unique(queryset.model, ordering):
            pk = queryset.model._meta.pk.name
            ordering.append(f"-{pk}" if ordering[0].startswith("-") else pk)
        return tuple(ordering)

    def _get_position_from_instance(self, instance, ordering):
        values = []
        for field in ordering:
            name = field.lstrip("-")
            if isinstance(instance, dict):
                value = instance[name]
            else:
                value = getattr(instance, name)
            values.append(_jsonable(value))
        return json.dumps(values, separators=(",", ":"))

    def _position_values(self, queryset, position: str) -> list:
        """The cursor's values as the fields' Python values, or a 404 for any other text."""
        try:
            raw = json.loads(position)
            if not isinstance(raw, list) or len(raw) != len(self.ordering):
                raise ValueError
            values = []
            for field, value in zip(self.ordering, raw, strict=True):
                model_field = queryset.model._meta.get_field(field.lstrip("-"))
                if isinstance(value, bool) or not isinstance(value, int | str):
                    raise ValueError
                if isinstance(value, int) and abs(value) >= 2**63:
                    raise ValueError  # past a bigint: the database would refuse it
                if isinstance(value, str) and "\x00" in value:
                    raise ValueError
                python = model_field.to_python(value)
                if python is None:
                    raise ValueError
                if isinstance(python, datetime.datetime) and python.tzinfo is None:
                    raise ValueError
                values.append(python)
            return values
        except Exception as exc:  # noqa: BLE001  any malformed cursor is the same 404
            raise NotFound(self.invalid_cursor_message) from exc

    def _after(self, queryset, values: list, reverse: bool):
        """Rows after ``values`` in the ordering (before them when ``reverse``): a row
        comparison spelled as ORs, with the first field's bound as well, which is what lets
        the index start its scan there."""
        fields = [(f.lstrip("-"), f.startswith("-") != reverse) for f in self.ordering]
        after = Q()
        for i, (name, descending) in enumerate(fields):
            step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
            for earlier, (prior, _) in enumerate(fields[:i]):
                step &= Q(**{prior: values[earlier]})
            after |= step
        first, descending = fields[0]
        bound = Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]})
        return queryset.filter(bound & after)

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's paginate_queryset with the position filter on every field (and no offset:
        # the positions are unique).
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        if self.cursor is None:
            reverse, current_position = False, None
        else:
            _, reverse, current_position = self.cursor
        queryset = queryset.order_by(
            *(_reverse_ordering(self.ordering) if reverse else self.ordering)
        )
        if current_position is not None:
            values = self._position_values(queryset, current_position)
            queryset = self._after(queryset, values, reverse)
        results = list(queryset[: self.page_size + 1])
        self.page = results[: self.page_size]
        more = len(results) > len(self.page)  # one row past the page: there is another
        if reverse:
            self.page = list(reversed(self.page))
        self.has_next = more if not reverse else current_position is not None
        self.has_previous = more if reverse else current_position is not None
        self.current_position = current_position
        self.display_page_controls = bool(self.has_previous or self.has_next)
        return self.page

    def _edge(self, row_index: int) -> str:
        """The position of the page's first or last row (the cursor's when it is empty)."""
        if self.page:
            return self._get_position_from_instance(self.page[row_index], self.ordering)
        return self.current_position

    def get_next_link(self):
        if not self.has_next:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=self._edge(-1)))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=self._edge(0)))

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is None:
            raise NotFound(self.invalid_cursor_message)
        return cursor
