"""Supervisor pages: the queue (filters, bulk assign, live backlog, CSV export) and the
presence board of both offices."""

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import ListView, TemplateView

from ccops import exports
from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin

from .. import selectors, services
from ..choices import PresenceState
from ..errors import WorkflowError
from ..forms import BulkAssignForm, PresenceFilterForm, QueueFilterForm
from ..models import WorkItem
from ..querysets import is_past_due
from ..scheduled_office import adherence_alerts_for
from ._common import form_error_text, safe_next

EXPORT_COLUMNS = [
    ("id", "id"),
    ("external_ref", "external_ref"),
    ("work_type__name", "work_type"),
    ("work_type__office", "office"),
    ("title", "title"),
    ("status", "status"),
    ("priority", "priority"),
    ("assignee__username", "assignee"),
    ("team__name", "team"),
    ("customer__external_ref", "customer_ref"),
    ("customer__name", "customer_name"),
    ("created_at", "created_at"),
    ("due_at", "due_at"),
    ("completed_at", "completed_at"),
]


# The columns a queue row shows (``workitems/_queue_rows.html``): an item's details can be
# long, and the page lists 50 of them.
QUEUE_ROW_FIELDS = (
    "id",
    "title",
    "status",
    "priority",
    "version",
    "is_duplicate_suspect",
    "created_at",
    "due_at",
    "at_risk_at",
    "sla_paused_at",
    "work_type__name",
    "customer__name",
    "assignee__username",
    "assignee__display_name",
    "assignee__first_name",
    "assignee__last_name",
    "team__name",
)


class SupervisorRequiredMixin(RoleRequiredMixin):
    required_roles = (Role.SUPERVISOR,)


def _query_string(request, drop=("page",)) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


class IdsFirstPaginator(Paginator):
    """A page read in two steps: the page's ids in queue order, which an index of the
    open items holds on its own (``wi_open_team_due`` for a team: an index-only scan), then
    those rows with their names by primary key. In one step the planner may walk every
    team's open items in ``wi_open_urgency`` for one team's 50 (measured at 100,000 items:
    4,682 rows read and dropped, 20 ms, against 0.1 ms)."""

    def _rows(self, bottom: int, top: int) -> list:
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return list(self.object_list.filter(pk__in=ids)) if ids else []


class CountedPaginator(IdsFirstPaginator):
    """A paginator given its count, a reading of a few seconds ago, over live rows: a page
    holds what the query returns (never cut to the count), and a page past the count is
    shown (maybe empty) rather than a 404."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = count  # instead of the cached_property's query

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if int(number) < 1:
                raise
            return int(number)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self._rows(bottom, bottom + self.per_page), number, self)


# A filtered queue counts at most this many rows: past it the page says "10,000+".
QUEUE_COUNT_BOUND = 10_000


class BoundedPaginator(IdsFirstPaginator):
    """A paginator whose count stops at ``bound`` (a ``LIMIT``ed count): a filter that
    matches millions of items (done ones) costs what one matching ``bound`` does. Past
    it, ``count_is_bound`` is true and the last page is the bound's."""

    def __init__(self, *args, bound: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bound = QUEUE_COUNT_BOUND if bound is None else bound
        self.count_is_bound = False

    @cached_property
    def count(self):
        found = self.object_list.order_by()[: self.bound + 1].count()
        self.count_is_bound = found > self.bound
        return min(found, self.bound)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(self._rows(bottom, top), number, self)


class QueueView(SupervisorRequiredMixin, ListView):
    """The queue: filters, the live backlog, bulk assign and a page of 50 items.

    The backlog is a shared reading at most ``BACKLOG_MAX_AGE_SECONDS`` old (the page shows
    its time). When only the team is filtered, the item count is that reading's open total
    instead of a second count of the same rows; other filters count live."""

    template_name = "workitems/queue.html"
    context_object_name = "items"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = QueueFilterForm(self.request.GET or None)
        self.filters = self.filter_form.filters() if self.request.GET else {}
        self.backlog, self.backlog_as_of = selectors.backlog_snapshot(team=self.filters.get("team"))
        qs = selectors.queue_queryset(user=self.request.user, **self.filters)
        return qs.only(*QUEUE_ROW_FIELDS)

    def count_from_backlog(self) -> bool:
        # The backlog counts the open items of the team (or of all teams), all of which a
        # supervisor sees: the same rows as the queue with no other filter.
        return not any(value for key, value in self.filters.items() if key != "team")

    def get_paginator(self, queryset, per_page, **kwargs):
        if self.count_from_backlog():
            count = sum(row["open"] for row in self.backlog)
            return CountedPaginator(queryset, per_page, count=count, **kwargs)
        return BoundedPaginator(queryset, per_page, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = _query_string(self.request)
        now = timezone.now()
        ctx.update(
            filter_form=self.filter_form,
            bulk_form=BulkAssignForm(
                initial={"next": f"{self.request.path}?{self.request.GET.urlencode()}"},
                user=self.request.user,
                team=self.filters.get("team"),
            ),
            query_string=query,
            backlog=self.backlog,
            backlog_as_of=self.backlog_as_of,
            backlog_max_age=selectors.BACKLOG_MAX_AGE_SECONDS,
            poll_seconds=selectors.LIVE_POLL_SECONDS,
            count_as_of=self.backlog_as_of if self.count_from_backlog() else None,
            backlog_url=f"{reverse('workitems:queue_backlog')}?{query}",
            export_url=f"{reverse('workitems:queue_export')}?{query}",
            now=now,
        )
        return ctx


class BacklogPartialView(SupervisorRequiredMixin, TemplateView):
    """The live backlog table; the queue page swaps it in every ``LIVE_POLL_SECONDS``
    with htmx while visible (a cache read while the shared reading is fresh)."""

    template_name = "workitems/_backlog.html"

    def get_context_data(self, **kwargs):
        form = QueueFilterForm(self.request.GET or None)
        team = form.filters().get("team") if self.request.GET else None
        backlog, as_of = selectors.backlog_snapshot(team=team)
        return {
            "backlog": backlog,
            "backlog_as_of": as_of,
            "backlog_max_age": selectors.BACKLOG_MAX_AGE_SECONDS,
            "poll_seconds": selectors.LIVE_POLL_SECONDS,
            "backlog_url": self.request.get_full_path(),
        }


class QueueExportView(SupervisorRequiredMixin, View):
    """The filtered queue as CSV, streamed in chunks: memory stays flat at any size."""

    def get(self, request):
        form = QueueFilterForm(request.GET or None)
        filters = form.filters() if request.GET else {}
        now = timezone.now()
        rows = (
            selectors.queue_queryset(user=request.user, now=now, **filters)
            .values_list(*[c for c, _ in EXPORT_COLUMNS])
            .iterator(chunk_size=2000)
        )
        status_index = [c for c, _ in EXPORT_COLUMNS].index("status")
        due_index = [c for c, _ in EXPORT_COLUMNS].index("due_at")

        def with_past_due():
            for row in rows:
                due, status = row[due_index], row[status_index]
                yield (
                    *row,
                    "yes" if is_past_due(status, due, now) else "no",
                )

        header = [name for _, name in EXPORT_COLUMNS] + ["past_due"]
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
        return exports.table_response(
            request, header, with_past_due(), f"work-queue-{stamp}", title="Work queue"
        )


class BulkAssignView(SupervisorRequiredMixin, View):
    """Assign each ticked item in its own transaction; report what worked and what did not."""

    http_method_names = ["post"]

    def post(self, request):
        form = BulkAssignForm(request.POST)
        back = safe_next(request, reverse("workitems:queue"))
        if not form.is_valid():
            messages.error(request, form_error_text(form))
            return redirect(back)
        agent = form.cleaned_data["agent"]
        wanted = form.cleaned_data["items"]
        items = WorkItem.objects.visible_to(request.user).in_bulk([pk for pk, _ in wanted])
        assigned, failed = [], []
        for pk, version in wanted:
            item = items.get(pk)
            if item is None:
                failed.append(f"#{pk}: not found")
                continue
            try:
                services.workitem_assign(
                    item=item, to=agent, by=request.user, expected_version=version
                )
            except WorkflowError as exc:
                failed.append(f"#{pk}: {exc.message}")
            else:
                assigned.append(pk)
        if assigned:
            # The supervisor sees the unassigned counts drop at once, not a reading ago.
            selectors.backlog_snapshot_forget(items[pk].team_id for pk in assigned)
            messages.success(request, f"Assigned {len(assigned)} item(s) to {agent}.")
        if failed:
            shown = "; ".join(failed[:20])
            more = f" (and {len(failed) - 20} more)" if len(failed) > 20 else ""
            messages.error(request, f"{len(failed)} item(s) not assigned: {shown}{more}")
        return redirect(back)


class PresenceBoardView(SupervisorRequiredMixin, ListView):
    """Everyone's state and time in it, both offices; htmx refreshes the table every
    ``LIVE_POLL_SECONDS`` while visible. The refreshed table is rendered once per filter
    and page every ``PRESENCE_MAX_AGE_SECONDS`` and shared by every open board."""

    template_name = "workitems/presence_board.html"
    context_object_name = "rows"
    paginate_by = 100

    def get(self, request, *args, **kwargs):
        if not getattr(request, "htmx", False):
            return super().get(request, *args, **kwargs)
        key = selectors.presence_board_cache_key(request.get_full_path())
        html = cache.get(key)
        if html is None:
            response = super().get(request, *args, **kwargs).render()
            html = response.content.decode()
            cache.set(key, html, selectors.PRESENCE_MAX_AGE_SECONDS)
        return HttpResponse(html)

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["workitems/_presence_table.html"]
        return [self.template_name]

    def get_queryset(self):
        self.filter_form = PresenceFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        qs = selectors.presence_board(team=data.get("team"), office=data.get("office") or None)
        self.unfiltered_by_state = qs
        if data.get("state"):
            qs = qs.filter(state=data["state"])
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        for row in ctx["rows"]:
            row.seconds_in_state = max(int((now - row.since).total_seconds()), 0)
        counts = {
            row["state"]: row["n"]
            for row in self.unfiltered_by_state.order_by().values("state").annotate(n=Count("id"))
        }
        ctx.update(
            filter_form=self.filter_form,
            state_counts=[(s.value, s.label, counts.get(s.value, 0)) for s in PresenceState],
            query_string=_query_string(self.request),
            refresh_url=self.request.get_full_path(),
            poll_seconds=selectors.LIVE_POLL_SECONDS,
            now=now,
            adherence_alerts=adherence_alerts_for(self.request.user),
        )
        return ctx
