"""The item page (details, links, timeline, allowed actions) and the actions it posts."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView

from ccops.choices import Role

from .. import forms as wf
from .. import selectors, services, status_links
from ..choices import Status
from ..errors import NotAllowed, WorkflowError
from ..models import WorkItem
from ._common import check_version, form_error_text, holder_forms, safe_next

MAX_EVENTS_SHOWN = 500


def item_queryset(user):
    return WorkItem.objects.visible_to(user).select_related(
        "work_type", "customer", "assignee", "team"
    )


class ItemDetailView(LoginRequiredMixin, DetailView):
    template_name = "workitems/item_detail.html"
    context_object_name = "item"

    def get_queryset(self):
        return item_queryset(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        item, user = self.object, self.request.user
        url = reverse("workitems:item_detail", kwargs={"pk": item.pk})
        events = list(
            item.events.select_related("actor", "assignee").order_by("-at", "-id")[
                :MAX_EVENTS_SHOWN
            ]
        )
        events.reverse()
        # The items this one points at (origin, duplicate of, continues) and those pointing
        # at it, in one query: joining the three self-links onto the item costs more to plan
        # than to run.
        pointed = [pk for pk in (item.origin_id, item.duplicate_of_id, item.related_to_id) if pk]
        links = list(
            WorkItem.objects.filter(
                Q(origin=item) | Q(duplicate_of=item) | Q(related_to=item) | Q(pk__in=pointed)
            )
            .select_related("work_type")
            .order_by("created_at", "id")[: 100 + len(pointed)]
        )
        by_id = {link.pk: link for link in links}
        for field in ("origin", "duplicate_of", "related_to"):
            target = by_id.get(getattr(item, f"{field}_id"))
            if target is not None:
                setattr(item, field, target)
        supervisor = user.has_role(Role.SUPERVISOR)
        can_assign = supervisor and item.status in services.TRANSITIONS["assign"].sources
        now = timezone.now()
        sla_state = item.sla_state(now)
        ctx.update(
            now=now,
            sla_state=sla_state,
            past_due=sla_state == "past_due",
            attachments=list(
                item.attachments.only("pk", "filename", "size", "item_id").order_by("pk")[:100]
            ),
            events=events,
            events_truncated=len(events) == MAX_EVENTS_SHOWN,
            handoffs=[i for i in links if i.origin_id == item.pk],
            duplicates=[i for i in links if i.duplicate_of_id == item.pk],
            continuations=[i for i in links if i.related_to_id == item.pk],
            holder_forms=holder_forms(
                item,
                user,
                buddy=services.current_buddy(user) if item.assignee_id == user.pk else None,
                next_url=url,
            ),
            is_holder=item.assignee_id == user.pk,
            suggestions=selectors.suggested_agents(item=item) if can_assign else [],
            assign_form=(wf.AssignForm(item=item, next_url=url, user=user) if can_assign else None),
            merge_form=(
                wf.MergeForm(item=item, next_url=url)
                if supervisor
                and item.is_duplicate_suspect
                and item.duplicate_of_id
                and item.is_open
                else None
            ),
            reopen_form=(
                wf.ReopenForm(item=item)
                if item.status == Status.DONE and user.has_role(Role.AGENT, Role.SUPERVISOR)
                else None
            ),
            comment_form=wf.CommentForm(item=item, next_url=url),
            status_link=status_links.status_url(self.request, item),
        )
        return ctx


class ItemActionView(LoginRequiredMixin, View):
    """POST /work/items/<pk>/<action>/: validate the form, call the one service, say what
    happened. Domain errors become a message on the page, never a 500."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        form_class = wf.ACTION_FORMS.get(action)
        if form_class is None:
            raise Http404("Unknown action.")
        item = get_object_or_404(item_queryset(request.user), pk=pk)
        form = form_class(request.POST, item=item)
        back = safe_next(request, reverse("workitems:item_detail", kwargs={"pk": item.pk}))
        if not form.is_valid():
            messages.error(request, form_error_text(form))
            return redirect(back)
        try:
            text, target = getattr(self, f"do_{action}")(item, form.cleaned_data)
        except WorkflowError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, text)
        return redirect(target or back)

    # Each returns (message, where to go or None for ``next``/the item page).

    def do_start(self, item, data):
        services.workitem_start(item=item, by=self.request.user, expected_version=data["version"])
        return f"Started #{item.pk}.", None

    def do_complete(self, item, data):
        services.workitem_complete(
            item=item, by=self.request.user, note=data["note"], expected_version=data["version"]
        )
        return f"#{item.pk} is done.", None

    def do_pend(self, item, data):
        services.workitem_pend(
            item=item, by=self.request.user, note=data["note"], expected_version=data["version"]
        )
        return f"#{item.pk} is paused: {data['note']}", None

    def do_handoff(self, item, data):
        case = services.workitem_handoff(
            item=item,
            by=self.request.user,
            work_type=data["work_type"],
            note=data["note"],
            expected_version=data["version"],
        )
        return f"#{item.pk} handed off: back-office case #{case.pk} ({case.work_type}).", None

    def do_escalate(self, item, data):
        item = services.workitem_escalate(
            item=item, by=self.request.user, note=data["note"], expected_version=data["version"]
        )
        return f"#{item.pk} escalated to your buddy {item.assignee}.", None

    def do_comment(self, item, data):
        services.workitem_comment(item=item, by=self.request.user, note=data["note"])
        return "Comment added.", None

    def do_reopen(self, item, data):
        check_version(item, data["version"])
        reopened = services.workitem_reopen(item=item, by=self.request.user, note=data["note"])
        if reopened.pk != item.pk:
            return (
                f"#{item.pk} was closed too long ago to continue: reopened as new item "
                f"#{reopened.pk}.",
                reverse("workitems:item_detail", kwargs={"pk": reopened.pk}),
            )
        return f"#{item.pk} is reopened and back in the queue.", None

    def do_assign(self, item, data):
        services.workitem_assign(
            item=item,
            to=data["agent"],
            by=self.request.user,
            note=data["note"],
            expected_version=data["version"],
        )
        return f"#{item.pk} assigned to {data['agent']}.", None

    def do_merge(self, item, data):
        check_version(item, data["version"])
        if item.duplicate_of is None:
            raise NotAllowed(f"#{item.pk} is not flagged as a duplicate.")
        services.workitem_merge(item=item, into=item.duplicate_of, by=self.request.user)
        return (
            f"#{item.pk} merged into #{item.duplicate_of_id}.",
            reverse("workitems:item_detail", kwargs={"pk": item.duplicate_of_id}),
        )
