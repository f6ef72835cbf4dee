"""The API's JSON parser: DRF's, refusing what no endpoint can use before a view sees it.

- Nesting deeper than ``API_JSON_MAX_DEPTH`` (default 32; the deepest body the API reads,
  a scorecard's answers, is 3): ``[[[[...]]]]`` tens of thousands deep made the decoder
  raise ``RecursionError``, a 500. Now a 400 naming ``body``.
- A whole number outside 64 bits anywhere in the body: every id, version and count the API
  stores or compares is a 64-bit column, and ``{"version": 2**70}`` reached the services
  (a 409 "you had version 1180591620717411303424", or a driver overflow where a lookup has
  no range guard). Now a 400 naming the top-level field that holds it.

Both are checked here, once, instead of in each of ~80 serializers. Form and multipart
bodies carry only strings (and are flat), so their fields' own validation covers them.
"""

from django.conf import settings
from rest_framework import exceptions, parsers

from .fields import BIGINT

DEFAULT_MAX_DEPTH = 32


def max_depth() -> int:
    return getattr(settings, "API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def _invalid(field: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [message]})


def check_body(data, limit: int) -> None:
    """Raise a ``ValidationError`` naming ``body`` for nesting deeper than ``limit``, or the
    top-level field holding a whole number beyond 64 bits. Iterative: the walk itself must
    not recurse on a hostile body."""
    if isinstance(data, dict):
        stack = [(value, 1, key) for key, value in data.items()]
    elif isinstance(data, list):
        stack = [(value, 1, "body") for value in data]
    else:
        stack = [(data, 0, "body")]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            if not -BIGINT - 1 <= value <= BIGINT:
                raise _invalid(field, f"Ensure this value is between {-BIGINT - 1} and {BIGINT}.")
        elif isinstance(value, dict | list):
            if depth >= limit:
                raise _invalid("body", f"JSON nested deeper than {limit} levels.")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1, field) for child in children)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's decoder gives up near 1,000 levels, before our own limit could count.
            raise _invalid("body", f"JSON nested deeper than {max_depth()} levels.")
        check_body(data, max_depth())
        return data
