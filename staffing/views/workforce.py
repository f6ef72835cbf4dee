"""Pages of the team-level workforce settings:

* Scheduling rules (planners, supervisors): each team's auto-approval switch (its supervisor
  or a planner turns it on or off) and rules (planners edit the team's defaults and agents'
  overrides; supervisors read their teams').
* Holiday balances (planners, HR, supervisors for their teams): allowance, taken, pending
  and balance per agent for a year, one grouped query; planners and HR edit the allowance;
  CSV or Excel export of the same table.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from ccops import exports
from ccops.choices import Role
from ccops.models import Team
from ccops.permissions import RoleRequiredMixin

from .. import services
from .. import time_off_selectors as sel
from ..errors import StaffingError
from ..models import ScheduleRules, TeamStaffingSettings
from ..permissions import SHIFT_EDITORS, supervised_team_ids
from ..rules_forms import LABELS, AllowanceForm, AutoApproveForm, ScheduleRulesForm
from ..schedule_selectors import agent_rules_row
from ..services.rules import RULE_FIELDS, auto_approval_default, can_edit_rules
from ..services.rules import can_edit_team_settings as can_edit_settings
from ..services.time_off import can_set_allowance
from .common import add_domain_error, error_message

User = get_user_model()
PER_PAGE = 25


def _teams_for(user):
    if user.has_role(Role.PLANNER):
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=supervised_team_ids(user)).order_by("name")


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


# --- Scheduling rules -------------------------------------------------------------------


class RulesView(RoleRequiredMixin, TemplateView):
    """Teams with their auto-approval switch and rules; planners also see the agents'
    overrides and open one by username (``?agent=``)."""

    template_name = "staffing/rules.html"
    required_roles = SHIFT_EDITORS

    def get(self, request, *args, **kwargs):
        username = request.GET.get("agent", "").strip()
        if username and can_edit_rules(request.user):
            agent = User.objects.filter(username=username[:150], groups__name=Role.AGENT).first()
            if agent is None:
                messages.error(request, f"No agent named {username[:150]}.")
            else:
                return redirect("staffing:agent_rules", pk=agent.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        teams = list(_teams_for(user))
        ids = [t.pk for t in teams]
        rules = {r.team_id: r for r in ScheduleRules.objects.filter(team_id__in=ids)}
        switches = dict(
            TeamStaffingSettings.objects.filter(team_id__in=ids).values_list(
                "team_id", "auto_approve"
            )
        )
        default_on = auto_approval_default()
        defaults = ScheduleRules()
        rows = [
            {
                "team": t,
                "rules": rules.get(t.pk) or defaults,
                "own_rules": t.pk in rules,
                "auto_approve": switches.get(t.pk, default_on),
                "can_switch": can_edit_settings(user, t.pk),
            }
            for t in teams
        ]
        overrides = ScheduleRules.objects.filter(agent__isnull=False).select_related("agent__team")
        if not user.has_role(Role.PLANNER):
            overrides = overrides.filter(agent__team_id__in=ids)
        page = Paginator(overrides.order_by("agent__username"), PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        ctx.update(
            rows=rows,
            page_obj=page,
            overrides=list(page.object_list),
            can_edit=can_edit_rules(user),
            labels=LABELS,
            default_on=default_on,
        )
        return ctx


class TeamAutoApproveView(RoleRequiredMixin, View):
    required_roles = SHIFT_EDITORS

    def post(self, request, pk: int):
        team = get_object_or_404(Team, pk=pk)
        form = AutoApproveForm(request.POST)
        form.is_valid()
        enabled = bool(form.cleaned_data.get("auto_approve"))
        try:
            services.team_auto_approve_set(team=team, enabled=enabled, by=request.user)
        except StaffingError as exc:
            if exc.status_code == 403:
                raise Http404 from None
            error_message(request, exc)
        else:
            state = "on" if enabled else "off"
            messages.success(request, f"Auto-approval for {team} is {state}.")
        return redirect("staffing:rules")


class _RulesEditView(RoleRequiredMixin, TemplateView):
    """Edit one rules row (a team's defaults or an agent's override): planners and admins."""

    template_name = "staffing/rules_edit.html"
    required_roles = (Role.PLANNER,)

    def target(self, pk: int) -> dict:
        raise NotImplementedError

    def _render(self, target, form):
        return self.render_to_response(self.get_context_data(form=form, **target))

    def get(self, request, pk: int):
        target = self.target(pk)
        return self._render(target, ScheduleRulesForm(instance=target["row"]))

    def post(self, request, pk: int):
        target = self.target(pk)
        form = ScheduleRulesForm(request.POST, instance=target["row"])
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in RULE_FIELDS}
            try:
                services.schedule_rules_set(
                    by=request.user,
                    values=values,
                    team=target.get("team"),
                    agent=target.get("agent"),
                )
            except StaffingError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, f"Rules of {target['name']} saved.")
                return redirect("staffing:rules")
        return self._render(target, form)


class TeamRulesEditView(_RulesEditView):
    def target(self, pk: int) -> dict:
        team = get_object_or_404(Team, pk=pk)
        row = ScheduleRules.objects.filter(team=team).first() or ScheduleRules()
        return {"team": team, "row": row, "name": str(team), "kind": "team"}


class AgentRulesEditView(_RulesEditView):
    def target(self, pk: int) -> dict:
        agent = get_object_or_404(
            User.objects.select_related("team"), pk=pk, groups__name=Role.AGENT
        )
        row, overriding = agent_rules_row(agent)
        return {
            "agent": agent,
            "row": row,
            "name": str(agent),
            "kind": "agent",
            "overriding": overriding,
        }


class AgentRulesClearView(RoleRequiredMixin, View):
    required_roles = (Role.PLANNER,)

    def post(self, request, pk: int):
        agent = get_object_or_404(User, pk=pk, groups__name=Role.AGENT)
        if services.schedule_rules_clear(by=request.user, agent=agent):
            messages.success(request, f"{agent} follows their team's rules again.")
        return redirect("staffing:rules")


# --- Holiday balances ---------------------------------------------------------------------

BALANCE_HEADER = ["Agent", "Username", "Team", "Year", "Allowance (days)", "Taken (days)"]
BALANCE_HEADER += ["Pending (days)", "Balance (days)"]


def _year(request) -> int:
    year = _int_param(request, "year")
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


def _balances(request):
    year = _year(request)
    teams = list(sel.balance_teams_for(request.user))
    team_id = _int_param(request, "team")
    if team_id is not None and team_id not in {t.pk for t in teams}:
        team_id = None
    return year, teams, team_id, sel.balances(request.user, year, team_id=team_id)


class BalancesView(RoleRequiredMixin, TemplateView):
    template_name = "staffing/balances.html"
    required_roles = sel.BALANCE_READERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        year, teams, team_id, rows = _balances(self.request)
        page = Paginator(rows, PER_PAGE).get_page(self.request.GET.get("page"))
        query = f"year={year}" + (f"&team={team_id}" if team_id else "")
        ctx.update(
            year=year,
            teams=teams,
            team_id=team_id,
            page_obj=page,
            rows=list(page.object_list),
            can_edit=can_set_allowance(self.request.user),
            query=query,
            years=[year - 1, year, year + 1],
        )
        return ctx


class BalancesExportView(RoleRequiredMixin, View):
    required_roles = sel.BALANCE_READERS

    def get(self, request):
        year, _, team_id, qs = _balances(request)

        def rows():
            for a in qs.iterator(chunk_size=2000):
                team = a.team.name if a.team_id else ""
                yield [str(a), a.username, team, year, a.allowed, a.taken, a.pending, a.balance]

        name = f"holiday-balances-{year}" + (f"-team-{team_id}" if team_id else "")
        return exports.table_response(
            request, BALANCE_HEADER, rows(), name, title="Holiday balances"
        )


class AllowanceSetView(RoleRequiredMixin, View):
    required_roles = (Role.PLANNER, Role.HR)

    def post(self, request):
        form = AllowanceForm(request.POST)
        back = reverse("staffing:balances")
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{LABEL.get(field, field)}: {' '.join(errors)}")
            return redirect(back)
        data = form.cleaned_data
        agent = get_object_or_404(User, pk=data["agent"], groups__name=Role.AGENT)
        try:
            row = services.allowance_set(
                agent=agent, year=data["year"], days=data["days"], by=request.user
            )
        except StaffingError as exc:
            error_message(request, exc)
        else:
            messages.success(request, f"{agent}'s allowance for {row.year}: {row.days} days.")
        query = f"?year={data['year']}"
        team = request.POST.get("team", "")
        if team.isdigit() and len(team) < 10:
            query += f"&team={team}"
        page = request.POST.get("page", "")
        if page.isdigit() and len(page) < 6:
            query += f"&page={page}"
        return redirect(back + query)


LABEL = {"agent": "Agent", "year": "Year", "days": "Allowance (days)"}
