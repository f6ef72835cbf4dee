"""Filters shared by the API's filter sets."""

from datetime import UTC

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .fields import BIGINT


@extend_schema_field(OpenApiTypes.INT64)
class IdFilter(filters.NumberFilter):
    """An id (or other whole number) in the query string, compared to an integer column.

    ``NumberFilter`` reads a decimal, and ``?plan=-3e54`` (or ``?plan=10**30``) reached the
    database driver and overflowed: a 500. Here anything but a 64-bit whole number is a 400
    naming the parameter.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -BIGINT - 1)
        kwargs.setdefault("max_value", BIGINT)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC: PostgreSQL refuses offsets past 15:59, and
    ``+23:16`` is a valid ISO offset (a 500 before). One that leaves the calendar in UTC
    (``0001-01-01T00:00+05:00``) is invalid."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
