from django import template
from django.utils import timezone

from ..choices import ACTIVITY_CODES

register = template.Library()


@register.filter
def pct(value, digits: int = 0) -> str:
    """0.834 -> "83%" (or "-" for nothing)."""
    if value is None or value == "":
        return "-"
    try:
        return f"{float(value) * 100:.{int(digits)}f}%"
    except (TypeError, ValueError):
        return "-"


@register.filter
def activity_code(value: str) -> str:
    return ACTIVITY_CODES.get(value, value)


@register.filter
def hm(value) -> str:
    """An aware datetime as local HH:MM."""
    return timezone.localtime(value).strftime("%H:%M") if value else ""


@register.filter
def signed(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{float(value):+.{int(digits)}f}"


@register.filter
def at(value, index):
    """``list|at:i``: the i-th item (empty list when out of range)."""
    try:
        return value[int(index)]
    except (IndexError, TypeError, ValueError, KeyError):
        return []
