"""Serializer fields shared by the API's input serializers."""

from rest_framework import serializers

BIGINT = 2**63 - 1  # ids are BigAutoField; SQLite and PostgreSQL store 64-bit integers


class IdField(serializers.IntegerField):
    """The id of a row, looked up by the view or the service. Bounded to the column's range:
    ``pk__in=[10**38]`` overflows the database driver (a 500) instead of matching nothing."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT)
        super().__init__(**kwargs)
