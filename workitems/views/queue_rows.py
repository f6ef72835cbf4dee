"""The rows of the supervisor queue, built in Python.

A page has 50 rows of nine cells, a status badge, an SLA due text and a link each; through
the template engine (a loop with two includes per row, over model instances) they were
about half of the page's CPU. This writes the same markup as ``workitems/_status_badge.html`` and
``workitems/_due.html`` (tests compare them) from escaped parts only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince as django_timesince

from ccops.models import User

from ..choices import OPEN_STATUSES, Status

STATUS_BADGE_CSS = {
    Status.NEW: "text-bg-secondary",
    Status.ASSIGNED: "text-bg-info",
    Status.IN_PROGRESS: "text-bg-primary",
    Status.PENDING: "text-bg-warning",
    Status.ESCALATED: "text-bg-danger",
    Status.DONE: "text-bg-success",
}
STATUS_LABELS = dict(Status.choices)

# What a row reads, as plain values (``QuerySet.values``): four related model instances per
# row cost more than the rest of the row.
ROW_VALUES = (
    "id",
    "title",
    "status",
    "priority",
    "version",
    "is_duplicate_suspect",
    "created_at",
    "due_at",
    "work_type__name",
    "customer_id",
    "customer__name",
    "assignee_id",
    "assignee__username",
    "assignee__display_name",
    "assignee__first_name",
    "assignee__last_name",
    "team__name",
)


class _UserName:
    """The columns ``User.__str__`` reads, and its own code to write the name: a model
    instance per assignee costs more than its whole row."""

    __slots__ = ("username", "display_name", "first_name", "last_name")
    __str__ = User.__str__
    get_full_name = User.get_full_name

    def __init__(self, username, display_name, first_name, last_name):
        self.username, self.display_name = username, display_name
        self.first_name, self.last_name = first_name, last_name


# Under four weeks no calendar month fits in a span, so Django's ``timesince`` text depends
# only on its whole minutes (and the language): a page of 50 rows asks for about 100 of
# them, mostly the same few hundred spans, and each costs as much as a row.
_MONTH_FREE = 28 * 24 * 60
_EPOCH = datetime(2001, 2, 1, tzinfo=UTC)


@lru_cache(maxsize=8192)
def _span_text(minutes: int, language: str | None) -> str:
    return django_timesince(_EPOCH, _EPOCH + timedelta(minutes=minutes))


def timesince(d, now) -> str:
    """``django.utils.timesince.timesince(d, now)``, memoised for spans under four weeks."""
    delta = now - d
    minutes = (delta.days * 86400 + delta.seconds) // 60
    if 0 <= minutes < _MONTH_FREE:
        return _span_text(minutes, translation.get_language())
    return django_timesince(d, now)


def timeuntil(d, now) -> str:
    return timesince(now, d)


def status_badge_html(status: str, label: str) -> SafeString:
    css = STATUS_BADGE_CSS.get(status, "text-bg-dark")
    return format_html('<span class="badge {}" data-testid="status">{}</span>', css, label)


def due_html(due, is_open: bool, now) -> SafeString:
    if not due:
        return mark_safe("-")
    local = timezone.localtime(due)
    title = local.strftime("%Y-%m-%d %H:%M")  # the date filter's "Y-m-d H:i", 5x faster
    if is_open and due < now:
        return format_html(
            '<span class="past-due" title="{}">{} past due</span>', title, timesince(due, now)
        )
    if is_open:
        text = f"in {timeuntil(due, now)}"
    else:
        text = formats.date_format(local, "d M H:i")
    return format_html('<span class="" title="{}">{}</span>', title, text)


def queue_rows_html(rows, now) -> SafeString:
    """``<tr>`` per row of ``ROW_VALUES`` (``<tbody>`` content), or "No items match."."""
    if not rows:
        return mark_safe('<tr><td colspan="9" class="text-muted">No items match.</td></tr>')
    # One reverse for the page, not one per row: the item's id goes where 0 is.
    detail = reverse("workitems:item_detail", args=[0]).rsplit("0/", 1)[0]
    assignees = {}  # id -> escaped name, as User.__str__ writes it
    out = []
    for row in rows:
        pk, status = row["id"], row["status"]
        assignee_id = row["assignee_id"]
        if assignee_id is None:
            assignee = "-"
        elif assignee_id in assignees:
            assignee = assignees[assignee_id]
        else:
            user = _UserName(
                row["assignee__username"],
                row["assignee__display_name"],
                row["assignee__first_name"],
                row["assignee__last_name"],
            )
            assignee = assignees[assignee_id] = escape(str(user))
        name = (
            f' <div class="small text-muted">{escape(row["customer__name"])}</div>'
            if row["customer_id"]
            else ""
        )
        duplicate = (
            ' <span class="badge text-bg-warning">possible duplicate</span>'
            if row["is_duplicate_suspect"]
            else ""
        )
        badge = status_badge_html(status, STATUS_LABELS.get(status, status))
        due = due_html(row["due_at"], status in OPEN_STATUSES, now)
        out.append(
            f'<tr data-testid="queue-row" data-item="{pk}">'
            f'<td><input type="checkbox" class="form-check-input" name="items" '
            f'value="{pk}:{row["version"]}" form="bulk-assign" aria-label="Tick #{pk}"></td>'
            f'<td><a href="{detail}{pk}/">#{pk} {escape(Truncator(row["title"]).chars(60))}</a>'
            f"{name}{duplicate}</td>"
            f"<td>{escape(row['work_type__name'])}</td>"
            f"<td>{badge}</td>"
            f'<td class="text-end">{row["priority"]}</td>'
            f'<td data-testid="assignee">{assignee}</td>'
            f"<td>{escape(row['team__name'] or '-')}</td>"
            f'<td class="small">{timesince(row["created_at"], now)}</td>'
            f'<td class="small">{due}</td>'
            "</tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - built from escaped parts only
