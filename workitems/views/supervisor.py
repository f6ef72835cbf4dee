"""Supervisor pages: the queue (filters, bulk assign, live backlog, CSV export) and the
presence board of both offices."""

from django.contrib import messages
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin

from .. import selectors, services
from ..choices import OPEN_STATUSES, PresenceState
from ..csv_io import csv_lines
from ..errors import WorkflowError
from ..forms import BulkAssignForm, PresenceFilterForm, QueueFilterForm
from ..models import WorkItem
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


class SupervisorRequiredMixin(RoleRequiredMixin):
    required_roles = (Role.SUPERVISOR,)


def _query_string(request, drop=("page",)) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


class QueueView(SupervisorRequiredMixin, ListView):
    template_name = "workitems/queue.html"
    context_object_name = "items"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = QueueFilterForm(self.request.GET or None)
        self.filters = self.filter_form.filters() if self.request.GET else {}
        return selectors.queue_queryset(user=self.request.user, **self.filters)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = _query_string(self.request)
        ctx.update(
            filter_form=self.filter_form,
            bulk_form=BulkAssignForm(
                initial={"next": f"{self.request.path}?{self.request.GET.urlencode()}"},
                user=self.request.user,
                team=self.filters.get("team"),
            ),
            query_string=query,
            backlog=selectors.backlog_by_type(team=self.filters.get("team")),
            backlog_url=f"{reverse('workitems:queue_backlog')}?{query}",
            export_url=f"{reverse('workitems:queue_export')}?{query}",
            now=timezone.now(),
        )
        return ctx


class BacklogPartialView(SupervisorRequiredMixin, TemplateView):
    """The live backlog table; the queue page swaps it in every 30 s with htmx."""

    template_name = "workitems/_backlog.html"

    def get_context_data(self, **kwargs):
        form = QueueFilterForm(self.request.GET or None)
        team = form.filters().get("team") if self.request.GET else None
        return {
            "backlog": selectors.backlog_by_type(team=team),
            "backlog_url": self.request.get_full_path(),
            "now": timezone.now(),
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
                    "yes" if status in OPEN_STATUSES and due is not None and due < now else "no",
                )

        header = [name for _, name in EXPORT_COLUMNS] + ["past_due"]
        response = StreamingHttpResponse(
            csv_lines(header, with_past_due()), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="work-queue-{stamp}.csv"'
        return response


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
            messages.success(request, f"Assigned {len(assigned)} item(s) to {agent}.")
        if failed:
            shown = "; ".join(failed[:20])
            more = f" (and {len(failed) - 20} more)" if len(failed) > 20 else ""
            messages.error(request, f"{len(failed)} item(s) not assigned: {shown}{more}")
        return redirect(back)


class PresenceBoardView(SupervisorRequiredMixin, ListView):
    """Everyone's state and time in it, both offices; htmx refreshes the table."""

    template_name = "workitems/presence_board.html"
    context_object_name = "rows"
    paginate_by = 100

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
            now=now,
        )
        return ctx
