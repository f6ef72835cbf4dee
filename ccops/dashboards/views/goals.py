"""Shared goals: the list, one goal with its adjustments and audit trail, and its editor."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.views.generic import DetailView, ListView, UpdateView

from ...audit import audited, can_view_history, history_rows
from ...choices import Role
from ...kpi_models import GoalAdjustment, SharedGoal
from ...permissions import RoleRequiredMixin
from ..forms import GoalForm
from .base import DASHBOARD_ROLES

# Same as the API: supervisors (and Admins, who hold every role) write goals.
GOAL_WRITERS = (Role.SUPERVISOR,)


class GoalListView(RoleRequiredMixin, ListView):
    """Goals, by KPI then newest period. Queries: count, page."""

    required_roles = DASHBOARD_ROLES
    template_name = "ccops/dashboard/goal_list.html"
    context_object_name = "goals"
    paginate_by = 50
    queryset = SharedGoal.objects.order_by("kpi", "office", "-effective_from", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = self.request.user.has_role(*GOAL_WRITERS)
        return context


class GoalDetailView(RoleRequiredMixin, DetailView):
    """One goal with its adjustments; admins and supervisors also see its History.

    Queries: the goal, its adjustments, then the history (see ``ccops.audit``)."""

    required_roles = DASHBOARD_ROLES
    template_name = "ccops/dashboard/goal_detail.html"
    context_object_name = "goal"
    queryset = SharedGoal.objects.select_related("created_by").prefetch_related(
        Prefetch("adjustments", queryset=GoalAdjustment.objects.order_by("role", "tenure_band"))
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_edit"] = user.has_role(*GOAL_WRITERS)
        context["show_history"] = can_view_history(user)
        if context["show_history"]:
            context["history"] = history_rows(self.object)
        return context


class GoalUpdateView(RoleRequiredMixin, UpdateView):
    required_roles = GOAL_WRITERS
    template_name = "ccops/dashboard/goal_form.html"
    form_class = GoalForm
    model = SharedGoal
    context_object_name = "goal"

    def form_valid(self, form):
        goal = audited(form.instance, self.request.user)
        goal.save()
        messages.success(self.request, f"Goal {goal.name} saved.")
        return redirect("dashboard:goal_detail", pk=goal.pk)
