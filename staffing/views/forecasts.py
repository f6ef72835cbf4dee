"""Forecast pages: accuracy and totals per work type; one type's day with overrides."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from ccops.choices import Office
from workitems.models import WorkType

from .. import selectors, services
from ..errors import StaffingError
from ..forms import ForecastEventForm, ForecastOverrideForm, ForecastRebuildForm
from ..models import ForecastEvent, ForecastOverride
from ..permissions import PLAN_WRITERS
from ..timeutil import day_start, intervals_of
from .common import PlanReaderRequired, PlanWriterRequired, date_param


class ForecastListView(PlanReaderRequired, TemplateView):
    """Per work type: the day's forecast total, method and accuracy of the last rebuild
    (MAPE/WAPE on the held-out week). Queries: types, day totals, latest builds."""

    template_name = "staffing/forecasts.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        day = date_param(self.request, "day", timezone.localdate())
        ctx.update(
            day=day,
            rows=selectors.forecast_overview(day=day),
            events=selectors.upcoming_forecast_events(on=day),
            event_form=ForecastEventForm(),
            can_write=self.request.user.has_role(*PLAN_WRITERS),
        )
        return ctx


class ForecastEventCreateView(PlanWriterRequired, View):
    """Planners add a holiday or event; it applies from the types' next rebuild."""

    def post(self, request):
        form = ForecastEventForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{form.fields[field].label or field}: {errors[0]}")
            return redirect("staffing:forecasts")
        try:
            event = services.forecast_event_create(by=request.user, **form.cleaned_data)
        except StaffingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Event saved: {event}. It applies from the next rebuild.")
        return redirect("staffing:forecasts")


class ForecastEventDeleteView(PlanWriterRequired, View):
    def post(self, request, pk):
        event = get_object_or_404(ForecastEvent, pk=pk)
        services.forecast_event_delete(event=event, by=request.user)
        messages.success(request, "Event removed: it stops applying at the next rebuild.")
        return redirect("staffing:forecasts")


class ForecastRebuildView(PlanWriterRequired, View):
    def post(self, request):
        form = ForecastRebuildForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose an active work type.")
        else:
            try:
                build = services.forecast_build(work_type=form.cleaned_data["work_type"])
            except StaffingError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    f"{build.work_type}: rebuilt with {build.get_method_display()}"
                    + (
                        f", backtest WAPE {build.wape:.0%} (seasonal naive {build.naive_wape:.0%})."
                        if build.wape is not None and build.naive_wape is not None
                        else "."
                    ),
                )
        return redirect("staffing:forecasts")


class ForecastTypeView(PlanReaderRequired, TemplateView):
    """One work type: the chosen model, its backtest WAPE beside seasonal naive's, the noise
    warning, a chart of four weeks of history and two weeks of forecast with its interval,
    and the overrides (every day of the two weeks for casework; the chosen day's intervals
    for queues). Queries: work type, latest build, history counts, forecast values,
    overrides (plus the session's and the user's)."""

    template_name = "staffing/forecast_type.html"
    HISTORY_DAYS = 28
    FORECAST_DAYS = 14

    def dispatch(self, request, *args, **kwargs):
        self.work_type = get_object_or_404(WorkType, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        day = date_param(self.request, "day", timezone.localdate())
        front = self.work_type.office == Office.FRONT
        chart, by_start = selectors.forecast_chart(
            work_type=self.work_type,
            day=day,
            history_days=self.HISTORY_DAYS,
            days=self.FORECAST_DAYS,
        )
        if front:
            slots = intervals_of(day)
        else:
            slots = [day_start(day + timedelta(days=i)) for i in range(self.FORECAST_DAYS)]
        rows = []
        for at in slots:
            row = by_start.get(at) or {}
            override = row.get("override")
            model = row.get("model")
            rows.append(
                {
                    "interval_start": at,
                    "model": model,
                    "lower": row.get("lower"),
                    "upper": row.get("upper"),
                    "adjusted": row.get("adjusted", False),
                    "override": override,
                    "aht": row.get("aht"),
                    "volume": override if override is not None else (model or 0.0),
                }
            )
        build = selectors.latest_build(work_type=self.work_type)
        ctx.update(
            work_type=self.work_type,
            day=day,
            end_day=day + timedelta(days=self.FORECAST_DAYS - 1),
            history_from=day - timedelta(days=self.HISTORY_DAYS),
            history_to=day - timedelta(days=1),
            rows=rows,
            build=build,
            chart=chart,
            total_model=sum(r["model"] or 0 for r in rows),
            total=sum(r["volume"] or 0 for r in rows),
            can_write=self.request.user.has_role(*PLAN_WRITERS),
        )
        return ctx

    def post(self, request, pk):
        if not request.user.has_role(*PLAN_WRITERS):
            self.raise_exception = True
            return self.handle_no_permission()
        form = ForecastOverrideForm(request.POST)
        url = reverse("staffing:forecast_type", args=[pk])
        if not form.is_valid():
            messages.error(request, "Volume must be a number >= 0 (empty removes the override).")
            return redirect(url)
        at = form.cleaned_data["interval_start"]
        day = timezone.localtime(at).date().isoformat()
        try:
            if form.cleaned_data["volume"] is None:
                override = ForecastOverride.objects.filter(
                    work_type=self.work_type, interval_start=at
                ).first()
                if override:
                    services.forecast_override_delete(override=override, by=request.user)
                messages.success(request, "Override removed: the model's value applies.")
            else:
                services.forecast_override_set(
                    work_type=self.work_type,
                    interval_start=at,
                    volume=form.cleaned_data["volume"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, "Override saved.")
        except StaffingError as exc:
            messages.error(request, exc.message)
        return redirect(f"{url}?day={day}")
