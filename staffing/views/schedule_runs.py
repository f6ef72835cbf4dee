"""Generated schedules: the planner's runs (generate a week, watch its progress, review the
grid and the coverage chart, edit and lock shifts, publish). Supervisors read."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from ccops.choices import Role
from ccops.models import Team

from .. import schedule_selectors as sel
from .. import services, time_off_selectors
from ..errors import StaffingError
from ..models import ScheduledShift, ScheduleRun
from ..schedule_models import ScheduledActivity
from .common import PlanReaderRequired, PlanWriterRequired, add_domain_error, week_of

RUNS_PER_PAGE = 20


class _Styled:
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs.setdefault("class", css)


class ScheduleRunForm(_Styled, forms.Form):
    week_start = forms.DateField(
        label="Week starting (Monday)", widget=forms.DateInput(attrs={"type": "date"})
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("office", "name"),
        required=False,
        help_text="None selected = every team.",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )


class ScheduledShiftForm(_Styled, forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Start", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(
        label="End", widget=forms.TimeInput(attrs={"type": "time"}), help_text="00:00 = midnight."
    )
    activity = forms.ChoiceField(label="Office", choices=ScheduledActivity.choices)
    locked = forms.BooleanField(
        required=False, help_text="Keep it when the week is generated again."
    )

    def span(self) -> tuple[datetime, datetime]:
        data = self.cleaned_data
        start = timezone.make_aware(datetime.combine(data["day"], data["start_time"]))
        end_day = data["day"] + timedelta(days=1) if data["end_time"] == time(0) else data["day"]
        end = timezone.make_aware(datetime.combine(end_day, data["end_time"]))
        return start, end


class ScheduledShiftAddForm(ScheduledShiftForm):
    """A new shift on the grid: the agent (one of the run's teams'), day, times, office."""

    field_order = ["agent", "day", "start_time", "end_time", "activity"]

    def __init__(self, *args, run: ScheduleRun, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["locked"]
        agents = sorted(sel.run_agents(run), key=lambda a: a.username)
        self.agents = {a.pk: a for a in agents}
        self.fields["agent"] = forms.TypedChoiceField(
            choices=[("", "---------")] + [(a.pk, str(a)) for a in agents], coerce=int
        )
        self.fields["agent"].widget.attrs["class"] = "form-select form-select-sm"
        self.order_fields(self.field_order)

    def clean_agent(self):
        return self.agents[self.cleaned_data["agent"]]


def _refuse(request, exc: StaffingError):
    if exc.status_code == 403:
        return HttpResponse(exc.message, status=403)
    return None


class ScheduleRunListView(PlanReaderRequired, TemplateView):
    """Runs, newest first (paginated), and the form that generates a week (planners).

    Queries: the page's runs with shift counts, their count, the team choices."""

    template_name = "staffing/schedule_runs.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = Paginator(sel.run_list(self.request.user), RUNS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        next_monday = week_of(timezone.localdate()) + timedelta(days=7)
        ctx.update(
            page_obj=page,
            runs=list(page.object_list),
            form=kwargs.get("form") or ScheduleRunForm(initial={"week_start": next_monday}),
            can_generate=self.request.user.has_role(Role.PLANNER),
        )
        return ctx

    def post(self, request):
        if not request.user.has_role(Role.PLANNER):
            return HttpResponse("Only planners and admins generate schedules.", status=403)
        form = ScheduleRunForm(request.POST)
        if form.is_valid():
            try:
                run = services.schedule_run_create(
                    week_start=form.cleaned_data["week_start"],
                    teams=[t.pk for t in form.cleaned_data["teams"]],
                    by=request.user,
                )
            except StaffingError as exc:
                refused = _refuse(request, exc)
                if refused:
                    return refused
                add_domain_error(form, exc)
            else:
                messages.success(request, f"Generating the week of {run.week_start:%d %b %Y}.")
                return redirect("staffing:schedule_run", pk=run.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ScheduleRunDetailView(PlanReaderRequired, TemplateView):
    """One run: progress while it solves (htmx polls ``?status=1``), then both
    under-coverage figures, the required-vs-scheduled chart and the agents x days grid.

    Queries: the run (with its shift count and teams), its shifts with agents, its coverage."""

    template_name = "staffing/schedule_run.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("status"):
            run = get_object_or_404(sel.runs_visible_to(request.user), pk=kwargs["pk"])
            if run.status in (ScheduleRun.Status.QUEUED, ScheduleRun.Status.RUNNING):
                return HttpResponse(
                    f'<span data-testid="run-progress">{run.get_status_display()}: '
                    f"{run.progress}%</span>"
                )
            response = HttpResponse("")
            response["HX-Refresh"] = "true"
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            run = sel.run_detail(kwargs["pk"], self.request.user)
        except ScheduleRun.DoesNotExist:
            from django.http import Http404

            raise Http404("No such run.") from None
        done = run.status == ScheduleRun.Status.DONE
        chart = (
            sel.chart_data(run)
            if done
            else {"front": {"labels": [], "types": []}, "back": [], "back_types": []}
        )
        ctx.update(
            run=run,
            grid=time_off_selectors.attach_grid(sel.run_grid(run) if done else None, run),
            chart=chart["front"],
            back_rows=chart["back"],
            back_types=chart["back_types"],
            pending=run.status in (ScheduleRun.Status.QUEUED, ScheduleRun.Status.RUNNING),
            can_edit=self.request.user.has_role(Role.PLANNER) and done,
            add_form=ScheduledShiftAddForm(run=run, initial={"day": run.week_start})
            if self.request.user.has_role(Role.PLANNER) and done
            else None,
            can_publish=self.request.user.has_role(Role.PLANNER) and done and not run.published,
        )
        return ctx


class ScheduleRunPublishView(PlanWriterRequired, View):
    def post(self, request, pk):
        run = get_object_or_404(ScheduleRun, pk=pk)
        try:
            services.schedule_run_publish(run=run, by=request.user)
        except StaffingError as exc:
            refused = _refuse(request, exc)
            if refused:
                return refused
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Published the week of {run.week_start:%d %b %Y}.")
        return redirect("staffing:schedule_run", pk=pk)


class ScheduledShiftEditView(PlanWriterRequired, TemplateView):
    """Edit one shift of a draft run: day, times, office, lock."""

    template_name = "staffing/scheduled_shift_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.shift = get_object_or_404(
            ScheduledShift.objects.select_related("agent", "run"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        local_start = timezone.localtime(self.shift.start)
        ctx["form"] = kwargs.get("form") or ScheduledShiftForm(
            initial={
                "day": local_start.date(),
                "start_time": local_start.time(),
                "end_time": timezone.localtime(self.shift.end).time(),
                "activity": self.shift.activity,
                "locked": self.shift.locked,
            }
        )
        ctx["shift"] = self.shift
        return ctx

    def post(self, request, pk):
        form = ScheduledShiftForm(request.POST)
        if form.is_valid():
            start, end = form.span()
            try:
                services.scheduled_shift_update(
                    shift=self.shift,
                    by=request.user,
                    start=start,
                    end=end,
                    activity=form.cleaned_data["activity"],
                    locked=form.cleaned_data["locked"],
                )
            except StaffingError as exc:
                refused = _refuse(request, exc)
                if refused:
                    return refused
                add_domain_error(form, exc)
                for name, target in (("start", "start_time"), ("end", "end_time")):
                    if name in exc.errors:
                        form.add_error(target, " ".join(exc.errors[name]))
            else:
                messages.success(request, f"Changed {self.shift}.")
                return redirect(
                    reverse("staffing:schedule_run", kwargs={"pk": self.shift.run_id}) + "#grid"
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ScheduledShiftLockView(PlanWriterRequired, View):
    def post(self, request, pk):
        shift = get_object_or_404(ScheduledShift, pk=pk)
        locked = request.POST.get("locked") == "1"
        try:
            services.scheduled_shift_lock(shift=shift, by=request.user, locked=locked)
        except StaffingError as exc:
            refused = _refuse(request, exc)
            if refused:
                return refused
            messages.error(request, exc.message)
        return redirect(reverse("staffing:schedule_run", kwargs={"pk": shift.run_id}) + "#grid")


class ScheduledShiftAddView(PlanWriterRequired, TemplateView):
    """Add a shift to a finished run (draft or published) from its grid."""

    template_name = "staffing/scheduled_shift_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.run = get_object_or_404(ScheduleRun, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = kwargs.get("form") or ScheduledShiftAddForm(
            run=self.run, initial={"day": self.run.week_start}
        )
        ctx["run"] = self.run
        return ctx

    def post(self, request, pk):
        form = ScheduledShiftAddForm(request.POST, run=self.run)
        if form.is_valid():
            start, end = form.span()
            try:
                shift = services.scheduled_shift_create(
                    run=self.run,
                    by=request.user,
                    agent=form.cleaned_data["agent"],
                    start=start,
                    end=end,
                    activity=form.cleaned_data["activity"],
                )
            except StaffingError as exc:
                refused = _refuse(request, exc)
                if refused:
                    return refused
                add_domain_error(form, exc)
                for name, target in (("start", "start_time"), ("end", "end_time")):
                    if name in exc.errors:
                        form.add_error(target, " ".join(exc.errors[name]))
            else:
                messages.success(request, f"Added {shift}.")
                return redirect(reverse("staffing:schedule_run", kwargs={"pk": pk}) + "#grid")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ScheduledShiftDeleteView(PlanWriterRequired, View):
    def post(self, request, pk):
        shift = get_object_or_404(ScheduledShift.objects.select_related("agent"), pk=pk)
        try:
            services.scheduled_shift_delete(shift=shift, by=request.user)
        except StaffingError as exc:
            refused = _refuse(request, exc)
            if refused:
                return refused
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Deleted {shift}.")
        return redirect(reverse("staffing:schedule_run", kwargs={"pk": shift.run_id}) + "#grid")
