"""My work: an agent's current item, their queue, "Next item" and their presence state."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin

from .. import history, services
from ..choices import PresenceState, Status
from ..errors import WorkflowError
from ..forms import PresenceForm
from ..models import AgentPresence, WorkItem
from ..routing import URGENCY_ORDER
from ._common import form_error_text, holder_forms

# What the agent is working on: in progress first, then what they were given.
HELD = (Status.IN_PROGRESS, Status.ASSIGNED, Status.ESCALATED)


class AgentRequiredMixin(RoleRequiredMixin):
    required_roles = (Role.AGENT,)


class MyWorkView(AgentRequiredMixin, TemplateView):
    template_name = "workitems/my_work.html"
    paginate_by = 20

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        mine = WorkItem.objects.filter(assignee=user).select_related("work_type", "customer")
        current = (
            mine.filter(status__in=HELD)
            .order_by(
                Case(
                    When(status=Status.IN_PROGRESS, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                ),
                *URGENCY_ORDER,
            )
            .first()
        )
        queue = mine.open().order_by(*URGENCY_ORDER)
        if current is not None:
            queue = queue.exclude(pk=current.pk)
        page = Paginator(queue, self.paginate_by).get_page(self.request.GET.get("page"))
        buddy = services.current_buddy(user)
        presence = AgentPresence.objects.filter(agent=user).first()
        state = presence.state if presence else PresenceState.OFFLINE
        my_work_url = reverse("workitems:my_work")
        if current is not None:
            recent = history.customer_recent(customer=current.customer, user=user, exclude=current)
            notes = history.item_notes(item=current)
        else:
            recent, notes = {"contacts": [], "cases": []}, []
        ctx.update(
            current=current,
            current_forms=(
                holder_forms(current, user, buddy=buddy, next_url=my_work_url) if current else []
            ),
            page_obj=page,
            queue=page.object_list,
            is_paginated=page.has_other_pages(),
            buddy=buddy,
            presence=presence,
            presence_label=PresenceState(state).label,
            presence_form=PresenceForm(current=state),
            my_work_url=my_work_url,
            now=timezone.now(),
            startable={Status.ASSIGNED, Status.PENDING, Status.ESCALATED},
            recent_contacts=recent["contacts"],
            recent_cases=recent["cases"],
            notes=notes,
        )
        return ctx


class ClaimNextView(AgentRequiredMixin, View):
    """Take the most urgent item the agent's skills allow (or the one already given)."""

    def post(self, request):
        try:
            item = services.workitem_claim_next(agent=request.user)
        except WorkflowError as exc:
            messages.error(request, exc.message)
            return redirect("workitems:my_work")
        if item is None:
            messages.info(request, "Nothing is waiting for your skills right now.")
        else:
            messages.success(request, f"Your next item: #{item.pk} {item.title}.")
        return redirect("workitems:my_work")


class PresenceSetView(AgentRequiredMixin, View):
    """The states an agent sets themselves (break, training, ...); work sets the others."""

    def post(self, request):
        form = PresenceForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_error_text(form))
            return redirect("workitems:my_work")
        try:
            services.presence_set(agent=request.user, state=form.cleaned_data["state"])
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            label = PresenceState(form.cleaned_data["state"]).label
            messages.success(request, f"Your state is now: {label}.")
        return redirect("workitems:my_work")
