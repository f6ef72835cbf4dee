"""The Erlang calculator and the back-office backlog plan pages."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.views.generic import TemplateView

from ccops.choices import Office
from workitems.models import WorkType

from .. import calculators, selectors
from ..backlog import BacklogInputError, working_days
from ..erlang import ErlangInputError
from ..forms import BacklogForm, ErlangForm
from ..timeutil import day_start
from .common import PlanReaderRequired


def _bound(form_class, data):
    """A bound form: the query string, or the initial values when there is none."""
    if not any(k in data for k in form_class.base_fields):
        data = {
            name: field.initial
            for name, field in form_class.base_fields.items()
            if field.initial is not None
        }
    return form_class(data)


class ErlangCalculatorView(PlanReaderRequired, TemplateView):
    """Agents for one interval and the service-level curve as agents vary (no queries)."""

    template_name = "staffing/erlang.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["staffing/_erlang_result.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = _bound(ErlangForm, self.request.GET)
        result = curve = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = calculators.erlang_calculate(**data)
                curve = calculators.erlang_curve(
                    volume=data["volume"],
                    aht_seconds=data["aht_seconds"],
                    interval_minutes=data["interval_minutes"],
                    target_answer_seconds=data["target_answer_seconds"],
                    agents=max(result["agents"], 1),
                )
            except ErlangInputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                result = None
        ctx.update(
            form=form,
            result=result,
            chart={
                "curve": curve or [],
                "target": form.cleaned_data.get("target_service_level")
                if form.is_valid()
                else None,
                "agents": result["agents"] if result else None,
            },
        )
        return ctx


class BacklogPlanView(PlanReaderRequired, TemplateView):
    """Back-office plan: project a backlog day by day and the agents each day needs.

    ``?work_type=<id>`` fills the form from that type's forecast, SLA and open backlog
    (three queries: the type, its forecast, its open items by due day)."""

    template_name = "staffing/backlog.html"
    horizon_days = 10

    def _prefill(self, work_type: WorkType) -> dict:
        today = timezone.localdate()
        days = working_days(today, self.horizon_days, weekdays_only=True)
        data = selectors.effective_forecast(
            work_type_ids=[work_type.pk],
            start=day_start(days[0]),
            end=day_start(days[-1] + timedelta(days=1)),
        )
        arrivals, ahts = [], []
        for d in days:
            row = data.get((work_type.pk, day_start(d))) or {}
            arrivals.append(round(row.get("volume") or 0))
            if row.get("aht"):
                ahts.append(row["aht"])
        buckets = selectors.open_backlog_buckets(work_type_ids=[work_type.pk]).get(work_type.pk, {})
        aht = (sum(ahts) / len(ahts) / 60) if ahts else float(work_type.standard_minutes)
        return {
            # On a weekend the plan starts on the next working day, where arrivals[0] falls.
            "start": days[0].isoformat(),
            "arrivals": ", ".join(str(a) for a in arrivals),
            "aht_minutes": round(aht, 2),
            "sla_working_days": max(0, work_type.sla.days + (1 if work_type.sla.seconds else 0)),
            "productive_hours": 7.5,
            "shrinkage": 0.15,
            "starting_backlog": sum(buckets.values()),
            "starting_past_due": sum(n for due, n in buckets.items() if due < today),
            "weekdays_only": "on",
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        back_types = list(WorkType.objects.filter(active=True, office=Office.BACK))
        chosen = next(
            (wt for wt in back_types if str(wt.pk) == self.request.GET.get("work_type")), None
        )
        # "Load" sends only the work type: fill the form from it. "Project" sends the form's
        # fields and the chosen type with them: keep both as the planner left them.
        submitted = any(k in self.request.GET for k in BacklogForm.base_fields)
        if chosen is not None and not submitted:
            form = BacklogForm(self._prefill(chosen))
        else:
            data = self.request.GET.copy()
            if not any(k in data for k in BacklogForm.base_fields):
                data = {
                    "start": timezone.localdate().isoformat(),
                    "arrivals": "120, 140, 110, 95, 130, 150, 100, 90, 120, 110",
                    "aht_minutes": 25,
                    "sla_working_days": 2,
                    "productive_hours": 7.5,
                    "shrinkage": 0.15,
                    "starting_backlog": 260,
                    "starting_past_due": 40,
                    "weekdays_only": "on",
                }
            form = BacklogForm(data)
        result = None
        if form.is_valid():
            d = form.cleaned_data
            today = d["start"]
            open_items = d.get("starting_backlog") or 0
            late = d.get("starting_past_due") or 0
            buckets = []
            if late:
                buckets.append({"count": late, "due_date": today - timedelta(days=1)})
            if open_items - late:
                # Open, not yet late: assumed due as late as the SLA allows from the start.
                due = working_days(
                    today, d["sla_working_days"] + 1, weekdays_only=d["weekdays_only"]
                )[-1]
                buckets.append({"count": open_items - late, "due_date": due})
            try:
                result = calculators.backlog_calculate(
                    start=today,
                    arrivals=d["arrivals"],
                    aht_minutes=d["aht_minutes"],
                    sla_working_days=d["sla_working_days"],
                    productive_hours=d["productive_hours"],
                    shrinkage=d["shrinkage"],
                    weekdays_only=d["weekdays_only"],
                    starting_backlog=buckets,
                    agents=d.get("agents_list"),
                )
            except BacklogInputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        chart = None
        if result:
            chart = {
                "labels": [day["date"].strftime("%a %d %b") for day in result["days"]],
                "arrivals": [day["arrivals"] for day in result["days"]],
                "backlog": [day["backlog_end"] for day in result["days"]],
                "past_due": [day["past_due_end"] for day in result["days"]],
                "required": result["required_agents"],
                "agents": [day["agents"] for day in result["days"]],
            }
        ctx.update(form=form, result=result, chart=chart, back_types=back_types, chosen=chosen)
        return ctx
