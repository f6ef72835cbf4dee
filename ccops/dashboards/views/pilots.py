"""Pilots: the list, a form to start one, and the result page (difference in differences)."""

import json

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import CreateView, ListView

from ...audit import audited, can_view_history, history_rows
from ...choices import Role
from ...kpi_models import Pilot
from ...kpis import pilots as pilot_service
from ...models import Team, User
from ...permissions import RoleRequiredMixin
from ..forms import PilotForm
from ..tables import Cell, Table, fmt
from .base import DASHBOARD_ROLES, DashboardView

PILOT_WRITERS = (Role.SUPERVISOR,)


def _with_members(qs):
    users = User.objects.only("id", "username", "display_name", "first_name", "last_name")
    teams = Team.objects.only("id", "name", "office")
    return qs.prefetch_related(
        Prefetch("pilot_agents", queryset=users),
        Prefetch("pilot_teams", queryset=teams),
        Prefetch("control_agents", queryset=users),
        Prefetch("control_teams", queryset=teams),
    )


class PilotListView(RoleRequiredMixin, ListView):
    """Pilots, newest first. Queries: count, page, and one prefetch per group relation."""

    required_roles = DASHBOARD_ROLES
    template_name = "ccops/dashboard/pilot_list.html"
    context_object_name = "pilots"
    paginate_by = 25

    def get_queryset(self):
        return _with_members(Pilot.objects.order_by("-starts_on", "name"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.request.user.has_role(*PILOT_WRITERS)
        return context


class PilotCreateView(RoleRequiredMixin, CreateView):
    required_roles = PILOT_WRITERS
    template_name = "ccops/dashboard/pilot_form.html"
    form_class = PilotForm

    def form_valid(self, form):
        form.instance.created_by = self.request.user
        audited(form.instance, self.request.user)
        pilot = form.save()
        messages.success(self.request, f"Pilot {pilot} created.")
        return redirect("dashboard:pilot_detail", pk=pilot.pk)


class PilotDetailView(DashboardView):
    """Pilot versus control, before and during, per KPI: effect, CI, p-value, verdict."""

    template_name = "ccops/dashboard/pilot_detail.html"
    export_stem = "pilot"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pilot = get_object_or_404(_with_members(Pilot.objects.all()), pk=kwargs["pk"])
        outcomes = pilot_service.results(pilot)
        spans = pilot_service.periods(pilot)
        table = Table(
            "results",
            "Results (difference in differences)",
            [
                "KPI",
                "Pilot before",
                "Pilot during",
                "Control before",
                "Control during",
                "Effect",
                "CI low",
                "CI high",
                "p-value",
                "Adjusted p (Holm)",
                "Effect size (SD)",
                "Days (pb/pd/cb/cd)",
                "Verdict",
            ],
        )
        for o in outcomes:
            r, d = o.result, max(o.kpi.decimals, 1)
            means = [fmt(r.means[g], d) for g in ("pilot_before", "pilot_during")]
            means += [fmt(r.means[g], d) for g in ("control_before", "control_during")]
            css = "text-success" if r.significant else ""
            table.rows.append(
                [Cell(f"{o.kpi.name} ({o.kpi.unit})")]
                + [Cell(m) for m in means]
                + [
                    Cell(fmt(r.effect, d), css=css),
                    Cell(fmt(r.ci_low, d)),
                    Cell(fmt(r.ci_high, d)),
                    Cell("-" if r.p_value is None else f"{r.p_value:.3f}"),
                    Cell("-" if r.p_adjusted is None else f"{r.p_adjusted:.3f}", css=css),
                    Cell("-" if r.effect_size is None else f"{r.effect_size:.2f}"),
                    Cell("/".join(str(r.n[g]) for g in r.n)),
                    Cell(r.verdict),
                ]
            )
        plan = Table(
            "planning",
            "Minimum detectable effect (power 80%, from the baseline's paired days)",
            ["KPI", "MDE", "Day-to-day SD", "Autocorrelation", "History days", "Planned days"],
        )
        for p in pilot_service.planning(pilot):
            m, d = p.mde, max(p.kpi.decimals, 1)
            plan.rows.append(
                [
                    Cell(f"{p.kpi.name} ({p.kpi.unit})"),
                    Cell(fmt(m.mde, d)),
                    Cell(fmt(m.sd, d)),
                    Cell(fmt(m.rho, 2)),
                    Cell(str(m.history_days)),
                    Cell(f"{m.n_before} before / {m.n_during} during"),
                ]
            )
        context.update(
            pilot=pilot,
            outcomes=outcomes,
            spans=spans,
            tables=[table, plan],
            chart=_chart(outcomes, spans),
            default_kpi=outcomes[0].kpi.key if outcomes else "",
            show_history=can_view_history(self.request.user),
        )
        if context["show_history"]:
            context["history"] = history_rows(pilot)
        return context


def _chart(outcomes, spans) -> str:
    first, last = spans.before[0], spans.during[1]
    days = [first.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]
    kpis = {}
    for o in outcomes:
        kpis[o.kpi.key] = {
            "name": o.kpi.name,
            "unit": o.kpi.unit,
            "series": {
                group: [round(o.daily[group][d], 3) if d in o.daily[group] else None for d in days]
                for group in ("pilot", "control")
            },
        }
    payload = {
        "labels": [d.isoformat() for d in days],
        "kpis": kpis,
        "scopes": {"pilot": "Pilot group", "control": "Control group"},
    }
    return json.dumps(payload, separators=(",", ":"))
