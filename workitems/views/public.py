"""The customer's status page: no login, a signed expiring link, nothing internal on it.

Being public, it is rate-limited per client address (``PUBLIC_STATUS_RATE_LIMIT`` requests
per ``PUBLIC_STATUS_RATE_WINDOW`` seconds; 429 past that): a signed token cannot be guessed,
but nobody should be able to try tokens, or read pages, at machine speed.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from .. import status_links
from ..choices import Status
from ..models import WorkItem

# Plain language for the customer: what is happening and what happens next.
MESSAGES = {
    Status.NEW: (
        "We have received your request",
        "It is in our queue and the next available person will pick it up.",
    ),
    Status.ASSIGNED: (
        "Your case has been given to one of our team",
        "They will start working on it shortly.",
    ),
    Status.IN_PROGRESS: (
        "We are working on your case",
        "We will let you know when it is done or if we need anything from you.",
    ),
    Status.PENDING: (
        "Your case is waiting for information",
        "We are waiting for a document or a reply. If we need something from you, we will "
        "contact you; once it arrives we carry on straight away.",
    ),
    Status.ESCALATED: (
        "Your case has been passed to a specialist",
        "A colleague with the right expertise is looking at it now.",
    ),
    Status.DONE: (
        "Your case is complete",
        "If anything is still not right, contact us and quote your reference.",
    ),
    Status.CANCELLED: (
        "This request was closed",
        "If you still need help, contact us and quote your reference.",
    ),
}

MAX_HOPS = 5


def follow(item: WorkItem) -> WorkItem:
    """The item that carries the customer's request now: a merged duplicate points at the
    original, a handed-off contact at its back-office case, a late reopen at the new item."""
    for _ in range(MAX_HOPS):
        if item.status == Status.MERGED and item.duplicate_of_id:
            nxt = WorkItem.objects.filter(pk=item.duplicate_of_id).first()
        elif item.status == Status.DONE:
            nxt = (
                WorkItem.objects.filter(origin=item).order_by("created_at", "id").first()
                or WorkItem.objects.filter(related_to=item).order_by("created_at", "id").first()
            )
        else:
            nxt = None
        if nxt is None:
            break
        item = nxt
    return item


def _private(response):
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def over_the_limit(request) -> int:
    """0 while the client's address is within its allowance, else the seconds to wait.

    A fixed window per address in the cache (Redis where configured, so all processes share
    the count). ``REMOTE_ADDR`` as for login throttling: behind a proxy, it must pass the
    client's address (README, Security). A cache that is down counts nothing: the page
    stays up rather than refusing every customer.
    """
    limit = settings.PUBLIC_STATUS_RATE_LIMIT
    window = settings.PUBLIC_STATUS_RATE_WINDOW
    if limit <= 0:
        return 0
    now = int(time.time())
    start = now - now % window
    key = f"public-status:{request.META.get('REMOTE_ADDR', '')}:{start}"
    try:
        count = cache.incr(key)  # one round trip once the window's key exists
    except ValueError:
        count = 1
        if not cache.add(key, count, timeout=window + 1):
            try:  # another request made the key in between
                count = cache.incr(key)
            except ValueError:  # the cache is down
                return 0
    return start + window - now if count > limit else 0


class PublicStatusView(View):
    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        wait = over_the_limit(request)
        if wait:
            response = render(
                request, "workitems/public_status_limited.html", {"retry_after": wait}, status=429
            )
            response["Retry-After"] = str(wait)
            return _private(response)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, token):
        try:
            item_id = status_links.read_token(token)
        except status_links.LinkExpired:
            return self.unavailable(request, expired=True)
        except status_links.LinkInvalid:
            return self.unavailable(request, expired=False)
        item = WorkItem.objects.filter(pk=item_id).select_related("work_type").first()
        if item is None:
            return self.unavailable(request, expired=False)
        reference = item.pk
        item = follow(item)
        headline, next_step = MESSAGES.get(item.status, MESSAGES[Status.NEW])
        now = timezone.now()
        is_open = item.is_open
        context = {
            "reference": reference,
            "headline": headline,
            "next_step": next_step,
            "is_open": is_open,
            "kind": item.work_type.get_channel_display().lower(),
            "received_on": item.created_at,
            "expected_by": item.due_at if is_open else None,
            "running_late": is_open and item.due_at is not None and item.due_at < now,
            "completed_on": item.completed_at if item.status == Status.DONE else None,
        }
        return _private(render(request, "workitems/public_status.html", context))

    def unavailable(self, request, *, expired: bool):
        response = render(
            request,
            "workitems/public_status_unavailable.html",
            {"expired": expired, "max_age_days": status_links.max_age().days},
            status=410 if expired else 404,
        )
        return _private(response)
