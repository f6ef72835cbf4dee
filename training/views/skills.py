"""The skills matrix per team (agents x skills, gaps highlighted) and its cell editor."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from ccops.audit import can_view_history, history_rows_for
from ccops.models import Team, User
from ccops.permissions import RoleRequiredMixin

from .. import selectors, services
from ..errors import TrainingError
from ..forms import AgentSkillForm
from ..models import AgentSkill, Skill
from ..services.common import is_hr, manages
from .common import MANAGERS, MATRIX_READERS, apply_errors


class SkillsMatrixView(RoleRequiredMixin, TemplateView):
    """HR, supervisors and planners read any team's matrix; HR and the team's supervisor
    edit it (a cell links to its editor)."""

    required_roles = MATRIX_READERS
    template_name = "training/matrix.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        teams = list(Team.objects.order_by("office", "name"))
        wanted = self.request.GET.get("team", "")
        team = next((t for t in teams if str(t.pk) == wanted), None)
        if team is None:
            team = next((t for t in teams if t.supervisor_id == user.pk), None)
        if team is None and user.team_id:
            team = next((t for t in teams if t.pk == user.team_id), None)
        team = team or (teams[0] if teams else None)
        context.update(teams=teams, team=team)
        if team is None:
            return context
        page = Paginator(selectors.matrix_agents(team), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        matrix = selectors.skills_matrix(
            team=team, agents=list(page.object_list), on=timezone.localdate()
        )
        context.update(
            matrix=matrix,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            query_string=f"team={team.pk}",
            can_edit=is_hr(user) or team.supervisor_id == user.pk,
        )
        return context


class AgentSkillEditView(RoleRequiredMixin, View):
    required_roles = MANAGERS
    template_name = "training/agent_skill_form.html"

    def load(self, request, agent_pk, skill_pk):
        agent = get_object_or_404(User.objects.select_related("team"), pk=agent_pk)
        skill = get_object_or_404(Skill, pk=skill_pk)
        if not manages(request.user, agent):
            raise PermissionDenied("Only HR or the agent's supervisor may change their skills.")
        row = AgentSkill.objects.filter(agent=agent, skill=skill).first()
        return agent, skill, row

    def back_url(self, agent):
        return f"{reverse('training:matrix')}?team={agent.team_id or ''}"

    def render_form(self, request, form, agent, skill, row, status=200):
        context = {"form": form, "agent": agent, "skill": skill, "row": row}
        context["back_url"] = self.back_url(agent)
        context["show_history"] = can_view_history(request.user)
        if context["show_history"]:  # kept across removals: filtered by agent and skill
            context["audit"] = history_rows_for(
                AgentSkill.history.filter(agent_id=agent.pk, skill_id=skill.pk)
            )
        return render(request, self.template_name, context, status=status)

    def get(self, request, agent_pk, skill_pk):
        agent, skill, row = self.load(request, agent_pk, skill_pk)
        initial = {"certified_on": timezone.localdate()}
        if row:
            initial = {
                "level": row.level,
                "certified_on": row.certified_on,
                "expires_on": row.expires_on,
            }
        return self.render_form(request, AgentSkillForm(initial=initial), agent, skill, row)

    def post(self, request, agent_pk, skill_pk):
        agent, skill, row = self.load(request, agent_pk, skill_pk)
        if request.POST.get("remove") and row is not None:
            services.agent_skill_remove(agent_skill=row, by=request.user)
            messages.success(request, f"{skill} removed from {agent}.")
            return redirect(self.back_url(agent))
        form = AgentSkillForm(request.POST)
        if form.is_valid():
            try:
                services.agent_skill_set(
                    agent=agent, skill=skill, by=request.user, **form.cleaned_data
                )
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, f"{agent}: {skill} set to level {form.cleaned_data['level']}."
                )
                return redirect(self.back_url(agent))
        return self.render_form(request, form, agent, skill, row, status=400)
