"""Template filters every app's pages share: durations people read, and times relative to
the moment a page is looking at (which is not always now: intraday can look at 11:00)."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


def _duration_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs and minutes < 10 else f"{minutes} min"
    return f"{secs} s"


@register.filter
def duration(seconds) -> str:
    """Seconds as people read them: "45 s", "3 min 20 s", "2 h 10 min", "1 d 4 h";
    "-" for nothing."""
    if seconds is None or seconds == "":
        return "-"
    try:
        return _duration_text(float(seconds))
    except (TypeError, ValueError):
        return "-"


@register.filter
def for_since(since: datetime | None, at: datetime | None) -> str:
    """How long something has lasted at the moment ``at`` the page shows: "for 2 h 10 min".
    A start after ``at`` (the page looks back in time) says so: "from 20:41, after the time
    shown"; nothing: "-"."""
    if since is None or at is None:
        return "-"
    seconds = (at - since).total_seconds()
    if seconds < 0:
        return f"from {timezone.localtime(since):%H:%M}, after the time shown"
    return f"for {_duration_text(seconds)}"


@register.filter
def elapsed(since: datetime | None, at: datetime | None) -> str:
    """How long from ``since`` to the moment ``at`` the page shows, as :func:`duration`
    reads it ("3 min 20 s"): a wait, an age. A start after ``at``: "0 s"; nothing: "-"."""
    if since is None or at is None:
        return "-"
    return _duration_text(max(0.0, (at - since).total_seconds()))
