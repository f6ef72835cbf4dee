"""Plan pages: the list (with a create form), the editor, and the plan actions."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView

from ccops.audit import can_view_history, history_rows
from ccops.choices import Office

from .. import selectors, services
from ..errors import StaffingError
from ..forms import LineOverrideForm, PlanCopyForm, PlanForm
from ..models import PlanLine, StaffingPlan
from ..permissions import PLAN_WRITERS
from .common import PlanReaderRequired, PlanWriterRequired, add_domain_error, date_param


class PlanListView(PlanReaderRequired, ListView):
    """Plans, newest first, with their line and short-interval counts (one page query)."""

    template_name = "staffing/plan_list.html"
    paginate_by = 20
    context_object_name = "plans"

    def get_queryset(self):
        return selectors.plan_list()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        monday = today - timedelta(days=today.weekday())
        ctx["can_write"] = self.request.user.has_role(*PLAN_WRITERS)
        ctx["form"] = kwargs.get("form") or PlanForm(
            initial={
                "name": f"Week {monday.isocalendar()[1]} {monday.year}",
                "start": monday,
                "end": monday + timedelta(days=6),
                "target_service_level": 0.8,
                "shrinkage": 0.3,
                "productive_hours": 7.5,
            }
        )
        return ctx

    def post(self, request, *args, **kwargs):
        if not request.user.has_role(*PLAN_WRITERS):
            self.raise_exception = True
            return self.handle_no_permission()
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.plan_create(by=request.user, **form.cleaned_data)
            except StaffingError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, f"Plan {plan.name} built: {plan.lines.count()} lines.")
                return redirect("staffing:plan_detail", pk=plan.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PlanDetailView(PlanReaderRequired, DetailView):
    """The plan editor: day summary per work type, one day's lines with what-if volumes.

    Queries: the plan, the day summary (one GROUP BY), the chosen day's lines."""

    template_name = "staffing/plan_detail.html"
    context_object_name = "plan"

    def get_queryset(self):
        return StaffingPlan.objects.select_related("created_by", "copied_from")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan = self.object
        default = min(max(timezone.localdate(), plan.start), plan.end)
        day = date_param(self.request, "day", default)
        if not plan.start <= day <= plan.end:
            day = default
        summary = selectors.plan_day_summary(plan=plan)
        lines = list(selectors.plan_lines_for_day(plan=plan, day=day))
        front = [ln for ln in lines if ln.work_type.office == Office.FRONT]
        back = [ln for ln in lines if ln.work_type.office == Office.BACK]
        chart = self._chart(front)
        days = [plan.start + timedelta(days=i) for i in range((plan.end - plan.start).days + 1)]
        ctx.update(
            day=day,
            days=days,
            summary=summary,
            front_lines=front,
            back_lines=back,
            chart=chart,
            editable=not plan.is_published and self.request.user.has_role(*PLAN_WRITERS),
            can_write=self.request.user.has_role(*PLAN_WRITERS),
            copy_form=PlanCopyForm(initial={"name": f"{plan.name} (what-if)"}),
            show_history=can_view_history(self.request.user),
        )
        if ctx["show_history"]:
            ctx["history"] = history_rows(plan)
        return ctx

    @staticmethod
    def _chart(front_lines):
        labels: list[str] = []
        required: dict[str, list] = {}
        scheduled: dict[str, list] = {}
        for line in front_lines:
            label = timezone.localtime(line.interval_start).strftime("%H:%M")
            if label not in labels:
                labels.append(label)
            required.setdefault(line.work_type.name, []).append(line.required_agents)
            scheduled.setdefault(line.work_type.name, []).append(line.scheduled_agents)
        datasets = []
        for name in required:
            datasets.append({"label": f"{name} required", "data": required[name], "stepped": True})
            datasets.append({"label": f"{name} scheduled", "data": scheduled[name], "dashed": True})
        return {"labels": labels, "datasets": datasets}


class PlanActionView(PlanWriterRequired, View):
    """POST publish / build / copy / delete on a plan (planners)."""

    def post(self, request, pk, action):
        plan = get_object_or_404(StaffingPlan, pk=pk)
        target = reverse("staffing:plan_detail", args=[plan.pk])
        try:
            if action == "publish":
                services.plan_publish(plan=plan, by=request.user)
                messages.success(request, f"{plan.name} is published and now read-only.")
            elif action == "build":
                services.plan_build(plan=plan, by=request.user)
                messages.success(request, f"{plan.name} rebuilt from today's forecasts and shifts.")
            elif action == "copy":
                form = PlanCopyForm(request.POST)
                name = form.cleaned_data.get("name") if form.is_valid() else None
                copy = services.plan_copy(plan=plan, by=request.user, name=name)
                messages.success(request, f"Copied to the draft {copy.name}.")
                target = reverse("staffing:plan_detail", args=[copy.pk])
            elif action == "delete":
                services.plan_delete(plan=plan, by=request.user)
                messages.success(request, f"{plan.name} deleted.")
                target = reverse("staffing:plan_list")
            else:
                return redirect(target)
        except StaffingError as exc:
            messages.error(request, exc.message)
        return redirect(target)


class PlanLineOverrideView(PlanWriterRequired, View):
    """POST a line's what-if volume (empty clears it); the type's lines are recomputed."""

    def post(self, request, pk, line_pk):
        line = get_object_or_404(
            PlanLine.objects.select_related("work_type"), pk=line_pk, plan_id=pk
        )
        form = LineOverrideForm(request.POST)
        day = timezone.localtime(line.interval_start).date()
        target = f"{reverse('staffing:plan_detail', args=[pk])}?day={day.isoformat()}"
        if not form.is_valid():
            messages.error(request, "Volume: " + " ".join(form.errors.get("override_volume", [])))
            return redirect(target)
        try:
            updated = services.plan_line_set_override(
                line=line, volume=form.cleaned_data["override_volume"], by=request.user
            )
        except StaffingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"{line.work_type} {timezone.localtime(line.interval_start):%a %H:%M}: "
                f"{updated.required_agents} agents required.",
            )
        return redirect(target)
